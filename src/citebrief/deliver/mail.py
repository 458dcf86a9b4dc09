"""Sending the briefings by email over SMTP (the only module that speaks SMTP).

Each briefing is one multipart message (the Markdown as plain text, the self-contained HTML as
the alternative) to the configured recipients, over one connection per run: STARTTLS, SSL or
none, with a login when a user is set (the password comes from the settings, never from argv,
and is never printed). A message counts as sent to a recipient only when the server accepted
it for that recipient; the caller records that, so a re-run sends nothing twice.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from citebrief.errors import ConfigError
from citebrief.settings import DeliverSettings


@dataclass(frozen=True, slots=True)
class Outgoing:
    week: str
    topic: str
    recipients: list[str]
    subject: str
    text: str
    html: str


@dataclass(slots=True)
class Delivery:
    item: Outgoing
    message_id: str = ""
    accepted: list[str] = field(default_factory=list)
    reason: str = ""  # why some or all recipients did not get it ("" when all did)


def check(settings: DeliverSettings) -> None:
    """ConfigError, before any work, when email cannot be sent as configured."""
    missing = [
        name
        for name, value in (
            ("CITEBRIEF_SMTP_HOST", settings.smtp_host),
            ("CITEBRIEF_EMAIL_FROM", settings.email_from),
            ("CITEBRIEF_EMAIL_TO", settings.recipients),
        )
        if not value
    ]
    if missing:
        raise ConfigError(
            f"email is not configured: set {', '.join(missing)}",
            hint="see README, 'Delivering the weekly briefings'",
        )


def compose(item: Outgoing, sender: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = item.subject
    message["From"] = sender
    message["To"] = ", ".join(item.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(item.text)
    message.add_alternative(item.html, subtype="html")
    return message


Connect = Callable[[DeliverSettings], smtplib.SMTP]


def connect(settings: DeliverSettings) -> smtplib.SMTP:
    """A logged-in SMTP connection as the settings say."""
    assert settings.smtp_host is not None
    context = ssl.create_default_context(
        cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    )
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout
    client: smtplib.SMTP
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
        if settings.smtp_security == "starttls":
            client.starttls(context=context)
    if settings.smtp_user:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        client.login(settings.smtp_user, password)
    return client


def send(
    settings: DeliverSettings, items: list[Outgoing], opener: Connect = connect
) -> list[Delivery]:
    """Send each item; a failure is a reason on its delivery (and on every later one when the
    connection is lost), never an exception."""
    check(settings)
    assert settings.email_from is not None
    domain = settings.email_from.rpartition("@")[2] or "citebrief.local"
    out = [Delivery(item) for item in items]
    if not items:
        return out
    try:
        client = opener(settings)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        reason = _reason(exc, settings)
        for delivery in out:
            delivery.reason = reason
        return out
    try:
        for delivery in out:
            delivery.message_id = make_msgid(domain=domain)
            message = compose(delivery.item, settings.email_from, delivery.message_id)
            try:
                refused = client.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                delivery.reason = "the server refused every recipient: " + _refused(exc.recipients)
                continue
            except (smtplib.SMTPException, OSError) as exc:
                delivery.reason = _reason(exc, settings)
                if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                    for later in out[out.index(delivery) + 1 :]:
                        later.reason = delivery.reason
                    break
                continue
            delivery.accepted = [r for r in delivery.item.recipients if r not in refused]
            if refused:
                delivery.reason = "the server refused " + _refused(refused)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return out


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(
        f"{r} ({code} {text.decode(errors='replace').strip()})"
        for r, (code, text) in recipients.items()
    )


def _reason(exc: BaseException, settings: DeliverSettings) -> str:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"the SMTP server {where} refused the login (check CITEBRIEF_SMTP_USER and "
            "CITEBRIEF_SMTP_PASSWORD)"
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the SMTP server {where} closed the connection"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"the SMTP server {where} answered {exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with the SMTP server {where} failed: {exc.reason or exc}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"the SMTP server {where} did not answer within {settings.smtp_timeout:g} s"
    if isinstance(exc, OSError):
        return f"cannot connect to the SMTP server {where}: {exc.strerror or exc}"
    return f"SMTP error with {where}: {exc}"
