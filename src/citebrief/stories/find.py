"""Finding the stories of a window that are about a topic (I/O).

The window's articles are grouped into stories first (``update``). Candidate stories are those
whose titles and leads are closest to the topic, and those holding the topic's best passages
(hybrid search, ``retrieve.search``). Each candidate is judged on its evidence
(``relevance``): the topic's key terms, weighted by rarity, found in its text as written or as
close variants in its titles and leads, and its titles' and leads' cosine with the topic.

A question that names a relation ("What did Beijing do in response to the HBM rule?",
``text.query_parts``) is judged on what it asks about ("What did Beijing do"): a story on it
need not name the circumstance, since Beijing's answer to a rule is news of its own (the
vouchers it announced), which only the question links to the rule. The circumstance must still
be in the window (else nothing answers the question), and it ranks the passages: retrieval uses
the whole question, and so does the whole question's cosine with each story
(``Signals.question``), which orders the stories an answer draws on (``select.for_answer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from citebrief.corpus import dedup
from citebrief.corpus.store import Corpus, StoryArticle
from citebrief.ingest.urls import outlet_name
from citebrief.models import Story, Window
from citebrief.stories import relevance
from citebrief.stories.cluster import Embed, lead, unit
from citebrief.stories.relevance import Finding, Scored
from citebrief.stories.retrieve import Evidence, search
from citebrief.stories.update import article_vectors, update_stories
from citebrief.text import (
    STOPWORDS,
    abbreviations,
    content_terms,
    names,
    query_parts,
    stem,
    words,
)

CANDIDATES = 40  # stories judged: the closest by titles and leads, and those of the best hits
HIT_CHUNKS = 40  # best hits whose stories are candidates too


def word_vectors(corpus: Corpus, vocabulary: set[str], embed: Embed, model: str) -> dict[str, Any]:
    """Unit vectors of single words: cached in the corpus, the rest embedded now."""
    found = corpus.word_vectors(sorted(vocabulary), model)
    missing = sorted(vocabulary - set(found))
    if missing:
        fresh = {w: unit(v) for w, v in zip(missing, embed(missing), strict=True)}
        corpus.save_word_vectors(fresh, model)
        found.update(fresh)
    return found


def _lead_words(article: StoryArticle) -> set[str]:
    """The words a variant may be among: the title's, and those of the names in the lead."""
    lead_names = " ".join(names(lead(article.title, article.text)))
    return {
        w
        for w in words(article.title) + words(lead_names)
        if len(w) > 2 and w not in STOPWORDS and not w.isdigit()
    }


def describe(
    story_id: str,
    members: Sequence[StoryArticle],
    vectors: dict[str, Any],
    signatures: dict[str, bytes],
    reprints: dict[str, list[tuple[str, str]]],
    collapse: float,
    probability: float = 0.0,
) -> Story:
    """A story from its articles in the window (oldest first)."""
    outlets = list(dict.fromkeys(outlet_name(a.site_name, a.url) for a in members))
    for a in members:
        for site_name, location in reprints.get(a.id, []):
            outlet = outlet_name(site_name, location)
            if outlet not in outlets:
                outlets.append(outlet)
    groups: list[str] = []  # one article per group of near-copies
    for a in members:
        if not any(
            dedup.similarity(signatures.get(a.id, b""), signatures.get(g, b"")) >= collapse
            for g in groups
        ):
            groups.append(a.id)
    matrix = np.vstack([vectors[a.id] for a in members])
    central = int(np.argmax((matrix @ matrix.T).sum(axis=1)))
    return Story(
        id=story_id,
        articles=tuple(a.id for a in members),
        outlets=tuple(outlets),
        sources=len(groups),
        first_day=members[0].day,
        last_day=members[-1].day,
        title=members[central].title,
        relevance=probability,
    )


def find_stories(
    topic: str, evidence: Evidence, window: Window, *, question: bool = False
) -> Finding:
    """Every candidate story of the window, judged on the topic, most probable first: by the
    question model when ``question`` (``ask`` and chat say so, whatever the wording: a chat's
    follow-up "And Blue Origin? (NASA lunar landers)" is a question, "WHO pandemic treaty" a
    topic), else by the topic model."""
    corpus, index = evidence.corpus, evidence.index
    grouping = evidence.grouping
    model = evidence.questions if question else evidence.topics
    embed: Embed = index.embeddings.embed_documents
    update_stories(corpus, embed, index.model, grouping)
    first = window.start.isoformat() if window.start else ""
    last = window.end.isoformat() if window.end else "9999"
    articles = corpus.story_articles_between(first, last)
    if not articles:
        return Finding(topic, window, [], [], (), 0)
    hits = search(topic, evidence, window)  # passages: the whole question
    parts = query_parts(topic)
    asked = parts.asked if parts.circumstance else topic  # stories: what it asks about
    vector = hits.query_vector if asked == topic else index.embeddings.embed_query(asked)
    topic_vector = unit(vector)
    vectors = article_vectors(corpus, articles, embed, index.model)
    by_story: dict[str, list[StoryArticle]] = {}
    for article in articles:
        by_story.setdefault(article.story or f"s-{article.id}", []).append(article)
    dense = {
        story: max(float(np.dot(vectors[a.id], topic_vector)) for a in members)
        for story, members in by_story.items()
    }
    closeness = dense  # the whole question's closeness: the same unless it has a circumstance
    if asked != topic:
        whole = unit(hits.query_vector)
        closeness = {
            story: max(float(np.dot(vectors[a.id], whole)) for a in members)
            for story, members in by_story.items()
        }
    story_of = {a.id: story for story, members in by_story.items() for a in members}
    best_hits = sorted(hits.fused, key=lambda c: -hits.fused[c])[:HIT_CHUNKS]
    candidates = list(
        dict.fromkeys(
            sorted(dense, key=lambda s: -dense[s])[:CANDIDATES]
            + [story_of[hits.article_of[c]] for c in best_hits if hits.article_of[c] in story_of]
        )
    )

    persons = relevance.person_names(
        asked, (f"{a.title}\n{a.text}" for s in candidates for a in by_story[s])
    )
    named = relevance.proper_names(asked, (a.text for s in candidates for a in by_story[s]))
    terms = relevance.key_terms(
        asked, corpus.document_frequency(words(asked)), corpus.chunk_count(), persons, named
    )
    others = relevance.other_names(terms, (a.text for s in candidates for a in by_story[s]))
    circumstance = [
        t
        for t in relevance.key_terms(parts.circumstance, {}, 1)
        if t.word not in {k.word for k in terms}
    ]
    # named in a refusal: the terms no article of the window mentions as written (a variant
    # may still have made a story look close); a circumstance nothing mentions leaves the
    # question without an answer
    vocabulary = {w for s in candidates for a in by_story[s] for w in _lead_words(a)}
    asked_terms = [*terms, *circumstance]
    in_window = corpus.words_between([t.word for t in asked_terms], first, last)
    # a derived form counts as the story signals count it ("Jobless claims fall" for "jobs":
    # the keyword index folds "jobs" and "job", not "jobless")
    in_window |= {t.word for t in asked_terms if relevance.has_form(t, vocabulary)}
    missing = tuple(t.word for t in asked_terms if t.word not in in_window)
    answerable = all(t.word in in_window for t in circumstance)
    lexicon = word_vectors(corpus, vocabulary | {t.word for t in terms}, embed, index.model)
    variants = relevance.variants_of(
        terms,
        topic_vector,
        {t.word: lexicon[t.word] for t in terms},
        {w: lexicon[w] for w in vocabulary},
        model.variant,
    )
    signatures = corpus.signatures_of(a.id for s in candidates for a in by_story[s])
    reprints = corpus.reprints(a.id for s in candidates for a in by_story[s])
    scored = []
    for story_id in candidates:
        members = by_story[story_id]
        text = " ".join(f"{a.title} {a.text}" for a in members)
        stems = set(content_terms(text)) | abbreviations(text)  # "U.S." holds "US"
        written = set(words(text))
        stems |= {t.stem for t in asked_terms if relevance.has_form(t, written)}  # "jobless"
        hidden = relevance.unwritten_names(terms, asked, text)  # "all-white" is no White House
        hidden |= relevance.inside_other_names(terms, others, text)  # nor "White House" a House
        stems -= hidden
        lead_words = {w for a in members for w in _lead_words(a)}
        title_words = {
            w
            for a in members
            for w in [*words(a.title), *abbreviations(a.title)]
            if stem(w) not in hidden
        }
        found = relevance.signals(
            terms, dense[story_id], stems, lead_words, title_words, variants, closeness[story_id]
        )
        p = relevance.probability(found, model)
        story = describe(
            story_id,
            members,
            vectors,
            signatures,
            reprints,
            evidence.settings.collapse_similarity,
            p,
        )
        scored.append(Scored(story, found, p, answerable and relevance.on_topic(found, model)))
    scored.sort(key=lambda s: -s.probability)
    languages = {s: relevance.story_language(a.language for a in by_story[s]) for s in candidates}
    scored, language, left_out = relevance.in_one_language(scored, languages)
    return Finding(
        topic, window, terms, scored, missing, len(articles), hits, language, tuple(left_out)
    )
