"""An article's outlet name and publication day, cleaned (pure).

Site names. trafilatura's site name comes from JSON-LD, ``og:site_name``, a Twitter handle, the
title or the domain, and reaches source lists as found: "Copyright 2014",
"https://www.hawaiinewsnow.com", "Wday_" (a handle), "Hosted" (from hosted.ap.org), "Nj" (its
capitalisation of "nj"), or nothing. ``site_name`` keeps a declared name when it is a name (in
the page's own spelling), strips what is not part of it (a copyright line, a URL's scheme, a
handle's "@" and trailing "_", the tail of "A | B | C"), and otherwise falls back to the
registered domain ("ap.org", "wday.ru", "hawaiinewsnow.com", by the Public Suffix List of the
``tld`` package, which ships it): a Twitter handle, a bare host label ("nj", "hosted") or no
name at all becomes the domain.

Dates. The rule when the metadata's date and a date in the URL's path disagree: the URL's wins.
A CMS writes the date into an article's URL once, when it is first published, and never moves
it; a metadata date disagrees when it is a modification date, an embedded item's date, one
found in the page's text, or the next day in UTC. Only a full date counts (year, month and day:
``/2019/11/18/``, ``/2019/nov/18/``, ``2019-11-18``, ``20191118``); a URL with a year and month
only keeps the metadata's date. Measured on the shared news pages (see the tests).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote, urlsplit

from tld import get_tld

# --- names the page declares -------------------------------------------------------------------
_META = re.compile(r"<meta\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_HEAD_CHARS = 200_000  # meta tags are in the head; a page's body is not searched
_PUBLISHER = re.compile(r'"publisher"\s*:\s*\{[^{}]*?"name"\s*:\s*"([^"]{1,200})"')


@dataclass(frozen=True, slots=True)
class PageNames:
    """What a page calls its site: ``og:site_name``, ``application-name`` and its JSON-LD
    publisher's name (names the site chose), and the Twitter handles it names
    (``twitter:site``, ``twitter:creator``): a handle is an account, not a name to cite."""

    declared: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


def _meta(page: str) -> Iterator[tuple[str, str]]:
    """(property or name, lower-cased; content, unescaped, spaces collapsed) of each meta tag."""
    for tag in _META.findall(page):
        attributes = {
            m.group(1).lower(): html_lib.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTRIBUTE.finditer(tag)
        }
        key = (attributes.get("property") or attributes.get("name") or "").lower()
        yield key, " ".join(attributes.get("content", "").split())


def names_in_page(page: str) -> PageNames:
    declared, handles = [], []
    for key, value in _meta(page[:_HEAD_CHARS]):
        if not value:
            continue
        if key in ("og:site_name", "application-name"):
            declared.append(value)
        elif key in ("twitter:site", "twitter:creator"):
            handles.append(value.rsplit("/", 1)[-1].lstrip("@"))
    declared += (html_lib.unescape(m) for m in _PUBLISHER.findall(page[:_HEAD_CHARS]))
    return PageNames(tuple(declared), tuple(handles))


# --- site names ----------------------------------------------------------------------------------
_COPYRIGHT = re.compile(
    r"(?:copyright|©|\(c\))|\ball rights reserved\b|\b(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)?\d\d)?\b",
    re.I,
)
_SCHEME = re.compile(r"^(?:https?:)?//", re.I)
_HOST_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
_MOST_CHARS = 60  # longer is a title or a slogan, not a site name
# host labels that name a server, not a site
_SERVER_LABELS = frozenset({"www", "m", "amp", "mobile", "news", "blog", "blogs", "hosted"})


def registered_domain(url: str) -> str:
    """The domain a site registered ("hosted.ap.org" -> "ap.org", "www.bbc.co.uk" ->
    "bbc.co.uk"); the host without "www." when the Public Suffix List does not know it
    (localhost, an IP address, .example); "" for a URL without a host."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return ""
    found = get_tld(f"http://{host}", as_object=True, fail_silently=True)
    fld = getattr(found, "fld", "") if found is not None else ""
    return str(fld) if fld else host.removeprefix("www.")


def _labels(url: str) -> set[str]:
    host = (urlsplit(url).hostname or "").lower()
    return set(host.split(".")) if host else set()


def _cleaned(name: str) -> str:
    """A declared name without what is not part of it."""
    name = " ".join(html_lib.unescape(name).split())
    if _COPYRIGHT.search(name):
        name = _COPYRIGHT.sub(" ", name)
        name = " ".join(name.split()).strip(" .,;:-–|")
        name = re.sub(r"^(?:by|the property of)\s+", "", name, flags=re.I)
    if _SCHEME.match(name) or name.lower().startswith("www."):
        # a URL for a name: its host, as the page spells it
        name = _SCHEME.sub("", name).split("/", 1)[0]
        name = name[4:] if name.lower().startswith("www.") else name
    if " | " in name:
        name = name.split(" | ", 1)[0]
    return name.lstrip("@").strip(" _-–|·:;,")


def _from_machine(name: str, url: str, page: PageNames) -> bool:
    """A name that is no one's choice of words: a Twitter handle (not also declared as the
    site's name), or just one label of the host ("nj" of nj.com, "hosted" of hosted.ap.org),
    or too long to be a name."""
    key = name.lower()
    declared = {_cleaned(d).lower() for d in page.declared}
    if key in {h.strip("_").lower() for h in page.handles} and key not in declared:
        return True
    if key in _labels(url) and (key in _SERVER_LABELS or name == key):
        return True  # a server's label, or a label as the host writes it (all lower case)
    return len(name) > _MOST_CHARS or not re.search(r"[^\W\d_]", name)


def site_name(found: str, url: str, page: PageNames = PageNames()) -> str:
    """The outlet name to cite for a page: ``found`` (trafilatura's) cleaned, in the spelling
    the page declares ("9to5Mac", not "9To5Mac"), unless it is missing or made by a machine;
    then the registered domain of ``url`` (the page's URL); "" when there is neither."""
    name = _cleaned(found)
    for declared in page.declared:  # trafilatura capitalises: the page's own spelling wins
        own = _cleaned(declared)
        if own.lower() == name.lower():
            name = own
            break
    if name and not _from_machine(name, url, page):
        if _HOST_LIKE.match(name) and name.lower().startswith("www."):
            name = name[4:]
        return name
    return registered_domain(url) if url else ""


# --- sections ------------------------------------------------------------------------------------
_SECTIONS = 3  # a page's first few categories name its section; the rest are tags
_SECTION_CHARS = 60


_OPINION_CHARS = 1_000_000  # National Review's tag comes 214,450 characters in, past a "</head>"
_OPINION_TYPE = re.compile(r'"@type"\s*:\s*(?:\[[^\]]*)?"OpinionNewsArticle"')


def declares_opinion(page: str) -> bool:
    """Whether the page says it is opinion: ``<meta property="article:opinion" content="true">``
    (New York Times, Wall Street Journal, National Review) or schema.org's JSON-LD type
    ``OpinionNewsArticle``. On the shared news pages 11 carry ``article:opinion``: the 3 saying
    "true" are the 3 opinion pieces among them (one, National Review's "The Impeachment Clock",
    has no other sign of it), the 8 saying "false" are news."""
    head = page[:_OPINION_CHARS]
    for key, value in _meta(head):
        if key == "article:opinion":
            return value.lower() == "true"
    return bool(_OPINION_TYPE.search(head))


def section(categories: list[str] | None, url: str = "", *, opinion: bool = False) -> str:
    """The site section a page declares (trafilatura's categories: JSON-LD ``articleSection``,
    category links, ``article:section``), cleaned: "Opinion", "World; Europe". A category that
    is only the site's host ("gizmodo.com") says nothing and is dropped. ``opinion``: the page
    declares itself opinion (``declares_opinion``), so its section starts with "Opinion"."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
    kept: list[str] = ["Opinion"] if opinion else []
    for category in categories or []:
        name = " ".join(html_lib.unescape(category).split()).strip(" ;,|")
        if not name or len(name) > _SECTION_CHARS or name.lower() in (host, f"www.{host}"):
            continue
        if name.lower() not in (k.lower() for k in kept):
            kept.append(name)
    return "; ".join(kept[:_SECTIONS])


# --- dates ---------------------------------------------------------------------------------------
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19[89]\d|20\d\d)"
_URL_DATES = (
    # /2019/11/18/ or /2019/nov/18/ (also /2019-11-18/ between slashes or in a slug)
    re.compile(
        rf"(?<![\d])(?P<y>{_YEAR})[/_-](?P<m>\d{{1,2}}|{_MONTH})[/_-](?P<d>\d{{1,2}})(?![\d])",
        re.I,
    ),
    # 20191118 as a word of the path ("...-20191115/", "/20191118-title")
    re.compile(rf"(?<![\d])(?P<y>{_YEAR})(?P<m>\d\d)(?P<d>\d\d)(?![\d])"),
)


def url_date(url: str) -> str:
    """The full date (ISO) an article's URL path holds, or ""."""
    path = unquote(urlsplit(url).path) if url else ""
    for pattern in _URL_DATES:
        for match in pattern.finditer(path):
            month = match.group("m").lower()
            number = int(month) if month.isdigit() else _MONTHS[month]
            try:
                return date(int(match.group("y")), number, int(match.group("d"))).isoformat()
            except ValueError:
                continue
    return ""


def published_date(found: str, url: str) -> str:
    """The day an article was published: the full date in its URL when there is one (it wins
    a disagreement, see the module), else ``found`` (the metadata's ISO date, or "")."""
    return url_date(url) or found
