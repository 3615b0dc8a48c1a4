"""Commands that read finished runs and report on them: pairwise comparison, judge agreement,
leaderboards and the regression gate. Registered on the `omnieval` app (omnieval.cli.app)."""

from __future__ import annotations

import asyncio
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from omnieval.cli.app import JudgeArgs, JudgeOption, _check_format, app, err, out
from omnieval.errors import OmnievalError


@app.command()
def compare(
    baseline: Annotated[Path, typer.Option(help="run folder of the model to compare against")],
    candidate: Annotated[Path, typer.Option(help="run folder of the model being compared, same task")],
    judge: JudgeOption = None,
    judge_arg: JudgeArgs = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="results folder")] = Path("results"),
    cache: Annotated[Path | None, typer.Option(help="judge cache file (default: ~/.cache/omnieval)")] = None,
) -> None:
    """Judge two runs of a model-judged task answer by answer (pairwise, both orders): the candidate's win rate."""
    # what a command needs is imported when it runs, so that `omnieval --help` starts quickly
    from omnieval.cache import default_cache_path
    from omnieval.compare import compare_runs
    from omnieval.config import parse_assignments
    from omnieval.results import RunDir

    run_dir = asyncio.run(
        compare_runs(
            RunDir(baseline),
            RunDir(candidate),
            output,
            judge,
            parse_assignments(judge_arg, "--judge-arg"),
            cache or default_cache_path(),
        )
    )
    record = run_dir.read_run()
    _print_measures(f"{record.task}: {record.model}", record.metrics, "{:.2f}")
    out.print(
        f"{record.counts['judged']} pairs judged, {record.counts['judge_failed']} failed; {run_dir.path}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("judge-agreement")
def judge_agreement(
    run_dir: Annotated[Path, typer.Argument(help="a run judged by a model (or a `compare` result)")],
    other: Annotated[Path | None, typer.Argument(help="the same samples judged by another judge")] = None,
    labels: Annotated[Path | None, typer.Option(help="human labels: jsonl lines with 'id' and 'label'")] = None,
    format: Annotated[str, typer.Option(help="table or json")] = "table",
) -> None:
    """How far a judge agrees with another judge or with human labels (accuracy, Cohen's kappa,
    Spearman), and for pairwise judgments its position bias."""
    from omnieval.judges.agreement import agreement_report, judged_values, read_labels
    from omnieval.results import RunDir

    _check_format(format)
    if labels is not None and other is None:
        theirs = read_labels(labels)
    elif other is not None and labels is None:
        theirs = judged_values(RunDir(other).read_records())
    else:
        raise OmnievalError("give either a second run folder or --labels")
    report = agreement_report(RunDir(run_dir).read_records(), theirs)
    if format == "json":
        print(json.dumps({k: None if math.isnan(v) else v for k, v in report.items()}))
    else:
        _print_measures(f"judge agreement with {'human labels' if labels else other}", report, "{:.3f}")


def _print_measures(title: str, measures: dict[str, float], style: str) -> None:
    """A two-column table of named numbers (counts as whole numbers)."""
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for column in ("measure", "value"):
        table.add_column(column)
    for name, value in measures.items():
        table.add_row(name, f"{value:.0f}" if name in ("n", "pairwise_pairs") else style.format(value))
    out.print(table)


@app.command()
def leaderboard(
    directory: Annotated[Path, typer.Argument(help="folder holding run folders")] = Path("results"),
    format: Annotated[str, typer.Option(help="md, csv or html")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here instead of stdout")] = None,
    reference: Annotated[bool, typer.Option(help="show published scores (configs/reference) beside ours")] = True,
    reference_model: Annotated[
        list[str] | None,
        typer.Option(
            "--reference-model",
            "-r",
            help="published model to show and compare with (repeatable; default: the "
            "measured models' namesakes, else qwen3-omni-30b-a3b-instruct)",
        ),
    ] = None,
) -> None:
    """Measured scores with confidence intervals beside published ones, grouped by family, from the
    newest complete run of each model and task under DIRECTORY."""
    from omnieval.leaderboard import FORMATS, make_leaderboard

    _check_format(format, tuple(FORMATS))
    text = FORMATS[format](make_leaderboard(directory, reference, reference_model))
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        err.print(f"leaderboard written to {output}")


@app.command()
def regress(
    baseline: Annotated[Path, typer.Option(help="run folder, or a folder of one model's runs")],
    candidate: Annotated[Path, typer.Option(help="run folder, or a folder of one model's runs")],
    tolerance: Annotated[float, typer.Option(help="a drop up to this much (in the metric's units) passes")] = 0.0,
    alpha: Annotated[float, typer.Option(help="significance level of the paired test")] = 0.05,
    resamples: Annotated[int, typer.Option(help="bootstrap and randomization rounds")] = 1000,
    seed: Annotated[int, typer.Option(help="seed of the resampling")] = 0,
    junit: Annotated[Path | None, typer.Option(help="also write JUnit XML here")] = None,
) -> None:
    """Compare a candidate with a baseline on the same samples, task by task; exit 1 when a headline
    metric is worse by more than --tolerance and the paired test finds the drop significant.

    Exit codes: 0 no regression; 1 a regression; 2 the runs cannot be compared (other tasks,
    samples or settings) or bad input."""
    from omnieval.regress import compare, junit_xml
    from omnieval.stats import BootstrapSettings

    report = compare(baseline, candidate, tolerance, alpha, BootstrapSettings(resamples=resamples, seed=seed))
    table = Table(title=f"candidate vs baseline (tolerance {tolerance:g}, alpha {alpha:g})", box=box.SIMPLE_HEAD)
    for column in ("task", "metric", "baseline", "candidate", "difference [CI]", "p", "n", "verdict"):
        table.add_column(column, justify="right" if column in ("baseline", "candidate", "p", "n") else "left")
    for c in report.comparisons:
        p = c.paired
        style = "red" if c.verdict == "regression" else ("green" if c.verdict == "improvement" else None)
        table.add_row(
            c.task,
            f"{c.metric}{'↓' if c.lower_is_better else '↑'}",
            f"{p.baseline:.2f}",
            f"{p.candidate:.2f}",
            f"{p.difference:+.2f} [{p.interval[0]:+.2f}, {p.interval[1]:+.2f}]",
            f"{p.p_value:.3g}",
            str(p.n),
            c.verdict,
            style=style,
        )
    out.print(table)
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(junit_xml(report), encoding="utf-8")
    if report.regressions:
        err.print(
            f"{len(report.regressions)} regression(s): " + ", ".join(f"{c.task} {c.metric}" for c in report.regressions)
        )
        raise typer.Exit(1)
