"""A rich progress display for ingest: one bar each for fetch, extract and embed."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class RichProgress:
    def __init__(self, console: Console) -> None:
        self.bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bars.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        if name not in self.tasks:
            self.tasks[name] = self.bars.add_task(name, total=total or 0)

    def grow(self, name: str, n: int) -> None:
        self.stage(name)
        task = self.tasks[name]
        current = self.bars.tasks[self._index(task)].total or 0
        self.bars.update(task, total=current + n)

    def advance(self, name: str, n: int = 1) -> None:
        self.stage(name)
        self.bars.advance(self.tasks[name], n)

    def _index(self, task: TaskID) -> int:
        return next(i for i, t in enumerate(self.bars.tasks) if t.id == task)
