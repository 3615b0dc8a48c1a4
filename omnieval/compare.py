"""Pairwise comparison of two runs of a model-judged task: which model answered better.

For every sample both runs answered, a judge sees the request and the two answers with the
pairwise template, in both orders (a winner that changes with the order is a tie). The result
is a run folder: per sample the judgment (`win`: 1 the candidate, 0 the baseline, 0.5 a tie);
overall the candidate's win rate (ties count half), its wins, losses and ties, and the judge's
position consistency and first-position preference.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from omnieval.errors import OmnievalError
from omnieval.judges.agreement import position_bias
from omnieval.judges.model_judge import JudgeInput
from omnieval.judges.setup import make_judge
from omnieval.offline import task_of
from omnieval.pipeline import now_iso
from omnieval.results import RunDir, make_run_id
from omnieval.scoring import judge_counts, sample_of, stored_judgment
from omnieval.types import RunRecord, SampleRecord
from omnieval.versions import run_versions

PAIRWISE_TEMPLATE = "pairwise"


def _answered(run_dir: RunDir) -> dict[str, SampleRecord]:
    return {record.id: record for record in run_dir.read_records() if not record.failed}


def comparison_metrics(records: list[SampleRecord]) -> dict[str, float]:
    wins = [record.scores["win"] for record in records if "win" in record.scores]
    if not wins:
        return {}
    metrics = {
        "win_rate": 100 * sum(wins) / len(wins),
        "wins": 100 * wins.count(1.0) / len(wins),
        "losses": 100 * wins.count(0.0) / len(wins),
        "ties": 100 * wins.count(0.5) / len(wins),
    }
    bias = position_bias(records) or {}
    metrics.update({k: 100 * v for k, v in bias.items() if k != "pairs" and not math.isnan(v)})
    return metrics


async def compare_runs(
    baseline: RunDir,
    candidate: RunDir,
    output_dir: Path,
    judge: str | None = None,
    judge_settings: dict[str, Any] | None = None,
    cache_path: Path | None = None,
) -> RunDir:
    """Judge the candidate's answers against the baseline's, sample by sample; a run folder of the verdicts."""
    base_run, cand_run = baseline.read_run(), candidate.read_run()
    if base_run.task != cand_run.task:
        raise OmnievalError(f"the runs are of different tasks ({base_run.task}, {cand_run.task})")
    task = task_of(cand_run)
    if not task.judge_template:
        raise OmnievalError(f"task {task.name} is scored by rules; a pairwise judge compares open-ended answers")
    base_answers, cand_answers = _answered(baseline), _answered(candidate)
    shared = sorted(set(base_answers) & set(cand_answers), key=lambda key: cand_answers[key].index)
    if not shared:
        raise OmnievalError("the two runs have no answered sample in common")
    model_judge = make_judge(task, judge, judge_settings, cache_path, PAIRWISE_TEMPLATE)
    if model_judge is None:  # not reached: make_judge judges every task with a judge template
        raise OmnievalError(f"task {task.name} has no judge")

    items = []
    for key in shared:
        record = cand_answers[key]
        earlier = stored_judgment(record)
        question = task.judge_fields(sample_of(record), record.prediction)["question"]
        items.append(
            JudgeInput(
                fields={"question": question, "answer_a": record.prediction, "answer_b": base_answers[key].prediction},
                media=earlier.media if earlier else [],
            )
        )
    async with model_judge:
        judgments = await model_judge.judge(items)
    records = []
    for key, judgment in zip(shared, judgments, strict=True):
        record = cand_answers[key]
        records.append(
            SampleRecord(
                id=key,
                index=record.index,
                prediction=record.prediction,
                target=base_answers[key].prediction,
                scores={} if judgment.value is None else {"win": judgment.value},
                details={"judge": judgment.model_dump(mode="json")},
                metadata=record.metadata,
            )
        )
    run_dir = RunDir.create(output_dir, make_run_id(f"{task.name}-pairwise", f"{cand_run.model}-vs-{base_run.model}"))
    run_dir.rewrite_records(records)
    metrics = comparison_metrics(records)
    counts = {
        "selected": len(shared),
        "done": len(records),
        "failed": 0,
        "cached": 0,
        "pending": 0,
        **judge_counts(records),
    }
    run_dir.write_run(
        RunRecord(
            run_id=run_dir.path.name,
            status="complete",
            task=task.name,
            task_version=task.version,
            model=f"{cand_run.model} vs {base_run.model}",
            runner={"name": "compare", "candidate": cand_run.run_id, "baseline": base_run.run_id},
            gen_config=cand_run.gen_config,
            config={
                "judge": model_judge.describe(),
                "headline_metrics": {"win_rate": False},
                "candidate": str(candidate.path),
                "baseline": str(baseline.path),
            },
            dataset=cand_run.dataset,
            metrics=metrics,
            counts=counts,
            versions=run_versions(model_judge.runner.packages),
            timings={"started": now_iso(), "finished": now_iso()},
        )
    )
    return run_dir
