"""Scoring without generating: re-score a run, score predictions made elsewhere, merge shards."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from omnieval.errors import OmnievalError
from omnieval.judges.model_judge import ModelJudge
from omnieval.judges.setup import make_judge
from omnieval.logs import run_log
from omnieval.media import speech_file_name
from omnieval.pipeline import now_iso
from omnieval.registry import TASKS
from omnieval.results import RunDir, make_run_id
from omnieval.scoring import ROW_ERRORS, judge_offline, rescore, scored_record, summarize, unreadable_row_record
from omnieval.selection import DRAW
from omnieval.speech.spoken import speaking
from omnieval.tasks.base import Task
from omnieval.types import Response, RunRecord, SampleRecord
from omnieval.versions import run_versions

log = logging.getLogger(__name__)


def task_of(run: RunRecord) -> Task:
    """The registered task of a run, as the run scored it, with the parameters the run used."""
    params = run.config.get("selection", {}).get("task_params") or {}
    task = TASKS.get(run.task)
    if "spoken_asr" in params:  # runs made before spoken answers were scored stay as they were
        task = speaking(task, run.gen_config)
    return task.with_params(**params)


async def rescore_run(
    run_dir: RunDir,
    scoring_params: dict[str, Any] | None = None,
    judge: str | None = None,
    judge_settings: dict[str, Any] | None = None,
    cache_path: Path | None = None,
) -> RunRecord:
    """Score a run again from its stored predictions, optionally with other scoring parameters
    (a task's `scoring_params`, e.g. the normalizer) or another judge (model-judged tasks: every
    generated answer is judged again; the rule-based scores stay as they were); rewrites
    samples.jsonl and run.json."""
    run_dir.lock()  # no run or other rescore writes it meanwhile
    try:
        with run_log(run_dir.path):
            log.info("rescore: scoring parameters %s, judge %s", scoring_params or {}, judge or "as before")
            run = await _rescore_locked(run_dir, scoring_params, judge, judge_settings, cache_path)
            log.info(
                "rescored %d samples: %s",
                run.counts.get("done", 0),
                _headline(run.metrics, run.config.get("headline_metrics") or {}),
            )
            return run
    finally:
        run_dir.close()


def _headline(metrics: dict[str, float], headline: dict[str, bool]) -> str:
    """The headline metrics' values (all metrics when none is named), for the log."""
    shown = {name: metrics[name] for name in headline if name in metrics} or metrics
    return ", ".join(f"{name}={value:.4g}" for name, value in shown.items()) or "no metrics"


async def _rescore_locked(
    run_dir: RunDir,
    scoring_params: dict[str, Any] | None,
    judge: str | None,
    judge_settings: dict[str, Any] | None,
    cache_path: Path | None,
) -> RunRecord:
    run = run_dir.read_run()
    task = task_of(run)
    model_judge = make_judge(task, judge, judge_settings, cache_path) if judge else None
    if judge and model_judge is None:
        raise OmnievalError(f"task {task.name} is scored by rules alone; it has no judge to change")
    if scoring_params:
        not_scoring = sorted(set(scoring_params) - set(task.scoring_params))
        if not_scoring:
            raise OmnievalError(
                f"{', '.join(not_scoring)} changes what the model is asked, so it needs a new run; "
                f"rescore changes only {', '.join(task.scoring_params) or 'nothing for this task'}"
            )
        task = task.with_params(**scoring_params)
    records = run_dir.read_records()
    if scoring_params or model_judge is None:
        task.prepare_scoring()
        records = rescore(task, records)  # with only --judge, the rule-based scores stay as they were
    config = dict(run.config)
    if model_judge is not None:
        records = await judge_offline(task, records, model_judge)
        config["judge"] = model_judge.describe()
    run_dir.rewrite_records(records)
    summary = summarize(task, records, run.counts.get("selected", len(records)))
    selection = {**run.config.get("selection", {}), "task_params": task.params}
    if model_judge is not None:
        selection["judge"] = model_judge.selection()  # what regress and resume compare
    run = run.model_copy(
        update={
            **summary.fields(),
            "task_version": task.version,
            "config": {**config, "selection": selection, "headline_metrics": task.headline_metrics},
            "timings": {**run.timings, "rescored": now_iso()},
        }
    )
    run_dir.write_run(run)
    return run


def read_predictions(path: Path, ids: list[str]) -> dict[str, str]:
    """sample id -> prediction from a jsonl file: each line has its `prediction` and the sample's `id`, or its
    `index` (the row number, from 0, in the order the task reads the dataset, whose ids are `ids`)."""
    if not path.is_file():
        raise OmnievalError(f"predictions file not found: {path}")
    predictions: dict[str, str] = {}
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise OmnievalError(
                f"{path}:{number}: not UTF-8 text (byte {raw[err.start : err.start + 1]!r} at column {err.start + 1}); "
                "a predictions file is JSON lines in UTF-8"
            ) from err
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            prediction = item["prediction"]
            key = str(item["id"]) if "id" in item else ids[_row_number(item["index"], len(ids))]
        except (ValueError, KeyError, TypeError, IndexError) as err:
            raise OmnievalError(
                f"{path}:{number}: expected a JSON object with 'prediction' and 'id' (or 'index', a "
                f"row number from 0 to {len(ids) - 1}) ({err})"
            ) from err
        if key in predictions:
            raise OmnievalError(f"{path}:{number}: sample '{key}' appears twice")
        predictions[key] = "" if prediction is None else str(prediction)
    return predictions


def _row_number(value: object, rows: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < rows:
        raise IndexError(f"index {value!r}")
    return value


def read_audio_dir(folder: Path) -> dict[str, Path]:
    """file name -> path of the WAV files in a folder of speech made elsewhere (`<sample id>.wav`); a
    link that leads out of the folder is refused, so that no file elsewhere is read as a sample's speech."""
    if not folder.is_dir():
        raise OmnievalError(f"audio folder not found: {folder}")
    root = folder.resolve()
    wavs = {path.name: path.resolve() for path in sorted(folder.glob("*.wav"))}
    outside = sorted(name for name, path in wavs.items() if not path.is_relative_to(root))
    if outside:
        raise OmnievalError(
            f"{len(outside)} file(s) in {folder} link outside it ({', '.join(outside[:3])}"
            f"{' ...' if len(outside) > 3 else ''}); copy the speech into the folder instead"
        )
    return wavs


async def score_predictions(
    task: Task,
    predictions_file: Path | None,
    output_dir: Path,
    model_name: str,
    dataset_path: str | None,
    limit: int | None,
    seed: int,
    judge: ModelJudge | None = None,
    audio_dir: Path | None = None,
) -> RunDir:
    """A run folder for predictions made elsewhere: texts (a jsonl file) or speech (a folder of
    `<sample id>.wav`). Selected samples without one count as failed."""
    if (predictions_file is None) == (audio_dir is None):
        raise OmnievalError("give either --predictions (a jsonl file of texts) or --audio-dir (a folder of wavs)")
    if audio_dir is not None and not task.gen.return_audio:
        raise OmnievalError(f"task {task.name} scores text, not speech: give --predictions")
    if predictions_file is not None and task.gen.return_audio:
        raise OmnievalError(f"task {task.name} scores speech, not text: give --audio-dir")
    task.prepare_scoring()
    loaded = task.load(dataset_path)
    ids = task.sample_ids(loaded)
    selected = task.select(loaded, limit, seed)
    if audio_dir is not None:
        wavs = read_audio_dir(audio_dir)
        unknown = sorted(set(wavs) - {speech_file_name(i) for i in ids})
        given, missing, source = (
            "wav file(s)",
            "no speech for this sample in the audio folder",
            {"audio_dir": str(audio_dir)},
        )

        def response_of(sample_id: str) -> Response | None:
            wav = wavs.get(speech_file_name(sample_id))
            return Response(audio_path=str(wav)) if wav is not None else None
    else:
        if predictions_file is None:  # not reached: exactly one of the two was checked above
            raise OmnievalError("give either --predictions (a jsonl file of texts) or --audio-dir (a folder of wavs)")
        predictions = read_predictions(predictions_file, ids)
        unknown = sorted(set(predictions) - set(ids))
        given, missing, source = (
            "prediction id(s)",
            "no prediction for this sample",
            {"predictions": str(predictions_file)},
        )

        def response_of(sample_id: str) -> Response | None:
            return Response(text=predictions[sample_id]) if sample_id in predictions else None

    if unknown:
        raise OmnievalError(
            f"{len(unknown)} {given} are not in {task.name}: {', '.join(unknown[:5])}"
            f"{' ...' if len(unknown) > 5 else ''}"
        )
    run_dir = RunDir.create(output_dir, make_run_id(task.name, model_name))
    started = now_iso()
    with run_log(run_dir.path):
        log.info("score: %s for %s from %s; %d samples selected", model_name, task.name, source, len(selected))
        records: list[SampleRecord] = []
        text_columns = [c for c in loaded.rows.column_names if c not in task.dataset.media_fields]
        rows = loaded.rows.select_columns(text_columns)  # targets without reading media
        for index in selected:
            try:
                sample = task.describe_row(rows[index], index, ids[index])
            except ROW_ERRORS as err:  # a row the task cannot read fails its sample, as in `run`
                records.append(unreadable_row_record(ids[index], index, err))
                continue
            response = response_of(sample.id)
            records.append(scored_record(task, sample, response, error=None if response is not None else missing))
        if judge is not None:
            records = await judge_offline(task, records, judge)
        run_dir.rewrite_records(records)
        summary = summarize(task, records, len(selected))
        run_dir.write_run(
            RunRecord(
                run_id=run_dir.path.name,
                status="complete",
                task=task.name,
                task_version=task.version,
                model=model_name,
                runner={"name": "external", **source},
                gen_config=task.gen,
                config={
                    "selection": {
                        "limit": limit,
                        "seed": seed,
                        "draw": DRAW,
                        "shard": None,
                        "dataset_path": dataset_path,
                        "task_params": task.params,
                        **({"judge": judge.selection()} if judge else {}),
                    },
                    "family": task.family,
                    "headline_metrics": task.headline_metrics,
                    **({"judge": judge.describe()} if judge is not None else {}),
                },
                dataset=loaded.source,
                **summary.fields(),
                versions=run_versions(),
                timings={"started": started, "finished": now_iso()},
            )
        )
        log.info(
            "scored %d samples (%d failed): %s",
            len(records),
            summary.counts.get("failed", 0),
            _headline(summary.metrics, task.headline_metrics),
        )
    return run_dir


def _without_shard(selection: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in selection.items() if k != "shard"}


def merge_shards(shard_dirs: list[RunDir], output_dir: Path) -> RunDir:
    """One run folder from the shards of a run; its metrics equal a single-process run's."""
    runs = [d.read_run() for d in shard_dirs]
    first = runs[0]
    for run, run_dir in zip(runs, shard_dirs, strict=False):
        if (run.task, run.model) != (first.task, first.model) or _without_shard(
            run.config.get("selection", {})
        ) != _without_shard(first.config.get("selection", {})):
            raise OmnievalError(f"{run_dir.path} is not a shard of the same run as {shard_dirs[0].path}")
    shards = sorted(tuple(run.config["selection"].get("shard") or ()) for run in runs)
    count = shards[0][1] if shards and len(shards[0]) == 2 else 0
    if shards != [(i, count) for i in range(count)]:
        raise OmnievalError(f"the shards given are {shards}; expected each of 0..{count - 1} of {count} once")
    incomplete = [str(d.path) for d, r in zip(shard_dirs, runs, strict=False) if r.status != "complete"]
    if incomplete:
        raise OmnievalError(f"unfinished shard(s): {', '.join(incomplete)}; finish them with --resume first")
    records = [record for run_dir in shard_dirs for record in run_dir.read_records()]
    if len({r.id for r in records}) != len(records):
        raise OmnievalError("the shards overlap: some samples appear in more than one")
    task = task_of(first)
    records.sort(key=lambda r: r.index)
    merged_dir = RunDir.create(output_dir, make_run_id(first.task, first.model) + "__merged")
    with run_log(merged_dir.path):  # each shard's own run.log stays in its folder
        log.info("merge: %d shards of %s on %s: %s", len(runs), first.task, first.model, [r.run_id for r in runs])
    merged_dir.rewrite_records(records)
    summary = summarize(task, records, sum(run.counts.get("selected", 0) for run in runs))
    selection = {**first.config["selection"], "shard": None}
    merged_dir.write_run(
        first.model_copy(
            update={
                "run_id": merged_dir.path.name,
                **summary.fields(),
                "status": "complete",
                "config": {**first.config, "selection": selection, "merged_from": [r.run_id for r in runs]},
                "timings": {
                    "started": min(r.timings.get("started", "") for r in runs),
                    "finished": now_iso(),
                    "wall_s": sum(r.timings.get("wall_s", 0) for r in runs),
                },
            }
        )
    )
    return merged_dir
