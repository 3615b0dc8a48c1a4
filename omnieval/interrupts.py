"""SIGINT and SIGTERM while a run works: stop within seconds, keep what is done."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any


class StopSignals:
    """SIGINT and SIGTERM while a run works. The first cancels the task doing the work (`work`): the run stops
    within seconds, keeps what is done, marks itself interrupted and raises RunInterrupted. A second one ends
    the process at once (finished samples are on disk already)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.work: asyncio.Future[Any] | None = None

    @contextmanager
    def catching(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach the main thread only: a run in another thread keeps their defaults
            return
        loop = asyncio.get_running_loop()

        def cancel_work() -> None:
            if self.work is not None:
                self.work.cancel()  # nothing, when it is done already

        def stop(signum: int, frame: object) -> None:
            if self.signum is not None:
                sys.stderr.write("stopped at once (finished samples are kept; continue with --resume)\n")
                sys.stderr.flush()
                os._exit(128 + signum)
            self.signum = signum
            loop.call_soon_threadsafe(cancel_work)

        previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stopped(self) -> bool:
        """Whether a signal stopped the run (so a CancelledError is its doing); the task may go on awaiting."""
        if self.signum is None:
            return False
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        return True


def abandon_threads() -> None:
    """Let the event loop close without waiting for worker threads still busy with abandoned requests (a local
    model's batch): a fresh default executor takes their place, and the old one ends when they are done."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor())
