"""The weekly briefing reaches its readers, and says what changed since last week.

Real parts throughout: the CLI in subprocesses on the sample corpus (two consecutive weeks:
the HBM rule of week 46 continues in week 47 with its publication in the Federal Register), the
static archive opened in Chromium, its Atom feed parsed by feedparser and ingested back by
citebrief over HTTP, a real SMTP server (aiosmtpd) on 127.0.0.1 that accepts, refuses, drops
the connection or rejects a password, STARTTLS with a private CA, the scripted OpenAI server
for the token budget, and a second process racing for the lock.
"""

from __future__ import annotations

import contextlib
import email
import json
import shutil
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from email.message import Message
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from playwright.sync_api import sync_playwright

from citebrief.files import exclusive
from tests.conftest import CORPUS, run_cli
from tests.e2e.test_html import CHROMIUM, CHROMIUM_ARGS
from tests.openai_server import ChatServer

pytestmark = pytest.mark.timeout(600)

TOPICS = str(CORPUS / "topics.txt")
W46, W47 = "2026-11-15", "latest"
MAIL = {
    "CITEBRIEF_SMTP_HOST": "127.0.0.1",
    "CITEBRIEF_SMTP_SECURITY": "none",
    "CITEBRIEF_EMAIL_FROM": "briefings@team.example",
    "CITEBRIEF_EMAIL_TO": "ada@team.example, bo@team.example",
}


# --- the two weeks, once for the module -----------------------------------------------------
@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the sample corpus and its weeks 46 and 47 briefed and published; the
    briefings and the site are beside the home (the working folder)."""
    home = tmp_path_factory.mktemp("weekly") / "home"
    assert run_cli(home, "ingest", str(CORPUS / "sources.txt")).returncode == 0
    for day in (W46, W47):
        done = run_cli(home, "weekly", "--topics", TOPICS, "--as-of", day, "--publish", "site")
        assert done.returncode == 0, done.stderr
    return home


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def copy_of(weeks: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "w"
    shutil.copytree(weeks.parent, folder)
    return folder / "home"


# === what changed =============================================================================
def test_a_continuing_story_is_marked_developing_and_linked_to_last_week(weeks: Path) -> None:
    briefings = weeks.parent / "briefings"
    before = load(briefings / "2026-W46-hbm-export-controls.json")
    after = load(briefings / "2026-W47-hbm-export-controls.json")
    assert before["since_last"].startswith("First briefing")
    assert after["since_last"].startswith("Since last week: ")
    changes = [t["change"] for t in after["takeaways"]]
    assert {c["status"] for c in changes} <= {"new", "continuing", "developing"}
    developing = [t for t in after["takeaways"] if t["change"]["status"] == "developing"]
    assert developing, "the HBM rule continues into week 47"
    last_week = {t["story"]["id"]: t for t in before["takeaways"]}
    for t in developing:
        previous = t["change"]["previous"]
        assert previous["week"] == "2026-W46"
        assert previous["page"] == "2026-W46-hbm-export-controls"
        assert last_week[t["story"]["id"]]["number"] == previous["number"]
        fresh = {s["number"]: s["published"] for s in after["sources"]}
        assert t["change"]["fresh"]
        assert all(fresh[n] > before["window"]["end"] for n in t["change"]["fresh"])
        first = t["sentences"][0]  # what is new comes first
        assert set(first["citations"]) & set(t["change"]["fresh"])
    for t in after["takeaways"]:
        if t["change"]["status"] == "new":
            assert t["story"]["id"] not in last_week
    markdown = (briefings / "2026-W47-hbm-export-controls.md").read_text("utf-8")
    assert "*developing*" in markdown
    assert "(2026-W46-hbm-export-controls.md#takeaway-" in markdown
    assert after["since_last"] in markdown.replace("\\", "")


# === the archive ==============================================================================
def test_the_archive_lists_weeks_newest_first_and_links_weeks_of_a_topic(weeks: Path) -> None:
    site = weeks.parent / "site"
    index = (site / "index.html").read_text("utf-8")
    assert index.index("2026-W47") < index.index("2026-W46")
    for page in ("2026-W47-hbm-export-controls", "2026-W46-nvidia-china-sales"):
        assert f'href="{page}.html"' in index
    page = (site / "2026-W47-hbm-export-controls.html").read_text("utf-8")
    assert 'href="2026-W46-hbm-export-controls.html"' in page
    assert 'href="index.html"' in page
    assert "2026-W46-hbm-export-controls.html#takeaway-" in page
    first = (site / "2026-W46-hbm-export-controls.html").read_text("utf-8")
    assert 'rel="prev"' not in first


def test_publishing_a_week_again_replaces_its_pages_and_feed_entries(
    weeks: Path, tmp_path: Path
) -> None:
    home = copy_of(weeks, tmp_path)
    site = home.parent / "site"
    before = {p.name: p.stat().st_mtime_ns for p in site.iterdir()}
    entries = feedparser.parse(str(site / "feed.xml")).entries
    again = run_cli(home, "weekly", "--topics", TOPICS, "--as-of", W47, "--publish", "site")
    assert again.returncode == 0, again.stderr
    after = {p.name: p.stat().st_mtime_ns for p in site.iterdir()}
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert all(
        name.startswith("2026-W47") for name in changed - {"index.html", "feed.xml", "archive.json"}
    )
    assert not any(name.startswith("2026-W46") for name in changed)
    reparsed = feedparser.parse(str(site / "feed.xml")).entries
    assert sorted(e.id for e in reparsed) == sorted(e.id for e in entries)


def test_the_feed_is_valid_atom_with_one_entry_per_briefing(weeks: Path) -> None:
    parsed = feedparser.parse(str(weeks.parent / "site" / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title
    assert parsed.feed.id
    assert parsed.feed.updated
    assert len(parsed.entries) == 6  # three topics, two weeks
    assert len({e.id for e in parsed.entries}) == 6
    for entry in parsed.entries:
        assert entry.id.startswith("tag:citebrief,")
        assert entry.title
        assert entry.updated
        assert entry.link.endswith(".html")
        assert "<h1>" in entry.content[0].value


def test_citebrief_ingests_its_own_feed(weeks: Path, tmp_path: Path) -> None:
    handler = partial(SimpleHTTPRequestHandler, directory=str(weeks.parent / "site"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml"
        result = run_cli(tmp_path / "home", "ingest", url, "--json")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    assert len(items) == 6
    assert {i["outcome"] for i in items} <= {"added", "duplicate"}


@pytest.mark.parametrize("page", ["index.html", "2026-W47-hbm-export-controls.html"])
def test_the_archive_reads_on_a_phone_and_links_back_a_week(weeks: Path, page: str) -> None:
    site = weeks.parent / "site"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            view = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
            view.goto((site / page).as_uri())
            width = view.evaluate("[innerWidth, document.documentElement.scrollWidth]")
            assert width[1] <= width[0], "the page scrolls sideways on a phone"
            if page == "index.html":
                view.click("text=HBM export controls >> nth=0")
                assert view.url.endswith("2026-W47-hbm-export-controls.html")
            else:
                assert view.locator(".since").is_visible()
                assert view.locator(".badge.developing").count() >= 1
                view.click("a[rel=prev]")
                assert view.url.endswith("2026-W46-hbm-export-controls.html")
        finally:
            browser.close()


# === email ====================================================================================
class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses, or hangs up."""

    def __init__(self, mode: str = "accept") -> None:
        self.mode = mode
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.mode == "refuse":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.mode == "drop":
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        content = envelope.content
        assert isinstance(content, bytes)
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(content)))
        return "250 Message accepted"


def password_check(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.password == b"right-password"
    return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def smtp_server(inbox: Inbox, **options: Any) -> Iterator[int]:
    with socket.socket() as probe:  # a free port (aiosmtpd checks its own by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def deliveries(home: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(home / "corpus.sqlite3")
    try:
        return sorted(db.execute("SELECT week, topic, recipient FROM deliveries").fetchall())
    finally:
        db.close()


def test_each_briefing_is_emailed_once_as_text_and_html(weeks: Path, tmp_path: Path) -> None:
    home = copy_of(weeks, tmp_path)
    inbox = Inbox()
    with smtp_server(inbox) as port:
        env = {**MAIL, "CITEBRIEF_SMTP_PORT": str(port)}
        first = run_cli(home, "weekly", "--topics", TOPICS, "--as-of", W47, "--email", **env)
        assert first.returncode == 0, first.stderr
        assert len(inbox.messages) == 3
        again = run_cli(home, "weekly", "--topics", TOPICS, "--as-of", W47, "--email", **env)
        assert again.returncode == 0
        assert len(inbox.messages) == 3  # nothing sent twice
        resent = run_cli(
            home, "weekly", "--topics", TOPICS, "--as-of", W47, "--email", "--resend", **env
        )
        assert resent.returncode == 0
        assert len(inbox.messages) == 6
    recipients, message = inbox.messages[0]
    assert recipients == ["ada@team.example", "bo@team.example"]
    assert message["Subject"].startswith("Food for thought: ")
    assert "2026-W47" in message["Subject"]
    assert message.is_multipart()
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types
    assert "text/html" in types
    assert message["Message-ID"]
    assert len(deliveries(home)) == 6  # three topics, two recipients
    assert "sent  email" in first.stdout
    assert "right-password" not in first.stdout + first.stderr


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("refuse", "refused every recipient"),
        ("drop", "closed the connection"),
        ("password", "refused the login"),
        ("nobody", "cannot connect to the SMTP server"),
    ],
)
def test_a_failed_email_is_one_reason_exit_1_and_nothing_recorded(
    weeks: Path, tmp_path: Path, mode: str, says: str
) -> None:
    home = copy_of(weeks, tmp_path)
    inbox = Inbox("accept" if mode == "password" else mode)
    options = (
        {"authenticator": password_check, "auth_require_tls": False} if mode == "password" else {}
    )
    with smtp_server(inbox, **options) as port:
        env = {**MAIL, "CITEBRIEF_SMTP_PORT": str(port)}
        if mode == "password":
            env.update(CITEBRIEF_SMTP_USER="ada", CITEBRIEF_SMTP_PASSWORD="wrong-password")
        if mode == "nobody":
            env["CITEBRIEF_SMTP_PORT"] = "9"  # nothing listens there
        result = run_cli(home, "weekly", "--topics", TOPICS, "--as-of", W47, "--email", **env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    failed = [line for line in result.stdout.splitlines() if line.strip().startswith("failed")]
    assert failed
    assert all(says in line for line in failed), result.stdout
    assert "wrong-password" not in result.stdout + result.stderr
    assert deliveries(home) == []


def test_starttls_with_a_private_ca_and_a_login(weeks: Path, tmp_path: Path) -> None:
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    home = copy_of(weeks, tmp_path)
    inbox = Inbox()
    with smtp_server(
        inbox, tls_context=context, require_starttls=True, authenticator=password_check
    ) as port:
        env = {
            **MAIL,
            "CITEBRIEF_SMTP_PORT": str(port),
            "CITEBRIEF_SMTP_SECURITY": "starttls",
            "CITEBRIEF_SMTP_CA_FILE": str(cert),
            "CITEBRIEF_SMTP_USER": "ada",
            "CITEBRIEF_SMTP_PASSWORD": "right-password",
        }
        result = run_cli(home, "weekly", "--topics", TOPICS, "--as-of", W47, "--email", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(inbox.messages) == 3


def test_dry_run_writes_and_sends_nothing(weeks: Path, tmp_path: Path) -> None:
    home = copy_of(weeks, tmp_path)
    shutil.rmtree(home.parent / "briefings")
    inbox = Inbox()
    with smtp_server(inbox) as port:
        env = {**MAIL, "CITEBRIEF_SMTP_PORT": str(port)}
        result = run_cli(
            home, "weekly", "--topics", TOPICS, "--as-of", W47, "--email", "--dry-run", **env
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("would send to ada@team.example, bo@team.example") == 3
    assert result.stdout.count("  plan  ") >= 3
    assert inbox.messages == []
    assert not (home.parent / "briefings").exists()


def test_missing_email_settings_are_a_configuration_error(weeks: Path) -> None:
    result = run_cli(weeks, "weekly", "--topics", TOPICS, "--as-of", W47, "--email")
    assert result.returncode == 2
    assert "CITEBRIEF_SMTP_HOST" in result.stderr


# === cost before spending =====================================================================
def test_the_token_budget_stops_an_llm_run_before_any_call(weeks: Path, tmp_path: Path) -> None:
    home = copy_of(weeks, tmp_path)
    chat = ChatServer().start()
    try:
        env = {"OPENAI_BASE_URL": chat.base_url, "OPENAI_API_KEY": "test"}
        priced = run_cli(home, "weekly", "--topics", TOPICS, "--as-of", W47, "--dry-run", **env)
        assert priced.returncode == 0, priced.stderr
        assert "prompt +" in priced.stdout
        assert "tokens in all" in priced.stdout
        stopped = run_cli(
            home, "weekly", "--topics", TOPICS, "--as-of", W47,
            CITEBRIEF_MAX_TOKENS_PER_RUN="100", **env,
        )  # fmt: skip
        assert chat.requests == []  # nothing was spent
    finally:
        chat.close()
    assert stopped.returncode == 1
    assert "over the budget of 100" in stopped.stderr
    assert "CITEBRIEF_MAX_TOKENS_PER_RUN" in stopped.stderr


# === one run at a time ========================================================================
def test_an_overlapping_run_exits_2_instead_of_racing(weeks: Path) -> None:
    with exclusive(weeks / "weekly.lock", "test"):
        result = run_cli(weeks, "weekly", "--topics", TOPICS, "--as-of", W47)
    assert result.returncode == 2
    assert "another 'citebrief weekly' is running" in result.stderr
