"""The verifiers behind ``judge(passages, claim)``."""

from __future__ import annotations

from citebrief.verify import FEATURES, Label, LexicalVerifier, OfflineVerifier, load_verifier_model
from tests.conftest import HashEmbeddings

PASSAGE = "Nvidia will remit 15 percent of revenue from licensed China sales to the government."


def test_lexical_supports_a_quoted_claim() -> None:
    assert LexicalVerifier().judge([PASSAGE], PASSAGE).label is Label.SUPPORTED


def test_lexical_rejects_a_wrong_number() -> None:
    claim = "Nvidia will remit 25 percent of revenue from licensed China sales."
    assert LexicalVerifier().judge([PASSAGE], claim).label is not Label.SUPPORTED


def test_lexical_rejects_an_unrelated_claim() -> None:
    claim = "Zebras migrated across Antarctica in 1802."
    assert LexicalVerifier().judge([PASSAGE], claim).label is Label.UNSUPPORTED


def test_fitted_model_matches_the_features() -> None:
    model = load_verifier_model()
    assert model["features"] == list(FEATURES)
    assert len(model["weights"]) == len(FEATURES)


def test_offline_verifier_orders_support_sensibly() -> None:
    verifier = OfflineVerifier(HashEmbeddings())
    quoted = verifier.judge([PASSAGE], PASSAGE)
    unrelated = verifier.judge([PASSAGE], "Zebras migrated across Antarctica in 1802.")
    assert quoted.score > unrelated.score
    assert unrelated.label is Label.UNSUPPORTED
