"""One typed settings object, grouped by stage.

Sources, highest first: keyword arguments, ``CITEBRIEF_*`` environment variables, a TOML file
(``CITEBRIEF_CONFIG``, else ``./citebrief.toml``, else ``$CITEBRIEF_HOME/citebrief.toml``),
then the defaults below. Data lives under ``home``.

Each setting has one flat name, unique across groups, which is both its environment variable
(``CITEBRIEF_DENSE_K``) and its TOML key (``dense_k = 40``, or ``[retrieval] dense_k = 40``);
in code it sits in its stage's group (``settings.retrieval.dense_k``), so a function takes only
the group it needs.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from citebrief.errors import ConfigError

LOCAL_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
ENV_PREFIX = "CITEBRIEF_"


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class FetchSettings(_Group):
    """Downloading sources politely."""

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
    max_sitemaps: int = Field(
        50, ge=1, description="Feeds and sitemaps followed from one source, nested ones included."
    )
    max_source_links: int = Field(
        5000, ge=1, description="Pages taken from one source's feeds and sitemaps, in all."
    )
    deadline: float = Field(
        60.0, gt=0, description="Seconds one request may take in all (connect, redirects, body)."
    )


class IngestSettings(_Group):
    """Extraction and duplicate detection."""

    min_text_chars: int = Field(
        200, ge=0, description="Shorter extracted text counts as an empty or boilerplate page."
    )
    near_duplicate_threshold: float = Field(
        0.7, gt=0, le=1, description="Estimated Jaccard similarity of word 5-grams for a copy."
    )
    max_article_chars: int = Field(
        200_000,
        ge=1000,
        description="Longest article text kept; a longer page is cut, with a note.",
    )


class ChunkSettings(_Group):
    """Cutting articles into passages."""

    chunk_size: int = Field(800, ge=100, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(120, ge=0, description="Characters shared by adjacent chunks.")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info: Any) -> int:
        size = info.data.get("chunk_size")
        if size is not None and value >= size:
            raise ValueError(f"must be smaller than chunk_size ({size})")
        return value


class IndexSettings(_Group):
    """Embeddings and the vector store."""

    embedding_provider: Literal["local", "openai"] = Field(
        "local", description="local: all-MiniLM-L6-v2 on the CPU; openai: the embeddings API."
    )
    embedding_model: str = Field(
        LOCAL_EMBEDDING_MODEL, description="Model name; for openai e.g. text-embedding-3-small."
    )
    embed_batch_size: int = Field(64, ge=1, description="Chunks embedded per batch.")
    embedding_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="Runtime of the local model: onnx (ONNX Runtime; exported from the packaged "
        "weights on first use into home/models) or torch (sentence-transformers).",
    )
    embedding_precision: Literal["fp32", "int8"] | None = Field(
        None,
        description="Weights of the local model: int8 (per-channel, onnx only; ~2x faster, "
        "vectors at 0.997 mean cosine to fp32's) or fp32; unset: int8 on onnx, fp32 on torch. "
        "The index records it: changing it needs 'corpus reindex'.",
    )
    embed_threads: int = Field(0, ge=0, description="Threads for embedding (0: every core).")
    models_dir: Path | None = Field(
        None,
        description="Where the local model's ONNX export is kept (default: home/models); "
        "homes may share one.",
    )
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; unset: embedded Chroma in home."
    )
    collection: str = Field(
        "citebrief",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$",
        description="Chroma collection name (3-512 of letters, digits, '.', '_', '-').",
    )

    @property
    def model_key(self) -> str:
        """What the vector collection records as the model that built it: int8 vectors are
        another model's (fp32 on onnx or torch are the same vectors, to 1e-6)."""
        key = f"{self.embedding_provider}:{self.embedding_model}"
        return f"{key}:int8" if self.precision == "int8" else key

    @property
    def backend(self) -> str:
        """What runs the model: onnx or torch (local), or the provider's API."""
        return self.embedding_backend if self.embedding_provider == "local" else "api"

    @property
    def precision(self) -> str:
        """The weights the model runs with: int8 only for the local model on onnx."""
        if self.embedding_provider != "local" or self.embedding_backend != "onnx":
            return "fp32"
        return self.embedding_precision or "int8"


class RetrievalSettings(_Group):
    """Hybrid retrieval: fusion, relevance floor, diversity and caps."""

    dense_k: int = Field(40, ge=1, description="Passages taken from the vector index.")
    keyword_k: int = Field(40, ge=1, description="Passages taken from the keyword index.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of dense ranks in fusion.")
    keyword_weight: float = Field(1.0, ge=0, description="Weight of keyword ranks in fusion.")
    mmr_lambda: float = Field(
        0.7, ge=0, le=1, description="MMR trade-off: 1 is pure relevance, 0 pure diversity."
    )
    max_passages: int = Field(12, ge=1, description="Passages handed to the writer.")
    max_per_article: int = Field(
        2,
        ge=1,
        description="At most this many passages per article (an answer's few articles share"
        " its passages, at least this many each).",
    )
    relevance_floor: float = Field(
        0.25, ge=-1, le=1, description="Cosine similarity a passage needs to count as evidence."
    )
    min_passages: int = Field(
        1, ge=1, description="Fewer passages from the on-topic stories: evidence too thin."
    )
    min_articles: int = Field(
        1, ge=1, description="Fewer articles in the on-topic stories: evidence too thin."
    )
    collapse_similarity: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Articles this similar (MinHash) count as one independent source.",
    )


class BriefSettings(_Group):
    """The weekly briefings."""

    topics_file: Path | None = Field(
        None, description="Topics for 'citebrief weekly', one per line (# comments)."
    )
    briefings_dir: Path = Field(Path("briefings"), description="Where 'weekly' writes.")


class VerifySettings(_Group):
    """Checking cited sentences against their passages."""

    verifier: Literal["offline", "llm", "lexical"] = Field(
        "offline",
        description="Judge of cited sentences: offline (fitted model, CPU), llm (an LLM judge "
        "through the OpenAI-compatible endpoint, verdicts cached in home) or lexical (word "
        "overlap, fastest).",
    )
    judge_model: str | None = Field(
        None, description="Chat model of the llm verifier (default: llm_model)."
    )


class LLMSettings(_Group):
    """An OpenAI-compatible endpoint for writing, judging and embeddings."""

    openai_api_key: str | None = Field(
        None, description="API key for OpenAI or a compatible server (also OPENAI_API_KEY)."
    )
    openai_base_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible server: Ollama, vLLM, llama.cpp (also "
        "OPENAI_BASE_URL).",
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model for the openai writer.")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="Writer temperature (low).")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM.")
    llm_retries: int = Field(3, ge=0, le=10, description="Retries after 429, 5xx or timeouts.")
    llm_max_tokens: int | None = Field(
        None,
        ge=16,
        description="Most tokens the LLM may write in one reply (default: the server's limit).",
    )

    @property
    def configured(self) -> bool:
        """Whether an endpoint is configured at all (a key, or a compatible server's URL)."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def where(self) -> str:
        return self.openai_base_url or "api.openai.com"

    def endpoint(self) -> dict[str, str]:
        """The OpenAI SDK's client options for this endpoint (a local server needs no key)."""
        options = {"api_key": self.openai_api_key or "not-needed"}
        if self.openai_base_url:
            options["base_url"] = self.openai_base_url
        return options


class DeliverSettings(_Group):
    """Getting the weekly briefings to their readers: archive, feed, email."""

    publish_dir: Path | None = Field(
        None, description="Folder of the static archive 'weekly --publish' keeps (and its feed)."
    )
    publish_url: str | None = Field(
        None, description="Public URL of the archive folder (absolute links in the feed)."
    )
    smtp_host: str | None = Field(None, description="SMTP server for 'weekly --email'.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 SSL).")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="How the SMTP connection is protected."
    )
    smtp_user: str | None = Field(None, description="SMTP user name (if the server asks).")
    smtp_password: SecretStr | None = Field(
        None, description="SMTP password: from the environment or the TOML file, never argv."
    )
    smtp_ca_file: Path | None = Field(
        None, description="CA certificate to trust for the SMTP server (a private CA)."
    )
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the SMTP server.")
    email_from: str | None = Field(None, description="Sender address of the briefing emails.")
    email_to: str | None = Field(
        None, description="Recipients of the briefing emails, comma-separated."
    )
    max_tokens_per_run: int | None = Field(
        None, ge=1, description="Token budget of one 'weekly' run with an LLM writer."
    )

    @property
    def recipients(self) -> list[str]:
        return [a.strip() for a in (self.email_to or "").split(",") if a.strip()]


GROUPS: dict[str, type[_Group]] = {
    "fetch": FetchSettings,
    "ingest": IngestSettings,
    "chunking": ChunkSettings,
    "index": IndexSettings,
    "retrieval": RetrievalSettings,
    "brief": BriefSettings,
    "verify": VerifySettings,
    "llm": LLMSettings,
    "deliver": DeliverSettings,
}
# flat name -> its group
GROUP_OF: dict[str, str] = {
    name: group for group, model in GROUPS.items() for name in model.model_fields
}
# environment variables read besides CITEBRIEF_<NAME>, in order of preference
ALSO_FROM_ENV: dict[str, tuple[str, ...]] = {
    "openai_api_key": ("OPENAI_API_KEY",),
    "openai_base_url": ("OPENAI_BASE_URL",),
}


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "citebrief"


def env_names(name: str) -> tuple[str, ...]:
    """The environment variables that set the flat setting ``name``, in order of preference."""
    return (ENV_PREFIX + name.upper(), *ALSO_FROM_ENV.get(name, ()))


def regroup(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat names (``dense_k``) and group tables (``retrieval = {...}``) as nested groups."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in GROUPS and isinstance(value, Mapping):
            out.setdefault(key, {}).update(value)
        elif key in GROUP_OF:
            out.setdefault(GROUP_OF[key], {})[key] = value
        else:
            out[key] = value
    return out


def toml_file() -> Path | None:
    """The settings file: the one CITEBRIEF_CONFIG names (a ConfigError when it is not a
    file: a mistyped name must not pass unnoticed), else ./citebrief.toml, else the home's."""
    explicit = os.environ.get("CITEBRIEF_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "does not exist"
            raise ConfigError(
                f"CITEBRIEF_CONFIG names {explicit}, which {what}",
                hint="point CITEBRIEF_CONFIG at a citebrief.toml file, or unset it",
            )
        return path
    local = Path("citebrief.toml")
    if local.is_file():
        return local
    home = Path(os.environ.get("CITEBRIEF_HOME") or default_home()) / "citebrief.toml"
    return home if home.is_file() else None


class _Values(PydanticBaseSettingsSource):
    """A settings source of ready values (already regrouped)."""

    def __init__(self, settings_cls: type[BaseSettings], values: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.values = values

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.values


def _from_env() -> dict[str, Any]:
    environ = {key.upper(): value for key, value in os.environ.items()}
    flat: dict[str, Any] = {}
    for name in ("home", *GROUP_OF):
        for variable in env_names(name):
            if variable in environ:
                flat[name] = environ[variable]
                break
    return regroup(flat)


def _from_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return regroup(tomllib.load(handle))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home, description="Folder for all citebrief data.")
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    chunking: ChunkSettings = Field(default_factory=ChunkSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    brief: BriefSettings = Field(default_factory=BriefSettings)
    verify: VerifySettings = Field(default_factory=VerifySettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    deliver: DeliverSettings = Field(default_factory=DeliverSettings)

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [
            _Values(settings_cls, regroup(init_settings())),
            _Values(settings_cls, _from_env()),
        ]
        path = toml_file()
        if path is not None:
            sources.append(_Values(settings_cls, _from_toml(path)))
        return tuple(sources)

    # --- derived paths --------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.home / "corpus.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def models_path(self) -> Path:
        return (self.index.models_dir or self.home / "models").expanduser()

    def flat(self) -> dict[str, Any]:
        """Every setting under its flat name (as in the environment and the TOML file)."""
        out: dict[str, Any] = {"home": self.home}
        for group in GROUPS:
            out.update(getattr(self, group).model_dump())
        return out


def default_of(name: str) -> Any:
    """The default value of the flat setting ``name``."""
    return GROUPS[GROUP_OF[name]].model_fields[name].get_default(call_default_factory=True)


def load_settings(**overrides: object) -> Settings:
    """Settings from all sources (``overrides`` by flat name or group); a bad value becomes a
    ConfigError that names the variable to fix."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        name = next((part for part in reversed(loc) if part in GROUP_OF or part == "home"), "")
        where = name or ".".join(loc) or "settings"
        hint = (
            f"fix {ENV_PREFIX}{name.upper()} or '{name}' in citebrief.toml"
            if name
            else "check the CITEBRIEF_* variables and citebrief.toml"
        )
        raise ConfigError(f"invalid setting {where}: {first['msg']}", hint=hint) from exc
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(
            f"cannot read the settings file: {exc}",
            hint="check citebrief.toml (or the file named by CITEBRIEF_CONFIG) is valid TOML",
        ) from exc
