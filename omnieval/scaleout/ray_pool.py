"""Generation on a Ray cluster: a pool of actors, each holding one copy of the model, behind the
runner interface the pipeline already drives.

The driver stays the only writer. It prepares the requests, reads and writes the response cache,
scores, judges and appends every record to samples.jsonl, as in a local run; the pipeline hands
this pool chunks of requests (at most `in_flight` per actor at once, each taken by the next free
actor as the previous ones finish), and an actor answers with responses only. Generated speech
comes back as bytes and the driver writes it into the run folder. An actor never opens the results
or the cache, so a chunk that is answered twice (an actor died after answering it) still becomes one
record per sample.

Chunks that read the same media file go to the same actor while it has room, so a video asked
about three times is decoded once there. An actor whose process dies is restarted by Ray and its
chunk is sent again (`max_task_retries`); one that cannot load its model stops the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omnieval.errors import FatalRunnerError, OmnievalError, error_line, first_line
from omnieval.prepared import media_key
from omnieval.runners.base import Runner
from omnieval.types import Request, Response

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RayOptions:
    """How the pool is laid out: where the cluster is and what each model copy takes."""

    #: the cluster to join ("auto", "ray://host:10001", ...); None starts a local one
    address: str | None = None
    #: model copies (actors)
    workers: int = 1
    #: GPUs each copy takes (a fraction shares a GPU); 0 on CPU-only clusters
    gpus_per_worker: float = 0.0
    #: CPUs each copy takes: its media decoding threads
    cpus_per_worker: float = 1.0
    #: chunks sent to one actor before its first comes back (one generates while the next decodes)
    in_flight: int = 2
    #: requests per chunk (0: the runner's own batch size)
    chunk_size: int = 0
    #: custom resources each copy takes, e.g. {"A100": 1}
    resources: tuple[tuple[str, float], ...] = ()
    #: how often an actor that died is restarted, and its chunk sent again
    max_restarts: int = 3

    def check(self) -> None:
        if self.workers < 1:
            raise OmnievalError(f"--workers takes a number of model copies >= 1, not {self.workers}")
        if self.gpus_per_worker < 0 or self.cpus_per_worker < 0:
            raise OmnievalError("the GPUs and CPUs per worker cannot be negative")
        if self.in_flight < 1:
            raise OmnievalError("each worker needs at least one chunk in flight")


_PRESET_KEYS = ("gpus_per_worker", "cpus_per_worker", "resources", "chunk_size", "in_flight", "max_restarts")


def ray_options(preset: dict[str, Any], given: dict[str, Any]) -> RayOptions:
    """The pool's options: the preset's `ray` section (what one model copy takes), then what the command line
    gives (None: not given)."""
    unknown = sorted(set(preset) - set(_PRESET_KEYS))
    if unknown:
        raise OmnievalError(f"the preset's ray section has no {', '.join(unknown)}; it takes {', '.join(_PRESET_KEYS)}")
    merged = {**preset, **{k: v for k, v in given.items() if v is not None}}
    for key, kind in _NUMBERS.items():
        if key in merged:
            merged[key] = _number(key, merged[key], kind)
    if "resources" in merged:
        if not isinstance(merged["resources"], dict):
            raise OmnievalError(f"ray resources take a mapping of name to amount, not {merged['resources']!r}")
        merged["resources"] = tuple(
            sorted(
                (str(name), _number(f"resources.{name}", amount, float)) for name, amount in merged["resources"].items()
            )
        )
    options = RayOptions(**merged)
    options.check()
    return options


_NUMBERS: dict[str, type] = {
    "workers": int,
    "gpus_per_worker": float,
    "cpus_per_worker": float,
    "chunk_size": int,
    "in_flight": int,
    "max_restarts": int,
}


def _number(key: str, value: Any, kind: type) -> Any:
    """`value` as a number of `kind`; a clear error for what is not one (a YAML `two`, a bool)."""
    whole = kind is int
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or (whole and value != int(value))
    ):
        raise OmnievalError(f"ray {key} takes {'a whole number' if whole else 'a number'}, not {value!r}")
    return kind(value)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise OmnievalError("--executor ray needs Ray: pip install 'omnieval[ray]'") from err
    return ray


class _Worker:
    """The body of one Ray actor: one runner, started on first use (again after a restart)."""

    def __init__(self, runner_cls: type[Runner], settings: dict[str, Any]) -> None:
        self.runner = runner_cls(**settings)
        # speech the runner writes lands here and goes back as bytes; the driver owns the run folder
        self.runner.media_dir = Path(tempfile.mkdtemp(prefix="omnieval-ray-"))
        self._started = False
        self._starting = asyncio.Lock()

    async def start(self) -> dict[str, Any]:
        async with self._starting:
            if not self._started:
                await self.runner.start()
                self._started = True
        return self.runner.describe()

    async def generate(self, requests: list[Request]) -> tuple[list[Response], dict[int, bytes]]:
        await self.start()
        responses = await self.runner.generate(requests)
        speech: dict[int, bytes] = {}
        for i, response in enumerate(responses):
            if response.audio_path is not None and Path(response.audio_path).is_file():
                path = Path(response.audio_path)
                speech[i] = path.read_bytes()
                path.unlink()
        return responses, speech

    def where(self) -> tuple[str, int]:
        """The node and process this actor runs in (a restarted actor runs in another process)."""
        import os

        import ray

        return ray.get_runtime_context().get_node_id(), os.getpid()


class RayPool(Runner):
    """The driver's side of the pool: a runner whose generate() sends its chunk to an actor."""

    name = "ray"

    def __init__(self, runner_cls: type[Runner], settings: dict[str, Any], options: RayOptions) -> None:
        options.check()
        self.inner = runner_cls(**settings)  # not started: what run.json and the cache key say of the model
        self.runner_cls, self.options = runner_cls, options
        self.settings = dict(settings)
        self.packages = runner_cls.packages  # type: ignore[misc]  # run.json's versions are the model runner's
        self.accepts_media = self.inner.accepts_media
        self.constrains_choices = self.inner.constrains_choices
        self.speaks = self.inner.speaks
        self.max_batch_size = options.chunk_size or self.inner.max_batch_size
        self.max_concurrency = options.workers * options.in_flight
        self.costliest_first = True
        self._actors: list[Any] = []
        self._busy: list[int] = []
        self._described: dict[str, Any] | None = None
        self._free: asyncio.Condition | None = None
        self._joined = False  # whether this pool connected to (or started) the cluster, and so leaves it

    def describe(self) -> dict[str, Any]:
        described = dict(self._described or self.inner.describe())
        o = self.options
        described["executor"] = {
            "name": "ray",
            "workers": o.workers,
            "gpus_per_worker": o.gpus_per_worker,
            "cpus_per_worker": o.cpus_per_worker,
        }
        return described

    def cache_identity(self) -> dict[str, Any]:
        return self.inner.cache_identity()  # the same answers as a local run: the same cache entries

    async def start(self) -> None:
        """Join (or start) the cluster and load a model copy in each actor; a copy that cannot load stops
        the run. Actors outlive close(): one pool serves every task of a suite."""
        self._free = asyncio.Condition()  # each task runs in its own event loop
        if self._actors:
            return
        ray = _import_ray()
        if not ray.is_initialized():
            ray.init(address=self.options.address, log_to_driver=False, configure_logging=False)
            self._joined = True
        o = self.options
        actor_cls = ray.remote(_Worker).options(
            num_gpus=o.gpus_per_worker,
            num_cpus=o.cpus_per_worker,
            resources=dict(o.resources) or None,
            max_restarts=o.max_restarts,
            max_task_retries=o.max_restarts,
            max_concurrency=max(2, o.in_flight + 1),
            scheduling_strategy="SPREAD",  # model copies on as many nodes as there are: a lost node loses fewer
        )
        self._actors = [actor_cls.remote(self.runner_cls, self.settings) for _ in range(o.workers)]
        self._busy = [0] * o.workers
        log.info(
            "ray: %d workers (%s GPU, %s CPU each) loading %s",
            o.workers,
            o.gpus_per_worker,
            o.cpus_per_worker,
            self.inner.name,
        )
        try:
            described = await asyncio.gather(*(actor.start.remote() for actor in self._actors))
        except Exception as err:  # noqa: BLE001 - whatever stopped a copy from loading stops the run
            self.shutdown()
            raise FatalRunnerError(
                f"a Ray worker could not start the {self.inner.name} runner: {first_line(_cause(err))}"
            ) from err
        self._described = described[0]

    async def _take(self, key: str | None) -> int:
        """An actor with room: the one `key` belongs to when it has room, else the least busy."""
        assert self._free is not None, "start() made it"
        async with self._free:
            while min(self._busy) >= self.options.in_flight:
                await self._free.wait()
            if key is not None:
                preferred = int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(self._actors)
                if self._busy[preferred] < self.options.in_flight:
                    self._busy[preferred] += 1
                    return preferred
            chosen = min(range(len(self._actors)), key=self._busy.__getitem__)
            self._busy[chosen] += 1
            return chosen

    async def _give_back(self, index: int) -> None:
        assert self._free is not None, "start() made it"
        async with self._free:
            self._busy[index] -= 1
            self._free.notify_all()

    async def generate(self, requests: list[Request]) -> list[Response]:
        if not self._actors:
            raise RuntimeError("the Ray pool generates only after start()")
        ray = _import_ray()
        index = await self._take(media_key(requests))
        try:
            responses, speech = await self._actors[index].generate.remote(requests)
        except ray.exceptions.RayTaskError as err:
            cause = _cause(err)
            if isinstance(cause, FatalRunnerError):
                raise FatalRunnerError(str(cause)) from err
            return [Response(error=error_line(cause))] * len(requests)
        except ray.exceptions.RayActorError as err:  # it died more often than it may be restarted
            raise FatalRunnerError(f"a Ray worker died and was not restarted: {first_line(err)}") from err
        finally:
            await self._give_back(index)
        return [
            response.model_copy(update={"audio_path": str(self.write_speech(request.sample_id, speech[i]))})
            if i in speech
            else response
            for i, (request, response) in enumerate(zip(requests, responses, strict=True))
        ]

    def shutdown(self) -> None:
        """Stop the actors (the end of the command; close() keeps them for the next task), and leave the
        cluster if this pool joined it."""
        if not self._actors and not self._joined:
            return
        ray = _import_ray()
        for actor in self._actors:
            ray.kill(actor)
        self._actors, self._busy = [], []
        if self._joined:
            ray.shutdown()
            self._joined = False


def _cause(err: BaseException) -> BaseException:
    """The exception raised inside the actor, for a Ray error that wraps one."""
    cause = getattr(err, "cause", None)
    return cause if isinstance(cause, BaseException) else err
