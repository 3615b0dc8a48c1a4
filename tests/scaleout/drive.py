"""A driver of the Ray pool for the scale-out tests: evaluates LibriSpeech-schema rows with the fixed-wait
runner on the cluster at ADDRESS, into OUTPUT (resuming what is there), logging each generated sample to LOG.

    python -m tests.scaleout.drive ADDRESS PARQUET OUTPUT LOG DELAY_S WORKERS
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from omnieval.config import ModelPreset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import TASKS
from omnieval.scaleout.ray_pool import RayOptions, RayPool
from omnieval.testing.wait_runner import FixedWaitRunner


def pool(address: str, log: str, delay_s: float, workers: int) -> tuple[ModelPreset, RayPool]:
    settings = {"delay_s": delay_s, "log": log}
    preset = ModelPreset(name="fixed-wait", runner="fixed-wait", settings=settings)
    return preset, RayPool(FixedWaitRunner, settings, RayOptions(address=address, workers=workers, cpus_per_worker=0.5))


def main(address: str, parquet: str, output: str, log: str, delay_s: str, workers: str) -> None:
    preset, runner = pool(address, log, float(delay_s), int(workers))
    options = RunOptions(
        output_dir=Path(output), dataset_path=parquet, resume=True, run_id="ray-run", show_progress=False
    )
    try:
        asyncio.run(Evaluation(TASKS.get("librispeech_test_clean"), runner, preset, options).run())
    finally:
        runner.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:])
