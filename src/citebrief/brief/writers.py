"""Writers turn retrieved passages into a draft: takeaways made of sentences that cite passage
keys (``models.Writer``: ``write_briefing`` and ``write_answer``). Two are registered by name:
``extractive`` (offline, here) and ``openai`` (an LLM, ``llm_writer``).

``ExtractiveWriter`` writes a takeaway per story from its passages, quoting whole sentences
exactly, each cited to its passage: the lead fact that most of the story's outlets corroborate,
a key detail (who, numbers, dates), and, when the story has several outlets, what another one
adds, attributed ("Fox News reports: “...”"). An opinion piece is always attributed as one
("An op-ed by Jane Doe in X argues: “...”", or "An op-ed from X" without a clean byline).
Only sentences that stand alone are used (``style.problems``), and none that says again what
the takeaway already said: in most of its words, or, given sentence embeddings, in other words
(another outlet's lead of the same event). The headline is the cleaned title of a cited article,
the most representative one, never repeated.

``Events`` tells, by the same test on their leads, a story that tells again the event of a story
taken before (one event grouped as two stories); the briefing's plan uses it for either writer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citebrief.brief import style
from citebrief.errors import UsageError
from citebrief.ingest.urls import host_of, outlet_name
from citebrief.models import (
    AnswerRequest,
    BriefingRequest,
    Draft,
    DraftSentence,
    DraftTakeaway,
    Passage,
    StoryPassages,
    Writer,
)
from citebrief.settings import Settings
from citebrief.stories.cluster import Embed, unit
from citebrief.stories.relevance import QUESTION_WORDS
from citebrief.text import WEEKDAYS, content_words, names, query_parts, sentence_spans

_CONTRAST = re.compile(
    r"\b(but|however|while|although|disputed|criticized|criticised|warned|argued|argues"
    r"|disagreed|rejected|denied|questioned|skeptic|sceptic|critics?|opponents?)\b",
    re.I,
)
# a wire dateline: "SAN FRANCISCO, Nov 19 (Wire Asia Service) - ", "HONG KONG — ", "BERLIN -- ",
# "HANOI, Vietnam (AP) — ", "CLEVELAND, Ohio – ", "PORT-AU-PRINCE, Haiti (AP) — ", "SÃO PAULO
# — ", "LOS ANGELES, Calif., Nov 19 (Reuters) - "; a place of four letters at least ("IBM,
# Microsoft – and Google – ..." is no dateline); a press release's "New York, NY – "
_CAPITAL = "A-ZÀ-ÖØ-Þ"
_STATES = "|".join(
    """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH
    NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC""".split()
)
_DATELINE = re.compile(
    rf"[{_CAPITAL}][{_CAPITAL}.'/ -]{{3,40}}"
    r"(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)?"
    r"(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})?"
    r"(?: \([^)]{2,40}\))? ?(?:-{1,2}|[–—]) "
    # a press release's: "New York, NY – ", "Palo Alto, CA — " (a state's two capitals)
    rf"|[A-Z][a-z]+(?: [A-Z][a-z]+){{0,2}}, (?:{_STATES}) (?:-{{1,2}}|[–—]) "
)
# a question asking for a quantity or a date ("How many Chinese customers do the licences
# cover?") is answered by a sentence holding a number ("cover shipments to 14 named Chinese
# customers"), not by the one naming most of its words ("Nvidia has received the first U.S.
# export licences to sell its B25 accelerator")
_QUANTITY_QUESTION = re.compile(
    r"\s*(?:how\s+(?:many|much|long|far|big|large|high|low|often|old|fast)|until\s+when"
    r"|what\s+(?:share|percentage|proportion|fraction|portion|number|amount|price|level)"
    r"|what\s+(?:is|are|was|were)\b(?=.*\bworth\W*$))\b",
    re.I,
)
_NUMBER = re.compile(r"(?<!\w)\d")  # 14, $2.4 billion, 54 percent; not B25
QUANTITY_BONUS = 0.5  # the weight of a topic word and a half: a number answers such a question
# a question asking why ("Why did Biden end infrastructure talks with Capito?") is answered by
# a sentence giving a cause ("... abandoned the talks over the party's unwillingness to
# compromise on raising taxes", "... because Republicans were not ready to ...")
CAUSE_BONUS = 1.0  # half the weight of the whole topic: without a cause, no answer to "why"
_CAUSE_QUESTION = re.compile(r"\s*why\b|\s*what\s+(?:caused|led\s+to|prompted)\b", re.I)
_CAUSE = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|as\s+a\s+result\s+of|in\s+response\s+to|citing"
    r"|blamed|over\s+(?:the|its|his|her|their)\s+\w+(?:'s|’s)?\s+(?:unwillingness"
    r"|refusal|failure|insistence|opposition|demands?|concerns?))\b",
    re.I,
)
# a question asking when ("When will the Juneteenth holiday be observed?") is answered by a
# sentence giving a date ("The holiday is celebrated on June 19, and it began in 1865 ...");
# "until when" asks a quantity (above)
DATE_BONUS = 1.0  # as a cause for "why"
_DATE_QUESTION = re.compile(r"\s*when\b|\s*(?:on\s+)?what\s+(?:day|date)\b", re.I)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# a day of a month ("June 19", "June 19th", "Dec. 15", "15 November") or a month of a year
# ("January 2027"); a year alone is no date ("... since Martin Luther King Jr. Day was added in
# 1983"), nor a day that names an event's committee ("the Jan. 6 committee")
_NAMED_BY_A_DAY = (
    r"(?:committee|commission|panel|select|riots?|rioters|insurrection|attack|investigation"
    r"|probe|hearings?|defendants?|cases?|prosecutions?)\b"
)
_DATE = re.compile(
    rf"\b{_MONTH}\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s+{_NAMED_BY_A_DAY})|(?:1[6-9]|20)\d\d\b)"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b"
)
# a question asking what someone said ("What did Sondland say about Trump?") is answered by a
# sentence in which they say it ("Afterward, Sondland said he had relayed to the Ukrainian
# ..."), not by the one about them that names most of its words
SAY_BONUS = 1.0  # as a cause for "why"
_SAY_QUESTION = re.compile(
    r"\s*what\s+(?:(?:did|does|do|will|would)\s+(?P<who>[^?]+?)\s+"
    r"(?:say|tell|testify|claim|argue|write|announce)"
    r"|(?:has|have|had)\s+(?P<whom>[^?]+?)\s+(?:said|told|testified|claimed|argued|written"
    r"|announced))\b",
    re.I,
)


def _says(question: str) -> re.Pattern[str] | None:
    """For a question asking what someone said, a sentence in which they say something: their
    last name ("Sanders" of "Bernie Sanders's", any case), then a verb of speech within three
    words ("Sondland said", "Sondland has long said"), or the verb first ("said Sondland")."""
    match = _SAY_QUESTION.match(question)
    if match is None:
        return None
    last = (match.group("who") or match.group("whom")).split()[-1]
    name = re.escape(re.sub(r"['’]s?$", "", last))
    speech = rf"(?:{style.SPEECH})"
    return re.compile(rf"\b(?i:{name})\b(?:\W+\w+){{0,2}}?\W+{speech}\b|\b{speech}\s+(?i:{name})\b")


LEAD_CHARS = 700
# a sentence starting this early in its article belongs to its lead
# Two sentences say the same thing when the embeddings of their words are this close: "The
# Senate passed sweeping legislation Tuesday designed to counter ... China" after "The Senate
# overwhelmingly passed legislation on Tuesday that would pour nearly a quarter-trillion
# dollars ..." (0.851). Chosen by hand on the 66 closest pairs of sentences of one takeaway in
# the AllSides dev weeks' briefings (benchmarks/RESULTS.md, thirteenth session): from 0.72 up
# 36 of 42 pairs say the same fact again, below it about half do.
SAYS_AGAIN = 0.72
# ... or this close, and they give the same day of the week or the same number ("62,500",
# "$1.8 trillion", "1 billion doses"; not a year, not "Jan. 6" or "G-7"): of the 66 pairs
# between 0.60 and 0.72 above, 24 do so, each telling the same fact again by my reading
# (seventeenth session; the other 42 were not labelled again)
SAYS_AGAIN_SAME_DAY = 0.60
_WEEKDAY = re.compile(  # a day, not a name ("Black Friday", "Super Tuesday")
    r"(?<!Black )(?<!Good )(?<!Cyber )(?<!Super )(?<!Ash )"
    rf"\b(?:{'|'.join(sorted(d.capitalize() for d in WEEKDAYS))})\b"
)
_BIG_NUMBER = re.compile(
    r"(?<![\w.,/-])(?<!No\. )(?<!H\.R\. )(?<!S\. )(?<!Section )(?<!Title )(?!(?:19|20)\d\d\b)"
    r"(\d+(?:\.\d+)?\s+(?:million|billion|trillion)\b"  # "1 billion doses"
    r"|\d{1,3}(?:,\d{3})+|\d+\.\d+|\d{3,})(?![\w/(-]|\.\d)"
)


@dataclass(slots=True)
class _Candidate:
    passage: Passage
    text: str
    start: int  # in the article
    words: set[str]
    opinion: str  # "an op-ed", ... or ""
    speaker: str = ""  # a surname that alone names the speaker, which an earlier sentence
    # of the takeaway must name ("..., Zhang said." after "According to Zhang Ruolan, ...")
    refers: tuple[tuple[str, ...], ...] = ()  # demonstratives pointing back ("this claim"),
    # each of which an earlier sentence of the takeaway (or its headline) must name
    claim: bool = False  # the claim a fact check examines, never a fact of its own

    @property
    def outlet(self) -> str:
        return outlet_name(self.passage.site_name, self.passage.url)


def _candidates(passages: Sequence[Passage], used: set[str]) -> list[_Candidate]:
    """Every sentence of the passages that could be quoted on its own, and every quotation
    whose speaker is the sentence before it, quoted with that sentence ("..., the Swedish
    Prosecution Authority said. “The reason for this decision is ...,” it added.")."""
    earlier: dict[str, str] = {}  # article id -> the text of its passages so far
    out = []
    for passage in sorted(passages, key=lambda p: (p.article_id, p.start)):
        out += _passage_candidates(passage, used, earlier.get(passage.article_id, ""))
        earlier[passage.article_id] = earlier.get(passage.article_id, "") + " " + passage.text
    order = {id(p): i for i, p in enumerate(passages)}
    return sorted(out, key=lambda c: order[id(c.passage)])  # the passages' own order


def _passage_candidates(passage: Passage, used: set[str], before: str) -> list[_Candidate]:
    """``before``: the text of the passages of the same article that come before this one."""
    text = passage.text
    opinion = style.opinion_kind(passage.title, passage.url, passage.section)
    title = content_words(passage.title)

    def quotable(start: int, end: int) -> bool:
        return (
            40 <= end - start <= 400
            and text[start:end] not in used
            and not style.problems(text[start:end], demonstratives=False)
            and not style.inside_quotation(text[:start])
        )

    out = []
    previous: tuple[int, int] | None = None  # the sentence before, when it is quotable
    for start, end in sentence_spans(text):
        dateline = _DATELINE.match(text, start, end)
        if dateline:  # "WASHINGTON, Nov 19 (Wire Asia Service) - " is not the news
            start = dateline.end()
        span = None
        if quotable(start, end):
            span = (start, end)
        elif (
            previous
            and style.problems(text[start:end]) == ["quotation without its speaker"]
            and quotable(previous[0], end)
        ):  # its speaker is named in the sentence before: quote the two
            span = (previous[0], end)
        previous = (start, end) if span == (start, end) else None
        if span:
            words = content_words(text[span[0] : span[1]])
            if words and not words <= title:  # the title again, in the body: the headline's job
                quoted = text[span[0] : span[1]]
                speaker = style.bare_speaker(quoted)
                if (
                    speaker
                    and speaker not in passage.people
                    and not style.introduced(speaker, f"{before} {text[: span[1]]}")
                ):
                    speaker = ""  # no one's surname, as far as the article shows ("Apple says")
                refers = style.pointing_back(quoted)
                claim = style.checked_claim(f"{before}\n{text[: span[0]]}")
                start = passage.start + span[0]
                out.append(
                    _Candidate(passage, quoted, start, words, opinion, speaker, refers, claim)
                )
    return out


def _named(c: _Candidate, earlier: Sequence[_Candidate], headline: str = "") -> bool:
    """Whether what ``c`` refers back to is named before it (or it refers to nothing): the
    person it names by surname alone, the things its demonstratives point to ("this claim")."""
    if not c.refers and (not c.speaker or style.introduced(c.speaker, c.text, titled=False)):
        return True  # none, or named in full in the sentence itself
    before = " ".join([headline, *(_draft(o, attribute=False).text for o in earlier)])
    if not all(style.referred(phrase, before) for phrase in c.refers):
        return False
    if not c.speaker or style.introduced(c.speaker, c.text, titled=False):
        return True
    return bool(re.search(rf"\b{re.escape(c.speaker)}\b", before))


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(min(len(a), len(b)), 1)


class _Sameness:
    """Whether a sentence says again what another one says: it shares most of its words
    (more than ``overlap`` of the shorter one's), or, with an embedding model, its meaning
    (``SAYS_AGAIN``): two outlets' leads of one event rarely share their words."""

    def __init__(self, embed: Embed | None) -> None:
        self.embed = embed
        self.vectors: dict[str, Any] = {}

    def know(self, candidates: Sequence[_Candidate]) -> None:
        """Embed the sentences not seen yet, in one call."""
        missing = list(dict.fromkeys(c.text for c in candidates if c.text not in self.vectors))
        if self.embed is None or not missing:
            return
        for text, vector in zip(missing, self.embed(missing), strict=True):
            self.vectors[text] = unit(vector)

    def same(
        self, a: _Candidate, b: _Candidate, overlap: float = 0.5, *, same_day: bool = False
    ) -> bool:
        """``same_day``: within one takeaway, a shared weekday or number counts from
        ``SAYS_AGAIN_SAME_DAY`` (between stories the same day says little: two Senate votes on
        Tuesday are two events)."""
        if _overlap(a.words, b.words) > overlap:
            return True
        va, vb = self.vectors.get(a.text), self.vectors.get(b.text)
        if va is None or vb is None:
            return False
        cosine = float(np.dot(va, vb))
        return cosine >= SAYS_AGAIN or (
            same_day and cosine >= SAYS_AGAIN_SAME_DAY and _same_day(a, b)
        )


def _same_day(a: _Candidate, b: _Candidate) -> bool:
    """Whether two sentences give the same day of the week or the same number."""
    return bool(
        set(_WEEKDAY.findall(a.text)) & set(_WEEKDAY.findall(b.text))
        or set(_BIG_NUMBER.findall(a.text)) & set(_BIG_NUMBER.findall(b.text))
    )


@dataclass(slots=True)
class _Told:
    """What a briefing's earlier takeaways said: a fact is said once per briefing. Only news
    counts: an op-ed's "since the Commerce Department tightened its rules on high-bandwidth
    memory last week" argues; the report of the rule's publication is news all the same."""

    sameness: _Sameness
    said: list[_Candidate] = field(default_factory=list)  # the news sentences quoted

    def says_again(self, c: _Candidate) -> bool:
        return any(self.sameness.same(c, o) for o in self.said)


class Events:
    """The events a briefing tells, known by their stories' leads, whichever writer writes: a
    story whose lead says again the lead of a story taken before tells the same event (one
    event grouped as two stories: "President Joe Biden announced an agreement on a bipartisan
    infrastructure package Thursday" after CNN's "We have a deal" lead) and gets no takeaway of
    its own. A story's lead is the sentence the extractive writer opens its takeaway with
    (``_lead``), whatever else was quoted: a lead copied word for word is the same event. An
    op-ed's opening argues; it tells no event."""

    def __init__(self, topic: str, embed: Embed | None = None) -> None:
        self.topic = topic
        self.sameness = _Sameness(embed)
        self.leads: dict[str, _Candidate] = {}  # story id -> its lead, of the stories told
        self._found: dict[str, _Candidate | None] = {}  # story id -> its lead, once found

    def told_by(self, group: StoryPassages) -> str | None:
        """The story told before whose event this story tells again, if any (never for a
        story whose lead is an op-ed's opening, or that has none)."""
        lead = self._lead(group)
        if lead is None:
            return None
        return next((s for s, o in self.leads.items() if self.sameness.same(lead, o)), None)

    def tell(self, group: StoryPassages) -> None:
        """From now on, this story's event is told."""
        lead = self._lead(group)
        if lead is not None:
            self.leads[group.story.id] = lead

    def _lead(self, group: StoryPassages) -> _Candidate | None:
        """The story's lead, found once (``told_by`` then ``tell`` ask for it twice)."""
        if group.story.id not in self._found:
            lead = _lead(_candidates(group.passages, set()), _Scorer(self.topic, group.passages))
            if lead is not None and not lead.opinion:
                self.sameness.know([lead])
                self._found[group.story.id] = lead
            else:
                self._found[group.story.id] = None
        return self._found[group.story.id]


class _Scorer:
    """What a candidate is worth in a takeaway: how much of the topic it holds, how far the
    story's other articles corroborate it, whether it is the lead, whether it has details."""

    def __init__(self, topic: str, passages: Sequence[Passage]) -> None:
        # what a question asks in its own words comes first; the words a follow-up borrowed
        # ("What did Huawei say about it? (HBM rule)") and the circumstance of a relation
        # ("... in response to the HBM rule") only second: a sentence with all of the context
        # and none of the question's own words must not beat one that answers it
        # the wording of a question ("how many", "what did X find") is not what it asks about:
        # "many" must not draw an answer to "How many cases of plague ...?" to "as many cases"
        parts = query_parts(topic)
        self.primary = content_words(parts.own) - QUESTION_WORDS
        self.secondary = (
            content_words(f"{parts.borrowed} {parts.circumstance}") - self.primary - QUESTION_WORDS
        )
        self.vocabulary: dict[str, set[str]] = {}
        for p in passages:
            self.vocabulary.setdefault(p.article_id, set()).update(content_words(p.text))

    def topic(self, c: _Candidate) -> float:
        """The share of the question's own words the sentence holds (two thirds) and of its
        context (a third); without context, the share of the topic's words."""
        own = len(c.words & self.primary) / max(len(self.primary), 1)
        if not self.secondary:
            return own
        return (2 * own + len(c.words & self.secondary) / len(self.secondary)) / 3

    def corroboration(self, c: _Candidate) -> float:
        """The mean share of its words that each other article of the story holds."""
        others = [v for a, v in self.vocabulary.items() if a != c.passage.article_id]
        if not others:
            return 0.0
        return sum(len(c.words & v) / len(c.words) for v in others) / len(others)

    @staticmethod
    def detail(c: _Candidate) -> float:
        return 0.15 * bool(re.search(r"\d", c.text)) + 0.05 * min(len(names(c.text)), 2)

    @staticmethod
    def lead(c: _Candidate) -> float:
        """1 for an article's first sentence, falling to 0 at ``LEAD_CHARS``."""
        return max(0.0, 1.0 - c.start / LEAD_CHARS)


class ExtractiveWriter:
    """Offline: a takeaway per story of exact, attributed quotations (see the module)."""

    name = "extractive"

    def __init__(self, sentences_per_takeaway: int = 3, embed: Embed | None = None) -> None:
        self.per_takeaway = sentences_per_takeaway
        self.embed = embed  # sentence embeddings, to tell a sentence that says again what
        # another one says in other words (without: by their words only)

    def write_briefing(self, request: BriefingRequest) -> Draft:
        takeaways = []
        used: set[str] = set()
        told = _Told(_Sameness(self.embed))
        headlines: set[str] = set()
        for group in request.stories:
            chosen = self._story(request.topic, group.passages, used, told)
            if not chosen:
                continue
            title = _headline(chosen, group.passages, headlines)  # the lead still first
            headlines.add(title.lower())
            chosen = _reading_order(chosen)
            # a surname or a noun named in a sentence that reads after it is no referent, nor
            # one named in a sentence left out here
            kept: list[_Candidate] = []
            for c in chosen:
                if _named(c, kept, title):
                    kept.append(c)
            chosen = kept
            used.update(c.text for c in chosen)
            told.said += [c for c in chosen if not c.opinion and not c.claim]  # facts only
            lead = chosen[0].outlet
            sentences, framed = [], set()
            for c in chosen:
                sentences.append(
                    _draft(c, attribute=c.outlet != lead, again=c.passage.article_id in framed)
                )
                if sentences[-1].text != c.text:
                    framed.add(c.passage.article_id)
            takeaways.append(DraftTakeaway(title, sentences, group.story.id))
        return Draft(takeaways, writer=self.name, model="extractive")

    def write_answer(self, request: AnswerRequest) -> Draft:
        """One takeaway without a headline: the sentences that best answer the question, each
        from another story (else article) while one is left: the answer's stories each say
        their part (a story already quoted comes again only when no other one has a sentence)."""
        score = _Scorer(request.question, request.passages)
        quantity = QUANTITY_BONUS * bool(_QUANTITY_QUESTION.match(request.question))
        cause = CAUSE_BONUS * bool(_CAUSE_QUESTION.match(request.question))
        date = DATE_BONUS * bool(_DATE_QUESTION.match(request.question))
        says = _says(request.question)
        ranked = sorted(
            _candidates(request.passages, set()),
            key=lambda c: (
                -(
                    2 * score.topic(c)
                    + score.corroboration(c)
                    + score.detail(c)
                    + quantity * bool(_NUMBER.search(c.text))
                    + cause * bool(_CAUSE.search(c.text))
                    + date * bool(_DATE.search(c.text))
                    + SAY_BONUS * bool(says and says.search(c.text))
                )
            ),
        )

        def source(c: _Candidate) -> str:
            return request.story_of.get(c.passage.article_id, c.passage.article_id)

        # two sources giving one answer in their own words is no repetition: the number
        # twice says the sources agree (only sentences that share most words are left out)
        chosen: list[_Candidate] = []
        while len(chosen) < self.per_takeaway:
            quoted = {source(c) for c in chosen}
            fresh = [
                c
                for c in ranked
                if c not in chosen
                and all(_overlap(c.words, o.words) <= 0.6 for o in chosen)
                and _named(c, chosen)
            ]
            if not fresh:
                break
            chosen.append(next((c for c in fresh if source(c) not in quoted), fresh[0]))
        sentences = [_draft(c, attribute=False) for c in chosen]
        return Draft([DraftTakeaway("", sentences)] if sentences else [], self.name, "extractive")

    def _story(
        self, topic: str, passages: Sequence[Passage], used: set[str], told: _Told
    ) -> list[_Candidate]:
        """Lead fact, key detail, and what another outlet adds (or a second detail); after the
        lead, none saying again a fact an earlier takeaway quoted."""
        candidates = _candidates(passages, used)
        told.sameness.know(candidates)
        score = _Scorer(topic, passages)
        lead = _lead(candidates, score)
        if lead is None:
            return []
        # the lead stays: an earlier takeaway's background ("... ready to move immediately if
        # the FDA authorised the Pfizer vaccine for children aged 12 to 15") is this one's news
        candidates = [c for c in candidates if not told.says_again(c)]
        chosen = [lead]

        def fresh(c: _Candidate) -> bool:
            return (
                c.text != lead.text
                and not any(told.sameness.same(c, o, same_day=True) for o in chosen)
                and _named(c, chosen)
            )

        outlets = {lead.outlet, *(c.outlet for c in candidates)}  # the lead may be filtered out
        if len(outlets) > 1 and self.per_takeaway >= 2:
            other = [c for c in candidates if c.outlet != lead.outlet and fresh(c)]
            if other:
                chosen.append(
                    max(
                        other,
                        key=lambda c: (
                            score.topic(c)
                            + 0.3 * bool(_CONTRAST.search(c.text))
                            + score.detail(c)
                            + 0.5 * (1 - _overlap(c.words, lead.words))
                        ),
                    )
                )
        while len(chosen) < self.per_takeaway:
            rest = [c for c in candidates if fresh(c) and c not in chosen]
            if not rest:
                break
            chosen.insert(
                1,
                max(
                    rest,
                    key=lambda c: (
                        score.topic(c)
                        + score.detail(c)
                        + 0.5 * score.corroboration(c)
                        + score.lead(c)  # chosen on the fitting weeks: ROUGE-2 0.085 -> 0.091
                    ),
                ),
            )
        return chosen


def _lead(candidates: Sequence[_Candidate], score: _Scorer) -> _Candidate | None:
    """The sentence that says what the story is: news before opinion, never one that refers
    back (a quotation whose speaker must come before it, a demonstrative: "this bundle"); on the
    topic, corroborated, early, with details."""
    news = [c for c in candidates if not c.opinion] or list(candidates)
    news = [c for c in news if not c.speaker and not c.refers]
    if not news:
        return None
    return max(
        news,
        key=lambda c: (
            score.topic(c)
            + 1.5 * score.corroboration(c)
            + score.lead(c)
            + score.detail(c)
            + 10 * c.passage.score
        ),
    )


def _reading_order(chosen: list[_Candidate]) -> list[_Candidate]:
    """Each article's sentences together and in the article's own order ("Washington tightened
    ..., Beijing answered ...", then "Each side can point to something it won."), the lead's
    article first, the others in the order they were chosen (what another outlet adds comes
    last). The lead itself may follow a detail its article gives before it: "The lawsuit,
    filed in federal court in Atlanta, ..." reads after "The Biden administration sued the
    state of Georgia", as its article has it, never before."""
    articles = list(dict.fromkeys(c.passage.article_id for c in chosen))
    return sorted(chosen, key=lambda c: (articles.index(c.passage.article_id), c.start))


def _draft(candidate: _Candidate, *, attribute: bool, again: bool = False) -> DraftSentence:
    """A chosen sentence, quoted exactly; attributed when it is opinion, when it speaks in its
    writer's voice ("We're not certain ...": whose "we"?) or to its reader ("you can find"),
    or (``attribute``) when it comes from another outlet than the lead and does not say who
    says it; ``again``: a piece already attributed in this takeaway is referred back to ("The
    op-ed adds")."""
    text = candidate.text
    if candidate.claim:
        return DraftSentence(
            style.frame(text, candidate.outlet, checked=True), [candidate.passage.key], False
        )
    if candidate.opinion or style.own_voice(text) or (attribute and _unattributed(candidate)):
        text = style.frame(
            text,
            candidate.outlet,
            candidate.opinion,
            author=candidate.passage.author,
            again=again,
        )
    return DraftSentence(text, [candidate.passage.key], inline=False)


def _unattributed(candidate: _Candidate) -> bool:
    """A sentence that does not already say who says it."""
    return not re.search(r"\b(said|says|according to|told|reported|reports)\b", candidate.text)


def _headline(chosen: list[_Candidate], passages: Sequence[Passage], taken: set[str]) -> str:
    """The cleaned title of a cited article: of the news articles cited (else any), the one
    sharing most words with the others' titles and the chosen sentences; never one already
    used by another takeaway."""
    cited = list(dict.fromkeys(c.passage.article_id for c in chosen))
    by_article = {p.article_id: p for p in passages}
    titles = [
        (
            aid,
            style.headline(
                by_article[aid].title, by_article[aid].site_name, host_of(by_article[aid].url)
            ),
        )
        for aid in cited
    ]
    titles = [(aid, t) for aid, t in titles if t and t.lower() not in taken]
    if not titles:  # the lead's words (``chosen[0]``: the lead)
        return style.headline(chosen[0].text.rstrip("."), "", "")[:120]
    said = set().union(*(c.words for c in chosen))

    def central(item: tuple[str, str]) -> tuple[bool, float]:
        aid, title = item
        words = content_words(title)
        others = [content_words(t) for a, t in titles if a != aid]
        article = by_article[aid]
        opinion = bool(style.opinion_kind(article.title, article.url, article.section))
        return (not opinion, sum(_overlap(words, o) for o in others) + _overlap(words, said))

    return max(titles, key=central)[1]


# --- the registry -------------------------------------------------------------------------------
def _extractive(settings: Settings, embed: Embed | None = None) -> Writer:
    return ExtractiveWriter(embed=embed)


def _openai(settings: Settings, embed: Embed | None = None) -> Writer:
    from citebrief.brief.llm_writer import OpenAIWriter

    return OpenAIWriter(settings.llm)


# name -> factory(settings, embed)
WRITERS: dict[str, Callable[[Settings, Embed | None], Writer]] = {
    "extractive": _extractive,
    "openai": _openai,
}


def default_writer(settings: Settings) -> str:
    """openai when an LLM endpoint is configured, else extractive."""
    return "openai" if settings.llm.configured else "extractive"


def make_writer(name: str | None, settings: Settings, embed: Embed | None = None) -> Writer:
    """The writer registered under ``name`` (by default: ``default_writer``); ``embed``: the
    sentence embeddings a writer may use (the extractive one, to avoid saying a thing twice)."""
    name = name or default_writer(settings)
    if name not in WRITERS:
        raise UsageError(
            f"unknown writer {name!r}", hint="use --writer openai or --writer extractive"
        )
    return WRITERS[name](settings, embed)
