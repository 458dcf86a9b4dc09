"""The command line: each command parses options and calls one library function.

Commands live by group (``ingest``, ``briefs``, ``answers``, ``corpus``, ``evaluate``) on the
typer application of ``app``. Errors become one line on stderr and an exit code here, in
``main``: 0 all ok, 1 some items failed, 2 usage or configuration error. ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import importlib
import sys
import traceback

import typer

from citebrief.cli.app import cli, err
from citebrief.errors import EXIT_OK, EXIT_USAGE, CitebriefError

__all__ = ["cli", "main"]

# the command modules register on ``cli``; ``--help`` lists them in this order
for _group in ("ingest", "briefs", "answers", "corpus", "evaluate"):
    importlib.import_module(f"citebrief.cli.{_group}")


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        code = cli(standalone_mode=False)
    except CitebriefError as exc:
        if debug:
            traceback.print_exc()
        err.print(exc.one_line(), highlight=False, markup=False)
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
