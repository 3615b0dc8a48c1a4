"""One evaluation: a task, a model, a selection of samples -> a run folder.

load -> select (limit, shard) -> skip what the run folder already holds -> start the model
(only when something is left to generate) -> build requests -> cache or generate (workers,
batched) -> score -> append to samples.jsonl (these steps: omnieval.generation) -> aggregate
into run.json. A failing sample is recorded with its error and the run goes on; a fatal runner
error, or results that cannot be written (a full disk), stop the run with status "aborted";
SIGINT or SIGTERM stop it within seconds with status "interrupted". `--resume` continues either.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from omnieval.cache import ResponseCache
from omnieval.config import ModelPreset
from omnieval.data import LoadedSplit, data_stamp
from omnieval.errors import OmnievalError, RunInterrupted, RunStopped, StorageError
from omnieval.generation import Generation
from omnieval.interrupts import StopSignals, abandon_threads
from omnieval.logs import run_log
from omnieval.media import extra_media_roots
from omnieval.progress import RunProgress
from omnieval.results import RunDir, check_run_id, find_resumable, make_run_id
from omnieval.runners.base import Runner
from omnieval.scoring import NO_REFERENCE, judge_failed, summarize
from omnieval.selection import DRAW
from omnieval.speech.spoken import speaking
from omnieval.tasks.base import Task
from omnieval.types import GenConfig, RunRecord, SampleRecord
from omnieval.versions import run_versions

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from omnieval.judges.model_judge import ModelJudge


@dataclass
class RunOptions:
    output_dir: Path = Path("results")
    limit: int | None = None
    seed: int = 0
    shard: tuple[int, int] | None = None
    dataset_path: str | None = None
    resume: bool = False
    retry_failed: bool = False
    run_id: str | None = None
    cache_path: Path | None = None
    show_progress: bool = True
    gen_overrides: dict[str, Any] = field(default_factory=dict)
    #: folders besides the dataset's own that its media may be read from
    media_roots: tuple[Path, ...] = ()


def generation_config(base: GenConfig, *overrides: dict[str, Any]) -> GenConfig:
    """`base` with the overrides applied in order, each value checked (a typo or a bad value is a clear error)."""
    merged = base.model_dump()
    for override in overrides:
        merged.update(override)
    try:
        return GenConfig.model_validate(merged)
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise OmnievalError(
                f"unknown generation setting '{name}'; known: {', '.join(GenConfig.model_fields)}"
            ) from err
        raise OmnievalError(f"generation setting {name}={first.get('input')!r}: {first['msg']}") from err


def task_for_run(task: Task, preset: ModelPreset, gen_overrides: dict[str, Any], params: dict[str, Any]) -> Task:
    """The task as a run of `preset` scores it: scoring spoken answers too when the run asks for speech
    (omnieval.speech.spoken), with `params` (`--task-arg`) set."""
    chosen = speaking(task, generation_config(task.gen, preset.gen, gen_overrides))
    return chosen.with_params(**params) if params else chosen


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def needs_retry(record: SampleRecord) -> bool:
    """What `--retry-failed` generates again: failed samples, failed judgments, and empty answers (which
    older versions recorded for a server's broken reply); not a sample without a reference, which no answer can
    fix (its record and answer are kept)."""
    if record.error == NO_REFERENCE:
        return False
    return record.failed or judge_failed(record) or (record.response is not None and record.response.empty)


class Evaluation:
    """Runs one task on one model into one run folder."""

    def __init__(
        self, task: Task, runner: Runner, preset: ModelPreset, options: RunOptions, judge: ModelJudge | None = None
    ) -> None:
        self.task, self.runner, self.preset, self.options = task, runner, preset, options
        self.judge = judge
        self.gen = generation_config(task.gen, preset.gen, options.gen_overrides)
        if self.gen.return_audio and not runner.speaks:
            raise OmnievalError(
                f"the {runner.name} runner cannot answer in speech, which this run asks for "
                "(return_audio); runners that speak: hf-omni with -M talker=true, openai, "
                "openai-speech, espeak-ng"
            )
        self.task = speaking(task, self.gen)
        if options.run_id is not None:
            check_run_id(options.run_id)
        #: the run folder, once a run knows it
        self._folder: Path | None = None

    def selection(self) -> dict[str, Any]:
        """What decides which samples, requests and judgments this run holds; a resumed run must match it."""
        o = self.options
        selection = {
            "limit": o.limit,
            "seed": o.seed,
            "draw": DRAW,
            "shard": list(o.shard) if o.shard else None,
            "dataset_path": str(Path(o.dataset_path).resolve()) if o.dataset_path else None,
            "task_params": self.task.params,
            "gen": self.gen.model_dump(mode="json"),
        }
        if self.judge is not None:
            selection["judge"] = self.judge.selection()
        return selection

    async def run(self) -> RunDir:
        extra_media_roots.set(tuple(Path(root) for root in self.options.media_roots))  # copied into worker threads
        stop = StopSignals()
        self._folder = None
        with stop.catching():
            stop.work = work = asyncio.ensure_future(self._evaluate(stop))
            try:
                run_dir = await work
            except asyncio.CancelledError:
                if stop.signum is None or not work.cancelled():
                    raise  # this task was cancelled, not the run stopped by a signal
                name = signal.Signals(stop.signum).name
                interrupted = RunInterrupted(
                    f"interrupted by {name} before the run began; nothing was written"
                    if self._folder is None
                    else f"interrupted by {name} while the run in {self._folder} was ending; "
                    "continue it with the same command and --resume if it is not complete",
                    stop.signum,
                )
            except RunInterrupted:
                abandon_threads()
                raise
            else:
                if stop.signum is None:
                    return run_dir
                # the signal came as the run ended: it is complete, and what follows (a suite's next task) stops
                interrupted = RunInterrupted(
                    f"interrupted by {signal.Signals(stop.signum).name} as the run in {run_dir.path} ended",
                    stop.signum,
                )
        abandon_threads()
        raise interrupted

    async def _load(self, stamp: str | None) -> tuple[LoadedSplit, list[str], list[int]]:
        """The split (its source stamped), its sample ids in row order, and the rows this run selects."""
        loaded = await asyncio.to_thread(self.task.load, self.options.dataset_path)
        if stamp is not None:
            loaded.source["stamp"] = stamp
        o = self.options
        return loaded, self.task.sample_ids(loaded), self.task.select(loaded, o.limit, o.seed, o.shard)

    async def _split_as_completed(
        self, complete: RunRecord, done: set[str], stamp: str | None
    ) -> tuple[LoadedSplit, list[str], list[int]]:
        """What the completed run selected, told by the samples it kept when it still holds them all (the data
        is not read); else the data loaded again, which tells which are missing."""
        if len(done) != complete.counts["selected"]:
            return await self._load(stamp)
        log.info("the data is unchanged since the run completed (%s): it is not loaded again", stamp)
        return LoadedSplit(rows=None, source=complete.dataset, base_dir=None), sorted(done), list(range(len(done)))

    def _complete_as_it_is(self, run_dir: RunDir | None, stamp: str | None) -> RunRecord | None:
        """The record of the run folder being resumed when nothing in it can be pending, so that the data need
        not be loaded again: the run completed, with this task version, on data whose stamp is unchanged."""
        if run_dir is None or stamp is None or not run_dir.run_file.exists():
            return None
        previous = run_dir.read_run()
        unchanged = previous.dataset.get("stamp") == stamp and previous.task_version == self.task.version
        return previous if unchanged and previous.status == "complete" and not previous.counts["pending"] else None

    async def _start(self, started: list[Any]) -> float:
        """Start the judge, then the model; the seconds the model took to load."""
        if self.judge is not None:
            await self.judge.start()  # first: a judge misconfigured (a missing key) stops us before a model loads
            started.append(self.judge)
        loading = time.perf_counter()
        await self.runner.start()
        started.append(self.runner)
        return time.perf_counter() - loading

    async def _evaluate(self, stop: StopSignals) -> RunDir:
        """The run: its folder and what is left to do are known before the model starts, which it does only
        when something is left to generate."""
        await asyncio.to_thread(self.task.prepare_scoring)
        stamp = await asyncio.to_thread(data_stamp, self.task.dataset, self.options.dataset_path)
        resumed = self._resumed_run_dir()
        complete = self._complete_as_it_is(resumed, stamp)
        split: tuple[LoadedSplit, list[str], list[int]] | None
        if complete is None:
            split = await self._load(stamp)
            expected = len(split[2])  # samples, for the record of a stopped run
        else:
            split, expected = None, complete.counts["selected"]
        started: list[Any] = []  # the judge and runner, once started: closed at the end
        loaded_in: float | None = None
        run_dir: RunDir | None = resumed
        cache: ResponseCache | None = None
        try:
            if run_dir is None:  # a new run: everything is to do, and its folder is made once the model is up
                cache = self._open_cache()
                loaded_in = await self._start(started)
                run_dir = self._new_run_dir()
            run_dir.lock()  # the only writer of this folder from here on
            self._folder = run_dir.path
            with run_log(run_dir.path):
                try:
                    records = self._records_kept(run_dir)
                    done = {r.id for r in records}
                    if split is None and complete is not None:
                        split = await self._split_as_completed(complete, done, stamp)
                    assert split is not None
                    loaded, ids, selected = split
                    pending = [i for i in selected if ids[i] not in done]
                    log.info(
                        "run %s: task %s (version %s) on model %s, runner %s %s",
                        run_dir.path.name,
                        self.task.name,
                        self.task.version,
                        self.preset.name,
                        self.preset.runner,
                        self.runner.describe(),  # as loaded, for a new run; its settings, for a resumed one
                    )
                    log.info(
                        "generation %s; selection %s", self.gen.model_dump(exclude_defaults=True), self.selection()
                    )
                    log.info("dataset %s: %d samples selected", loaded.source, len(selected))
                    if done:
                        log.info(
                            "resuming: %d samples already done, %d to do", len(selected) - len(pending), len(pending)
                        )
                    if pending and cache is None:
                        cache = self._open_cache()
                    if pending and not started:
                        loaded_in = await self._start(started)
                        log.info("model ready in %.1f s: %s", loaded_in, self.runner.describe())
                    elif loaded_in is not None:
                        log.info("model ready in %.1f s", loaded_in)
                    else:
                        log.info("nothing to generate: every selected sample is done, so the model is not loaded")
                    return await self._run_in(run_dir, loaded, selected, ids, pending, cache, started=bool(started))
                except asyncio.CancelledError:
                    if not stop.stopped() or stop.signum is None:
                        raise
                    raise self._interrupted(run_dir, expected, stop.signum) from None
        finally:
            if cache is not None:
                cache.close()
            for part in reversed(started):
                await part.close()
            if run_dir is not None:
                run_dir.close()

    def _open_cache(self) -> ResponseCache | None:
        return ResponseCache(self.options.cache_path) if self.options.cache_path else None

    def _records_kept(self, run_dir: RunDir) -> list[SampleRecord]:
        """The records a run folder holds that this run keeps (all but failures with --retry-failed)."""
        records = run_dir.read_records()
        if self.options.retry_failed and any(needs_retry(r) for r in records):
            records = [r for r in records if not needs_retry(r)]
            run_dir.rewrite_records(records)
        elif run_dir.duplicates:
            run_dir.rewrite_records(records)  # one line per sample from here on
        return records

    def _interrupted(self, run_dir: RunDir, selected: int, signum: int) -> RunInterrupted:
        """Mark the run interrupted in run.json (what is done, no metrics until it completes), and the error
        that says so and how to continue."""
        records = run_dir.read_records()
        counts = {
            "selected": selected,
            "done": len(records),
            "failed": sum(r.failed for r in records),
            "cached": sum(r.cached for r in records),
            "pending": max(selected - len(records), 0),
        }
        name = signal.Signals(signum).name
        if run_dir.run_file.exists():
            record = run_dir.read_run()
            try:  # a full disk: run.json stays as it was, which --resume reads as well
                run_dir.write_run(
                    record.model_copy(
                        update={
                            "status": "interrupted",
                            "counts": counts,
                            "error": f"interrupted by {name}",
                            "timings": {**record.timings, "interrupted": now_iso()},
                        }
                    )
                )
            except StorageError as err:
                log.info("%s; run.json is as it was", err)
        log.info("run %s interrupted by %s: %s", run_dir.path.name, name, counts)
        return RunInterrupted(
            f"interrupted by {name}: {counts['done']} of {selected} samples are done and kept in {run_dir.path}; "
            "continue with the same command and --resume",
            signum,
        )

    async def _run_in(
        self,
        run_dir: RunDir,
        loaded,
        selected: list[int],
        ids: list[str],
        pending: list[int],
        cache: ResponseCache | None,
        started: bool,
    ) -> RunDir:
        self.runner.media_dir = run_dir.media_dir
        record = self._run_record(run_dir, loaded.source, started)
        run_dir.write_run(record)

        began = time.perf_counter()
        fatal: RunStopped | None = None
        progress = RunProgress(
            f"{self.task.name} · {self.preset.name}",
            len(selected),
            len(selected) - len(pending),
            enabled=self.options.show_progress,
        )
        if pending:
            try:
                with progress:
                    generation = Generation(
                        self.task, self.runner, self.preset.name, self.gen, self.judge, self.options.retry_failed
                    )
                    fatal = await generation.run(loaded, ids, pending, run_dir, cache, progress)
            finally:
                run_dir.flush()
        self._finish(run_dir, record, len(selected), time.perf_counter() - began, progress, fatal)
        if fatal is not None:
            raise fatal
        return run_dir

    def _resumed_run_dir(self) -> RunDir | None:
        """The existing run folder this run continues (--resume, or a --run-id folder), or None for a new run."""
        o = self.options
        if o.run_id and (o.output_dir / o.run_id).exists():
            run_dir = RunDir(o.output_dir / o.run_id)
            if not o.resume:
                raise OmnievalError(f"run folder {run_dir.path} exists; add --resume to continue it")
            existing = run_dir.read_run()
            if existing.config.get("selection") != self.selection() or existing.task != self.task.name:
                raise OmnievalError(f"{run_dir.path} was made with other settings; it cannot be resumed by this run")
            return run_dir
        if o.resume and not o.run_id:
            return find_resumable(o.output_dir, self.task.name, self.preset.name, self.selection())
        return None

    def _new_run_dir(self) -> RunDir:
        o = self.options
        return RunDir.create(o.output_dir, o.run_id or make_run_id(self.task.name, self.preset.name, o.shard))

    def _run_record(self, run_dir: RunDir, source: dict[str, Any], started: bool = True) -> RunRecord:
        previous = run_dir.read_run() if run_dir.run_file.exists() else None
        return RunRecord(
            run_id=run_dir.path.name,
            task=self.task.name,
            task_version=self.task.version,
            model=self.preset.name,
            # a model not started (nothing to generate) is described as the run that generated with it saw it
            runner=self.runner.describe() if started or previous is None else previous.runner,
            gen_config=self.gen,
            config={
                "selection": self.selection(),
                "family": self.task.family,
                "headline_metrics": self.task.headline_metrics,
                "preset": self.preset.model_dump(mode="json"),
                **({"judge": self.judge.describe()} if self.judge is not None else {}),
            },
            dataset=source,
            versions=run_versions(self.runner.packages),
            timings={"started": previous.timings.get("started") if previous else now_iso()},
        )

    def _finish(
        self,
        run_dir: RunDir,
        record: RunRecord,
        selected: int,
        wall_s: float,
        progress: RunProgress,
        fatal: RunStopped | None,
    ) -> None:
        records = run_dir.read_records()
        summary = summarize(self.task, records, selected)
        status = "aborted" if fatal is not None else ("complete" if summary.counts["pending"] == 0 else "aborted")
        record = record.model_copy(
            update={
                **summary.fields(),
                "status": status,
                "error": str(fatal) if fatal else None,
                "timings": {
                    **record.timings,
                    "finished": now_iso(),
                    "wall_s": round(wall_s, 3),
                    "samples_per_s": round(progress.samples_per_s, 3),
                },
            }
        )
        try:
            run_dir.write_run(record)
        except StorageError as err:
            if fatal is None:
                raise
            log.info("%s; run.json still says the run is running", err)  # what stopped the run says more
        headline = {k: round(v, 4) for k, v in summary.metrics.items() if k in self.task.headline_metrics}
        log.info(  # what stopped a run is its error's one line on stderr; run.log keeps this line too
            "run %s %s in %.1f s: %s; %s%s",
            run_dir.path.name,
            status,
            wall_s,
            summary.counts,
            headline,
            f"; {fatal}" if fatal else "",
        )
        log.debug("all metrics: %s", summary.metrics)
