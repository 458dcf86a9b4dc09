"""The HTML briefing in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright;
no browser is ever downloaded): self-contained, renders on a phone and a desktop, every [n]
links to its source and pops up the quoted passage, flagged sentences are marked, and text
from articles is escaped."""

from __future__ import annotations

import copy
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from citebrief.brief.briefing import build_briefing
from citebrief.brief.render import to_html
from citebrief.brief.writers import ExtractiveWriter
from citebrief.models import (
    Briefing,
    Cite,
    Desk,
    Outcome,
    Quote,
    Report,
    Sentence,
    Source,
    Takeaway,
    Window,
)
from citebrief.settings import load_settings
from citebrief.verify.lexical import LexicalVerifier
from tests.conftest import CORPUS, hashed_workspace

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = [
    pytest.param(PHONE, 2, id="phone"),
    pytest.param(DESKTOP, 1, id="desktop"),
]
EVIL = "<script>alert(1)</script>"


def norm(text: str) -> str:
    return " ".join(text.split())


# --- the briefing, built once per module from the sample corpus ---------------------------------
@pytest.fixture(scope="module")
def briefing(tmp_path_factory: pytest.TempPathFactory) -> Briefing:
    base = tmp_path_factory.mktemp("html")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITEBRIEF_HOME", str(base / "home"))
        mp.setenv("CITEBRIEF_PER_HOST_DELAY", "0")
        for name in (
            "CITEBRIEF_CONFIG",
            "CITEBRIEF_CHROMA_URL",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
        ):
            mp.delenv(name, raising=False)
        mp.chdir(base)
        workspace = hashed_workspace(load_settings())
        try:
            report = workspace.ingest([str(CORPUS / "sources.txt")])
            assert report.count(Outcome.ADDED) == 25, report.failed
            result = build_briefing(
                "HBM export controls",
                workspace.evidence,
                Desk(ExtractiveWriter(), LexicalVerifier()),
                window=Window(date(2026, 11, 9), date(2026, 11, 22)),
            )
        finally:
            workspace.close()
    cited = {n for t in result.takeaways for s in t.sentences for n in s.citations}
    assert len(result.takeaways) >= 2
    assert len(cited) >= 2, "the tests need at least two different citation numbers"
    assert cited == {s.number for s in result.sources}
    return result


@pytest.fixture(scope="module")
def page_html(briefing: Briefing) -> str:
    return to_html(briefing)


def popovers(b: Briefing) -> list[str]:
    """What the popover of each [n] link shows, in the page's order: the passages of source n
    that its sentence cites."""
    by_number = {s.number: s for s in b.sources}
    out = []
    for sentence in (s for t in b.takeaways for s in t.sentences):
        for n in sentence.citations:
            keys = {c.key for c in sentence.cites if c.source == n}
            out.append(" … ".join(norm(q.quote) for q in by_number[n].quotes if q.key in keys))
    return out


def marks_of(b: Briefing) -> list[list[str]]:
    """The words each [n] link's popover marks, in the page's order."""
    by_number = {s.number: s for s in b.sources}
    out = []
    for sentence in (s for t in b.takeaways for s in t.sentences):
        for n in sentence.citations:
            quotes = {q.key: q for q in by_number[n].quotes}
            out.append(
                [
                    norm(quotes[c.key].quote[c.mark[0] - c.start : c.mark[1] - c.start])
                    for c in sentence.cites
                    if c.source == n
                ]
            )
    return out


# --- the browser, launched once per module ------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: these tests drive Debian's Chromium in headless mode. "
            "Install it with `apt-get install chromium` (CI installs it); playwright must not "
            "download a browser.",
            pytrace=False,
        )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Opened:
    """A page loaded from a file:// URL; every request is intercepted and only the page
    itself may load."""

    page: Page
    url: str
    requested: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        stray = [u for u in self.requested if u != self.url]
        assert stray == [], f"the page requested something besides itself: {stray}"
        assert self.requested == [self.url]
        assert self.dialogs == [], f"a script ran and opened dialogs: {self.dialogs}"
        assert self.errors == []


Open = Callable[..., Opened]


@pytest.fixture
def open_html(browser: Browser, tmp_path: Path) -> Iterator[Open]:
    contexts: list[BrowserContext] = []

    def open_(html: str, *, name: str = "brief", viewport: Any = DESKTOP, scale: float = 1):
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        context = browser.new_context(
            viewport=viewport, device_scale_factor=scale, service_workers="block"
        )
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, path.as_uri())

        def route(r: Route) -> None:
            opened.requested.append(r.request.url)
            if r.request.url == opened.url:
                r.continue_()
            else:
                r.abort()

        def dialog(d: Any) -> None:
            opened.dialogs.append(d.message)
            d.dismiss()

        page.route("**/*", route)
        page.on("dialog", dialog)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.goto(opened.url, wait_until="load")
        return opened

    yield open_
    for context in contexts:
        context.close()


# --- 1. self-contained --------------------------------------------------------------------------
class References(HTMLParser):
    """Every reference the markup makes to something outside the page."""

    URL_ATTRS = ("src", "href", "srcset", "poster", "data", "action", "formaction", "background")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_sources = False
        self.external: list[str] = []  # assets or links outside the Sources list
        self.article_links: list[str] = []
        self.css: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "ol" and "sources" in values.get("class", "").split():
            self.in_sources = True
        if tag == "link":
            self.external.append(f"<link {values}>")
        if tag == "script" and "src" in values:
            self.external.append(f"<script src={values['src']!r}>")
        if tag == "style":
            self.in_style = True
        if "style" in values:
            self.css.append(values["style"])
        for name in self.URL_ATTRS:
            value = values.get(name)
            if value is None or not re.match(r"\s*([a-z][a-z0-9+.-]*:|//)", value, re.I):
                continue
            if tag == "a" and name == "href" and self.in_sources:
                self.article_links.append(value)
            elif not value.strip().lower().startswith("data:"):
                self.external.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self.in_sources = False
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.css.append(data)


def test_page_is_self_contained(briefing: Briefing, page_html: str, open_html: Open) -> None:
    refs = References()
    refs.feed(page_html)
    refs.close()
    assert refs.external == []
    assert refs.css, "the page carries its own stylesheet"
    for css in refs.css:
        assert "@import" not in css
        for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", css, re.I):
            assert target.startswith(("data:", "#")), f"CSS loads {target!r}"
    # the only absolute URLs are the article links, one per source, in order
    assert refs.article_links == [s.url for s in briefing.sources]
    assert all(u.startswith(("https://", "http://")) for u in refs.article_links)

    opened = open_html(page_html)
    assert opened.page.locator("h1").text_content() == "Food for thought: HBM export controls"
    opened.assert_clean()


# --- 2. renders on a phone and a desktop --------------------------------------------------------
def png_check(path: Path, width: int, height: int) -> float:
    """Decode the PNG's structure with the stdlib; return the share of non-zero filtered bytes
    (a blank, one-colour image filters to almost nothing but zeros, whatever the filter)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    w, h, depth, colour, _, _, interlace = header
    assert (w, h) == (width, height)
    assert depth == 8
    assert interlace == 0
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = 1 + w * channels
    assert len(raw) == h * stride
    assert all(raw[row * stride] <= 4 for row in range(h))
    return (len(raw) - raw.count(0)) / len(raw)


BOXES = """() => {
  const out = [];
  const sel = ['h1', 'p.meta', 'section.takeaway', 'section.takeaway h2', 'section.takeaway p',
               'ol.sources', 'ol.sources li', 'ol.sources blockquote', 'p.report'];
  for (const s of sel) for (const el of document.querySelectorAll(s)) {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    out.push({sel: s, text: el.textContent.slice(0, 40), w: r.width, h: r.height,
              left: r.left, right: r.right, display: cs.display, visibility: cs.visibility,
              opacity: cs.opacity});
  }
  return out;
}"""


@pytest.mark.parametrize(("viewport", "scale"), VIEWPORTS)
def test_page_renders(
    briefing: Briefing,
    page_html: str,
    open_html: Open,
    tmp_path: Path,
    viewport: dict[str, int],
    scale: int,
) -> None:
    opened = open_html(page_html, viewport=viewport, scale=scale)
    page = opened.page
    boxes = page.evaluate(BOXES)
    counts = {s: sum(b["sel"] == s for b in boxes) for s in {b["sel"] for b in boxes}}
    assert counts["h1"] == 1
    assert counts["section.takeaway"] == len(briefing.takeaways)
    assert counts["ol.sources"] == 1
    assert counts["ol.sources li"] == len(briefing.sources)
    for box in boxes:
        assert box["w"] > 0, box
        assert box["h"] > 0, box
        assert box["display"] != "none", box
        assert box["visibility"] == "visible", box
        assert float(box["opacity"]) > 0, box
        assert box["left"] >= 0, box
        assert box["right"] <= viewport["width"] + 0.5, box
    headlines = page.locator("section.takeaway h2").all_text_contents()
    for shown, takeaway in zip(headlines, briefing.takeaways, strict=True):
        assert norm(shown).endswith(norm(takeaway.headline))
    size = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1], f"the page overflows horizontally: {size}"
    assert size[1] == viewport["width"]

    name = "phone" if viewport == PHONE else "desktop"
    shot, full = tmp_path / f"{name}.png", tmp_path / f"{name}-full.png"
    page.screenshot(path=str(shot))
    page.screenshot(path=str(full), full_page=True)
    ink = png_check(shot, viewport["width"] * scale, viewport["height"] * scale)
    assert ink > 0.02, f"the screenshot looks blank ({ink:.4f} non-zero filtered bytes)"
    assert shot.stat().st_size > 20_000
    height = page.evaluate("document.documentElement.scrollHeight")
    png_check(full, viewport["width"] * scale, height * scale)
    opened.assert_clean()


# --- 3. every [n] links to its source entry -----------------------------------------------------
CITES = """() => [...document.querySelectorAll('a.cite')].map(a => {
  const n = a.dataset.source, target = document.getElementById('src-' + n);
  return {href: a.getAttribute('href'), n: n, label: a.firstChild.textContent,
          tag: target && target.tagName, inSources: !!(target && target.closest('ol.sources')),
          value: target && target.value};
})"""


def test_each_source_lists_its_cited_passages_with_the_cited_words_marked(
    briefing: Briefing, page_html: str, open_html: Open
) -> None:
    opened = open_html(page_html, viewport=DESKTOP, scale=1)
    page = opened.page
    for source in briefing.sources:
        entry = page.locator(f"#src-{source.number}")
        quotes = entry.locator("blockquote")
        assert quotes.count() == len(source.quotes)  # one source per article, each passage
        for i, quote in enumerate(source.quotes):
            shown = quotes.nth(i)
            assert norm(shown.text_content() or "") == norm(quote.quote)
            marked = [norm(m) for m in shown.locator("mark").all_text_contents()]
            expected = [
                norm(quote.quote[a - quote.start : b - quote.start]) for a, b in quote.marks
            ]
            assert marked == expected
            assert marked
            style = shown.locator("mark").first.evaluate("m => getComputedStyle(m).backgroundColor")
            assert style not in ("rgba(0, 0, 0, 0)", "transparent")
    opened.assert_clean()


def test_every_citation_links_to_its_source(
    briefing: Briefing, page_html: str, open_html: Open
) -> None:
    opened = open_html(page_html, viewport=PHONE, scale=2)
    page = opened.page
    cites = page.evaluate(CITES)
    expected = [n for t in briefing.takeaways for s in t.sentences for n in s.citations]
    assert [int(c["n"]) for c in cites] == expected
    for cite in cites:
        n = cite["n"]
        assert cite["href"] == f"#src-{n}"
        assert cite["label"] == f"[{n}]"
        assert cite["tag"] == "LI", f"no element with id src-{n}"
        assert cite["inSources"]
        assert cite["value"] == int(n)
    titles = page.locator("ol.sources li > a").all_text_contents()
    assert titles == [s.title for s in briefing.sources]

    links = page.locator("a.cite")
    for i, cite in enumerate(cites):
        n = cite["n"]
        links.nth(i).click()
        page.wait_for_function("h => location.hash === h", arg=f"#src-{n}")
        state = page.evaluate(
            """() => {
              const t = document.querySelector(':target'), r = t.getBoundingClientRect();
              return {id: t.id, top: r.top, bottom: r.bottom, h: innerHeight,
                      bg: getComputedStyle(t).backgroundColor};
            }"""
        )
        assert state["id"] == f"src-{n}"
        assert state["top"] < state["h"]
        assert state["bottom"] > 0, "the source entry was not scrolled into view"
        assert state["bg"] != "rgba(0, 0, 0, 0)", "the targeted source is highlighted"
        # a clicked link keeps focus, and a focused [n] keeps its popover open: let go of it
        page.evaluate("document.activeElement.blur()")
    opened.assert_clean()


# --- 4. the popover shows the cited passage -----------------------------------------------------
POPS = """() => [...document.querySelectorAll('a.cite')].map(a => {
  const p = a.nextElementSibling, r = p.getBoundingClientRect();
  return {n: a.dataset.source, display: getComputedStyle(p).display, w: r.width, h: r.height};
})"""


def check_only_open(page: Page, index: int, briefing: Briefing) -> None:
    cite = page.locator("a.cite").nth(index)
    n = int(cite.get_attribute("data-source") or 0)
    pop = page.locator(f"#{cite.get_attribute('aria-describedby')}")
    assert pop.get_attribute("class") == "pop"
    assert pop.is_visible(), f"the popover of [{n}] is not shown"
    box = pop.bounding_box()
    assert box is not None
    assert box["width"] > 0
    assert box["height"] > 0
    assert norm(pop.text_content() or "") == popovers(briefing)[index]
    assert norm(pop.inner_text()) == popovers(briefing)[index]
    assert [norm(m) for m in pop.locator("mark").all_text_contents()] == marks_of(briefing)[index]
    pops = page.evaluate(POPS)
    assert pops[index]["display"] != "none"
    others = [p for i, p in enumerate(pops) if i != index]
    assert any(p["n"] != str(n) for p in others), "no citation of another source to compare"
    for other in others:
        assert other["display"] == "none", f"popover of [{other['n']}] shown too"
        assert other["w"] == other["h"] == 0


def park_mouse(page: Page) -> None:
    """Move the pointer to the bottom-right corner, away from every [n] and its popover (which
    opens above its [n]), so that hover does not keep a popover open."""
    size = page.viewport_size or DESKTOP
    page.mouse.move(size["width"] - 1, size["height"] - 1)


def first_cites(page: Page) -> dict[int, int]:
    """Index of the first a.cite for each source number."""
    found: dict[int, int] = {}
    for i, n in enumerate(page.evaluate(CITES)):
        found.setdefault(int(n["n"]), i)
    return found


@pytest.mark.parametrize(("viewport", "scale"), VIEWPORTS)
def test_popover_on_hover_shows_the_quote(
    briefing: Briefing, page_html: str, open_html: Open, viewport: dict[str, int], scale: int
) -> None:
    opened = open_html(page_html, viewport=viewport, scale=scale)
    page = opened.page
    pops = page.evaluate(POPS)
    assert all(p["display"] == "none" for p in pops), "popovers are hidden until asked for"
    firsts = first_cites(page)
    assert len(firsts) >= 2
    for index in firsts.values():
        page.locator("a.cite").nth(index).hover()
        check_only_open(page, index, briefing)
    park_mouse(page)
    assert all(p["display"] == "none" for p in page.evaluate(POPS))
    opened.assert_clean()


@pytest.mark.parametrize(("viewport", "scale"), VIEWPORTS)
def test_popover_on_keyboard_focus_shows_the_quote(
    briefing: Briefing, page_html: str, open_html: Open, viewport: dict[str, int], scale: int
) -> None:
    opened = open_html(page_html, viewport=viewport, scale=scale)
    page = opened.page
    park_mouse(page)
    numbers = [int(c["n"]) for c in page.evaluate(CITES)]
    # Tab from the top: the [n] links are the first things to focus, in reading order
    for index in range(2):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "cite"
        assert page.evaluate("+document.activeElement.dataset.source") == numbers[index]
        check_only_open(page, index, briefing)
    # and element.focus() on the first [n] of every source
    for index in first_cites(page).values():
        page.locator("a.cite").nth(index).focus()
        check_only_open(page, index, briefing)
    assert len(set(numbers[:2]) | set(first_cites(page))) >= 2
    opened.assert_clean()


A11Y = """(i) => {
  const a = document.querySelectorAll('a.cite')[i];
  a.focus();
  const p = document.getElementById(a.getAttribute('aria-describedby'));
  return {text: a.textContent, label: a.getAttribute('aria-label'), n: a.dataset.source,
          inLink: a.contains(p), shown: getComputedStyle(p).display, role: p.getAttribute('role'),
          quote: p.textContent};
}"""


def test_a_screen_reader_hears_the_source_number_and_the_quote_once(
    briefing: Briefing, page_html: str, open_html: Open
) -> None:
    """The popover is the link's description, not part of its name: a focused [n] is announced
    as "Source n", then the quoted passage, once (a popover inside the link would make the
    quote the link's name as soon as focus shows it)."""
    opened = open_html(page_html, viewport=DESKTOP, scale=1)
    page = opened.page
    park_mouse(page)
    for index in first_cites(page).values():
        state = page.evaluate(A11Y, index)
        n = state["n"]
        assert state["text"] == f"[{n}]"
        assert state["label"] == f"Source {n}"
        assert not state["inLink"]
        assert state["shown"] == "block"
        assert state["role"] == "tooltip"
        assert norm(state["quote"]) == popovers(briefing)[index]
        # the accessible name as the browser computes it
        named = page.get_by_role("link", name=f"Source {n}", exact=True)
        assert named.count() >= 1
        assert norm(named.first.get_attribute("aria-describedby") or "")
    opened.assert_clean()


FITS = """(i) => {
  const a = document.querySelectorAll('a.cite')[i], p = a.nextElementSibling;
  a.focus();
  const r = p.getBoundingClientRect();
  return {n: a.dataset.source, left: r.left, right: r.right, top: r.top + scrollY,
          width: innerWidth, scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize(("viewport", "scale"), VIEWPORTS)
def test_popover_fits_on_the_screen(
    page_html: str, open_html: Open, viewport: dict[str, int], scale: int
) -> None:
    """An open popover must be readable in full: not cut off at the screen's left or right
    edge nor above the top of the page, and it must not make the page scroll sideways."""
    opened = open_html(page_html, viewport=viewport, scale=scale)
    page = opened.page
    problems = []
    for i in range(page.locator("a.cite").count()):
        box = page.evaluate(FITS, i)
        cut = box["left"] < 0 or box["right"] > box["width"] or box["top"] < 0
        if cut or box["scrollWidth"] > box["width"]:
            problems.append(box)
    assert problems == [], f"popovers cut off or overflowing the {viewport} screen: {problems}"
    opened.assert_clean()


# --- 5. flagged sentences -----------------------------------------------------------------------
def test_flagged_sentence_is_marked(briefing: Briefing, open_html: Open, tmp_path: Path) -> None:
    flagged_briefing = copy.deepcopy(briefing)
    takeaway = next(t for t in flagged_briefing.takeaways if len(t.sentences) >= 2)
    sentence = takeaway.sentences[1]
    sentence.flagged, sentence.verdict, sentence.score = True, "unsupported", 0.0
    flagged_briefing.report.flagged += 1
    flagged_briefing.report.supported -= 1
    flagged_briefing.report.unsupported += 1
    assert sum(s.flagged for t in flagged_briefing.takeaways for s in t.sentences) == 1

    opened = open_html(to_html(flagged_briefing), name="flagged", viewport=PHONE, scale=2)
    page = opened.page
    marked = page.locator(".flagged")
    assert marked.count() == 1
    assert marked.is_visible()
    assert norm(marked.text_content() or "") == norm(sentence.text)
    assert "underline" in marked.evaluate("e => getComputedStyle(e).textDecorationLine")
    label = page.locator(".flag")
    assert label.count() == 1
    assert label.is_visible()
    assert norm(label.inner_text()) == "⚠ unsupported"
    box = label.bounding_box()
    assert box is not None
    assert box["width"] > 0
    assert box["height"] > 0
    body_colour = page.evaluate("getComputedStyle(document.body).color")
    assert label.evaluate("e => getComputedStyle(e).color") != body_colour
    # the mark and its label belong to that takeaway, the label follows the sentence
    section = page.locator("section.takeaway").nth(takeaway.number - 1)
    assert section.locator(".flagged").count() == 1
    assert section.locator(".flag").count() == 1
    follows = marked.evaluate(
        "e => !!(e.compareDocumentPosition(document.querySelector('.flag')) & 4)"
    )
    assert follows
    # no other sentence is marked
    for t in flagged_briefing.takeaways:
        for s in t.sentences:
            if s is not sentence:
                assert norm(s.text) not in norm(marked.text_content() or "")
    assert "1 flagged" in (page.locator("p.report").text_content() or "")
    page.screenshot(path=str(tmp_path / "flagged.png"), full_page=True)
    opened.assert_clean()


# --- 6. escaping --------------------------------------------------------------------------------
def evil_briefing() -> Briefing:
    quote = (
        f"He wrote \"{EVIL}\" and 'this' & <img src=x onerror=alert(2)> "
        "<b>not bold</b>\n\n  in the   article."
    )
    plain = "Export controls are national-security measures, not bargaining chips."
    sources = [
        Source(
            1,
            "a1",
            f"Title {EVIL} with \"double\" and 'single' quotes & <i>tags</i>",
            f"Site {EVIL}",
            "2026-11-10",
            'https://example.com/a?q="><script>alert(3)</script>&x=1',
            [Quote("k1", "c1", 0, len(quote), quote, [(0, 8)])],
        ),
        Source(
            2,
            "a2",
            "Plain",
            "Wire",
            "2026-11-11",
            "https://example.com/b",
            [Quote("k2", "c2", 0, 70, plain, [(0, 70)])],
        ),
    ]
    sentences = [
        Sentence(
            f"Someone typed {EVIL} and <img src=y onerror=alert(4)> here.",
            [1],
            "supported",
            1.0,
            cites=[Cite(1, "k1", 0, len(quote), (0, 8))],
        ),
        Sentence(plain, [2], "supported", 1.0, cites=[Cite(2, "k2", 0, 70, (0, 70))]),
    ]
    return Briefing(
        topic=f'HBM {EVIL} "controls"',
        window={"start": "2026-11-09", "end": "2026-11-22"},
        generated_at="2026-11-23T00:00:00+00:00",
        writer="extractive",
        model="",
        takeaways=[Takeaway(1, f"Headline {EVIL} 'q' \"qq\"", sentences)],
        sources=sources,
        report=Report(sentences=2, cited=2, supported=2),
        retrieval={},
    )


def test_article_text_is_escaped(open_html: Open) -> None:
    b = evil_briefing()
    opened = open_html(to_html(b), name="escaping")
    page = opened.page
    assert opened.dialogs == []
    found = page.evaluate(
        """() => ({scripts: document.scripts.length, images: document.images.length,
                  handlers: document.querySelectorAll('[onerror]').length,
                  bold: document.querySelectorAll('main b, main i').length,
                  title: document.title})"""
    )
    assert found == {
        "scripts": 0,
        "images": 0,
        "handlers": 0,
        "bold": 0,
        "title": f"Food for thought: {b.topic}",
    }
    assert page.locator("h1").text_content() == f"Food for thought: {b.topic}"
    assert norm(page.locator("section.takeaway h2").text_content() or "").endswith(
        b.takeaways[0].headline
    )
    paragraph = norm(page.locator("section.takeaway p").text_content() or "")
    assert b.takeaways[0].sentences[0].text in paragraph
    link = page.locator("#src-1 > a")
    assert link.text_content() == b.sources[0].title
    assert link.get_attribute("href") == b.sources[0].url
    assert f"Site {EVIL}" in (page.locator("#src-1").text_content() or "")
    assert page.locator("#src-1 blockquote").text_content() == norm(b.sources[0].quotes[0].quote)
    cite = page.locator("a.cite").first
    cite.hover()
    assert page.locator("a.cite + span.pop").first.text_content() == norm(
        b.sources[0].quotes[0].quote
    )
    assert opened.dialogs == [], "a script from the article text ran"
    opened.assert_clean()
    # the dialog listener does catch a script's alert
    page.evaluate("() => alert('control')")
    assert opened.dialogs == ["control"]


def test_source_without_site_name_has_no_empty_field(open_html: Open) -> None:
    """Articles ingested from local files may have no site name (ingest leaves it empty); the
    Sources entry must then read "Title, date", as the Markdown does, not "Title, , date"."""
    b = evil_briefing()
    b.sources[1].site_name = ""
    opened = open_html(to_html(b), name="no-site")
    entry = opened.page.evaluate(
        "() => document.getElementById('src-2').firstChild.textContent + "
        "document.getElementById('src-2').childNodes[1].textContent"
    )
    assert entry == "Plain, 2026-11-11"
    opened.assert_clean()
