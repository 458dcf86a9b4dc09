"""Errors that say how to fix them.

The CLI turns each into one line on stderr and an exit code, in one place (``cli.main``).

    CitebriefError                 exit 1 unless a subclass says otherwise
    ├── ConfigError                exit 2: bad settings, missing model, bad options
    │   └── EmbeddingMismatchError exit 2: the index was built with another embedding model
    ├── UsageError                 exit 2: a command was called wrongly (unknown id, bad source)
    └── StoreError                 exit 1: the corpus or vector store cannot be read or written
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2


class CitebriefError(Exception):
    """Base error: a message and a hint on how to fix it."""

    exit_code = EXIT_SOME_FAILED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = f"error: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return " ".join(text.split())


class ConfigError(CitebriefError):
    exit_code = EXIT_USAGE


class EmbeddingMismatchError(ConfigError):
    pass


class UsageError(CitebriefError):
    exit_code = EXIT_USAGE


class StoreError(CitebriefError):
    exit_code = EXIT_SOME_FAILED
