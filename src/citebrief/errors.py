"""Errors that say how to fix them.

The CLI turns a ``CitebriefError`` into one line on stderr and an exit code, in one place
(``citebrief.cli.main``); ``--debug`` shows the traceback instead.

    CitebriefError                  exit 1 unless a subclass says otherwise
    ├── ConfigError                 exit 2: bad settings, missing model, bad options
    │   └── EmbeddingMismatchError  exit 2: the index was built with another embedding model
    ├── UsageError                  exit 2: a command was called wrongly (unknown id, bad date)
    ├── StoreError                  exit 1: the corpus or vector store cannot be read or written
    ├── LLMError                    exit 1: the LLM could not be reached or gave no usable answer
    ├── ThinEvidenceError           exit 1: too little relevant evidence to write anything honest
    └── RegressionError             exit 1: an evaluation metric fell below its baseline

    ItemError                       one source item failed; the batch goes on (never exits)
    ├── FetchError                  it could not be downloaded or read
    ├── ExtractionError             it holds no article
    └── FeedError                   a feed or sitemap that cannot be read

    MalformedOutput (ValueError)    an LLM reply of the wrong shape (repaired once, then LLMError)

An ``ItemError``'s message is the one-line reason shown beside the item in the ingest report.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2


def options(*choices: str) -> str:
    """A hint of several things to try, the empty ones left out: "a, b, or c"."""
    given = [c for c in choices if c]
    if not given:
        return ""
    return given[-1] if len(given) < 2 else ", ".join(given[:-1]) + ", or " + given[-1]


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


class LLMError(CitebriefError):
    """The LLM could not be reached or gave no usable answer."""


class ThinEvidenceError(CitebriefError):
    """Too few relevant passages to write anything honest."""


class RegressionError(CitebriefError):
    """A suite's metric fell below its baseline by more than the suite's epsilon."""


class ItemError(Exception):
    """One source item failed; the message is the one-line reason."""


class FetchError(ItemError):
    """A source that could not be downloaded or read."""


class ExtractionError(ItemError):
    """A page that holds no article."""


class FeedError(ItemError):
    """A feed or sitemap that cannot be read."""


class MalformedOutput(ValueError):
    """An LLM reply that is not of the shape asked for."""
