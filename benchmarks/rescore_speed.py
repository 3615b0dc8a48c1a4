"""What `omnieval rescore` of a large run costs, and how much of it is the metrics' confidence intervals.

    python benchmarks/rescore_speed.py [--samples 10000] [--resamples 1000] [--tasks librispeech_test_clean mmlu_redux]
                                       [--aggregate-intervals]

For each task, writes a run folder of `--samples` records as a run writes it (RunDir, RunRecord, SampleRecords
scored by the task from synthetic predictions: transcripts with a few word errors for ASR, "Answer: X" with about
70% right for multiple choice, spread over MMLU-Redux's subjects), then times `rescore_run` (what `omnieval rescore`
calls: read the records, score them again, rewrite samples.jsonl, metrics and bootstrap intervals, rewrite run.json)
and the metric recomputation alone (score again + aggregate, no intervals, no files). Prints both, their ratio, and
the intervals' own time. With --aggregate-intervals it also times the intervals made the slow way, re-running the
task's aggregate on every resample (`omnieval.stats.aggregate_intervals`, the fallback for metrics a task does not
declare as per-sample sums, and how every interval was made before), the rescore made that way, and the largest
difference between the two ways' intervals. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from omnieval import scoring
from omnieval.offline import rescore_run
from omnieval.registry import TASKS
from omnieval.results import RunDir
from omnieval.scoring import make_record, rescore
from omnieval.stats import BootstrapSettings, aggregate_intervals, bootstrap_intervals
from omnieval.tasks.base import Task
from omnieval.types import GenConfig, Response, RunRecord, Sample

WORDS = (
    "the of and to in a is that it was for on are with as his they be at one have this from or had by word but what "
    "some we can out other were all there when up use your how said an each she which do their time if will way about "
    "many then them write would like so these her long make thing see him two has look more day could go come did"
).split()


def asr_samples(n: int, rng: random.Random) -> list[tuple[Sample, str]]:
    """Utterances of 5-30 words and transcripts with a word swapped, dropped or added now and then."""
    pairs = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 30))]
        heard = list(words)
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            at = rng.randrange(len(heard)) if heard else 0
            change = rng.random()
            if change < 0.5 and heard:
                heard[at] = rng.choice(WORDS)
            elif change < 0.8 and heard:
                del heard[at]
            else:
                heard.insert(at, rng.choice(WORDS))
        sample = Sample(id=f"utt{i}", index=i, target=" ".join(words), metadata={"language": "en"})
        pairs.append((sample, " ".join(heard)))
    return pairs


def mmlu_samples(n: int, rng: random.Random) -> list[tuple[Sample, str]]:
    """Questions spread over MMLU-Redux's subjects and categories; answers right 70% of the time, unreadable 2%."""
    from omnieval.tasks.text.mmlu_subjects import MMLU_CATEGORY

    subjects = sorted(MMLU_CATEGORY)
    pairs = []
    for i in range(n):
        subject = subjects[i % len(subjects)]
        answer = rng.choice("ABCD")
        metadata = {
            "subject": subject,
            "category": MMLU_CATEGORY[subject],
            "options": {letter: f"option {letter}" for letter in "ABCD"},
            "error_type": "ok" if rng.random() < 0.9 else "wrong_groundtruth",
        }
        roll = rng.random()
        given = answer if roll < 0.7 else rng.choice([x for x in "ABCD" if x != answer])
        prediction = "I cannot tell." if roll > 0.98 else f"Let me think step by step.\nAnswer: {given}"
        pairs.append((Sample(id=f"{subject}/{i}", index=i, target=answer, metadata=metadata), prediction))
    return pairs


def write_run(task: Task, pairs: list[tuple[Sample, str]], folder: Path) -> RunDir:
    """A complete run folder of these predictions, as `omnieval run` leaves one."""
    run_dir = RunDir.create(folder, f"{task.name}__synthetic")
    records = [make_record(task, sample, Response(text=prediction)) for sample, prediction in pairs]
    run_dir.rewrite_records(records)
    run_dir.write_run(
        RunRecord(
            run_id=run_dir.path.name,
            status="complete",
            task=task.name,
            task_version=task.version,
            model="synthetic",
            runner={"name": "synthetic"},
            gen_config=GenConfig(),
            config={
                "selection": {"task_params": task.params},
                "family": task.family,
                "headline_metrics": task.headline_metrics,
            },
            dataset={"hub_id": task.dataset.hub_id},
            metrics=task.aggregate(records),
            counts={"selected": len(records), "done": len(records), "failed": 0, "cached": 0, "pending": 0},
        )
    )
    return run_dir


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--tasks", nargs="+", default=["librispeech_test_clean", "mmlu_redux"])
    parser.add_argument(
        "--aggregate-intervals",
        action="store_true",
        help="also time the intervals made by re-running the aggregate on every resample (slow: tens of seconds)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    settings = BootstrapSettings(resamples=args.resamples)
    makers = {"asr": asr_samples, "text": mmlu_samples}
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.tasks:
            task = TASKS.get(name)
            if task.family not in makers:
                raise SystemExit(f"{name}: no synthetic predictions for family {task.family} (asr, text)")
            run_dir = write_run(task, makers[task.family](args.samples, random.Random(args.seed)), Path(scratch))
            records = run_dir.read_records()
            metrics_s, _ = timed(lambda task=task, records=records: task.aggregate(rescore(task, records)))
            total_s, run = timed(lambda run_dir=run_dir: asyncio.run(rescore_run(RunDir(run_dir.path))))
            ordered = sorted(run_dir.read_records(), key=lambda r: r.index)
            observed = task.aggregate(ordered)
            intervals_s, intervals = timed(
                lambda task=task, ordered=ordered, observed=observed: bootstrap_intervals(
                    task.aggregate, ordered, settings, task.interval_columns(ordered), observed
                )
            )
            declared = task.interval_columns(ordered)
            summed = sum(1 for m in observed if declared is not None and m in declared.metrics)
            print(
                f"{name}: n={len(records)}, {len(run.metrics)} metrics ({summed} as per-sample sums), "
                f"{args.resamples} resamples"
            )
            print(f"  rescore (omnieval rescore's rescore_run):  {total_s:7.2f} s")
            print(f"  metrics without intervals (score+aggregate): {metrics_s:7.2f} s")
            print(f"  rescore / metrics without intervals:       {total_s / metrics_s:7.2f}")
            print(f"  bootstrap intervals alone:                 {intervals_s:7.2f} s")
            if args.aggregate_intervals:
                slow_s, slow = timed(
                    lambda task=task, ordered=ordered: aggregate_intervals(task.aggregate, ordered, settings)
                )
                gap = max(
                    (
                        abs(a - b)
                        for m in slow
                        for a, b in zip(slow[m], intervals.get(m, (float("nan"),) * 2), strict=True)
                    ),
                    default=0.0,
                )
                # every interval by the aggregate: rescore as it was before tasks declared per-sample sums
                scoring.bootstrap_intervals = lambda aggregate, records, settings, **_: aggregate_intervals(
                    aggregate, records, settings
                )
                try:
                    before_s, _ = timed(lambda run_dir=run_dir: asyncio.run(rescore_run(RunDir(run_dir.path))))
                finally:
                    scoring.bootstrap_intervals = bootstrap_intervals
                print(
                    f"  intervals re-running the aggregate:        {slow_s:7.2f} s "
                    f"({slow_s / intervals_s:.0f}x the per-sample sums); largest difference {gap:.2e}"
                )
                print(
                    f"  rescore with them (as before):             {before_s:7.2f} s "
                    f"({before_s / metrics_s:.2f}x the metrics without intervals)"
                )


if __name__ == "__main__":
    main()
