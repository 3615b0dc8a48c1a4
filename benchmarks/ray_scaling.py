"""The Ray executor's efficiency with a runner whose cost per sample is a fixed wait (a stand-in for a GPU).

    python benchmarks/ray_scaling.py [--samples 400] [--delay 0.1] [--workers 2]

On a local Ray cluster (started here), with LibriSpeech-schema rows (a few espeak-ng utterances repeated
under distinct ids), it measures in one process:
  - the Ray run with N workers (a warm pool: cluster start-up and model loads are timed apart) against
    the ideal rate N / delay (the whole run: loading, preparing and scoring included), and against
    N `--shard i/N` processes side by side (each its own process and model copy, the way sharding runs:
    started together, timed until the last ends);
  - the driver's overhead per sample: the same runs with no wait at all, through Ray and in this process
    alone; what Ray adds is the difference, per sample (the rest, reading and scoring, a local run pays too).
Prints figures and ratios, not a pass/fail test. Targets: both efficiency ratios >= 0.9, overhead <= 2 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ray

from omnieval.config import ModelPreset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import TASKS
from omnieval.scaleout.ray_pool import RayOptions, RayPool
from omnieval.testing.sample_data import LIBRISPEECH_FEATURES, librispeech_rows, write_parquet
from omnieval.testing.wait_runner import FixedWaitRunner

TASK = "librispeech_test_clean"
SHARD_SCRIPT = """
import asyncio, sys, time
from pathlib import Path
from omnieval.config import ModelPreset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import TASKS
from omnieval.testing.wait_runner import FixedWaitRunner
parquet, output, delay, index, count = sys.argv[1:]
settings = {"delay_s": float(delay)}
preset = ModelPreset(name="fixed-wait", runner="fixed-wait", settings=settings)
options = RunOptions(output_dir=Path(output), dataset_path=parquet, shard=(int(index), int(count)),
                     show_progress=False)
asyncio.run(Evaluation(TASKS.get("librispeech_test_clean"), FixedWaitRunner(**settings), preset, options).run())
"""


def make_rows(folder: Path, samples: int, spoken: list[dict] | None = None) -> Path:
    """`samples` LibriSpeech-schema rows in a parquet file: the `spoken` rows (default: four espeak-ng
    utterances) repeated under distinct ids."""
    spoken = spoken or librispeech_rows()[:4]
    rows = []
    for n in range(samples):
        row = dict(spoken[n % len(spoken)])
        row["id"] = f"{1000 + n % 7}-{100 + n // 1000}-{n:04d}"
        rows.append(row)
    return write_parquet(rows, LIBRISPEECH_FEATURES, folder / "test.parquet")


def ray_run(parquet: Path, output: Path, delay: float, workers: int) -> tuple[float, float]:
    """(seconds to start the pool, seconds of the run itself)."""
    settings = {"delay_s": delay}
    preset = ModelPreset(name="fixed-wait", runner="fixed-wait", settings=settings)
    pool = RayPool(FixedWaitRunner, settings, RayOptions(workers=workers, cpus_per_worker=0.5))
    options = RunOptions(output_dir=output, dataset_path=str(parquet), show_progress=False)
    started = time.perf_counter()
    asyncio.run(pool.start())
    warm = time.perf_counter()
    try:
        asyncio.run(Evaluation(TASKS.get(TASK), pool, preset, options).run())
    finally:
        pool.shutdown()
    return warm - started, time.perf_counter() - warm


def local_run(parquet: Path, output: Path) -> float:
    """Seconds of the same run with no wait, in this process without Ray."""
    settings = {"delay_s": 0.0}
    preset = ModelPreset(name="fixed-wait", runner="fixed-wait", settings=settings)
    options = RunOptions(output_dir=output, dataset_path=str(parquet), show_progress=False)
    started = time.perf_counter()
    asyncio.run(Evaluation(TASKS.get(TASK), FixedWaitRunner(**settings), preset, options).run())
    return time.perf_counter() - started


def shard_runs(parquet: Path, output: Path, delay: float, count: int) -> float:
    """Wall seconds of `count` shard processes started together, until the last ends."""
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SHARD_SCRIPT, str(parquet), str(output), str(delay), str(i), str(count)]
        )
        for i in range(count)
    ]
    if any(proc.wait() != 0 for proc in procs):
        raise SystemExit("a shard failed")
    return time.perf_counter() - started


def done(output: Path) -> int:
    return sum(json.loads((d / "run.json").read_text())["counts"]["done"] for d in output.iterdir())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per sample")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parquet = make_rows(folder, args.samples)
        cluster_started = time.perf_counter()
        ray.init(num_cpus=os.cpu_count() or 2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        cluster_s = time.perf_counter() - cluster_started

        pool_s, ray_s = ray_run(parquet, folder / "ray", args.delay, args.workers)
        ideal_s = args.samples * args.delay / args.workers
        shards_s = shard_runs(parquet, folder / "shards", args.delay, args.workers)
        _, bare_s = ray_run(parquet, folder / "bare", 0.0, args.workers)
        ray.shutdown()
        local_s = local_run(parquet, folder / "local")
        assert done(folder / "ray") == done(folder / "bare") == done(folder / "shards") == args.samples

    print(f"samples {args.samples}, {args.delay * 1000:.0f} ms each, {args.workers} workers")
    print(f"cluster start-up          {cluster_s:7.2f} s")
    print(f"pool start (model loads)  {pool_s:7.2f} s")
    print(f"ray run                   {ray_s:7.2f} s   ideal {ideal_s:.2f} s   efficiency {ideal_s / ray_s:.3f}")
    print(f"{args.workers} shard processes       {shards_s:7.2f} s   ray / shards rate ratio {shards_s / ray_s:.3f}")
    per_sample = 1000 * (bare_s - local_s) / args.samples
    print(f"no wait: ray {bare_s:.2f} s, local {local_s:.2f} s; Ray's driver overhead {per_sample:.3f} ms per sample")


if __name__ == "__main__":
    main()
