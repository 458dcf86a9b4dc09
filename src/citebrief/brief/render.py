"""Briefings and answers as Markdown, one self-contained HTML page, or JSON (pure)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from citebrief.brief.citations import markers
from citebrief.errors import UsageError
from citebrief.models import Briefing, Quote, Sentence, Source, Turn
from citebrief.text import plural

NO_SUPPORT = "The corpus has no support for an answer to this question"

KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]


def _keycap(n: int) -> str:
    return KEYCAPS[n - 1] if 1 <= n <= len(KEYCAPS) else f"{n}."


def _range(b: Briefing) -> str:
    start, end = b.window.get("start"), b.window.get("end")
    if start and end:
        return f"{_day(start)} – {_day(end)}"
    if start:
        return f"since {_day(start)}"
    return f"until {_day(end)}" if end else "all dates"


def _day(iso: str) -> str:
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {d.strftime('%B %Y')}"


def _writer_note(b: Briefing) -> str:
    if b.writer == "extractive":
        return "Written by the offline extractive writer: every sentence is quoted from its source."
    tokens = b.usage.get("total_tokens")
    used = f", {plural(tokens, 'token')}" if tokens else ""
    return (
        f"Written by {b.model} ({b.writer} writer{used}); every sentence checked against "
        "its sources."
    )


def _report_line(b: Briefing) -> str:
    r = b.report
    text = (
        f"{plural(r.sentences, 'sentence')}, {r.cited} cited, {r.supported} supported, "
        f"{r.partial} partly supported, {r.flagged} flagged"
    )
    if r.recited:
        text += f", {r.recited} re-cited"
    if r.removed:
        text += f", {r.removed} removed (strict)"
    if r.dropped_citations:
        text += f", {plural(r.dropped_citations, 'invalid citation')} dropped"
    return text


def _relevance_line(b: Briefing) -> str:
    """How far the takeaways are about the topic: each takeaway's story and its relevance."""
    stories = [t.story for t in b.takeaways if t.story is not None]
    if not stories:
        return ""
    each = ", ".join(f"{s['relevance']:.2f}" for s in stories)
    count = b.report.stories_on_topic
    found = f"{plural(count, 'story', 'stories')} on the topic in the window"
    return (
        f"Relevance: {len(stories)} of {plural(len(b.takeaways), 'takeaway')} about a story on "
        "the topic "
        f"(relevance {each}); {found}"
    )


def story_line(story: dict[str, Any] | None) -> str:
    if not story:
        return ""
    outlets = ", ".join(story["outlets"])
    count = len(story["outlets"])
    sources = story["sources"]
    # two reports of one outlet are two articles, not two independent sources
    kind = "independent source" if sources <= count else "article"
    return f"{plural(count, 'outlet')} ({outlets}), {plural(sources, kind)}"


# CommonMark: backslash-escape what inline text could turn into markup; at the start of a line
# also what would begin a block (a heading, a list, a quote, a thematic break)
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~!])")
_MD_BLOCK = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md_escape(text: str) -> str:
    """``text`` as literal CommonMark inline text, on one line."""
    flat = " ".join(text.split())
    return _MD_BLOCK.sub(r"\1\\\2", _MD_INLINE.sub(r"\\\1", flat))


def marked(quote: Quote, escape: Callable[[str], str], wrap: Callable[[str], str]) -> str:
    """The quote, escaped, with each marked span wrapped; its line breaks kept as "\\n"."""

    def lines(text: str, marking: bool = False) -> str:  # a mark over a line break: one a line
        return "\n".join(
            wrap(escape(line.strip())) if marking and line.strip() else escape(line)
            for line in text.split("\n")
        )

    parts, at = [], quote.start
    for start, end in sorted(quote.marks):
        start, end = max(start, at), min(end, quote.end)
        if start >= end:
            continue
        parts.append(lines(quote.quote[at - quote.start : start - quote.start]))
        parts.append(lines(quote.quote[start - quote.start : end - quote.start], marking=True))
        at = end
    parts.append(lines(quote.quote[at - quote.start :]))
    text = " ".join(p for p in parts if p.strip())
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def _md_cites(numbers: list[int]) -> str:
    return "".join(f"[\\[{n}\\]](#source-{n})" for n in numbers)


def _md_sentence(s: Sentence) -> str:
    text = md_escape(s.text) + _md_cites(s.citations)
    if s.flagged:
        text += " ⚠️ *(not supported by the cited sources)*"
    return text


def source_about(src: Source) -> str:
    """What a source is: its title, outlet (when it names one), day, and kind of opinion."""
    site = f", {src.site_name}" if src.site_name else ""
    opinion = f" ({src.opinion.split(' ', 1)[1]})" if src.opinion else ""
    return f"{src.title}{site}, {src.published}{opinion}"


def _source_line(src: Source) -> str:
    """A source on one line of plain text (the chat, ``ask``)."""
    return f"[{src.number}] {source_about(src)}. <{src.url}>"


def _md_url(url: str) -> str:
    return f"<{url}>" if url and not re.search(r"[\s<>]", url) else md_escape(url)


def _md_change(change: dict[str, Any] | None) -> str:
    """ " · *developing*: new since last week [4] (last week: Headline)", on the headline."""
    if not change:
        return ""
    text = f" · *{change['status']}*"
    if change.get("fresh"):
        text += ": new since last week " + _md_cites(change["fresh"])
    previous = change.get("previous")
    if previous:
        title = md_escape(previous["headline"])
        page = previous.get("page")
        link = f"[{title}]({page}.md#takeaway-{previous['number']})" if page else title
        text += f" (last week: {link})"
    return text


def to_markdown(b: Briefing) -> str:
    """CommonMark: [n] link to their source; under each source, each cited passage is a
    blockquote with the cited words in bold."""
    lines = [
        f"# Food for thought: {md_escape(b.topic)}",
        "",
        f"*{_range(b)} · {_writer_note(b)}*",
        "",
    ]
    if b.since_last:
        lines += [f"*{md_escape(b.since_last)}*", ""]
    if b.note:
        lines += [f"*{md_escape(b.note)}.*", ""]
    for takeaway in b.takeaways:
        mark = _md_change(takeaway.change)
        lines += [
            f'<a id="takeaway-{takeaway.number}"></a>{_keycap(takeaway.number)} '
            f"**{md_escape(takeaway.headline)}**{mark}",
            "",
        ]
        lines += [" ".join(_md_sentence(s) for s in takeaway.sentences), ""]
        if takeaway.story:
            lines += [f"*{md_escape(story_line(takeaway.story))}*", ""]
    lines += ["## Sources", ""]
    for src in b.sources:
        lines += [
            f'<a id="source-{src.number}"></a>**\\[{src.number}\\]** '
            f"{md_escape(source_about(src))}. {_md_url(src.url)}",
            "",
        ]
        for quote in src.quotes:
            text = marked(quote, md_escape, lambda t: f"**{t}**")
            lines += ["\n>\n".join(f"> {line}" for line in text.split("\n")), ""]
    lines += ["## Citation report", "", _report_line(b), ""]
    if _relevance_line(b):
        lines += [md_escape(_relevance_line(b)), ""]
    return "\n".join(lines)


def to_json(b: Briefing) -> str:
    return json.dumps(b.to_dict(), ensure_ascii=False, indent=2)


# --- answers ------------------------------------------------------------------------------------
def sources_markdown(b: Briefing) -> str:
    return "\n".join(["Sources:", *(_source_line(src) for src in b.sources)])


def _plain_sentence(s: Sentence) -> str:
    text = " ".join(s.text.split()) + markers(s.citations)  # a quote of two paragraphs: one line
    return text + " ⚠️ (not supported by the cited sources)" if s.flagged else text


def answer_markdown(turn: Turn, with_sources: bool = True) -> str:
    """An answer as text for a terminal (and a saved chat): sentences with [n] markers, then
    its sources, one per article; or why the corpus cannot answer. A note on the answer ("the
    same answer as ...") comes first, on a line of its own."""
    if turn.answer is None:
        return f"{NO_SUPPORT} ({turn.note})." if turn.note else f"{NO_SUPPORT}."
    text = " ".join(_plain_sentence(s) for t in turn.answer.takeaways for s in t.sentences)
    if turn.note:
        text = f"Note: {turn.note}.\n\n{text}"
    if with_sources and turn.answer.sources:
        text += "\n\n" + sources_markdown(turn.answer)
    return text


def answer_dict(turn: Turn) -> dict[str, Any]:
    """An answer for ``ask --json``: the question, the query used, the text and the briefing."""
    return {
        "question": turn.question,
        "query": turn.query,
        "answered": turn.answer is not None,
        "text": answer_markdown(turn),
        "note": turn.note,
        "answer": turn.answer.to_dict() if turn.answer is not None else None,
    }


def conversation_markdown(turns: list[Turn]) -> str:
    """A chat saved as Markdown: each question, its answer and sources."""
    lines = ["# citebrief chat", ""]
    for turn in turns:
        lines += [f"## {turn.question}", "", answer_markdown(turn), ""]
    return "\n".join(lines)


def check_format(fmt: str) -> str:
    """``fmt`` if briefings can be rendered in it; a UsageError otherwise."""
    if fmt not in RENDERERS:
        raise UsageError(f"unknown format {fmt!r}", hint="use --format md, html or json")
    return fmt


def render(b: Briefing, fmt: str) -> str:
    """A briefing as ``md``, ``html`` or ``json``."""
    return RENDERERS[check_format(fmt)](b)


CSS = """
:root{--fg:#1d1d1f;--muted:#5f6368;--accent:#0b57d0;--bg:#fff;--card:#f6f7f9;--warn:#b3261e}
*{box-sizing:border-box}body{margin:0;font:17px/1.55 -apple-system,Segoe UI,Roboto,sans-serif;
color:var(--fg);background:var(--bg)}main{max-width:44rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;line-height:1.25;margin:.2rem 0}.meta{color:var(--muted);font-size:.9rem}
section.takeaway{background:var(--card);border-radius:12px;padding:1rem 1.1rem;margin:1rem 0}
h2{font-size:1.1rem;margin:0 0 .4rem}
.num{display:inline-block;min-width:1.6em;height:1.6em;line-height:1.6em;margin-right:.5rem;
border-radius:50%;background:var(--accent);color:#fff;text-align:center;font-size:.9rem}
section.takeaway p{position:relative}
a.cite{color:var(--accent);text-decoration:none;font-size:.8em;vertical-align:super;
padding:0 .1em}
a.cite:focus{outline:2px solid var(--accent);border-radius:3px}
.pop{display:none;position:absolute;left:0;right:0;margin-top:.5em;background:#202124;color:#fff;font-size:.85rem;line-height:1.4;
padding:.6rem .7rem;border-radius:8px;z-index:10;white-space:normal;text-align:left;
max-height:50vh;overflow:auto;
box-shadow:0 4px 16px rgba(0,0,0,.25)}
.cite-wrap:hover .pop,a.cite:focus+.pop{display:block}
.story,.note{color:var(--muted);font-size:.85rem;margin:.4rem 0 0}
.change{font-size:.85rem;margin:.2rem 0 .4rem}.since{font-weight:600;margin:.4rem 0}
.badge{display:inline-block;padding:0 .45em;border-radius:4px;font-size:.75rem;font-weight:600;
text-transform:uppercase;letter-spacing:.03em;background:#e8eaed;color:#3c4043}
.badge.new{background:#d3e3fd;color:#041e49}.badge.developing{background:#fef7e0;color:#5c4300}
.nav{font-size:.9rem;margin:.2rem 0 .6rem}
.flagged{text-decoration:underline wavy var(--warn);text-underline-offset:3px}
.flag{color:var(--warn);font-size:.8rem;font-weight:600}
ol.sources{padding-left:1.4rem}ol.sources li{margin:.6rem 0}
ol.sources li:target{background:#fff8c5;border-radius:6px}
blockquote{margin:.3rem 0 0;padding:.3rem .7rem;border-left:3px solid #c4c7c5;color:var(--muted);
font-size:.9rem}mark{background:#fff3b0;color:inherit;padding:0 .1em;border-radius:2px}
.pop mark{background:#5c4d00;color:#fff}.report,.relevance{color:var(--muted);font-size:.9rem}
@media (max-width:480px){body{font-size:16px}main{padding:.8rem}}
"""


def _html_quote(quote: Quote) -> str:
    return marked(quote, html.escape, lambda t: f"<mark>{t}</mark>").replace("\n", "<br> ")


def _html_sentence(s: Sentence, sources: dict[int, Source], place: str) -> str:
    """A sentence with its [n] links and popovers; ``place`` ("takeaway-sentence") makes the
    popovers' ids unique in the page and the same on every render."""
    parts = []
    for n in s.citations:
        # what this sentence cites of source n: its passages, with its words marked
        spans = {c.key: c.mark for c in s.cites if c.source == n}
        quotes = (
            [
                Quote(q.key, q.chunk_id, q.start, q.end, q.quote, [spans[q.key]])
                for q in sources[n].quotes
                if q.key in spans
            ]
            if n in sources
            else []
        )
        pop = " … ".join(_html_quote(q) for q in quotes)
        # the popover is the link's sibling, not its content: a screen reader names the link
        # "Source n" and reads the quote once, as its description
        parts.append(
            f'<span class="cite-wrap"><a class="cite" href="#src-{n}" data-source="{n}" '
            f'aria-label="Source {n}" aria-describedby="pop-{place}-{n}">[{n}]</a>'
            f'<span class="pop" role="tooltip" id="pop-{place}-{n}">{pop}</span></span>'
        )
    cites = "".join(parts)
    text = html.escape(s.text)
    if s.flagged:
        return (
            f'<span class="flagged" title="Not supported by the cited sources">{text}</span>'
            f'{cites} <span class="flag">⚠ unsupported</span>'
        )
    return f"{text}{cites}"


def _html_source(s: Source) -> str:
    site = f", {html.escape(s.site_name)}" if s.site_name else ""
    opinion = f" ({html.escape(s.opinion.split(' ', 1)[1])})" if s.opinion else ""
    quotes = "".join(f"<blockquote>{_html_quote(q)}</blockquote>" for q in s.quotes)
    return (
        f'<li id="src-{s.number}" value="{s.number}"><a href="{html.escape(s.url, quote=True)}">'
        f"{html.escape(s.title)}</a>{site}, {html.escape(s.published)}{opinion}{quotes}</li>"
    )


def _html_change(change: dict[str, Any] | None) -> str:
    if not change:
        return ""
    status = change["status"]
    text = f'<span class="badge {status}">{status}</span>'
    if change.get("fresh"):
        links = "".join(f'<a href="#src-{n}">[{n}]</a>' for n in change["fresh"])
        text += f" new since last week: {links}"
    previous = change.get("previous")
    if previous:
        title = html.escape(previous["headline"])
        page = previous.get("page")
        target = f"{html.escape(page, quote=True)}.html#takeaway-{previous['number']}"
        text += (
            f' · last week: <a href="{target}">{title}</a>' if page else f" · last week: {title}"
        )
    return f'<p class="change">{text}</p>'


def to_html(b: Briefing, *, previous: str = "", index: str = "") -> str:
    """One self-contained page; ``previous`` (last week's briefing on the topic, a page name
    without extension) and ``index`` (the archive's index page) add navigation links."""
    by_number = {src.number: src for src in b.sources}
    parts = []
    for t in b.takeaways:
        body = " ".join(
            _html_sentence(s, by_number, f"{t.number}-{i}") for i, s in enumerate(t.sentences, 1)
        )
        story = story_line(t.story)
        about = f'<p class="story">{html.escape(story)}</p>' if story else ""
        parts.append(
            f'<section class="takeaway" id="takeaway-{t.number}"><h2><span class="num" '
            f'aria-label="Takeaway {t.number}">{t.number}</span>'
            f"{html.escape(t.headline)}</h2>{_html_change(t.change)}<p>{body}</p>{about}</section>"
        )
    links = []
    if index:
        links.append(f'<a href="{html.escape(index, quote=True)}">All briefings</a>')
    if previous:
        links.append(
            f'<a rel="prev" href="{html.escape(previous, quote=True)}.html">← Last week</a>'
        )
    nav = f'<nav class="nav">{" · ".join(links)}</nav>' if links else ""
    since = f'<p class="since">{html.escape(b.since_last)}</p>' if b.since_last else ""
    sources = "".join(_html_source(s) for s in b.sources)
    title = f"Food for thought: {b.topic}"
    note = f'<p class="note">{html.escape(b.note)}.</p>' if b.note else ""
    line = _relevance_line(b)
    relevance = f'<p class="relevance">{html.escape(line)}</p>' if line else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style></head>
<body><main>
{nav}<h1>{html.escape(title)}</h1>
<p class="meta">{html.escape(_range(b))} · {html.escape(_writer_note(b))}</p>
{since}{note}{"".join(parts)}
<h2>Sources</h2><ol class="sources">{sources}</ol>
<h2>Citation report</h2><p class="report">{html.escape(_report_line(b))}</p>
{relevance}</main></body></html>
"""


RENDERERS = {"md": to_markdown, "html": to_html, "json": to_json}
