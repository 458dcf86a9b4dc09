"""The command line: each command parses options and calls one library function.

Commands live by group (``ingest``, ``briefs``, ``answers``, ``corpus``, ``evaluate``) on the
typer application of ``app``. Errors become one line on stderr and an exit code here, in
``main``: 0 all ok, 1 some items failed, 2 usage or configuration error. ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import errno
import importlib
import shutil
import sqlite3
import sys
import traceback

import typer

from citebrief.cli.app import cli, err, plain
from citebrief.errors import EXIT_OK, EXIT_USAGE, CitebriefError, StoreError

__all__ = ["cli", "main"]

# the command modules register on ``cli``; ``--help`` lists them in this order
for _group in ("ingest", "briefs", "answers", "corpus", "evaluate"):
    importlib.import_module(f"citebrief.cli.{_group}")


def _home_is_full() -> bool:
    """Whether CITEBRIEF_HOME's disk is (nearly) full: Chroma reports a full disk as a failed
    compaction, without saying why."""
    try:
        from citebrief.settings import load_settings

        usage = shutil.disk_usage(load_settings().home)
    except Exception:  # no settings, no home: not a full disk we can tell
        return False
    return usage.free < max(2_000_000, usage.total // 100)


def _foreign(exc: BaseException) -> CitebriefError | None:
    """A failure of SQLite, Chroma or the disk as one line with a way out (None: a bug)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    full = (
        "no space left" in text.lower()
        or "disk is full" in text.lower()
        or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC)
        or (type(exc).__module__.startswith("chromadb") and _home_is_full())
    )
    if full:
        return StoreError(
            f"no space left in CITEBRIEF_HOME ({text})",
            hint="free some space, then run the command again: what was not indexed stays "
            "pending and the next run finishes it",
        )
    if isinstance(exc, sqlite3.DatabaseError):
        return StoreError(
            f"the corpus database is damaged or unreadable ({text})",
            hint="'citebrief corpus check' says what is damaged; 'citebrief corpus rebuild' "
            "rebuilds what can be read",
        )
    if type(exc).__module__.startswith("chromadb"):
        return StoreError(
            f"the vector store failed ({type(exc).__name__}: {text})",
            hint="'citebrief corpus reindex' rebuilds it from the corpus; if that fails too, "
            "'citebrief corpus rebuild'",
        )
    if isinstance(exc, OSError):
        return StoreError(
            f"{exc.strerror or text}: {exc.filename or ''}".rstrip(": "),
            hint="check that CITEBRIEF_HOME and the paths given exist and are writable",
        )
    return None


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        try:
            code = cli(standalone_mode=False)
        except (CitebriefError, typer.TyperException, typer.Abort):
            raise
        except Exception as exc:
            translated = _foreign(exc)
            if translated is None:
                raise  # a bug: the traceback is the report
            raise translated from exc
    except CitebriefError as exc:
        if debug:
            traceback.print_exc()
        err.print(plain(exc.one_line()), highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("interrupted", highlight=False)
        sys.exit(130)
    except typer.TyperException as exc:  # click's usage errors, as typer vendors click
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(int(getattr(exc, "exit_code", EXIT_USAGE)))
    except KeyboardInterrupt:
        err.print("interrupted", highlight=False)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
