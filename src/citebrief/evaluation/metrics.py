"""Citation metrics (pure).

``score_response`` reproduces the citation recall and precision of Gao et al. 2023, "Enabling
Large Language Models to Generate Text with Citations" (ALCE, ``eval.py``, ``compute_autoais``
with ``citation=True``):

- recall, per sentence: 1 when the sentence has citations, all in range, and the concatenation
  of its cited passages (the first ``at_most_citations``, 3 in ALCE) entails it; else 0;
- precision is judged only in sentences whose recall is 1: with one citation, that citation is
  relevant; with several, a citation is irrelevant when it alone does not entail the sentence
  and the remaining citations (the list without that one occurrence) do. Every in-range
  citation counts in the denominator, also those of sentences whose recall is 0; a sentence
  with a citation out of range adds nothing to it;
- recall is averaged over a response's sentences and precision over its citations (0 without
  any), then both over responses; a response without sentences is left out (ALCE skips it).

ALCE's NLI model is replaced by any ``entails(passages, claim) -> bool``, normally a verifier
judging the passages jointly. One deliberate difference: ALCE reads ``[0]`` as the last
document (a Python negative index); here it is out of range, as citebrief numbers from 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Entails = Callable[[Sequence[str], str], bool]
Span = tuple[str, int, int]  # article id, start, end
_REF = re.compile(r"\[\d+")


def remove_citations(sentence: str) -> str:
    """ALCE's remove_citations, verbatim in effect."""
    return re.sub(r"\[\d+", "", re.sub(r" \[\d+", "", sentence)).replace(" |", "").replace("]", "")


def cited_numbers(sentence: str) -> list[int]:
    """1-based citation numbers in ALCE's reading: every '[' followed by digits."""
    return [int(match[1:]) for match in _REF.findall(sentence)]


@dataclass(frozen=True, slots=True)
class Cited:
    """A sentence without its markers and the 1-based numbers it cites, in order."""

    text: str
    citations: tuple[int, ...]


def parse_cited(sentence: str) -> Cited:
    """A sentence with ALCE-style [n] markers."""
    return Cited(remove_citations(sentence).strip(), tuple(cited_numbers(sentence)))


@dataclass(slots=True)
class SentenceScore:
    sentence: str
    citations: list[int]  # the judged ones (at most ``at_most_citations``)
    recall: int  # 1 when the joint cited passages support the sentence
    relevant: int  # citations counted relevant (precision numerator)
    counted: int  # citations counted (precision denominator)


@dataclass(slots=True)
class ResponseScore:
    recall: float
    precision: float
    sentences: list[SentenceScore] = field(default_factory=list)


def score_response(
    sentences: Sequence[Cited],
    docs: Sequence[str],
    entails: Entails,
    at_most_citations: int = 3,
) -> ResponseScore:
    """ALCE citation recall and precision of one response; ``docs[n - 1]`` is cited as [n]."""
    if not sentences:
        return ResponseScore(0.0, 0.0)
    entail = entail_prec = total_citations = 0
    scored = []
    for sentence in sentences:
        target = sentence.text
        ref = [n - 1 for n in sentence.citations]
        relevant_here = counted_here = 0
        if not ref or any(r >= len(docs) or r < 0 for r in ref):
            flag = 0  # no citation, or one out of range: nothing counted for precision
        else:
            ref = ref[:at_most_citations]
            total_citations += len(ref)
            counted_here = len(ref)
            flag = int(entails([docs[r] for r in ref], target))
        entail += flag
        if flag and len(ref) > 1:
            for position, r in enumerate(ref):
                if entails([docs[r]], target):
                    relevant_here += 1
                    continue
                rest = ref[:position] + ref[position + 1 :]  # this occurrence removed
                if not entails([docs[x] for x in rest], target):
                    relevant_here += 1  # needed: the others do not support it without r
        elif flag:
            relevant_here += 1
        entail_prec += relevant_here
        scored.append(
            SentenceScore(target, [r + 1 for r in ref], flag, relevant_here, counted_here)
        )
    precision = entail_prec / total_citations if total_citations > 0 else 0.0
    return ResponseScore(entail / len(sentences), precision, scored)


def alce(responses: Sequence[ResponseScore]) -> tuple[float, float]:
    """Mean recall and precision over responses that have sentences, in percent as ALCE
    reports them."""
    scored = [r for r in responses if r.sentences]
    if not scored:
        return 0.0, 0.0
    recall = 100 * sum(r.recall for r in scored) / len(scored)
    precision = 100 * sum(r.precision for r in scored) / len(scored)
    return recall, precision


def validity(markers_total: int, markers_resolved: int) -> float:
    """Share of citation markers that resolve to a listed source."""
    return markers_resolved / markers_total if markers_total else 1.0


def coverage(factual_sentences: int, cited_sentences: int) -> float:
    """Share of factual sentences that carry a citation."""
    return cited_sentences / factual_sentences if factual_sentences else 1.0


def quote_fidelity(sources: int, exact: int) -> float:
    """Share of sources whose quoted passage equals the article span."""
    return exact / sources if sources else 1.0


def recall_at_k(gold: Sequence[Span], retrieved: Sequence[Span]) -> float:
    """Share of gold passages (article id, start, end) that a retrieved passage overlaps;
    ``retrieved`` holds the top k."""
    if not gold:
        return 1.0
    hit = sum(any(a == ga and s < ge and gs < e for a, s, e in retrieved) for ga, gs, ge in gold)
    return hit / len(gold)


# --- verifier agreement with human labels -----------------------------------------------------
@dataclass(frozen=True, slots=True)
class Agreement:
    """Binary agreement (supported vs not) between predictions and human labels."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def balanced_accuracy(self) -> float:
        tpr = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        tnr = self.tn / (self.tn + self.fp) if self.tn + self.fp else 0.0
        return (tpr + tnr) / 2

    @property
    def macro_f1(self) -> float:
        def f1(tp: int, fp: int, fn: int) -> float:
            return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

        return (f1(self.tp, self.fp, self.fn) + f1(self.tn, self.fn, self.fp)) / 2

    @property
    def kappa(self) -> float:
        n = self.n
        if not n:
            return 0.0
        observed = (self.tp + self.tn) / n
        yes = ((self.tp + self.fp) / n) * ((self.tp + self.fn) / n)
        no = ((self.fn + self.tn) / n) * ((self.fp + self.tn) / n)
        expected = yes + no
        return (observed - expected) / (1 - expected) if expected < 1 else 0.0


def agreement(predicted: Sequence[bool], gold: Sequence[bool]) -> Agreement:
    if len(predicted) != len(gold):
        raise ValueError("predictions and labels differ in length")
    pairs = list(zip(predicted, gold, strict=True))
    return Agreement(
        tp=sum(p and g for p, g in pairs),
        fp=sum(p and not g for p, g in pairs),
        fn=sum(g and not p for p, g in pairs),
        tn=sum(not p and not g for p, g in pairs),
    )
