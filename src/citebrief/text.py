"""Text rules that every stage shares (pure): words, stopwords, content words, sentences, the
day of an article, a count with its noun ("1 passage", "2 passages"), and language codes. One
home for each, so that the writer, the verifier, the keyword index and duplicate detection cut
text the same way, and every message counts the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

# --- words ----------------------------------------------------------------------------------------
# A word is a run of letters, digits and underscores (Unicode-aware), as SQLite's unicode61
# tokenizer sees it; the keyword index, near-duplicate shingles and the verifier all use it.
WORD = re.compile(r"\w+", re.UNICODE)
NUMBER = re.compile(r"\d[\d,.]*")

# titles of courtesy and office that put a person's surname after them ("Mr. Biden", "Sen.
# Paul", "Dr. Dempsey"): they say a person is meant, not who
COURTESY_TITLES = r"Mr|Mrs|Ms|Dr|Sen|Rep|Gov"

STOPWORDS = frozenset(
    """a an the and or but if then of to in on at by for with from as is are was were be been
    being this that these those it its it's he she they them his her their we our you your i
    has have had do does did so than too very can will would should could may might must shall
    about into over after before under between through during also just only more most some
    such any each other which who whom whose what when where why how all both few said says
    say""".split()
)
_SUFFIXES = (
    "ational",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ied",
    "ers",
    "ed",
    "es",
    "ly",
    "s",
)


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order."""
    return WORD.findall(text.lower())


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'controls' with 'control' in short texts."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")  # "U.S.", "U.K.", "e.g."


def abbreviations(text: str) -> set[str]:
    """Dotted abbreviations as one word each, lower-cased: "U.S." -> "us" (``words`` reads it
    as "u" and "s")."""
    return {m.group(0).replace(".", "").lower() for m in _DOTTED.finditer(text)}


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning (no stopwords, no single characters), in order."""
    return [stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS]


def content_words(text: str) -> set[str]:
    return set(content_terms(text))


def numbers(text: str) -> set[str]:
    """The numbers in ``text``, without thousands separators: '1,200' and '1200' are one."""
    return {n.rstrip(".,").replace(",", "") for n in NUMBER.findall(text)}


def plural(count: int, singular: str, plural_form: str = "") -> str:
    """A count with its noun in the right number: "1 turn", "2 turns", "0 stories" (with
    ``plural_form`` for a noun that does not just take an s)."""
    noun = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count:,} {noun}"


# A name: capitalised words in a row ("Nancy Pelosi", "Wire Asia Service"); a sentence's first
# word is a name only when it is not a common word
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
_NOT_NAMES = frozenset(
    """the a an in on at for and but he she they it this that after as when while some if we i
    his her mr ms mrs dr monday tuesday wednesday thursday friday saturday sunday there here
    what why how who our their its one two new""".split()
)


def names(text: str) -> set[str]:
    """The names in ``text``, lower-cased: runs of capitalised words, leading common words
    ("The", "On", "Mr.") left out."""
    found = set()
    for match in _NAME.findall(text):
        parts = match.split()
        while parts and parts[0].lower().rstrip(".") in _NOT_NAMES:
            parts = parts[1:]
        name = " ".join(parts).rstrip(".").lower()
        if len(name) > 2:
            found.add(name)
    return found


# --- queries ------------------------------------------------------------------------------------
# A relation a question asks about, and what it relates to: "in response to the HBM rule",
# "react to the rule", "in the wake of the talks": the words after it are the circumstance
_RELATION = re.compile(
    r"\b(?:(?:in|as an?)\s+(?:direct\s+)?(?:response|reaction|reply|answer|retaliation)"
    r"\s+(?:to|for)|(?:respond(?:s|ed)?|react(?:s|ed)?|repl(?:y|ies|ied)|retaliat(?:e|es|ed))"
    r"\s+(?:to|for|against)|in\s+the\s+wake\s+of)\s+",
    re.I,
)
_BORROWED = re.compile(r"\s+\(([^()]*)\)\s*$")


@dataclass(frozen=True, slots=True)
class QueryParts:
    """A query's parts. ``own``: what it asks about, in its own words; ``borrowed``: the words
    a follow-up took from the conversation (what "it" stands for: part of what it asks about);
    ``circumstance``: what a relation in it points to ("the HBM rule" of "What did Beijing do
    in response to the HBM rule?"): the answer may not name it."""

    own: str
    borrowed: str = ""
    circumstance: str = ""

    @property
    def asked(self) -> str:
        """What every story drawn on must be about: the own and the borrowed words."""
        return f"{self.own} {self.borrowed}".strip()


def with_borrowed(question: str, borrowed: str) -> str:
    """A follow-up made standalone: "What did Huawei say about it? (HBM rule)"."""
    return f"{question} ({borrowed})" if borrowed else question


def query_parts(query: str) -> QueryParts:
    """The parts of a query (``with_borrowed`` writes the borrowed ones)."""
    own, borrowed = query, ""
    match = _BORROWED.search(query)
    if match:
        own, borrowed = query[: match.start()], match.group(1).strip()
    relation = _RELATION.search(own)
    if relation is None:
        return QueryParts(own.strip(), borrowed)
    before, after = own[: relation.start()], own[relation.end() :]
    if not content_words(before):  # "In response to the rule, what ...?": nothing before
        return QueryParts(own.strip(), borrowed)
    return QueryParts(before.strip(), borrowed, after.strip(" ?.!"))


# --- sentences --------------------------------------------------------------------------------
# A sentence ends at . ! or ? (and any closing quotes or brackets) before white space and what
# can start a sentence: a capital, a digit, an opening quote or bracket, '#', an ellipsis, a
# brand written in lower case with a capital or digit inside (iPhone, my6sense), or a link.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*[ \t\u00a0]+"
    r"(?=[\"“‘(\[#…A-Z0-9]|[a-z]+[A-Z0-9]|https?://|pic\.twitter\.com)"
)
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt st jr sr inc corp co ltd no vs etc fig jan feb
    mar apr jun jul aug sep sept oct nov dec id u.s u.k e.g i.e a.m p.m""".split()
)
_BEFORE_NUMBERS = frozenset({"no", "fig"})  # "No. 5", "Fig. 2"; but "he said no."
_INITIALS = re.compile(r"^(?:[a-z]\.)*[a-z]$")  # J. or J.J. or W.M.
_LEADING = "\"'“‘(["
_TRAILING = ".!?\"'”’)]"
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_TIMES = frozenset({"a.m", "p.m"})


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: ``text[start:end]`` is the sentence, stripped. A line
    break always ends a sentence; within a line, a stop ends one unless it closes an
    abbreviation ("Dec. 10", "U.S. officials", "J. Smith", "Gov. Noem"); "10 a.m." ends a
    sentence unless a weekday follows."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend((offset + s, offset + e) for s, e in _line_spans(line))
        offset += len(line) + 1
    return spans


def _line_spans(line: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        before = line[start : match.start()].rsplit(None, 1)
        last = before[-1].lstrip(_LEADING).rstrip(_TRAILING).lower() if before else ""
        following = line[match.end() :]
        if last in _TIMES and following.split(None, 1)[0].strip(",.").lower() not in WEEKDAYS:
            last = ""  # "at 10 a.m. The ..." ends the sentence
        if last in _BEFORE_NUMBERS and not following[:1].isdigit():
            last = ""
        if last in ABBREVIATIONS or _INITIALS.match(last):
            continue
        end = match.start() + len(match.group(0).rstrip(" \t\u00a0"))
        spans.append(_stripped(line, start, end))
        start = match.end()
    spans.append(_stripped(line, start, len(line)))
    return [(s, e) for s, e in spans if e > s]


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


# --- articles -----------------------------------------------------------------------------------
def after_title(text: str, title: str) -> int:
    """Where ``text`` starts after a leading line that repeats ``title`` (spacing and case
    aside) and the blank space after it; 0 when it has no such line, or nothing after it. Many
    pages give their headline as the first line of the article's text: a passage quoted under
    its source, whose line names the title already, need not repeat it."""
    head = " ".join(title.split()).casefold()
    stripped = text.lstrip()
    line, newline, rest = stripped.partition("\n")
    if not head or not newline or not rest.strip() or " ".join(line.split()).casefold() != head:
        return 0
    return len(text) - len(rest.lstrip())


def article_day(published: str, fetched_at: str) -> str:
    """The day an article belongs to, as an ISO date: the day it was published, else the day
    it was fetched; "" when neither is known."""
    return (published or fetched_at)[:10]


# --- languages ---------------------------------------------------------------------------------
_NO_LANGUAGE = {"und", "mul", "zxx", "mis"}  # undetermined, several, no linguistic content
_SAME_LANGUAGE = {"nb": "no"}  # Norwegian Bokmål is what pages mean by Norwegian


def language_code(declared: str) -> str:
    """A page's declared language as one ISO 639-1 code ("en" for "EN", "en-US", "eng"; "he"
    for the old "iw"), or "" when it names none (Babel's CLDR data decides)."""
    code = declared.strip().replace("_", "-").split("-")[0].lower()
    if not code.isalpha() or code in _NO_LANGUAGE:
        return ""
    try:
        language = Locale.parse(code).language
    except (ValueError, UnknownLocaleError):
        return ""
    return _SAME_LANGUAGE.get(language, language)


def language_name(code: str) -> str:
    """ "Italian" for "it"; the code itself when Babel (CLDR) does not know it."""
    return Locale("en").languages.get(code.lower()) or code
