"""Page furniture left in extracted text (pure): lines that are not the article.

trafilatura removes navigation and most boilerplate; what it keeps are short lines inside the
article's container: follow-us and newsletter prompts, "read more" and "don't miss" link lists,
credit lines ("Reporting by ...", "... contributed to this report"), affiliate and comment
notices, app and podcast plugs. Each pattern was read off the extracted text of the shared
news pages (``benchmarks/furniture.py`` lists what it removes there and measures the text
against the human gold); a line is dropped only when it is short and matches one.

What stands before the page's own title, when the title is a line of the text near its start,
is furniture too: a teaser of another page from a sidebar ("Night mode is an automatic setting
..." above a MacRumors report on the MacBook Pro's keyboard), a kicker ("Review").
"""

from __future__ import annotations

import re

MAX_LINE = 320  # longer lines are prose, whatever they say

PATTERNS = tuple(
    re.compile(p, re.I)
    for p in (
        # social media and newsletters
        r"\bfollow (us|him|her|them|\w+(\s\w+){0,3}) on (twitter|facebook|instagram|youtube)",
        r"^follow @?\w+",
        r"\b(subscribe|sign up)\b.{0,80}\b(newsletter|inbox|channel|youtube|account)s?\b",
        r"^(get|receive) .{0,60}\b(in|to) your inbox",
        r"^thanks for signing up",
        r"error processing your subscription",
        r"^keep an eye on your inbox",
        # calls to action and link lists
        r"\bclick here\b",
        r"^(read more|related|see also|don'?t miss|you may also like|more from|explore further)\b",
        r"\[(insight|news|warning|video|pics|poll|photos)\]\s*$",
        r"^get .{0,40} app\b",
        r"^(listen|download|itunes|spotify|podcast)( to .{0,40})?:\s",
        r"^how to listen to\b",
        # credits and contacts
        r"^(additional )?reporting by\b",
        r"^(writing|editing|edited) by\b",
        r"\bcontributed to (this|the) report\.?$",
        r"\b(may|can) be reached at\b",
        r"^have a tip\?",
        # commerce, comments, rights
        r"\bif you buy something through\b",
        r"\bmay (get|earn) a (share|commission)\b",
        r"^comments?$",
        r"\ball rights reserved\b",
        r"^copyright\b",
        r"\bif you enjoyed this article\b",
        # notes on the page, not the news
        r"^(this|the) (story|article|post) (has been|was|will be) updated\b",
        r"^updated (at|on)\b",
        r"\bet to include details\b",
    )
)


def is_furniture(line: str) -> bool:
    stripped = line.strip().lstrip("-•*· ").strip()
    if not stripped or len(stripped) > MAX_LINE:
        return False
    return any(p.search(stripped) for p in PATTERNS)


BEFORE_TITLE = 600  # characters before the title line that may be cut as furniture


def without_furniture(text: str, title: str = "") -> tuple[str, list[str]]:
    """The text without its furniture lines, and the lines removed; ``title``: the page's
    title, above which nothing is the article (within the first ``BEFORE_TITLE`` characters)."""
    lines = text.split("\n")
    removed: list[str] = []
    title = " ".join(title.split())
    if title:
        seen = 0
        for i, line in enumerate(lines):
            if seen > BEFORE_TITLE:
                break
            if i and " ".join(line.split()) == title:
                removed, lines = lines[:i], lines[i:]
                break
            seen += len(line) + 1
    kept: list[str] = []
    for line in lines:
        (removed if is_furniture(line) else kept).append(line)
    return "\n".join(kept).strip(), removed
