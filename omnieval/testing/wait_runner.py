"""A runner whose cost per request is a fixed wait: a stand-in for a GPU in the scale-out tests and
benchmarks (not registered: nothing that evaluates can pick it).

Each batch holds the runner for `delay_s` per request, one batch at a time, as one model copy on
one GPU does; the answer names the sample. With `log`, every request it answers is appended to
that file (one sample id per line), so a test can tell what was generated and how often.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

from omnieval.errors import OmnievalError
from omnieval.runners.base import Runner
from omnieval.types import Request, Response


class FixedWaitRunner(Runner):
    name = "fixed-wait"
    description = "answers after a fixed wait per request (tests and benchmarks of scale-out)"

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.delay_s = float(settings.get("delay_s", 0.0))
        self.max_batch_size = int(settings.get("batch_size", 1))
        self.max_concurrency = 2
        self._lock = threading.Lock()

    @classmethod
    def setting_names(cls) -> set[str]:
        return {"delay_s", "batch_size", "log", "fail_start"}

    async def start(self) -> None:
        if self.settings.get("fail_start"):
            raise OmnievalError(f"cannot load the model: {self.settings['fail_start']}")

    async def generate(self, requests: list[Request]) -> list[Response]:
        return await asyncio.to_thread(self._generate, requests)

    def _generate(self, requests: list[Request]) -> list[Response]:
        with self._lock:  # one batch at a time, as on one GPU
            started = time.perf_counter()
            time.sleep(self.delay_s * len(requests))
            if self.settings.get("log"):
                self._log(requests)
            elapsed = time.perf_counter() - started
        return [Response(text=f"answer to {r.sample_id}", latency_s=elapsed) for r in requests]

    def _log(self, requests: list[Request]) -> None:
        lines = "".join(f"{r.sample_id}\n" for r in requests).encode()
        descriptor = os.open(str(self.settings["log"]), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, lines)  # one write per batch: whole lines even with several processes
        finally:
            os.close(descriptor)
