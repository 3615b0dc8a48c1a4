"""The commands that run and score: run, tasks, models, rescore, score, merge, serve, tiny-checkpoint."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from omnieval.cache import default_cache_path
from omnieval.cli.app import Assignments, JudgeArgs, JudgeOption, _check_format, app, err, out
from omnieval.config import list_presets, load_preset, load_suite, parse_assignments
from omnieval.errors import OmnievalError
from omnieval.judges.setup import make_judge
from omnieval.registry import DERIVED, RUNNERS, TASKS
from omnieval.types import RunRecord


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        index, count = (int(p) for p in text.split("/"))
    except ValueError:
        raise OmnievalError(f"--shard takes i/n (e.g. 0/4), got '{text}'") from None
    if count < 1 or not 0 <= index < count:
        raise OmnievalError(f"--shard {text}: need 0 <= i < n")
    return index, count


def _make_runner(model: str, model_args: list[str] | None, ray: dict[str, Any] | None = None):
    """The preset and its runner (a pool of Ray actors with `ray`, the --executor ray options given)."""
    from omnieval.scaleout import runner_for

    preset = load_preset(model, parse_assignments(model_args, "--model-arg"))
    return preset, runner_for(preset, ray)


def _print_metrics(records: list[tuple[RunRecord, str]]) -> None:
    """A table of each run's headline metrics, then where each run folder is (all metrics: run.json)."""
    table = Table(title="results", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("task", "model", "metrics", "done", "failed", "status"):
        table.add_column(column, no_wrap=column != "metrics", min_width=9 if column == "metrics" else None)
    for record, _ in records:
        headline = record.config.get("headline_metrics") or record.metrics
        shown = {k: v for k, v in record.metrics.items() if k in headline}
        table.add_row(
            record.task,
            record.model,
            ", ".join(f"{k} {v:.2f}" for k, v in shown.items()),
            str(record.counts.get("done", 0)),
            str(record.counts.get("failed", 0)),
            record.status,
        )
    out.print(table)
    for record, folder in records:
        out.print(f"{record.task}: {folder}", highlight=False, soft_wrap=True)


@app.command()
def run(
    *,
    task: Annotated[list[str] | None, typer.Option("--task", "-t", help="task name (repeatable)")] = None,
    tasks: Annotated[str | None, typer.Option("--tasks", help="task names separated by commas")] = None,
    suite: Annotated[str | None, typer.Option(help="suite name or YAML file (configs/suites)")] = None,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="model preset name or YAML file (configs/models), or a "
            "Hugging Face id or local checkpoint folder of an omni model",
        ),
    ],
    model_arg: Annotated[
        Assignments, typer.Option("--model-arg", "-M", metavar="KEY=VALUE", help="override a runner setting")
    ] = None,
    task_arg: Annotated[
        Assignments, typer.Option("--task-arg", "-T", metavar="KEY=VALUE", help="set a task parameter")
    ] = None,
    gen: Annotated[
        Assignments, typer.Option("--gen", metavar="KEY=VALUE", help="override a generation setting")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="evaluate N samples drawn deterministically")] = None,
    seed: Annotated[int, typer.Option(help="seed of the --limit draw")] = 0,
    shard: Annotated[str | None, typer.Option(help="run slice i of n (i/n); merge later with `merge`")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="results folder")] = Path("results"),
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="continue the newest run of this task and model with the "
            "same settings (or the --run-id one); finished samples are kept",
        ),
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="with --resume: generate failed samples again")
    ] = False,
    run_id: Annotated[
        str | None,
        typer.Option(help="name of the run folder to create or resume, inside --output (letters, digits, '._+=-')"),
    ] = None,
    dataset_path: Annotated[str | None, typer.Option(help="local copy of the dataset in the hub schema")] = None,
    cache: Annotated[Path | None, typer.Option(help="response cache file (default: ~/.cache/omnieval)")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="neither read nor write the response cache")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    judge: JudgeOption = None,
    judge_arg: JudgeArgs = None,
    media_root: Annotated[
        list[Path] | None,
        typer.Option(help="a folder besides the dataset's own that its media may be read from (repeatable)"),
    ] = None,
    executor: Annotated[
        str, typer.Option(help="local (this process) or ray (model copies on a Ray cluster; see docs/scale-out.md)")
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(help="--executor ray: the cluster to join (auto, ray://HOST:10001); default: a local one"),
    ] = None,
    workers: Annotated[int, typer.Option(help="--executor ray: model copies (actors)")] = 1,
    gpus_per_worker: Annotated[
        float | None,
        typer.Option(help="--executor ray: GPUs per model copy (default: the preset's ray section, else 0)"),
    ] = None,
    cpus_per_worker: Annotated[
        float | None, typer.Option(help="--executor ray: CPUs per model copy, for media decoding (default 1)")
    ] = None,
) -> None:
    """Evaluate a model on tasks; results go to OUTPUT/<run_id>/{run.json,samples.jsonl}."""
    from omnieval.pipeline import Evaluation, RunOptions, task_for_run
    from omnieval.results import check_run_id
    from omnieval.scaleout.ray_pool import RayPool
    from omnieval.selection import check_limit

    check_limit(limit)  # before anything loads
    if run_id is not None:
        check_run_id(run_id)
    names = [*(task or []), *(name.strip() for name in (tasks or "").split(",") if name.strip())]
    entries = [(name, limit, dataset_path) for name in names]
    if suite:
        entries += [(e.task, limit if limit is not None else e.limit, e.local_copy()) for e in load_suite(suite).tasks]
    if not entries:
        raise OmnievalError("name a task with --task or a suite with --suite (see `omnieval tasks`)")
    if dataset_path and len(entries) > 1:
        raise OmnievalError("--dataset-path applies to a single task (a suite names its local copies itself)")
    task_params = parse_assignments(task_arg, "--task-arg")
    named = [(TASKS.get(name), n, path) for name, n, path in entries]
    _check_format(executor, ("local", "ray"), "--executor")
    ray_given = {
        "address": ray_address,
        "workers": workers,
        "gpus_per_worker": gpus_per_worker,
        "cpus_per_worker": cpus_per_worker,
    }
    preset, runner = _make_runner(model, model_arg, ray_given if executor == "ray" else None)
    gen_overrides = parse_assignments(gen, "--gen")
    prepared = [(task_for_run(task, preset, gen_overrides, task_params), n, path) for task, n, path in named]
    summary = []
    judge_settings = parse_assignments(judge_arg, "--judge-arg")
    try:
        for chosen, task_limit, task_data in prepared:
            cache_path = None if no_cache else (cache or default_cache_path())
            task_judge = make_judge(chosen, judge, judge_settings, cache_path)
            options = RunOptions(
                output_dir=output,
                limit=task_limit,
                seed=seed,
                shard=_parse_shard(shard),
                dataset_path=task_data,
                resume=resume,
                retry_failed=retry_failed,
                run_id=run_id,
                cache_path=cache_path,
                show_progress=progress,
                gen_overrides=gen_overrides,
                media_roots=tuple(media_root or ()),
            )
            run_dir = asyncio.run(Evaluation(chosen, runner, preset, options, task_judge).run())
            summary.append((run_dir.read_run(), str(run_dir.path)))
    finally:
        if isinstance(runner, RayPool):  # its model copies served every task; now they stop
            runner.shutdown()
    _print_metrics(summary)


@app.command()
def tasks(
    family: Annotated[str | None, typer.Option(help="only this family (asr, ...)")] = None,
    format: Annotated[str, typer.Option(help="table, json, or md (the task catalogue, docs/catalogue.md)")] = "table",
) -> None:
    """List the registered tasks."""
    _check_format(format, ("table", "json", "md"))
    if format == "md":
        from omnieval.catalogue import catalogue_markdown

        print(catalogue_markdown(), end="")
        return
    infos = [t.info() for _, t in TASKS.items() if family is None or t.family == family]
    if not infos:
        families = sorted({t.family for _, t in TASKS.items()})
        raise OmnievalError(f"no tasks in family '{family}'; families: {', '.join(families)}")
    if format == "json":
        print(json.dumps(infos, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(infos)} tasks")
    for column in ("name", "family", "metrics", "dataset", "description"):
        table.add_column(column, no_wrap=column == "name")
    for info in infos:
        dataset = " ".join(filter(None, [info["dataset"], info["config"], info["split"]]))
        table.add_row(info["name"], info["family"], ", ".join(info["metrics"]), dataset, info["description"])
    out.print(table)
    derived = [score for _, score in DERIVED.items() if family is None or score.family == family]
    if derived:
        table = Table(title="derived on the leaderboard from the tasks above (not run themselves)")
        for column in ("name", "family", "metric", "from", "description"):
            table.add_column(column, no_wrap=column == "name")
        for score in derived:
            table.add_row(score.task, score.family, score.metric, f"{len(score.columns)} tasks", score.description)
        out.print(table)


@app.command()
def models() -> None:
    """List the model presets (configs/models) and the runners they use."""
    table = Table(title="model presets")
    for column in ("name", "runner", "description"):
        table.add_column(column, no_wrap=column != "description")
    for name, preset in sorted(list_presets().items()):
        table.add_row(name, preset.runner, preset.description)
    out.print(table)
    runners = Table(title="runners")
    runners.add_column("runner", no_wrap=True)
    runners.add_column("description")
    for name, runner_cls in RUNNERS.items():
        runners.add_row(name, runner_cls.description)
    out.print(runners)


def _emit(record: RunRecord, folder: str, format: str) -> None:
    """The metrics as a table, or as one JSON object (name -> number) on stdout for scripts."""
    if format == "json":
        print(json.dumps(record.metrics))
        counts = record.counts
        err.print(
            f"{record.task}: {counts.get('done', 0)} samples scored, {counts.get('failed', 0)} failed; {folder}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        _print_metrics([(record, folder)])


@app.command()
def rescore(
    run_dir: Annotated[Path, typer.Argument(help="a run folder")],
    task_arg: Annotated[
        Assignments,
        typer.Option(
            "--task-arg", "-T", metavar="KEY=VALUE", help="change a scoring parameter (e.g. normalizer=whisper_basic)"
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option("--judge", "-j", help="judge the answers again with this model preset (model-judged tasks)"),
    ] = None,
    judge_arg: JudgeArgs = None,
    cache: Annotated[Path | None, typer.Option(help="judge cache file (default: ~/.cache/omnieval)")] = None,
    format: Annotated[str, typer.Option(help="table or json")] = "table",
) -> None:
    """Score a run again from its stored predictions (no generation): another way, or with another judge."""
    from omnieval.offline import rescore_run
    from omnieval.results import RunDir

    _check_format(format)
    if judge_arg and not judge:
        raise OmnievalError("--judge-arg needs --judge")
    record = asyncio.run(
        rescore_run(
            RunDir(run_dir),
            parse_assignments(task_arg, "--task-arg"),
            judge,
            parse_assignments(judge_arg, "--judge-arg"),
            cache or default_cache_path(),
        )
    )
    _emit(record, str(run_dir), format)


@app.command()
def score(
    task: Annotated[str, typer.Option("--task", "-t", help="task name")],
    predictions: Annotated[Path | None, typer.Option(help="jsonl lines with 'id' and 'prediction'")] = None,
    audio_dir: Annotated[
        Path | None, typer.Option(help="a folder of generated speech, <sample id>.wav (speech-generation tasks)")
    ] = None,
    model_name: Annotated[str, typer.Option(help="the name to show for these predictions")] = "external",
    dataset_path: Annotated[str | None, typer.Option(help="local copy of the dataset in the hub schema")] = None,
    limit: Annotated[int | None, typer.Option(help="score the same --limit draw as the run")] = None,
    seed: Annotated[int, typer.Option(help="seed of the --limit draw")] = 0,
    task_arg: Annotated[
        Assignments, typer.Option("--task-arg", "-T", metavar="KEY=VALUE", help="set a task parameter")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="results folder")] = Path("results"),
    judge: JudgeOption = None,
    judge_arg: JudgeArgs = None,
    cache: Annotated[Path | None, typer.Option(help="judge cache file (default: ~/.cache/omnieval)")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="neither read nor write the judge cache")] = False,
    format: Annotated[str, typer.Option(help="table or json")] = "table",
) -> None:
    """Score predictions made elsewhere (texts, or speech with --audio-dir); samples without one count as failed."""
    from omnieval.offline import score_predictions
    from omnieval.selection import check_limit

    _check_format(format)
    check_limit(limit)
    chosen = TASKS.get(task).with_params(**parse_assignments(task_arg, "--task-arg"))
    task_judge = make_judge(
        chosen,
        judge,
        parse_assignments(judge_arg, "--judge-arg"),
        None if no_cache else (cache or default_cache_path()),
    )
    run_dir = asyncio.run(
        score_predictions(chosen, predictions, output, model_name, dataset_path, limit, seed, task_judge, audio_dir)
    )
    _emit(run_dir.read_run(), str(run_dir.path), format)


@app.command()
def merge(
    run_dirs: Annotated[list[Path], typer.Argument(help="the shard run folders")],
    output: Annotated[Path, typer.Option("--output", "-o", help="results folder")] = Path("results"),
) -> None:
    """Merge the shards of a run (made with --shard i/n) into one run folder."""
    from omnieval.offline import merge_shards
    from omnieval.results import RunDir

    merged = merge_shards([RunDir(p) for p in run_dirs], output)
    _print_metrics([(merged.read_run(), str(merged.path))])


@app.command()
def serve(
    model: Annotated[str, typer.Option("--model", "-m", help="model preset to serve")],
    model_arg: Annotated[
        Assignments, typer.Option("--model-arg", "-M", metavar="KEY=VALUE", help="override a runner setting")
    ] = None,
    host: Annotated[
        str, typer.Option(help="address to bind; one other than loopback needs --api-key-env")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="0 picks a free port")] = 8000,
    served_name: Annotated[str | None, typer.Option(help="model name clients ask for (default: preset)")] = None,
    api_key_env: Annotated[str | None, typer.Option(help="require the key held in this variable")] = None,
    max_inflight: Annotated[int | None, typer.Option(help="answer HTTP 429 beyond this many requests at once")] = None,
) -> None:
    """Serve a model preset as an OpenAI-compatible chat endpoint (JSON bodies only; media stored by content hash)."""
    from omnieval.serve import RunnerServer, check_bind

    api_key = None
    if api_key_env:
        api_key = os.environ.get(api_key_env)
        if not api_key:
            raise OmnievalError(f"--api-key-env {api_key_env}: the variable is not set")
    check_bind(host, api_key)
    preset, runner = _make_runner(model, model_arg)
    server = RunnerServer(runner, served_name or preset.name, host, port, api_key, max_inflight)
    print(f"serving {served_name or preset.name} at {server.url}", flush=True)
    try:
        stopped_by = server.serve_forever()
    finally:
        server.shutdown()
    if stopped_by is not None:  # asked to stop, and stopped cleanly: exit 0
        print(f"stopped by {signal.Signals(stopped_by).name}", flush=True)


@app.command("tiny-checkpoint")
def tiny_checkpoint(
    family: Annotated[str, typer.Argument(help="qwen2_5_omni or qwen3_omni_moe")],
    output: Annotated[Path, typer.Argument(help="folder to write the checkpoint to")],
    seed: Annotated[int, typer.Option(help="seed of the random weights")] = 0,
) -> None:
    """Write a tiny random-weight Qwen omni checkpoint (real architecture, processor, speakers) for tests and smoke
    runs."""
    from omnieval.testing.tiny import FAMILIES, build_tiny_checkpoint

    if family not in FAMILIES:
        raise OmnievalError(f"unknown family '{family}'; choose one of {', '.join(FAMILIES)}")
    print(build_tiny_checkpoint(family, output, seed=seed))
