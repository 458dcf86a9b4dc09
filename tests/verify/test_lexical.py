"""The lexical verifier: word overlap, numbers, negation."""

from __future__ import annotations

from citebrief.models import Label
from citebrief.verify.lexical import LexicalVerifier, negated

PASSAGE = "Nvidia will remit 15 percent of revenue from licensed China sales to the government."


def test_lexical_supports_a_quoted_claim() -> None:
    assert LexicalVerifier().judge([PASSAGE], PASSAGE).label is Label.SUPPORTED


def test_lexical_rejects_a_wrong_number() -> None:
    claim = "Nvidia will remit 25 percent of revenue from licensed China sales."
    assert LexicalVerifier().judge([PASSAGE], claim).label is not Label.SUPPORTED


def test_lexical_rejects_an_unrelated_claim() -> None:
    claim = "Zebras migrated across Antarctica in 1802."
    assert LexicalVerifier().judge([PASSAGE], claim).label is Label.UNSUPPORTED


def test_lexical_finds_a_negation_only_the_claim_has() -> None:
    claim = "Nvidia will not remit 15 percent of revenue from licensed China sales."
    assert negated(claim)
    assert not negated(PASSAGE)
    assert LexicalVerifier().judge([PASSAGE], claim).label is not Label.SUPPORTED
