"""Writing files whole: a reader never sees half of one."""

from __future__ import annotations

import fcntl
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from citebrief.errors import StoreError, UsageError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def writable_target(target: Path) -> Path:
    """The regular file ``target`` names (through a symlink), or a new path; a UsageError for
    a directory, device, pipe or socket (checked before any work, and again when writing)."""
    path = target.resolve() if target.is_symlink() else target
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise UsageError(
            f"cannot write to {target}: {exc.strerror}", hint="give -o another path"
        ) from exc
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise UsageError(
            f"cannot write to {target}: it is {kind}", hint="give -o a new path or a regular file"
        )
    return path


def write_atomically(target: Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file.

    Only a regular file (or a new path) is replaced; a symlink is written through, to the file
    it names (the link stays); a directory, device, pipe or socket is refused with a UsageError
    and left as it was."""
    path = writable_target(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder of {target}: {exc.strerror or exc}",
            hint="give -o a path in a writable folder",
        ) from exc
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StoreError(
            f"cannot write {target}: {exc.strerror or exc}",
            hint="check the folder exists, is writable and has space",
        ) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def exclusive(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for a ``with`` block; a UsageError at once when
    another process holds it (``what`` names that process's work in the message)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UsageError(
                f"another {what} is running ({holder}, lock {path})",
                hint="wait for it to finish; the lock goes with the process",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        yield
    finally:
        handle.close()


@contextmanager
def serialised(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for a ``with`` block, waiting while another process
    holds it: for short steps that must not run twice at once (creating a store's schema)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield
