"""Is a story about the topic? (pure)

Only on real evidence. The topic's key terms are its content words, each weighted by how rare
it is in the corpus (a word the corpus never uses weighs most: it is what the topic is about).
A story *covers* a key term when the term (or a form of it: "tariff" for "tariffs") appears in
its text, or a close variant does: a word of its titles and leads whose embedding is within a
fitted cosine of the term's, or of the whole topic's ("Israel" for "Middle East"); a person's
name only in a form of it, a word of a longer name ("White House") only by the whole's, and a
word a story writes only inside another name (the "House" of "White House", for "US House") not
at all. A story is on topic when it covers enough of the topic's weight and a logistic model
over its evidence (the topic's cosine with the story's titles and leads, the weighted share of
key terms found as written and with variants) clears a threshold; both are fitted on the shared
AllSides dev stories (``evals/fit_stories.py``, weights in ``data/stories.json``).

A briefing or answer is written in one language: that of its stories on topic that hold most of
the topic's words as written (``in_one_language``); a story on topic whose articles declare
another language is left out, and the note says so.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citebrief.models import Story, Window
from citebrief.text import COURTESY_TITLES, STOPWORDS, language_code, stem, words


@dataclass(frozen=True, slots=True)
class RelevanceModel:
    weights: tuple[float, ...]  # one per ``Signals.FEATURES``
    bias: float
    threshold: float  # probability a story needs to be on topic
    min_coverage: float  # weighted share of key terms a story must cover (with variants)
    variant: float  # cosine a word needs with a key term (or the topic) to be its variant


# the wording of a question, not what it is about ("how long", "how much", "what did X say",
# "what did the Supreme Court decide about the NCAA": the story says "rules", "sides with";
# "what did the Senate report find about the Capitol riot": it "details" the failures), and
# of a request ("tell me about", "please explain"): no story says "me"
QUESTION_WORDS = frozenset(
    """long much many get gets got tell told know happen happened happening going go goes
    think mean means there here now yet still ever new latest news decide decides decided
    announce announces announced find finds found me please explain describe summarise
    summarize""".split()
)


# "What is the infrastructure framework worth?": "worth" is how a question asks a value, not
# what it is about (the story says "$1.2 trillion"); in a topic ("Fort Worth") it is a word
_WORTH_QUESTION = re.compile(
    r"^\s*(?:what|how\s+much)\s+(?:is|are|was|were|would|will|could)\b.*\bworth\W*$", re.I
)


# a question's verb after "is", "be", "been" ...: "Who is leading the January 6 select
# committee?", "When will the Juneteenth holiday be observed?": the relation it asks about,
# which a story words its own way ("chairs", "holiday"), not what it is about; lower-case
# only ("Was Biden ...": a name)
_QUESTION = re.compile(
    r"^\s*(?-i:(?![A-Z]{2,}\b))"  # "WHO pandemic treaty", "IS militants": a name
    r"(?:who|what|when|where|why|how|which|whose|whom|is|are|was|were|do|does|did|will"
    r"|would|can|could|should|has|have|had)\b|\?\s*$",
    re.I,
)
_AUXILIARY_VERB = re.compile(
    r"(?<!^)\b(?:[Ii]s|[Aa]re|[Ww]as|[Ww]ere|am|be|been|being)\s+(?:not\s+|still\s+)?"
    r"(?!being\b)([a-z]+(?:ing|ed))\b"
)  # not the question's first word: "Are housing prices rising?" asks of housing prices


# ... or after "did", "does", "do": the first word in its base form followed by the end, a
# particle or preposition, or a determiner ("Why did Home Depot shares fall?", "Why did PG&E
# shut off power?", "What did the Senate report find about ..."; in "What did the trade war
# cost farmers?" no word qualifies, and every word stays a key term)
_DO = re.compile(r"\b(?:did|does|do)(?:n['’]t)?\s+(.+)$", re.I)
_AFTER_VERB = frozenset(
    """about on in of to for with at from over against off up down out after into back away
    around through the a an its his her their this that these those""".split()
)
_DETERMINERS = frozenset("the a an its his her their this that these those my our your".split())


def is_question(topic: str) -> bool:
    """Whether a topic is worded as a question ("Who leads ...?", "What did Biden sign"; not
    "WHO pandemic treaty"): where to look for the verb it asks with. Which relevance model
    judges it is the caller's to say (``find_stories``): "Will Smith" reads as a question."""
    return bool(_QUESTION.search(topic))


def asked_verbs(topic: str) -> set[str]:
    """The verbs a question asks with ("leading", "observed", "fall"); none in a topic."""
    if not is_question(topic):
        return set()
    found = {m.group(1) for m in _AUXILIARY_VERB.finditer(topic)}
    asked = _DO.search(topic.rstrip(" ?!."))
    if asked:
        tokens = asked.group(1).split()
        subject = 2 if tokens[0].lower() in _DETERMINERS else 1  # "the war", "Biden"
        for i, token in enumerate(tokens[subject:], start=subject):
            following = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
            base = (
                token.isalpha()
                and token.islower()
                and token not in _AFTER_VERB
                and not re.search(r"(?:ed|ing|[^s]s)$", token)
            )
            if base and (not following or following in _AFTER_VERB):
                found.add(token)
                break
    return found


@dataclass(frozen=True, slots=True)
class KeyTerm:
    word: str  # as the topic spells it, lower-cased
    stem: str
    weight: float  # inverse document frequency in the corpus
    person: bool = False  # names a person: found as written only, never by a close word
    named: bool = False  # a word of a name ("White House"): no word close to it alone


# what the news puts before a person's name ("President Donald Trump", "Mr. Biden", "Sen.
# Sheldon Whitehouse", "Ambassador Gordon Sondland"), and before nothing else: no "Justice"
# (the Justice Department), no "General" (General Motors), no "Prince" (Prince George's
# County), no "King" (King County)
_HONORIFIC = (
    rf"(?:{COURTESY_TITLES}|President|President-elect|Senator|Representative|Congressman"
    r"|Congresswoman|Governor|Mayor|Secretary|Speaker|Minister|Chancellor|Ambassador"
    r"|Judge|Chairman|Chairwoman|Commissioner|Pope)\.?"
)


def person_names(topic: str, texts: Iterable[str]) -> set[str]:
    """The words of a topic that name a person, as ``texts`` show them: after an honorific,
    alone or after other names ("President Trump", "President Donald Trump": "donald" and
    "trump", in either case of the topic). Given names between the honorific and the word are
    plain ("Joe", "J."): "President Biden's White House" names no one "House"."""
    body = "\n".join(texts)
    return {
        w
        for w in set(words(topic))
        if _key_word(w)
        and re.search(
            rf"\b{_HONORIFIC}\s+(?:[A-Z][a-z]*\.?\s+){{0,2}}{re.escape(w.capitalize())}\b",
            body,
        )
    }


def _written_together(first: str, second: str) -> str:
    """A pattern for two words written next to each other ("White House", "White\\nHouse")."""
    return rf"\b{re.escape(first)}\s+{re.escape(second)}\b"


def proper_names(topic: str, texts: Iterable[str]) -> set[str]:
    """The words of a topic that belong to a name of several words ("White House", "Middle
    East", "Supreme Court"): two of its key words, next to each other, that ``texts`` (article
    bodies: headlines capitalise every word) write capitalised at least twice, and more often
    than not ("criminal justice", "economic policy" are written in lower case)."""
    tokens = words(topic)
    body = "\n".join(texts)
    found: set[str] = set()
    for first, second in itertools.pairwise(tokens):
        if not (_key_word(first) and _key_word(second)):
            continue
        written = len(re.findall(_written_together(first, second), body, re.I))
        capital = _written_together(first.capitalize(), second.capitalize())
        capitalised = len(re.findall(capital, body))
        if capitalised >= 2 and 2 * capitalised > written:
            found |= {first, second}
    return found


def key_terms(
    topic: str,
    document_frequency: Mapping[str, int],
    documents: int,
    persons: Iterable[str] = (),
    named: Iterable[str] = (),
) -> list[KeyTerm]:
    """The content words of a topic (or question), each weighted by its rarity in the corpus
    (``documents`` passages, ``document_frequency[word]`` of them holding the word).

    A word that names a person (``persons``, from ``person_names``) is found as written, never
    by a close word: the words an embedding puts near a name are other people and offices
    ("president" for "Trump", "Biden" for "Obama"), which would make a story titled
    "President-elect Raisi backs nuclear talks" one about Donald Trump. A word of a name of
    several words (``named``, from ``proper_names``) has no variant close to it alone: the
    words near "white" are colours and races ("red", "racial"), not the White House; words
    close to the whole topic still count ("Israel" for "Middle East")."""
    persons, named = set(persons), set(named)
    found: dict[str, KeyTerm] = {}
    asking = {"worth"} if _WORTH_QUESTION.match(topic) else set()
    verbs = asked_verbs(topic)
    if len({w for w in words(topic) if _key_word(w) and w not in verbs}) < 2:
        verbs = set()  # "Who was arrested?", "What did Biden sign?": the verb is half of it
    asking |= verbs
    for word in words(topic):
        if not _key_word(word) or word in found or word in asking:
            continue
        df = document_frequency.get(word, 0)
        weight = math.log((documents + 1) / (df + 1)) + 1.0
        found[word] = KeyTerm(word, stem(word), weight, word in persons, word in named)
    return list(found.values())


def _key_word(word: str) -> bool:
    return len(word) >= 2 and word not in STOPWORDS and word not in QUESTION_WORDS


@dataclass(frozen=True, slots=True)
class Signals:
    """What speaks for a story being about the topic."""

    dense: float  # best cosine of the topic with the story's titles and leads
    exact: float  # weighted share of key terms its text holds as written, or in a form of
    # them: one the stemmer folds ("tariff", "tariffs") or a derived one ("jobless", "Iranian")
    coverage: float  # ... counting close variants too
    title: float  # weighted share of key terms its titles hold, as written or as variants
    missing: tuple[str, ...]  # key terms it holds in no form
    headline: bool = False  # its titles hold every key term as written (no model feature:
    # it orders the stories an answer draws on, see ``select.for_answer``)
    question: float = 0.0  # best cosine of the whole question, circumstance included ("How did
    # Republicans respond to the infrastructure deal?"), with its titles and leads (no model
    # feature: it orders the stories an answer to such a question draws on)

    FEATURES = ("dense", "exact", "coverage", "title")

    def values(self) -> list[float]:
        return [self.dense, self.exact, self.coverage, self.title]


def variants_of(
    terms: Sequence[KeyTerm],
    topic_vector: Any,
    term_vectors: Mapping[str, Any],
    word_vectors: Mapping[str, Any],
    threshold: float,
) -> dict[str, set[str]]:
    """Key term -> the words (of ``word_vectors``) close enough to count as it. A word close to
    the whole topic counts for every term.

    A word spelled with a key term is judged by its spelling, not its embedding: a derived
    form ("Iranian" for "Iran", "jobless" for "jobs") is a variant of that term only; the term
    itself is found as written and stands in for no other ("house" is close to the topic "US
    House", yet it is not "US"); a compound is no variant ("Whitehouse", the senator, is close
    to "White House" only because the model reads it as "white" + "house"). A word naming a
    person has its forms only (``KeyTerm.person``), a word of a name of several words no word
    close to it alone (``KeyTerm.named``)."""
    forms = {t.word: {w for w in word_vectors if _derived(w, t)} for t in terms}
    vocabulary = [w for w in word_vectors if not _spelled_with(w, terms)]
    if not vocabulary:
        return forms
    matrix = np.vstack([np.asarray(word_vectors[w], dtype=np.float32) for w in vocabulary])
    whole = {vocabulary[i] for i in np.flatnonzero(matrix @ np.asarray(topic_vector) >= threshold)}
    out = {}
    for term in terms:
        if term.person:
            out[term.word] = forms[term.word]
            continue
        vector = None if term.named else term_vectors.get(term.word)
        close = (
            {vocabulary[i] for i in np.flatnonzero(matrix @ np.asarray(vector) >= threshold)}
            if vector is not None
            else set()
        )
        out[term.word] = close | whole | forms[term.word]
    return out


# endings that make a derived form of a word ("Iran" -> "Iranian", "job" -> "jobless",
# "immigration" (stem "immigr") -> "immigrants")
_DERIVED = ("s", "es", "i", "is", "ian", "ians", "ic", "ics", "ism", "ist", "ists", "ese", "ish",
            "less", "ness", "al", "er", "ers", "ed", "ing", "ies", "y", "ant", "ants")  # fmt: skip
# the endings of a noun and its adjective that share a root: "economy", "economic", "economics",
# "economical" (the stem of "economic" is "economic": "economy" does not start with it)
_ROOT_ENDING = re.compile(r"(?:ically|ical|ics|ic|ies|y)$")


def _root(word: str) -> str:
    root = _ROOT_ENDING.sub("", word)
    return root if len(root) >= 5 else word


def _derived(word: str, term: KeyTerm) -> bool:
    """``word`` is the term with a derivational ending (stems of three letters or more), or
    shares its root ("economy" for "economic")."""
    return word != term.word and (
        (len(term.stem) >= 3 and word.startswith(term.stem) and word[len(term.stem) :] in _DERIVED)
        or _root(word) == _root(term.word) != term.word
    )


def has_form(term: KeyTerm, vocabulary: Iterable[str]) -> bool:
    """Whether ``vocabulary`` holds a derived form of ``term`` ("jobless" for "jobs")."""
    return any(_derived(w, term) for w in vocabulary)


def _spelled_with(word: str, terms: Sequence[KeyTerm]) -> bool:
    """``word`` is a key term, a form of one, holds one ("whitehouse") or is held in one;
    containment counts for stems of three letters or more only ("us" is in "house")."""
    return any(
        stem(word) == term.stem
        or (len(term.stem) >= 3 and len(word) >= 3 and (term.stem in word or word in term.word))
        for term in terms
    )


def unwritten_names(terms: Sequence[KeyTerm], topic: str, text: str) -> set[str]:
    """The stems of the words of a name of several words (``KeyTerm.named``) that ``text``
    never writes next to a neighbour of that name: "all-white private beach club" holds
    "white", not "White House"; such a word counts for nothing found as written. Each pair of
    named neighbours is looked for on its own ("Jinhai Securities' Zhang Ruolan" writes both
    "Jinhai Securities" and "Zhang Ruolan", never "Securities Zhang")."""
    named = {t.word: t for t in terms if t.named}
    written: set[str] = set()
    pairs = [
        (first, second)
        for first, second in itertools.pairwise(words(topic))
        if first in named and second in named
    ]
    for first, second in pairs:
        if re.search(_written_together(first, second), text, re.I):
            written |= {first, second}
    return {named[w].stem for pair in pairs for w in pair if w not in written}


def _capitalised_before(word: str) -> re.Pattern[str]:
    """A capitalised word (not an acronym, not after a dot: "U.S. House" is the topic's "US";
    no part of a compound or a possessive: "Republican-led House", "Pelosi's House") written
    right before a form of ``word`` that is capitalised too ("White House")."""
    return re.compile(rf"(?<![\w.'’-])([A-Z][a-z]+)\s+({re.escape(word.capitalize())}\w*)")


def other_names(terms: Sequence[KeyTerm], texts: Iterable[str]) -> dict[str, set[str]]:
    """Key word -> the words that make it part of another name in ``texts`` (article bodies):
    "White" for "house" (the White House is no US House), "Arizona" for "senate" when the
    window writes "Arizona Senate" and "Arizona" before little else.

    Such a word is capitalised, is none of the topic's key words and no honorific, stands
    before the key word (capitalised) at least twice, and there in most of the places where it
    is written capitalised: "White" is nearly always "White House", whereas "Democratic" goes
    before many words ("Democratic House", "Democratic senators", "Democratic Party"), so a
    Democratic House is still a House. People's names and the words of a name the topic itself
    gives ("White House") are left to ``KeyTerm.person`` and ``unwritten_names``."""
    body = "\n".join(texts)
    asked = {t.word for t in terms}
    out: dict[str, set[str]] = {}
    for term in terms:
        if term.person or term.named:
            continue
        before: dict[str, int] = {}
        for match in _capitalised_before(term.word).finditer(body):
            first, second = match.groups()
            if stem(second) == term.stem:
                before[first] = before.get(first, 0) + 1
        names = {
            first
            for first, together in before.items()
            if together >= 2
            and first.lower() not in asked
            and first.lower() not in STOPWORDS
            and not re.fullmatch(_HONORIFIC, first)
            and 2 * together > len(re.findall(rf"(?<![\w.]){re.escape(first)}\b", body))
        }
        if names:
            out[term.word] = names
    return out


def inside_other_names(
    terms: Sequence[KeyTerm], others: Mapping[str, set[str]], text: str
) -> set[str]:
    """The stems of the key words that ``text`` writes only inside another name (``others``,
    from ``other_names``): "the White House said" holds no "House" of the topic "US House"; a
    story that also writes "the House" (or "house" in any other place) holds it."""
    hidden: set[str] = set()
    for term in terms:
        firsts = others.get(term.word)
        if not firsts:
            continue
        everywhere = sum(stem(w) == term.stem for w in words(text))
        inside = sum(
            first in firsts and stem(second) == term.stem
            for first, second in (m.groups() for m in _capitalised_before(term.word).finditer(text))
        )
        if everywhere and inside >= everywhere:
            hidden.add(term.stem)
    return hidden


def signals(
    terms: Sequence[KeyTerm],
    dense: float,
    stems: set[str],
    lead_words: Iterable[str],
    title_words: Iterable[str],
    variants: Mapping[str, set[str]],
    question: float | None = None,
) -> Signals:
    """A story's evidence: ``stems`` of its whole text, the words of its titles and leads (where
    variants are looked for), and of its titles alone; ``question``: the whole question's
    cosine when what it asks is only part of it (else ``dense``)."""
    total = sum(t.weight for t in terms) or 1.0
    lead, titles = set(lead_words), set(title_words)
    title_stems = {stem(w) for w in titles}
    exact = [t for t in terms if t.stem in stems]
    covered = [t for t in terms if t.stem in stems or variants.get(t.word, set()) & lead]
    headlined = [t for t in terms if t.stem in title_stems or variants.get(t.word, set()) & titles]
    return Signals(
        dense=dense,
        exact=sum(t.weight for t in exact) / total,
        coverage=sum(t.weight for t in covered) / total,
        title=sum(t.weight for t in headlined) / total,
        missing=tuple(t.word for t in terms if t not in covered),
        headline=bool(terms) and all(t.stem in title_stems for t in terms),
        question=dense if question is None else question,
    )


def probability(found: Signals, model: RelevanceModel) -> float:
    z = model.bias + sum(w * v for w, v in zip(model.weights, found.values(), strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def on_topic(found: Signals, model: RelevanceModel) -> bool:
    return found.coverage >= model.min_coverage and probability(found, model) >= model.threshold


# --- what a window holds about a topic ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class Scored:
    story: Story
    signals: Signals
    probability: float
    on_topic: bool


@dataclass(slots=True)
class Finding:
    topic: str
    window: Window
    terms: list[KeyTerm]
    scored: list[Scored]  # every candidate, most probable first
    missing: tuple[str, ...]  # key terms that nothing in the window holds, in any form
    articles: int  # articles in the window
    hits: Any = field(default=None, repr=False)  # the topic's stories.retrieve.Hits
    language: str = ""  # the language of its stories on topic, if any declares one
    left_out: tuple[tuple[Scored, str], ...] = ()  # stories on topic in another, as they were

    @property
    def on_topic(self) -> list[Scored]:
        return [s for s in self.scored if s.on_topic]


def story_language(languages: Iterable[str]) -> str:
    """The language most of a story's articles declare ("en", "it"), or "" if none does or two
    tie (nothing says which it is in)."""
    declared = Counter(code for code in map(language_code, languages) if code).most_common(2)
    if not declared or (len(declared) == 2 and declared[0][1] == declared[1][1]):
        return ""
    return declared[0][0]


def in_one_language(
    scored: Sequence[Scored], languages: Mapping[str, str]
) -> tuple[list[Scored], str, list[tuple[Scored, str]]]:
    """The candidates with those on topic in another language than the leading one set off
    topic, the leading language, and each story set off (as it was) with its language.

    The leading language is that of the stories on topic (``languages``: story id -> its
    ``story_language``) that holds most of the topic's weight as written in one story: "Black
    Friday per nostalgici" is Italian where English pages say only "Black Friday"; "Sejarah
    Islam" Indonesian where English pages say only "Islam". Where languages tie on that ("Black
    Friday deals" and an Italian page both hold "Black Friday"), the one with more stories on
    topic leads, then the most probable story's. A story whose articles declare no language
    stays: nothing says it is in another."""
    leads: dict[str, tuple[float, int, float]] = {}
    for s in scored:
        language = languages.get(s.story.id, "")
        if s.on_topic and language:
            best, count, top = leads.get(language, (0.0, 0, 0.0))
            exact = round(s.signals.exact, 6)
            leads[language] = (max(best, exact), count + 1, max(top, s.probability))
    if not leads:
        return list(scored), "", []
    language = max(leads, key=lambda code: leads[code])
    out, left_out = [], []
    for s in scored:
        theirs = languages.get(s.story.id, "")
        if s.on_topic and theirs and theirs != language:
            left_out.append((s, theirs))
            s = Scored(s.story, s.signals, s.probability, False)
        out.append(s)
    return out, language, left_out
