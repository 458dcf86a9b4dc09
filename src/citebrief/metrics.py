"""Citation metrics (pure).

``alce`` reproduces the citation recall and precision of Gao et al. 2023, "Enabling Large
Language Models to Generate Text with Citations" (ALCE, ``eval.py``, ``compute_autoais`` with
``citation=True``): per sentence, recall is 1 when the sentence has citations, all in range, and
the concatenation of its (at most 3) cited passages entails it; for precision, a sentence with
one citation counts that citation as relevant when it entails; in a sentence with several
citations that is entailed jointly, a citation is irrelevant when it alone does not entail the
sentence and the remaining citations do. Recall is averaged over a response's sentences and
precision over its citations, then both over responses. The NLI model is replaced by any
``entails(passage, claim) -> bool``, normally a verifier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Entails = Callable[[str, str], bool]
_REF = re.compile(r"\[\d+")


def remove_citations(sentence: str) -> str:
    """ALCE's remove_citations, verbatim in effect."""
    return re.sub(r"\[\d+", "", re.sub(r" \[\d+", "", sentence)).replace(" |", "").replace("]", "")


def cited_numbers(sentence: str) -> list[int]:
    """1-based citation numbers in ALCE's reading: every '[' followed by digits."""
    return [int(match[1:]) for match in _REF.findall(sentence)]


def format_document(title: str, text: str) -> str:
    return f"Title: {title}\n{text}"


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    text: str


@dataclass(slots=True)
class SentenceScore:
    sentence: str
    citations: list[int]
    recall: int  # 1 when the joint cited passages support the sentence
    relevant: int  # citations counted relevant (precision numerator)
    counted: int  # citations counted (precision denominator)


@dataclass(slots=True)
class ResponseScore:
    recall: float
    precision: float
    sentences: list[SentenceScore] = field(default_factory=list)


def score_response(
    sentences: Sequence[str],
    docs: Sequence[Document],
    entails: Entails,
    at_most_citations: int = 3,
) -> ResponseScore:
    """ALCE citation recall and precision of one response (sentences carry [n] markers)."""
    if not sentences:
        return ResponseScore(0.0, 0.0)
    entail = entail_prec = total_citations = 0
    scored = []
    for sentence in sentences:
        target = remove_citations(sentence).strip()
        ref = [n - 1 for n in cited_numbers(sentence)]
        relevant_here = counted_here = 0
        if not ref or any(r >= len(docs) or r < 0 for r in ref):
            flag = 0  # no citation, or one out of range
        else:
            ref = ref[:at_most_citations]
            total_citations += len(ref)
            counted_here = len(ref)
            joint = "\n".join(format_document(docs[r].title, docs[r].text) for r in ref)
            flag = int(entails(joint, target))
        entail += flag
        if flag and len(ref) > 1:
            for r in ref:
                alone = format_document(docs[r].title, docs[r].text)
                if entails(alone, target):
                    relevant_here += 1
                    continue
                rest = [x for x in ref if x != r]
                others = "\n".join(format_document(docs[x].title, docs[x].text) for x in rest)
                if not entails(others, target):
                    relevant_here += 1  # needed: the others do not support it without r
        elif flag:
            relevant_here += flag
        entail_prec += relevant_here
        scored.append(
            SentenceScore(target, [r + 1 for r in ref], flag, relevant_here, counted_here)
        )
    precision = entail_prec / total_citations if total_citations > 0 else 0.0
    return ResponseScore(entail / len(sentences), precision, scored)


def alce(responses: Sequence[ResponseScore]) -> tuple[float, float]:
    """Mean recall and precision over responses, in percent as ALCE reports them."""
    if not responses:
        return 0.0, 0.0
    recall = 100 * sum(r.recall for r in responses) / len(responses)
    precision = 100 * sum(r.precision for r in responses) / len(responses)
    return recall, precision


def validity(markers_total: int, markers_resolved: int) -> float:
    """Share of [n] markers that resolve to a listed source."""
    return markers_resolved / markers_total if markers_total else 1.0


def coverage(factual_sentences: int, cited_sentences: int) -> float:
    """Share of factual sentences that carry a citation."""
    return cited_sentences / factual_sentences if factual_sentences else 1.0


def quote_fidelity(sources: int, exact: int) -> float:
    """Share of sources whose quoted passage equals the article span."""
    return exact / sources if sources else 1.0


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
