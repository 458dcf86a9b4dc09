"""The vector store: Chroma through langchain-chroma, embedded or a server.

Embedded (default): a ``PersistentClient`` under ``$CITEBRIEF_HOME/chroma``. With
``CITEBRIEF_CHROMA_URL`` set: an ``HttpClient`` to that server. Chroma's telemetry is off, and
its default embedding function (which downloads a model) is never used: every vector comes from
the ``Embeddings`` passed in. The collection's metadata records which embedding model built it;
opening it with another model raises ``EmbeddingMismatchError``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from langchain_core.embeddings import Embeddings

from citebrief.errors import ConfigError, EmbeddingMismatchError, StoreError
from citebrief.files import serialised
from citebrief.models import Chunk
from citebrief.settings import Settings

MODEL_KEY = "citebrief_embedding_model"
BACKEND_KEY = "citebrief_embedding_backend"  # e.g. "onnx int8", "torch fp32"; informative


@dataclass(frozen=True, slots=True)
class Neighbour:
    chunk_id: str
    distance: float
    vector: np.ndarray[Any, Any] | None  # unit length, when asked for


def chroma_client(settings: Settings) -> Any:
    """A Chroma client: the server at ``index.chroma_url``, else embedded under home."""
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.index.chroma_url:
        parts = urlsplit(settings.index.chroma_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"CITEBRIEF_CHROMA_URL is not an http(s) URL: {settings.index.chroma_url!r}",
                hint="use e.g. http://127.0.0.1:8000, or unset it for the embedded store",
            )
        try:
            return chromadb.HttpClient(
                host=parts.hostname,
                port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises bare exceptions for connection problems
            raise StoreError(
                f"cannot reach the Chroma server at {settings.index.chroma_url}: {exc}",
                hint="start it (chroma run --path DIR --port PORT) or unset CITEBRIEF_CHROMA_URL",
            ) from exc
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class VectorIndex:
    """Chunks with their vectors, keyed by chunk id, with ``article_id`` in the metadata."""

    def __init__(
        self, client: Any, collection: str, embeddings: Embeddings, model: str, backend: str = ""
    ) -> None:
        from langchain_chroma import Chroma

        self.client = client
        self.name = collection
        self.embeddings = embeddings
        self.model = model
        existing = self._existing_model()
        if existing is not None and existing != model:
            raise EmbeddingMismatchError(
                f"the vector index was built with {existing!r}, but {model!r} is configured",
                hint="set CITEBRIEF_EMBEDDING_PROVIDER, _MODEL or _PRECISION back, or run "
                "'citebrief corpus reindex' to rebuild the index with the new model",
            )
        self.store = Chroma(
            collection_name=collection,
            embedding_function=embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine", MODEL_KEY: model, BACKEND_KEY: backend},
        )
        self.collection = self.store._collection

    @property
    def built_with(self) -> str:
        """The model, backend and precision that built the collection (as it recorded them)."""
        meta = self.collection.metadata or {}
        backend = meta.get(BACKEND_KEY)
        return f"{meta.get(MODEL_KEY, self.model)} ({backend})" if backend else self.model

    def _existing_model(self) -> str | None:
        try:
            collection = self.client.get_collection(self.name)
        except Exception:  # not found: chromadb raises NotFoundError or ValueError by version
            return None
        value = (collection.metadata or {}).get(MODEL_KEY)
        return str(value) if value is not None else None

    def add_embedded(
        self,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        meta: dict[str, dict[str, Any]],
    ) -> None:
        metadatas = [
            {
                "article_id": c.article_id,
                "idx": c.index,
                "start": c.start,
                "end": c.end,
                **meta.get(c.article_id, {}),
            }
            for c in chunks
        ]
        batch = 4000  # below Chroma's max batch size
        for i in range(0, len(chunks), batch):
            self.collection.upsert(
                ids=[c.id for c in chunks[i : i + batch]],
                embeddings=[list(v) for v in vectors[i : i + batch]],
                documents=[c.text for c in chunks[i : i + batch]],
                metadatas=metadatas[i : i + batch],
            )

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        if article_ids:
            self.collection.delete(where={"article_id": {"$in": list(article_ids)}})

    def nearest(
        self,
        vector: Sequence[float],
        k: int,
        where: dict[str, Any] | None = None,
        *,
        with_vectors: bool = True,
    ) -> list[Neighbour]:
        """The k nearest chunks, with their unit vectors if asked, and nothing else: reading
        Chroma's metadata costs most of a query (160 hits at 100k chunks: 9.7 ms with metadata,
        3.5 ms with vectors, 1.3 ms with distances only), and the corpus knows each chunk's
        article and date anyway."""
        include = ["distances", "embeddings"] if with_vectors else ["distances"]
        result = self.collection.query(
            query_embeddings=[list(vector)], n_results=k, where=where, include=include
        )
        ids = result["ids"][0]
        if not ids:
            return []
        arrays = (
            _unit_rows(np.asarray(result["embeddings"][0], dtype=np.float32))
            if with_vectors
            else None
        )
        return [
            Neighbour(cid, float(distance), arrays[i] if arrays is not None else None)
            for i, (cid, distance) in enumerate(zip(ids, result["distances"][0], strict=True))
        ]

    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray[Any, Any]]:
        """Chunk id -> unit vector, for the ids that exist."""
        if not chunk_ids:
            return {}
        got = self.collection.get(ids=list(chunk_ids), include=["embeddings"])
        if not len(got["ids"]):
            return {}
        arrays = _unit_rows(np.asarray(got["embeddings"], dtype=np.float32))
        return {cid: arrays[i] for i, cid in enumerate(got["ids"])}

    def count(self) -> int:
        return int(self.collection.count())

    def ids(self) -> set[str]:
        ids: set[str] = set()
        offset, page = 0, 5000
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            ids.update(got)
            if len(got) < page:
                return ids
            offset += page

    @classmethod
    def recreate(
        cls, client: Any, collection: str, embeddings: Embeddings, model: str, backend: str = ""
    ) -> VectorIndex:
        """An empty collection in place of the old one, whatever model built that."""
        if any(c.name == collection for c in client.list_collections()):
            client.delete_collection(collection)
        return cls(client, collection, embeddings, model, backend)


def _unit_rows(matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: np.ndarray[Any, Any] = matrix / norms
    return unit


def open_index(settings: Settings, embeddings: Embeddings, *, empty: bool = False) -> VectorIndex:
    """The configured vector index; with ``empty``, a new empty collection in place of the old
    one, whatever model built that."""
    index = settings.index
    make = VectorIndex.recreate if empty else VectorIndex
    with _opening(settings):
        return make(
            chroma_client(settings),
            index.collection,
            embeddings,
            index.model_key,
            built_by(settings),
        )


@contextmanager
def _opening(settings: Settings) -> Iterator[None]:
    """One process at a time opens (or creates, or recreates) the embedded store: two processes
    creating Chroma's schema at once fail ("table collections already exists")."""
    if settings.index.chroma_url:
        yield  # the server serialises its own clients
        return
    with serialised(settings.home / "chroma.lock"):
        yield


def built_by(settings: Settings) -> str:
    """What the collection records as the runtime that built it: "onnx int8", "torch fp32"."""
    return f"{settings.index.backend} {settings.index.precision}"
