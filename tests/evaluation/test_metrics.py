"""ALCE citation recall and precision on hand-computed cases, and the simple ratios."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from citebrief.evaluation.metrics import (
    Cited,
    Entails,
    ResponseScore,
    agreement,
    alce,
    cited_numbers,
    coverage,
    parse_cited,
    quote_fidelity,
    recall_at_k,
    remove_citations,
    validity,
)
from citebrief.evaluation.metrics import score_response as _score

DOCS = ["alpha", "beta", "gamma", "delta"]


def entails(passages: Sequence[str], claim: str) -> bool:
    """Toy NLI: the claim's words must all appear in the joined passages."""
    joined = "\n".join(passages)
    return all(word in joined.split() for word in claim.rstrip(".").split())


def score_response(sentences: list[str], docs: list[str], judge: Entails) -> ResponseScore:
    """Sentences written with ALCE's [n] markers."""
    return _score([parse_cited(s) for s in sentences], docs, judge)


def test_remove_citations_matches_alce() -> None:
    assert remove_citations("Alpha beta [1][2].") == "Alpha beta."


def test_cited_numbers_reads_every_bracket_number() -> None:
    assert cited_numbers("x [1][3] y [2, 4]") == [1, 3, 2]


def test_one_supported_citation_scores_full() -> None:
    score = score_response(["alpha [1]."], DOCS, entails)
    assert (score.recall, score.precision) == (1.0, 1.0)


def test_uncited_sentence_counts_against_recall_only() -> None:
    score = score_response(["alpha [1].", "beta."], DOCS, entails)
    assert (score.recall, score.precision) == (0.5, 1.0)


def test_out_of_range_citation_fails_the_sentence_and_is_not_counted() -> None:
    score = score_response(["alpha [1].", "beta [9]."], DOCS, entails)
    assert (score.recall, score.precision) == (0.5, 1.0)


def test_wrong_single_citation_scores_zero() -> None:
    score = score_response(["alpha [2]."], DOCS, entails)
    assert (score.recall, score.precision) == (0.0, 0.0)


def test_joint_support_needs_both_citations() -> None:
    # neither passage alone supports "alpha beta"; together they do: both are relevant
    score = score_response(["alpha beta [1][2]."], DOCS, entails)
    assert (score.recall, score.precision) == (1.0, 1.0)


def test_an_unneeded_extra_citation_is_irrelevant() -> None:
    # [1] supports alone; [3] alone does not and the rest ([1]) does: [3] is irrelevant
    score = score_response(["alpha [1][3]."], DOCS, entails)
    assert (score.recall, score.precision) == (1.0, 0.5)


def test_at_most_three_citations_are_judged() -> None:
    # the fourth citation [4] is cut: "delta" is not in [1][2][3], so recall fails
    score = score_response(["alpha delta [1][2][3][4]."], DOCS, entails)
    assert (score.recall, score.precision) == (0.0, 0.0)


def test_hand_computed_response() -> None:
    # s1: alpha [1]      -> rec 1, 1 of 1 relevant
    # s2: beta [1][2]    -> rec 1; [1] alone no, rest [2] yes -> irrelevant; [2] yes -> 1 of 2
    # s3: gamma [4]      -> rec 0, 0 of 1
    # s4: no citation    -> rec 0
    sentences = ["alpha [1].", "beta [1][2].", "gamma [4].", "nothing here."]
    score = score_response(sentences, DOCS, entails)
    assert score.recall == pytest.approx(2 / 4)
    assert score.precision == pytest.approx(2 / 4)  # relevant 1+1+0 of 1+2+1 citations


def test_scores_average_per_response_then_over_responses() -> None:
    first = score_response(["alpha [1]."], DOCS, entails)  # 1.0, 1.0
    second = score_response(["alpha [2].", "beta [2]."], DOCS, entails)  # 0.5, 0.5
    assert alce([first, second]) == (75.0, 75.0)


def test_irrelevant_citation_in_an_unsupported_sentence_still_counts() -> None:
    # ALCE judges precision only where recall is 1, but counts every in-range citation
    score = score_response(["alpha [1].", "omega [2][3]."], DOCS, entails)
    assert (score.recall, score.precision) == (0.5, pytest.approx(1 / 3))


def test_a_repeated_citation_is_removed_once_when_testing_the_rest() -> None:
    # [1][1][2] for "alpha beta": without one [1] the rest [1][2] still supports the
    # sentence, so each [1] is irrelevant (ALCE removes one occurrence); [2] is needed
    score = score_response(["alpha beta [1][1][2]."], DOCS, entails)
    assert (score.recall, score.precision) == (1.0, pytest.approx(1 / 3))


def test_citation_zero_is_out_of_range() -> None:
    assert score_response(["alpha [0]."], DOCS, entails).recall == 0.0


def test_structured_sentences_need_no_markers() -> None:
    score = _score([Cited("alpha [2026] rule", (1,))], ["alpha [2026] rule"], entails)
    assert score.recall == 1.0


def test_responses_without_sentences_are_left_out_of_the_mean() -> None:
    first = score_response(["alpha [1]."], DOCS, entails)
    assert alce([first, score_response([], DOCS, entails)]) == (100.0, 100.0)


def test_recall_at_k_needs_the_same_article_and_an_overlap() -> None:
    gold = [("a", 100, 200), ("b", 0, 50)]
    assert recall_at_k(gold, [("a", 150, 400), ("c", 0, 50)]) == 0.5
    assert recall_at_k(gold, [("a", 200, 300)]) == 0.0  # touching is not overlapping


def test_response_without_citations_has_zero_precision() -> None:
    assert score_response(["alpha."], DOCS, entails).precision == 0.0


def test_ratios() -> None:
    assert (validity(4, 3), coverage(5, 4), quote_fidelity(2, 2)) == (0.75, 0.8, 1.0)


def test_agreement_counts_the_confusion_matrix() -> None:
    result = agreement([True, True, False, False, True], [True, False, False, True, True])
    assert (result.tp, result.fp, result.fn, result.tn) == (2, 1, 1, 1)


def test_balanced_accuracy_by_hand() -> None:
    # tpr 2/3, tnr 1/2 -> 7/12
    result = agreement([True, True, False, False, True], [True, False, False, True, True])
    assert result.balanced_accuracy == pytest.approx(7 / 12)


def test_macro_f1_by_hand() -> None:
    # f1(pos) = 4/6, f1(neg) = 2/4 -> (2/3 + 1/2) / 2
    result = agreement([True, True, False, False, True], [True, False, False, True, True])
    assert result.macro_f1 == pytest.approx((2 / 3 + 1 / 2) / 2)


def test_kappa_by_hand() -> None:
    # po = 3/5; pe = (3/5)(3/5) + (2/5)(2/5) = 13/25 -> (15/25 - 13/25) / (12/25) = 1/6
    result = agreement([True, True, False, False, True], [True, False, False, True, True])
    assert result.kappa == pytest.approx(1 / 6)


def test_perfect_agreement() -> None:
    result = agreement([True, False], [True, False])
    assert (result.balanced_accuracy, result.macro_f1, result.kappa) == (1.0, 1.0, 1.0)
