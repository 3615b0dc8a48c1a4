"""A rich progress bar for a run: done/total, samples per second, ETA, failures."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

stderr_console = Console(stderr=True)


class RunProgress:
    """Progress of one task's run; a no-op when disabled."""

    def __init__(self, description: str, total: int, already_done: int, enabled: bool = True) -> None:
        self.enabled = enabled
        self.failed = 0
        self.cached = 0
        self._done_here = 0
        self._started = time.perf_counter()
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} samples/s"),
            TimeRemainingColumn(),
            TextColumn("failed {task.fields[failed]}  cached {task.fields[cached]}"),
            console=stderr_console,
            disable=not enabled,
        )
        self._bar = self._progress.add_task(
            description, total=total, completed=already_done, rate="-", failed=0, cached=0
        )

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def advance(self, failed: bool, cached: bool) -> None:
        self._done_here += 1
        self.failed += failed
        self.cached += cached
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        self._progress.update(
            self._bar, advance=1, rate=f"{self._done_here / elapsed:.2f}", failed=self.failed, cached=self.cached
        )

    @property
    def samples_per_s(self) -> float:
        return self._done_here / max(time.perf_counter() - self._started, 1e-9)
