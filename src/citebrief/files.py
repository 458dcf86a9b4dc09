"""Writing files whole: a reader never sees half of one."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(target: Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
