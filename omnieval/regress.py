"""`omnieval regress`: did the candidate get worse than the baseline on the same samples?

Each side is a run folder or a folder of one model's runs (a suite); tasks are matched by name.
Both sides must hold the same tasks, run with the same task version, task parameters,
generation settings (the seed aside) and judge, on the same samples with the same targets;
otherwise they are refused, never compared. Samples whose judgment failed on either side are
left out of both (the judge failed, not the model). Each task's headline metrics are compared with a paired test
(omnieval.stats). A metric regresses when the candidate is worse by more than the tolerance
and the difference is significant (p < alpha).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from omnieval.errors import OmnievalError
from omnieval.leaderboard.board import newest_complete_runs
from omnieval.offline import task_of
from omnieval.paired import PairedDifference, align, paired_differences
from omnieval.results import RunDir
from omnieval.scoring import judge_failed
from omnieval.stats import BootstrapSettings
from omnieval.types import RunRecord

#: generation settings that may differ between compared runs
FREE_SETTINGS = {"seed"}


@dataclass
class MetricComparison:
    task: str
    metric: str
    lower_is_better: bool
    paired: PairedDifference
    tolerance: float
    alpha: float

    @property
    def worse_by(self) -> float:
        """How much worse the candidate is, in the metric's units (negative: better)."""
        return self.paired.difference if self.lower_is_better else -self.paired.difference

    @property
    def significant(self) -> bool:
        return self.paired.p_value < self.alpha

    @property
    def verdict(self) -> str:
        if not self.significant:
            return "no significant change"
        if self.worse_by > self.tolerance:
            return "regression"
        return "improvement" if self.worse_by < 0 else "worse, within tolerance"


@dataclass
class RegressReport:
    baseline: str
    candidate: str
    comparisons: list[MetricComparison]

    @property
    def regressions(self) -> list[MetricComparison]:
        return [c for c in self.comparisons if c.verdict == "regression"]


def runs_of(path: Path) -> dict[str, tuple[RunRecord, RunDir]]:
    """The runs one side names, by task: a run folder, or the newest complete run of each task below a folder."""
    run_dir = RunDir(path)
    if run_dir.run_file.is_file():
        run = run_dir.read_run()
        if run.status != "complete":
            raise OmnievalError(f"{path} is not complete ({run.status}); finish it with --resume first")
        return {run.task: (run, run_dir)}
    runs = newest_complete_runs(path)
    if not runs:
        raise OmnievalError(f"no complete runs under {path}")
    models = sorted({run.model for run, _ in runs})
    if len(models) > 1:
        raise OmnievalError(f"{path} holds runs of several models ({', '.join(models)}); name one model's runs")
    return {run.task: (run, run_dir) for run, run_dir in runs}


def settings_of(run: RunRecord) -> dict[str, object]:
    """What must match for two runs of a task to be compared."""
    selection = run.config.get("selection", {})
    gen = {k: v for k, v in run.gen_config.model_dump(mode="json").items() if k not in FREE_SETTINGS}
    return {
        "task version": run.task_version,
        "task parameters": selection.get("task_params") or {},
        "generation settings": gen,
        "judge": (selection.get("judge") or {}),
    }


def _refuse_different(task: str, baseline: RunRecord, candidate: RunRecord) -> None:
    base, cand = settings_of(baseline), settings_of(candidate)
    for what, before in base.items():
        after = cand[what]
        if before != after:
            if isinstance(before, dict) and isinstance(after, dict):
                keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
                detail = "; ".join(f"{k}: {before.get(k)!r} vs {after.get(k)!r}" for k in keys)
            else:
                detail = f"{before!r} vs {after!r}"
            raise OmnievalError(f"{task}: the runs differ in {what} ({detail}); they cannot be compared")


def compare(
    baseline_path: Path,
    candidate_path: Path,
    tolerance: float = 0.0,
    alpha: float = 0.05,
    settings: BootstrapSettings = BootstrapSettings(),
) -> RegressReport:
    """Compare every task both sides ran; refuse sides that differ in tasks, settings or samples."""
    if tolerance < 0:
        raise OmnievalError("--tolerance must be zero or more")
    if not 0 < alpha < 1:
        raise OmnievalError("--alpha must lie between 0 and 1")
    baseline, candidate = runs_of(baseline_path), runs_of(candidate_path)
    if baseline.keys() != candidate.keys():
        only_base, only_cand = sorted(baseline.keys() - candidate.keys()), sorted(candidate.keys() - baseline.keys())
        parts = ([f"only the baseline has {', '.join(only_base)}"] if only_base else []) + (
            [f"only the candidate has {', '.join(only_cand)}"] if only_cand else []
        )
        raise OmnievalError(f"the runs cover different tasks: {'; '.join(parts)}")
    comparisons = []
    for task_name in sorted(baseline):
        (base_run, base_dir), (cand_run, cand_dir) = baseline[task_name], candidate[task_name]
        _refuse_different(task_name, base_run, cand_run)
        aligned = align(
            sorted(base_dir.read_records(), key=lambda r: r.index), cand_dir.read_records(), key=lambda r: r.id
        )
        if aligned.only_baseline or aligned.only_candidate:
            raise OmnievalError(
                f"{task_name}: the runs hold different samples ({len(aligned.only_baseline)} only in the baseline, "
                f"{len(aligned.only_candidate)} only in the candidate, e.g. "
                f"{(aligned.only_baseline + aligned.only_candidate)[0]}); compare runs of the same --limit and --seed"
            )
        changed = next(
            (b.id for b, c in zip(aligned.baseline, aligned.candidate, strict=False) if b.target != c.target), None
        )
        if changed is not None:
            raise OmnievalError(
                f"{task_name}: sample {changed} has another target in each run (another dataset "
                "version?); they cannot be compared"
            )
        # a failed judgment is the judge's failure, not the model's: compare the samples judged on both sides
        pairs = [
            (b, c)
            for b, c in zip(aligned.baseline, aligned.candidate, strict=False)
            if not (judge_failed(b) or judge_failed(c))
        ]
        task = task_of(base_run)
        headline = base_run.config.get("headline_metrics") or task.headline_metrics
        base_records, cand_records = [b for b, _ in pairs], [c for _, c in pairs]
        columns = (task.interval_columns(base_records), task.interval_columns(cand_records)) if pairs else None
        paired = paired_differences(task.aggregate, base_records, cand_records, list(headline), settings, columns)
        missing = [metric for metric in headline if metric not in paired]
        if missing:
            raise OmnievalError(
                f"{task_name}: {', '.join(missing)} cannot be computed on both runs "
                f"({len(pairs)} samples scored on both sides); nothing to compare"
            )
        comparisons += [
            MetricComparison(task_name, metric, bool(headline[metric]), paired[metric], tolerance, alpha)
            for metric in headline
        ]
    return RegressReport(str(baseline_path), str(candidate_path), comparisons)


def junit_xml(report: RegressReport) -> str:
    """JUnit XML: one test case per task metric, failed when it regressed."""
    suite = ElementTree.Element(
        "testsuite",
        name="omnieval regress",
        tests=str(len(report.comparisons)),
        failures=str(len(report.regressions)),
        errors="0",
        skipped="0",
    )
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in (("baseline", report.baseline), ("candidate", report.candidate)):
        ElementTree.SubElement(properties, "property", name=name, value=value)
    for c in report.comparisons:
        case = ElementTree.SubElement(suite, "testcase", classname=c.task, name=c.metric, time="0")
        low, high = c.paired.interval
        summary = (
            f"{c.metric}: baseline {c.paired.baseline:.4g}, candidate {c.paired.candidate:.4g}, "
            f"difference {c.paired.difference:+.4g} [{low:+.4g}, {high:+.4g}], p={c.paired.p_value:.4g}, "
            f"n={c.paired.n}, tolerance {c.tolerance:g}: {c.verdict}"
        )
        if c.verdict == "regression":
            failure = ElementTree.SubElement(
                case, "failure", message=f"{c.task} {c.metric} regressed", type="regression"
            )
            failure.text = summary
        else:
            ElementTree.SubElement(case, "system-out").text = summary
    ElementTree.indent(suite)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
