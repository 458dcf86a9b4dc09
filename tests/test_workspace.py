"""The composition root: parts passed in are used, parts made are made once per session."""

from __future__ import annotations

import pytest

from citebrief.errors import UsageError
from citebrief.settings import Settings
from citebrief.verify.lexical import LexicalVerifier
from citebrief.verify.offline import OfflineVerifier
from citebrief.workspace import Workspace, open_workspace
from tests.conftest import CORPUS, HashEmbeddings, hashed_workspace


def test_the_verifier_is_made_once_per_session(settings: Settings) -> None:
    with open_workspace(settings, verifier="lexical") as ws:
        first = ws.verifier
        assert isinstance(first, LexicalVerifier)
        assert ws.verifier is first


def test_the_settings_choose_the_verifier_by_default(settings: Settings) -> None:
    ws = Workspace(settings, embeddings=HashEmbeddings())
    try:
        assert isinstance(ws.verifier, OfflineVerifier)
        assert ws.verifier.embeddings is ws.embeddings
    finally:
        ws.close()


def test_a_ready_verifier_is_used_as_given(settings: Settings) -> None:
    given = LexicalVerifier()
    ws = Workspace(settings, verifier=given)
    try:
        assert ws.verifier is given
    finally:
        ws.close()


def test_an_unknown_verifier_is_a_usage_error_before_anything_opens(settings: Settings) -> None:
    with pytest.raises(UsageError, match="unknown verifier 'nli'"):
        Workspace(settings, verifier="nli")
    assert not settings.db_path.exists()


def test_a_reindex_killed_before_the_new_index_exists_leaves_work_for_the_next_run(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = hashed_workspace(settings)
    try:
        ws.ingest([CORPUS / "sources.txt"])
        assert ws.corpus.pending_index() == []

        def killed(*args: object) -> None:
            raise KeyboardInterrupt  # the process dies while dropping the old collection

        monkeypatch.setattr("citebrief.corpus.vectors.VectorIndex.recreate", killed)
        with pytest.raises(KeyboardInterrupt):
            ws.reindex()
        assert len(ws.corpus.pending_index()) == 25  # marked before anything was dropped
        monkeypatch.undo()
        assert ws.sync() == 25
        assert ws.check().problems == []
    finally:
        ws.close()
