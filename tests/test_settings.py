"""Settings: every CITEBRIEF_* variable and citebrief.toml key that ever worked keeps working,
grouped in code by stage; bad values are one ConfigError naming what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from citebrief.errors import ConfigError
from citebrief.settings import GROUP_OF, Settings, default_of, load_settings

# every setting of the flat 0.1 settings object: name, a valid value that is not the default
# (as an environment variable spells it) and the value it must become
SETTINGS: list[tuple[str, str, Any]] = [
    ("fetch_concurrency", "4", 4),
    ("per_host_concurrency", "3", 3),
    ("per_host_delay", "0.25", 0.25),
    ("timeout", "7.5", 7.5),
    ("retries", "5", 5),
    ("backoff", "0.5", 0.5),
    ("max_retry_after", "12", 12.0),
    ("max_bytes", "2048", 2048),
    ("max_redirects", "2", 2),
    ("user_agent", "tester/1.0", "tester/1.0"),
    ("max_feed_items", "50", 50),
    ("max_sitemaps", "5", 5),
    ("max_source_links", "100", 100),
    ("deadline", "9.5", 9.5),
    ("max_article_chars", "5000", 5000),
    ("min_text_chars", "100", 100),
    ("near_duplicate_threshold", "0.8", 0.8),
    ("chunk_size", "600", 600),
    ("chunk_overlap", "60", 60),
    ("embedding_provider", "openai", "openai"),
    ("embedding_model", "text-embedding-3-small", "text-embedding-3-small"),
    ("embed_batch_size", "16", 16),
    ("embedding_backend", "torch", "torch"),
    ("embedding_precision", "fp32", "fp32"),
    ("embed_threads", "1", 1),
    ("models_dir", "shared-models", Path("shared-models")),
    ("chroma_url", "http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ("collection", "other_collection", "other_collection"),
    ("dense_k", "20", 20),
    ("keyword_k", "25", 25),
    ("rrf_k", "30", 30),
    ("dense_weight", "0.5", 0.5),
    ("keyword_weight", "2", 2.0),
    ("mmr_lambda", "0.5", 0.5),
    ("max_passages", "9", 9),
    ("max_per_article", "3", 3),
    ("relevance_floor", "0.3", 0.3),
    ("min_passages", "3", 3),
    ("min_articles", "2", 2),
    ("collapse_similarity", "0.6", 0.6),
    ("topics_file", "topics.txt", Path("topics.txt")),
    ("briefings_dir", "out", Path("out")),
    ("verifier", "lexical", "lexical"),
    ("judge_model", "judge-1", "judge-1"),
    ("openai_api_key", "sk-test", "sk-test"),
    ("openai_base_url", "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"),
    ("llm_model", "small-model", "small-model"),
    ("llm_temperature", "0.3", 0.3),
    ("llm_timeout", "5", 5.0),
    ("llm_retries", "1", 1),
    ("llm_max_tokens", "512", 512),
    ("publish_dir", "site", Path("site")),
    ("publish_url", "https://briefs.example/", "https://briefs.example/"),
    ("smtp_host", "mail.example", "mail.example"),
    ("smtp_port", "2525", 2525),
    ("smtp_security", "ssl", "ssl"),
    ("smtp_user", "briefer", "briefer"),
    ("smtp_password", "s3cret", SecretStr("s3cret")),
    ("smtp_ca_file", "ca.pem", Path("ca.pem")),
    ("smtp_timeout", "5", 5.0),
    ("email_from", "briefs@example.org", "briefs@example.org"),
    ("email_to", "a@example.org, b@example.org", "a@example.org, b@example.org"),
    ("max_tokens_per_run", "20000", 20000),
]


def value_of(settings: Settings, name: str) -> Any:
    return getattr(getattr(settings, GROUP_OF[name]), name)


def test_the_table_lists_every_setting() -> None:
    assert {name for name, _, _ in SETTINGS} == set(GROUP_OF)


@pytest.mark.parametrize(("name", "raw", "expected"), SETTINGS)
def test_every_environment_variable_works(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str, raw: str, expected: Any
) -> None:
    assert default_of(name) != expected
    monkeypatch.setenv(f"CITEBRIEF_{name.upper()}", raw)
    assert value_of(load_settings(), name) == expected


@pytest.mark.parametrize(("name", "raw", "expected"), SETTINGS)
def test_every_toml_key_works(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, raw: str, expected: Any
) -> None:
    monkeypatch.delenv(f"CITEBRIEF_{name.upper()}", raising=False)  # the fixture sets a few
    value = (
        raw if isinstance(expected, (int, float)) and not isinstance(expected, bool) else f'"{raw}"'
    )
    (tmp_path / "citebrief.toml").write_text(f"{name} = {value}\n", encoding="utf-8")
    assert value_of(load_settings(), name) == expected


@pytest.mark.parametrize(
    ("variable", "name", "value"),
    [
        ("OPENAI_API_KEY", "openai_api_key", "sk-plain"),
        ("OPENAI_BASE_URL", "openai_base_url", "http://127.0.0.1:9/v1"),
    ],
)
def test_the_openai_sdk_variables_work_too(
    home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, name: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert value_of(load_settings(), name) == value


def test_the_citebrief_variable_wins_over_the_sdk_one(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-plain")
    monkeypatch.setenv("CITEBRIEF_OPENAI_API_KEY", "sk-citebrief")
    assert load_settings().llm.openai_api_key == "sk-citebrief"


def test_home_and_config_file_variables(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().home == home
    config = tmp_path / "elsewhere.toml"
    config.write_text("dense_k = 11\n", encoding="utf-8")
    monkeypatch.setenv("CITEBRIEF_CONFIG", str(config))
    assert load_settings().retrieval.dense_k == 11


def test_a_toml_file_in_home_is_read(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir(parents=True)
    (home / "citebrief.toml").write_text("keyword_k = 12\n", encoding="utf-8")
    assert load_settings().retrieval.keyword_k == 12


def test_group_tables_in_toml_work_too(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CITEBRIEF_TIMEOUT", raising=False)
    (tmp_path / "citebrief.toml").write_text(
        "[retrieval]\ndense_k = 7\n\n[fetch]\ntimeout = 3\n", encoding="utf-8"
    )
    settings = load_settings()
    assert (settings.retrieval.dense_k, settings.fetch.timeout) == (7, 3.0)


def test_keyword_arguments_win_over_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEBRIEF_DENSE_K", "20")
    assert load_settings(dense_k=5).retrieval.dense_k == 5
    assert load_settings().retrieval.dense_k == 20


def test_toml_settings_are_read_and_env_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CITEBRIEF_CHUNK_SIZE", raising=False)
    (tmp_path / "citebrief.toml").write_text("chunk_size = 500\nper_host_delay = 2.5\n")
    monkeypatch.setenv("CITEBRIEF_PER_HOST_DELAY", "0.25")
    settings = load_settings()
    assert settings.chunking.chunk_size == 500
    assert settings.fetch.per_host_delay == 0.25


def test_malformed_toml_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "citebrief.toml").write_text("chunk_size = = 5\n")
    with pytest.raises(ConfigError, match="settings file"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("CITEBRIEF_DENSE_K", "zero", "CITEBRIEF_DENSE_K"),
        ("CITEBRIEF_CHUNK_OVERLAP", "900", "CITEBRIEF_CHUNK_OVERLAP"),
        ("CITEBRIEF_VERIFIER", "nli", "CITEBRIEF_VERIFIER"),
        ("CITEBRIEF_COLLECTION", "x", "CITEBRIEF_COLLECTION"),
    ],
)
def test_a_bad_value_names_the_variable_to_fix(
    home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, hint: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.hint is not None
    assert hint in caught.value.hint
    assert caught.value.exit_code == 2


def test_settings_are_frozen_and_flat_names_round_trip(home: Path) -> None:
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.retrieval.dense_k = 3  # type: ignore[misc]
    flat = settings.flat()
    assert set(flat) == {"home", *GROUP_OF}
    assert load_settings(**flat) == settings


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_a_config_file_that_is_not_there_is_a_config_error(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    named = tmp_path / ("typo.toml" if kind == "missing" else "a-folder")
    if kind == "folder":
        named.mkdir()
    monkeypatch.setenv("CITEBRIEF_CONFIG", str(named))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert f"CITEBRIEF_CONFIG names {named}" in caught.value.message
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None
