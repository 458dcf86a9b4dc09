"""One typed settings object.

Sources, highest first: keyword arguments, ``CITEBRIEF_*`` environment variables, a TOML file
(``CITEBRIEF_CONFIG``, else ``./citebrief.toml``, else ``$CITEBRIEF_HOME/citebrief.toml``),
then the defaults below. Data lives under ``home``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from citebrief.errors import ConfigError

LOCAL_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "citebrief"


def _toml_file() -> Path | None:
    explicit = os.environ.get("CITEBRIEF_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("citebrief.toml")
    if local.is_file():
        return local
    home = Path(os.environ.get("CITEBRIEF_HOME") or default_home()) / "citebrief.toml"
    return home if home.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEBRIEF_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Folder for all citebrief data.")

    # --- fetching -------------------------------------------------------------------------------
    fetch_concurrency: int = Field(8, ge=1, le=64, description="Parallel downloads in all.")
    per_host_concurrency: int = Field(2, ge=1, le=16, description="Parallel downloads per host.")
    per_host_delay: float = Field(
        0.5, ge=0, description="Seconds between two requests to the same host (politeness)."
    )
    timeout: float = Field(20.0, gt=0, description="Seconds to wait for a response.")
    retries: int = Field(2, ge=0, le=10, description="Retries after a timeout, 429 or 5xx.")
    backoff: float = Field(1.0, ge=0, description="First retry delay in seconds; doubles.")
    max_retry_after: float = Field(30.0, ge=0, description="Longest Retry-After honoured.")
    max_bytes: int = Field(5_000_000, ge=1024, description="Largest page downloaded, in bytes.")
    max_redirects: int = Field(5, ge=0, description="Redirects followed before giving up.")
    user_agent: str = Field(
        "citebrief/0.1 (+https://github.com/citebrief/citebrief)",
        description="User-Agent header sent with every request.",
    )
    max_feed_items: int = Field(500, ge=1, description="Items taken from one feed or sitemap.")

    # --- extraction and dedup -------------------------------------------------------------------
    min_text_chars: int = Field(
        200, ge=0, description="Shorter extracted text counts as an empty or boilerplate page."
    )
    near_duplicate_threshold: float = Field(
        0.7, gt=0, le=1, description="Estimated Jaccard similarity of word 5-grams for a copy."
    )

    # --- chunking ---------------------------------------------------------------------------------
    chunk_size: int = Field(800, ge=100, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(120, ge=0, description="Characters shared by adjacent chunks.")

    # --- embeddings and vector store --------------------------------------------------------------
    embedding_provider: Literal["local", "openai"] = Field(
        "local", description="local: all-MiniLM-L6-v2 on the CPU; openai: the embeddings API."
    )
    embedding_model: str = Field(
        LOCAL_EMBEDDING_MODEL, description="Model name; for openai e.g. text-embedding-3-small."
    )
    embed_batch_size: int = Field(64, ge=1, description="Chunks embedded per batch.")
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; unset: embedded Chroma in home."
    )
    collection: str = Field(
        "citebrief",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$",
        description="Chroma collection name (3-512 of letters, digits, '.', '_', '-').",
    )

    # --- retrieval ----------------------------------------------------------------------------
    dense_k: int = Field(40, ge=1, description="Passages taken from the vector index.")
    keyword_k: int = Field(40, ge=1, description="Passages taken from the keyword index.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of dense ranks in fusion.")
    keyword_weight: float = Field(1.0, ge=0, description="Weight of keyword ranks in fusion.")
    mmr_lambda: float = Field(
        0.7, ge=0, le=1, description="MMR trade-off: 1 is pure relevance, 0 pure diversity."
    )
    max_passages: int = Field(12, ge=1, description="Passages handed to the writer.")
    max_per_article: int = Field(2, ge=1, description="At most this many passages per article.")
    relevance_floor: float = Field(
        0.25, ge=-1, le=1, description="Cosine similarity a passage needs to count as evidence."
    )
    min_passages: int = Field(3, ge=1, description="Fewer relevant passages: evidence too thin.")
    min_articles: int = Field(2, ge=1, description="Fewer relevant articles: evidence too thin.")
    collapse_similarity: float = Field(
        0.5, gt=0, le=1, description="Articles this similar (MinHash) count as one story."
    )

    # --- briefings ----------------------------------------------------------------------------
    topics_file: Path | None = Field(
        None, description="Topics for 'citebrief weekly', one per line (# comments)."
    )
    briefings_dir: Path = Field(Path("briefings"), description="Where 'weekly' writes.")

    # --- citation verification -------------------------------------------------------------
    verifier: Literal["offline", "llm", "lexical"] = Field(
        "offline",
        description="Judge of cited sentences: offline (fitted model, CPU), llm (an LLM judge "
        "through the OpenAI-compatible endpoint, verdicts cached in home) or lexical (word "
        "overlap, fastest).",
    )
    judge_model: str | None = Field(
        None, description="Chat model of the llm verifier (default: llm_model)."
    )

    # --- LLM ----------------------------------------------------------------------------------
    openai_api_key: str | None = Field(
        None,
        validation_alias=AliasChoices("CITEBRIEF_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="API key for OpenAI or a compatible server.",
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model for the openai writer.")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="Writer temperature (low).")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM.")
    llm_retries: int = Field(3, ge=0, le=10, description="Retries after 429, 5xx or timeouts.")
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("CITEBRIEF_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible server (Ollama, vLLM, llama.cpp).",
    )

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml = _toml_file()
        if toml is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml))
        return tuple(sources)

    # --- derived paths ----------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.home / "corpus.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"


def load_settings(**overrides: object) -> Settings:
    """Settings from all sources; a bad value becomes a ConfigError that names it."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(
            f"invalid setting {where}: {first['msg']}",
            hint=f"fix CITEBRIEF_{where.upper()} or '{where}' in citebrief.toml",
        ) from exc
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(
            f"cannot read the settings file: {exc}",
            hint="check citebrief.toml (or the file named by CITEBRIEF_CONFIG) is valid TOML",
        ) from exc
