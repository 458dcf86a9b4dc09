"""The ONNX Runtime backend of the local model, with the real packaged weights: exported once
(no download, no half-written file, one exporter at a time), the same vectors as torch in
fp32 and close ones in int8, in the caller's order whatever the lengths; the index records what
built it and refuses vectors of another precision."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from citebrief.corpus import onnx_embeddings
from citebrief.corpus.embeddings import LocalEmbeddings, make_embeddings
from citebrief.corpus.onnx_embeddings import OnnxEmbeddings, model_dir, model_file
from citebrief.corpus.vectors import VectorIndex, chroma_client, open_index
from citebrief.errors import ConfigError, EmbeddingMismatchError
from citebrief.settings import load_settings

pytestmark = pytest.mark.timeout(600)

TEXTS = [
    "Nvidia said it would remit 15 percent of its licensed China revenue.",
    "HBM",
    "The Commerce Department's new rule lowers the performance threshold for controlled "
    "high-bandwidth memory to a bandwidth density of 1.5 gigabytes per second per square "
    "millimetre, from 2 GB/s previously, and adds a licence requirement for shipments to "
    "any company headquartered in a country of concern. " * 3,
    "Beijing answered with vouchers for domestic memory and quotas on imported chips.",
    "",
]


@pytest.fixture(scope="module")
def torch_model() -> LocalEmbeddings:
    return LocalEmbeddings()


@pytest.fixture(scope="module")
def reference(torch_model: LocalEmbeddings) -> np.ndarray:
    return np.array(torch_model.embed_documents(TEXTS))


def test_fp32_gives_the_torch_vectors_in_the_callers_order(
    shared_models: Path, reference: np.ndarray
) -> None:
    onnx = OnnxEmbeddings(shared_models, "fp32", threads=2, batch_size=2)
    assert np.allclose(onnx.embed_query(TEXTS[0]), reference[0], atol=2e-5)
    assert onnx._pool is None  # a query runs on the caller's thread
    vectors = np.array(onnx.embed_documents(TEXTS))  # lengths mixed: sorted, then put back
    assert onnx._pool is not None  # ... documents on the workers, a batch each
    assert vectors.shape == (len(TEXTS), 384)
    assert np.allclose(vectors, reference, atol=2e-5)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_int8_vectors_stay_close_and_rank_alike(
    shared_models: Path, torch_model: LocalEmbeddings, reference: np.ndarray
) -> None:
    onnx = OnnxEmbeddings(shared_models, "int8")
    vectors = np.array(onnx.embed_documents(TEXTS))
    cosine = (vectors * reference).sum(axis=1)
    assert min(c for c, text in zip(cosine, TEXTS, strict=True) if text) > 0.98
    assert cosine[TEXTS.index("")] > 0.95
    query = "What did China do about the memory rule?"
    exact = reference @ np.array(torch_model.embed_query(query))
    quick = vectors @ np.array(onnx.embed_query(query))
    assert list(np.argsort(-quick)[:2]) == list(np.argsort(-exact)[:2])


def test_an_int8_vector_does_not_depend_on_the_texts_beside_it(shared_models: Path) -> None:
    onnx = OnnxEmbeddings(shared_models, "int8")
    alone = onnx.embed_documents([TEXTS[0]])[0]
    in_company = onnx.embed_documents([TEXTS[2], TEXTS[0], TEXTS[3]])[1]
    assert alone == in_company
    assert onnx.embed_query(TEXTS[0]) == alone  # the passage's vector is the query's


def test_the_export_happens_once_whole_under_a_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    traced: list[Path] = []
    trace = onnx_embeddings._trace

    def counting(target: Path) -> None:
        traced.append(target)
        trace(target)

    monkeypatch.setattr(onnx_embeddings, "_trace", counting)
    models = tmp_path / "models"
    folder = model_dir(models)
    folder.mkdir(parents=True)
    (folder / "model.fp32.onnx.part").write_bytes(b"half a file from a killed export")
    found: list[Path] = []
    threads = [threading.Thread(target=lambda: found.append(model_file(models, "fp32")))]
    threads.append(threading.Thread(target=lambda: found.append(model_file(models, "fp32"))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(traced) == 1  # the second caller waited, then found the file
    assert found == [folder / "model.fp32.onnx"] * 2
    assert not list(folder.glob("*.part"))  # the killed export's leftover is replaced
    before = found[0].stat().st_mtime_ns
    assert model_file(models, "fp32").stat().st_mtime_ns == before
    assert len(traced) == 1
    OnnxEmbeddings(models, "fp32").embed_query("it loads")


def test_settings_choose_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITEBRIEF_MODELS_DIR")  # the session's shared export
    default = make_embeddings(load_settings(home=tmp_path / "h", models_dir=tmp_path / "m"))
    assert isinstance(default, OnnxEmbeddings)
    assert default.precision == "int8"
    assert default.models == tmp_path / "m"
    assert load_settings(home=tmp_path / "h").models_path == tmp_path / "h" / "models"
    torch = make_embeddings(load_settings(home=tmp_path, embedding_backend="torch"))
    assert type(torch) is LocalEmbeddings
    with pytest.raises(ConfigError, match="int8 embeddings run on the onnx backend only"):
        make_embeddings(
            load_settings(home=tmp_path, embedding_backend="torch", embedding_precision="int8")
        )


def test_the_index_records_what_built_it_and_refuses_another_precision(
    tmp_path: Path, shared_models: Path
) -> None:
    settings = load_settings(home=tmp_path, chroma_url=None, embedding_precision="fp32")
    embeddings = make_embeddings(settings)
    index = open_index(settings, embeddings)
    assert index.built_with == "local:sentence-transformers/all-MiniLM-L6-v2 (onnx fp32)"
    # torch fp32 gives the same vectors: the same index serves it
    torch = load_settings(home=tmp_path, chroma_url=None, embedding_backend="torch")
    assert open_index(torch, make_embeddings(torch)).count() == 0
    int8 = load_settings(home=tmp_path, chroma_url=None)  # the default
    assert int8.index.model_key.endswith(":int8")
    with pytest.raises(EmbeddingMismatchError, match=r"but '.*:int8' is configured") as caught:
        open_index(int8, make_embeddings(int8))
    assert "_PRECISION back, or run 'citebrief corpus reindex'" in str(caught.value.hint)
    fresh = VectorIndex.recreate(
        chroma_client(int8), "citebrief", make_embeddings(int8), int8.index.model_key, "onnx int8"
    )
    assert fresh.built_with.endswith(":int8 (onnx int8)")
