"""Exact and near-duplicate detection, and the duplicate decision."""

from __future__ import annotations

from citebrief.corpus import dedup
from citebrief.ingest.extract import extract_html
from citebrief.models import Outcome
from tests.conftest import CORPUS, paragraphs


def test_content_hash_ignores_case_and_spacing() -> None:
    assert dedup.content_hash("A  b\nC") == dedup.content_hash("a b c")


def test_minhash_scores_copies_high_and_unrelated_low() -> None:
    original = " ".join(paragraphs("wire story", 8))
    copy = original.replace("Officials added", "Officers said", 2) + " Reporting by A. Writer."
    unrelated = " ".join(paragraphs("other story", 8))
    sig = dedup.minhash(original)
    assert dedup.similarity(sig, dedup.minhash(copy)) > 0.7
    assert dedup.similarity(sig, dedup.minhash(unrelated)) < 0.2


def test_near_duplicate_index_finds_the_best_match_above_threshold() -> None:
    index = dedup.NearDuplicateIndex(0.7)
    texts = {k: " ".join(paragraphs(k, 6)) for k in ("a", "b", "c")}
    for key, text in texts.items():
        index.add(key, dedup.minhash(text))
    found = index.find(dedup.minhash(texts["b"] + " One more sentence at the end."))
    assert found is not None
    assert found[0] == "b"
    assert index.find(dedup.minhash(" ".join(paragraphs("z", 6)))) is None
    assert index.find(dedup.minhash(texts["b"]), exclude="b") is None


def test_sample_corpus_wire_copies_are_near_duplicates_and_others_are_not() -> None:
    pages = {p.name: p.read_text(encoding="utf-8") for p in (CORPUS / "pages").glob("*.html")}
    texts = {name: extract_html(html).text for name, html in pages.items()}
    sigs = {name: dedup.minhash(t) for name, t in texts.items()}
    pairs = [(a, b, dedup.similarity(sigs[a], sigs[b])) for a in sigs for b in sigs if a < b]
    near = {(a, b) for a, b, s in pairs if s >= 0.7}
    assert len(near) == 3
    assert max(s for a, b, s in pairs if (a, b) not in near) < 0.4


def test_near_duplicate_index_grows_and_removes() -> None:
    index = dedup.NearDuplicateIndex(0.7)
    texts = {f"k{i}": " ".join(paragraphs(f"grow {i}", 3)) for i in range(100)}
    for key, text in texts.items():
        index.add(key, dedup.minhash(text))
    found = index.find(dedup.minhash(texts["k77"]))
    assert found is not None
    assert found[0] == "k77"
    index.remove("k77")
    assert index.find(dedup.minhash(texts["k77"])) is None
    assert index.find(dedup.minhash(texts["k78"])) == ("k78", 1.0)


# --- the decision, one case per outcome ------------------------------------------------------
def decide(**known: object) -> dedup.Decision:
    return dedup.classify("a1", "file:///x.html", "hash-new", dedup.Known(**known))  # type: ignore[arg-type]


def test_a_new_article_is_added() -> None:
    assert decide().outcome is Outcome.ADDED


def test_a_changed_text_updates_the_stored_article() -> None:
    assert (
        decide(stored_hash="hash-old", stored_location="file:///x.html").outcome is Outcome.UPDATED
    )


def test_the_same_text_at_the_same_place_is_unchanged() -> None:
    found = decide(stored_hash="hash-new", stored_location="file:///x.html")
    assert (found.outcome, found.record) == (Outcome.UNCHANGED, False)


def test_the_same_text_read_elsewhere_is_a_same_url_duplicate_and_recorded() -> None:
    found = decide(stored_hash="hash-new", stored_location="https://e.example/x")
    assert (found.outcome, found.kind, found.duplicate_of, found.record) == (
        Outcome.DUPLICATE,
        "same URL",
        "a1",
        True,
    )


def test_the_same_id_twice_in_a_run_is_a_duplicate_not_recorded() -> None:
    found = decide(seen_in_run=True, stored_hash="hash-old")
    assert (found.outcome, found.record, found.reason) == (
        Outcome.DUPLICATE,
        False,
        "same URL as article a1",
    )


def test_another_article_with_the_same_text_is_a_same_text_duplicate() -> None:
    found = decide(same_text="b2")
    assert (found.outcome, found.kind, found.duplicate_of) == (Outcome.DUPLICATE, "same text", "b2")


def test_the_article_itself_is_not_its_own_same_text_duplicate() -> None:
    assert decide(same_text="a1").outcome is Outcome.ADDED


def test_a_near_duplicate_names_its_original_and_similarity() -> None:
    found = decide(near=("b2", 0.84))
    assert found.reason == "duplicate of b2 (near-duplicate, similarity 0.84)"
    assert (found.similarity, found.record, found.remember) == (0.84, True, False)


def test_similarity_of_a_missing_signature_is_zero() -> None:
    assert dedup.similarity(b"", dedup.minhash("some text here")) == 0.0
