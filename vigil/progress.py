"""Progress bars for long steps, shared by every stage.

Stages call `track` or `task` and never build their own Rich objects, so the CLI decides once
whether bars are shown (a terminal) or not (tests, CI, logs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")
console = Console(stderr=True, log_path=False)  # log lines say what happened, not which source line said it
_progress: Progress | None = None


@contextlib.contextmanager
def bars(enabled: bool = True) -> Iterator[None]:
    """Show progress bars for the duration of a command."""
    global _progress
    if not enabled or not console.is_terminal:
        yield
        return
    _progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=False,
    )
    with _progress:
        try:
            yield
        finally:
            _progress = None


class _Task:
    def __init__(self, description: str, total: float | None):
        self.id = _progress.add_task(description, total=total) if _progress else None

    def advance(self, n: float = 1) -> None:
        if _progress is not None and self.id is not None:
            _progress.advance(self.id, n)

    def update(self, **kw) -> None:
        if _progress is not None and self.id is not None:
            _progress.update(self.id, **kw)


@contextlib.contextmanager
def task(description: str, total: float | None = None) -> Iterator[_Task]:
    """A progress task to advance by hand (bytes read, batches done)."""
    t = _Task(description, total)
    try:
        yield t
    finally:
        if t.id is not None and total is not None:
            t.update(completed=total)


def track(items: Iterable[T], description: str, total: float | None = None) -> Iterator[T]:
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with task(description, total) as t:
        for item in items:
            yield item
            t.advance()
