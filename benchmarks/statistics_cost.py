"""What the confidence intervals and the paired test cost, on records shaped like a full benchmark.

    python benchmarks/statistics_cost.py [--samples 2620] [--resamples 1000]

Prints the seconds `summarize` (metrics + bootstrap intervals) and `paired_differences`
(paired bootstrap + randomization) take on synthetic LibriSpeech test-clean records (2620
utterances) and MMLU-Redux-like accuracy records, and their ratio to plain aggregation.
"""

from __future__ import annotations

import argparse
import random
import time

from omnieval.paired import paired_differences
from omnieval.registry import TASKS
from omnieval.scoring import summarize
from omnieval.stats import BootstrapSettings
from omnieval.types import SampleRecord


def asr_records(n: int, rng: random.Random) -> list[SampleRecord]:
    return [
        SampleRecord(
            id=str(i),
            index=i,
            scores={
                "substitutions": rng.randint(0, 2),
                "deletions": rng.randint(0, 1),
                "insertions": rng.randint(0, 1),
                "ref_tokens": rng.randint(5, 30),
            },
        )
        for i in range(n)
    ]


def choice_records(n: int, rng: random.Random) -> list[SampleRecord]:
    return [
        SampleRecord(
            id=f"s{i % 57}/{i}",
            index=i,
            metadata={"subject": f"s{i % 57}"},
            scores={"accuracy": float(rng.random() < 0.7), "unreadable": 0.0},
        )
        for i in range(n)
    ]


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2620)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    settings = BootstrapSettings(resamples=args.resamples)
    rng = random.Random(0)
    for task_name, make in (("librispeech_test_clean", asr_records), ("mmlu_redux", choice_records)):
        task = TASKS.get(task_name)
        base, cand = make(args.samples, rng), make(args.samples, rng)
        aggregate_s = timed(lambda task=task, base=base: task.aggregate(base))
        summary_s = timed(lambda task=task, base=base: summarize(task, base, len(base), settings))
        paired_s = timed(
            lambda task=task, base=base, cand=cand: paired_differences(
                task.aggregate, base, cand, list(task.headline_metrics), settings
            )
        )
        print(
            f"{task_name}: n={args.samples}, {args.resamples} resamples | aggregate {aggregate_s * 1000:.1f} ms | "
            f"metrics+intervals {summary_s:.2f} s ({summary_s / aggregate_s:.0f}x) | "
            f"paired test {paired_s:.2f} s ({paired_s / aggregate_s:.0f}x)"
        )


if __name__ == "__main__":
    main()
