"""The runner protocol: `generate(requests) -> responses`, async and batched.

A runner turns Requests into Responses. Per-request problems (a media file it cannot
decode, a request the server rejects) come back as a Response with `error` set; problems
that make every request fail (unreachable server, rejected credentials) raise
FatalRunnerError so that the run stops instead of failing every sample.
"""

from __future__ import annotations

import asyncio
import io
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import soundfile

from omnieval.errors import MediaError, OmnievalError
from omnieval.media import encode_wav, speech_file_name, store_bytes
from omnieval.media_checks import check_finite_samples
from omnieval.types import Request, Response
from omnieval.versions import package_versions

#: how errors name a runner's generated speech
SPEECH_LABEL = "(generated speech)"
#: the WAV sample formats that can hold NaN or infinity
FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})

#: the settings that hold numbers, by name: every runner that takes one reads it as this kind (int: a whole
#: number; float: any number). None leaves a setting at its default.
NUMBER_SETTINGS: dict[str, type] = {
    **dict.fromkeys(
        (
            "workers",
            "rate",
            "batch_size",
            "prefetch",
            "max_batch_size",
            "max_concurrency",
            "max_retries",
            "max_engine_restarts",
            "audio_sample_rate",
            "video_frames",
            "tensor_parallel_size",
            "max_model_len",
            "talker_max_new_tokens",
            "image_patch_size",
            "image_min_pixels",
            "image_max_pixels",
            "video_min_frames",
            "video_max_frames",
            "video_max_pixels",
            "video_total_pixels",
        ),
        int,
    ),
    **dict.fromkeys(("timeout_s", "gpu_memory_utilization", "video_fps"), float),
}


def setting_problem(name: str, value: Any, kind: type) -> str | None:
    """Why `value` cannot be the `kind` of number setting `name` is (None when it can): `name takes a whole
    number, not 'abc'`."""
    if value is None:
        return None
    wanted = "a whole number" if kind is int else "a number"
    if isinstance(value, bool):
        return f"{name} takes {wanted}, not {value!r}"
    try:
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            int(value)  # as the runners read it: 4 and "4" are whole numbers, 4.5 and "lots" are not
        else:
            float(value)
    except (TypeError, ValueError, OverflowError):
        return f"{name} takes {wanted}, not {value!r}"
    return None


def check_settings(runner: type[Runner], settings: dict[str, Any]) -> str | None:
    """The first setting of `settings` that `runner` takes but whose value is not the number it reads, in
    words (None when all are fine)."""
    known = runner.setting_names()
    for name, value in settings.items():
        kind = NUMBER_SETTINGS.get(name)
        if kind is not None and name in known:
            problem = setting_problem(name, value, kind)
            if problem is not None:
                return problem
    return None


class LoopLimit:
    """At most `limit` at once, on whichever event loop asks: an asyncio.Semaphore serves one loop only, and a
    runner or a judge may be used under several `asyncio.run` calls (a run's, then a judge's)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._held: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def __call__(self) -> asyncio.Semaphore:
        """The semaphore of the running loop."""
        loop = asyncio.get_running_loop()
        if self._held is None or self._held[0] is not loop:
            self._held = (loop, asyncio.Semaphore(self.limit))
        return self._held[1]


class Runner(ABC):
    """Base class of every runner; subclasses register with omnieval.registry.RUNNERS."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: distributions whose versions go into run.json
    packages: ClassVar[tuple[str, ...]] = ()
    #: settings that must never reach results or the cache key
    secret_settings: ClassVar[tuple[str, ...]] = ()

    #: the media kinds this runner passes to its model (a judge gives it only these)
    accepts_media: frozenset[str] = frozenset()
    #: whether it honours GenConfig.choices (answers with exactly one of them)
    constrains_choices: bool = False
    max_batch_size: int = 1
    #: whether it can answer in speech (GenConfig.return_audio); a run asking one that cannot is refused
    speaks: bool = False
    max_concurrency: int = 1
    #: whether the pipeline should send the costliest requests first (a pool of workers: no long tail)
    costliest_first: bool = False
    #: where generated media (speech) go; the pipeline points it at results/<run>/media
    media_dir: Path | None = None

    def write_speech(self, sample_id: str, wav: bytes) -> Path:
        """Generated speech (WAV bytes) as media_dir/<sample id>.wav, or in the content store without one."""
        if self.media_dir is None:
            return store_bytes(wav, ".wav")[0]
        self.media_dir.mkdir(parents=True, exist_ok=True)
        path = self.media_dir / speech_file_name(sample_id)
        path.write_bytes(wav)
        return path

    def with_speech(self, response: Response, sample_id: str, wav: bytes, elapsed: float) -> Response:
        """`response` with its generated speech (WAV bytes, made in `elapsed` seconds) written out, and
        the speech's length and real-time factor; an error response when the bytes are not a WAV file, or
        hold NaN or infinite samples."""
        try:
            info = soundfile.info(io.BytesIO(wav))
        except RuntimeError as err:
            return response.model_copy(update={"error": f"the generated speech is not a WAV file: {err}"})
        if info.subtype in FLOAT_SUBTYPES:  # only floating-point samples can be NaN
            try:
                check_finite_samples(SPEECH_LABEL, soundfile.read(io.BytesIO(wav), dtype="float64")[0])
            except MediaError as err:
                return response.model_copy(update={"error": str(err)})
        seconds = info.frames / info.samplerate
        return response.model_copy(
            update={
                "audio_path": str(self.write_speech(sample_id, wav)),
                "audio_s": round(seconds, 3),
                "rtf": round(elapsed / seconds, 4) if seconds > 0 else None,
            }
        )

    def with_waveform(
        self, response: Response, sample_id: str, audio: np.ndarray, sample_rate: int, elapsed: float
    ) -> Response:
        """`with_speech` for generated speech as a float waveform; an error response when it holds NaN or infinite
        samples (a broken generation fails its sample, not its batch)."""
        try:
            wav = encode_wav(audio, sample_rate, SPEECH_LABEL)
        except MediaError as err:
            return response.model_copy(update={"error": str(err)})
        return self.with_speech(response, sample_id, wav, elapsed)

    def __init__(self, **settings: Any) -> None:
        known = self.setting_names()
        unknown = sorted(set(settings) - known)
        if unknown:
            raise OmnievalError(
                f"runner '{self.name}' has no setting {', '.join(unknown)}; "
                f"it takes: {', '.join(sorted(known)) or 'none'}"
            )
        problem = check_settings(type(self), settings)
        if problem is not None:
            raise OmnievalError(f"runner '{self.name}': setting {problem}")
        self.settings = settings

    @classmethod
    def setting_names(cls) -> set[str]:
        return set()

    async def start(self) -> None:
        """Load the model or check the endpoint; raise OmnievalError with a clear message on failure."""

    @abstractmethod
    async def generate(self, requests: list[Request]) -> list[Response]:
        """One Response per Request, in order."""

    async def close(self) -> None:
        """Release what start() acquired."""

    def describe(self) -> dict[str, Any]:
        """What run.json records about this runner: name, settings (secrets removed), versions."""
        settings = {k: v for k, v in self.settings.items() if k not in self.secret_settings}
        return {"name": self.name, "settings": settings, "versions": package_versions(self.packages)}

    def cache_identity(self) -> dict[str, Any]:
        """What decides this runner's outputs besides the request; part of the request hash."""
        described = self.describe()
        return {"name": described["name"], "settings": described["settings"], "versions": described["versions"]}


def batches_by_settings(requests: list[Request], indices: list[int], size: int) -> list[list[int]]:
    """The requests at `indices`, in batches of at most `size` whose requests share their GenConfig:
    one generate() call of a local model takes one set of settings."""
    groups: dict[str, list[int]] = {}
    for i in indices:
        groups.setdefault(requests[i].gen.model_dump_json(), []).append(i)
    size = max(1, size)
    return [group[start : start + size] for group in groups.values() for start in range(0, len(group), size)]


def all_answered(responses: list[Response | None]) -> list[Response]:
    """`responses` once every slot is filled; a slot left empty is a bug in the runner."""
    missing = [i for i, response in enumerate(responses) if response is None]
    if missing:
        raise RuntimeError(f"the runner left requests {missing[:5]} without a response")
    return [response for response in responses if response is not None]
