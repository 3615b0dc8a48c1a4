"""Offline vLLM-Omni (`vllm_omni.entrypoints.omni.Omni`) for Qwen2.5-Omni and Qwen3-Omni: text and speech.

vLLM-Omni runs the model as a pipeline of stages (thinker -> talker -> code2wav), each a vLLM
engine in its own process, laid out on the GPUs by a stage config YAML (vLLM-Omni's own for the
model, or `stage_configs_path`). The requests are the vllm runner's: the same decoded media
(omnieval.runners.hf_omni.inputs) and the same prompt dict (`stage_request`, `to_vllm_prompt`),
plus what vLLM-Omni reads beside them: `modalities` (["text"], so that a text request never runs
the talker, or ["text", "audio"] for a spoken answer) and, for a voice asked with
`--gen speaker=`, `additional_information: {"speaker": [name]}`. The thinker samples as the
request's GenConfig says; the talker and code2wav stages with their stage config's defaults.

`Omni.generate(prompts, sampling_params_list)` returns one output per final stage and request,
in completion order, whose request ids start with the prompt's index (`"<i>_<uuid>"`); text
comes from the thinker stage (`request_output.outputs[0].text`), speech from code2wav
(`multimodal_output["audio"]`, at `multimodal_output["sr"]`, 24 kHz for the Qwen omni talkers).
When a stage fails, recent vLLM-Omni raises from generate() and shuts its engine down, some
releases leave the request out of the results, and older ones wait forever: a failed batch is
retried one request at a time on a restarted engine, a request left out fails alone, and
`timeout_s` bounds a call. vLLM-Omni is imported only by `start()`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnieval.errors import FatalRunnerError, OmnievalError, error_line
from omnieval.registry import RUNNERS
from omnieval.runners.base import Runner, all_answered, batches_by_settings
from omnieval.runners.hf_omni.inputs import MediaOptions, PreparedInputs
from omnieval.runners.vllm_offline import sampling_kwargs, stage_request
from omnieval.types import Request, Response

log = logging.getLogger(__name__)

_MEDIA_SETTINGS = set(MediaOptions.__dataclass_fields__)
DEFAULTS: dict[str, Any] = {
    #: a vLLM-Omni stage config YAML (stages, their GPUs and engine arguments); None: vLLM-Omni's own
    "stage_configs_path": None,
    #: further keyword arguments of vllm_omni's Omni(...) (init_timeout, stage_init_timeout, ...)
    "engine_kwargs": None,
    "max_batch_size": 16,
    #: seconds one generate() call may take before the run stops (None: no limit)
    "timeout_s": None,
    #: engine restarts after failed calls before the run stops
    "max_engine_restarts": 3,
}
MISSING_VLLM_OMNI = "the vllm-omni runner needs vLLM-Omni: pip install vllm-omni (on a CUDA machine)"
#: the talker's sample rate when an output does not say (Qwen2.5-Omni and Qwen3-Omni: 24 kHz)
SPEECH_RATE = 24000
#: the voices of each family's talker, by the class of the checkpoint's processor
SPEAKERS = {"Qwen2_5OmniProcessor": ("Chelsie", "Ethan"), "Qwen3OmniMoeProcessor": ("Aiden", "Chelsie", "Ethan")}
NO_OUTPUT = "vLLM-Omni returned no answer for this request (a stage failed on it; see the engine's log)"
NO_SPEECH = "vLLM-Omni returned no speech for this request (its talker or code2wav stage failed; see the engine's log)"


@dataclass
class OmniAnswer:
    """What vLLM-Omni returned for one request: the thinker's text and the code2wav stage's speech."""

    text: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    audio: np.ndarray | None = None
    sample_rate: int = SPEECH_RATE


def request_index(request_id: Any) -> int | None:
    """The prompt index that starts an Omni request id (`"<i>_<uuid>"`, or a bare `"<i>"`)."""
    head = str(request_id).split("_", 1)[0]
    return int(head) if head.isdigit() else None


def _waveform(value: Any) -> np.ndarray:
    """A mono float32 waveform from a tensor, an array, or a list of chunks (streamed speech)."""
    if isinstance(value, (list, tuple)):
        parts = [_waveform(part) for part in value]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    if hasattr(value, "detach"):  # a torch tensor, possibly bfloat16 on a GPU
        value = value.detach().float().cpu().numpy()
    return np.asarray(value, dtype=np.float32).reshape(-1)


def _sample_rate(value: Any) -> int:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if value is None:
        return SPEECH_RATE
    return int(value.item() if hasattr(value, "item") else value)


def _speech(mapping: Any) -> tuple[Any, int] | None:
    """The audio and sample rate of a `multimodal_output` dict ("audio", or "model_outputs")."""
    if not isinstance(mapping, Mapping):
        return None
    for key in ("audio", "model_outputs"):
        if mapping.get(key) is not None:
            return mapping[key], _sample_rate(mapping.get("sr"))
    return None


def read_outputs(outputs: Iterable[Any], count: int) -> list[OmniAnswer]:
    """Per prompt, in prompt order, what `Omni.generate` returned for it.

    Each output carries its stage's `final_output_type` and `request_output`: one RequestOutput,
    or (older vLLM-Omni) a list of them. Text comes from a "text" output's first completion, speech
    from an "audio" output's `multimodal_output` (on the output itself in recent releases, on its
    RequestOutput in older ones); a later output for the same request replaces an earlier one (a
    streamed answer ends with the whole of it).
    """
    answers = [OmniAnswer() for _ in range(count)]
    for output in outputs:
        kind = getattr(output, "final_output_type", None)
        produced = getattr(output, "request_output", None)
        items = list(produced) if isinstance(produced, (list, tuple)) else [produced]
        for item in items:
            index = request_index(getattr(item, "request_id", None) or getattr(output, "request_id", ""))
            if index is None or not 0 <= index < count:
                log.warning(
                    "vLLM-Omni returned an output for an unknown request: %r", getattr(item, "request_id", None)
                )
                continue
            answer = answers[index]
            if kind == "text":
                completions = getattr(item, "outputs", None) or []
                if not completions:
                    continue
                answer.text = completions[0].text
                answer.input_tokens = len(getattr(item, "prompt_token_ids", None) or [])
                answer.output_tokens = len(getattr(completions[0], "token_ids", None) or [])
            elif kind == "audio":
                found = _speech(getattr(output, "multimodal_output", None)) or _speech(
                    getattr(item, "multimodal_output", None)
                )
                if found is not None:
                    answer.audio, answer.sample_rate = _waveform(found[0]), found[1]
    return answers


def _engine_down(omni: Any) -> bool:
    """Whether vLLM-Omni has shut this engine down (recent releases do when generate() fails)."""
    if getattr(omni, "_shutdown_called", False) is True:
        return True
    finalizer = getattr(omni, "_weak_finalizer", None)
    return finalizer is not None and getattr(finalizer, "alive", True) is False


def _stages_missing(omni: Any) -> list[int]:
    """Stages that never reported ready (older vLLM-Omni only logs an initialization timeout)."""
    stages, ready = getattr(omni, "stage_list", None), getattr(omni, "_stages_ready", None)
    if not isinstance(stages, list) or not isinstance(ready, (set, frozenset)):
        return []
    return [i for i in range(len(stages)) if i not in ready]


class VllmOmniRunner(Runner):
    name = "vllm-omni"
    description = "Qwen2.5-Omni / Qwen3-Omni in offline vLLM-Omni (thinker, talker, code2wav): text and speech"
    packages = ("vllm-omni", "vllm", "transformers", "torch")
    accepts_media = frozenset({"audio", "image", "video"})
    speaks = True

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if not settings.get("model"):
            raise OmnievalError("the vllm-omni runner needs a checkpoint: -M model=<hub id or folder>")
        self.options = {**DEFAULTS, **{k: v for k, v in settings.items() if k not in _MEDIA_SETTINGS}}
        self.media = MediaOptions(**{k: v for k, v in settings.items() if k in _MEDIA_SETTINGS})
        self.max_batch_size = int(self.options["max_batch_size"])
        # one batch generates while the next decodes its media
        self.max_concurrency = 2
        self._omni: Any = None  # a vllm_omni Omni once started
        self._module: Any = None  # vllm_omni.entrypoints.omni
        self._params: Any = None  # vllm.SamplingParams
        self._template: Any = None  # the checkpoint's processor (chat template)
        self._restarts = 0
        self._lock = threading.Lock()

    @classmethod
    def setting_names(cls) -> set[str]:
        return set(DEFAULTS) | {"model"} | _MEDIA_SETTINGS

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        skip = ("max_batch_size", "timeout_s", "max_engine_restarts")
        identity["settings"] = {k: v for k, v in identity["settings"].items() if k not in skip}
        return identity

    async def start(self) -> None:
        if self._omni is not None:
            return
        try:
            module = importlib.import_module("vllm_omni.entrypoints.omni")
        except ImportError as err:
            if isinstance(err, ModuleNotFoundError) and err.name == "vllm_omni":
                raise OmnievalError(MISSING_VLLM_OMNI) from err
            # installed, but broken (a vLLM it was not built for) or without this entry point
            raise OmnievalError(f"vLLM-Omni is installed but does not import: {error_line(err)}") from err
        self._params = importlib.import_module("vllm").SamplingParams
        self._module = module
        self._template, self._omni = await asyncio.to_thread(self._load)

    def _load(self) -> tuple[Any, Any]:
        from transformers import AutoProcessor

        # the omni chat templates ship with the processor (chat_template.json)
        template = AutoProcessor.from_pretrained(self.options["model"])
        return template, self._build()

    def _build(self) -> Any:
        """A started Omni engine; its start-up failures are OmnievalErrors."""
        o = self.options
        kwargs: dict[str, Any] = dict(o["engine_kwargs"] or {})
        if o["stage_configs_path"]:
            kwargs["stage_configs_path"] = str(o["stage_configs_path"])
        try:
            omni = self._module.Omni(model=str(o["model"]), **kwargs)
        except Exception as err:  # noqa: BLE001 - engine start-up errors are many and all fatal
            raise OmnievalError(f"vLLM-Omni could not start '{o['model']}': {error_line(err)}") from err
        missing = _stages_missing(omni)
        if missing:
            _close_quietly(omni)
            raise OmnievalError(
                f"vLLM-Omni could not start '{o['model']}': stages {missing} never became ready "
                "(GPU memory, the stage config's devices, or init_timeout in engine_kwargs)"
            )
        return omni

    async def close(self) -> None:
        """The engine stays up: one runner serves every task of a suite (vLLM-Omni stops it at exit)."""

    async def generate(self, requests: list[Request]) -> list[Response]:
        staged = await asyncio.gather(*(asyncio.to_thread(self._stage, r) for r in requests))
        responses = [item if isinstance(item, Response) else None for item in staged]
        todo = [i for i, item in enumerate(staged) if not isinstance(item, Response)]
        if todo:
            done = await asyncio.to_thread(self._generate_locked, requests, staged, todo)
            for i, response in zip(todo, done, strict=True):
                responses[i] = response
        return all_answered(responses)

    def _stage(self, request: Request) -> tuple[dict[str, Any], PreparedInputs] | Response:
        """vLLM-Omni's input for a request (the vllm runner's prompt dict and output modalities), or its error."""
        gen = request.gen
        speaker = None
        if gen.return_audio and gen.speaker:
            speaker = self._speaker(gen.speaker)
            if speaker is None:
                offered = SPEAKERS[type(self._template).__name__]
                return Response(
                    error=f"speaker '{gen.speaker}' is not offered by this model; it has: {', '.join(offered)}"
                )
        staged = stage_request(request, self.media, self._template, self.name)
        if isinstance(staged, Response):
            return staged
        inputs, prepared = staged
        inputs["modalities"] = ["text", "audio"] if gen.return_audio else ["text"]
        if speaker is not None:
            inputs["additional_information"] = {"speaker": [speaker.lower()]}
        return inputs, prepared

    def _speaker(self, wanted: str) -> str | None:
        """The talker's name for a voice, or None when the model has no such voice (unknown models: as asked)."""
        offered = SPEAKERS.get(type(self._template).__name__)
        if offered is None:
            return wanted.strip()
        return next((name for name in offered if name.lower() == wanted.strip().lower()), None)

    def _generate_locked(self, requests: list[Request], staged: list[Any], todo: list[int]) -> list[Response]:
        by_index: dict[int, Response] = {}
        with self._lock:
            for batch in batches_by_settings(requests, todo, self.max_batch_size):
                results = self._run_isolating([requests[i] for i in batch], [staged[i] for i in batch])
                by_index.update(zip(batch, results, strict=True))
        return [by_index[i] for i in todo]

    def _run_isolating(self, requests: list[Request], staged: list[tuple[dict, PreparedInputs]]) -> list[Response]:
        """A batch; when it fails, each request alone on a working engine, so only the one at fault fails."""
        try:
            return self._run(requests, staged)
        except FatalRunnerError:
            raise
        except Exception as err:  # noqa: BLE001 - vLLM-Omni reports a stage's failure as many kinds of errors
            self._recover(err)
            if len(requests) == 1:
                return [Response(error=error_line(err), inputs=staged[0][1].streams)]
        return [self._run_isolating([r], [s])[0] for r, s in zip(requests, staged, strict=True)]

    def _recover(self, err: Exception) -> None:
        """After a failed call: stop the run when the engine is dead for good, else restart it if it shut down."""
        if "EngineDead" in type(err).__name__:
            raise FatalRunnerError(f"the vLLM-Omni engine stopped: {error_line(err)}") from err
        if _engine_down(self._omni):
            self._restart(err)

    def _restart(self, cause: Exception) -> None:
        limit = int(self.options["max_engine_restarts"])
        if self._restarts >= limit:
            raise FatalRunnerError(
                f"vLLM-Omni shut its engine down after {limit} restarts already; last error: {error_line(cause)}"
            ) from cause
        self._restarts += 1
        log.warning("vLLM-Omni shut its engine down (%s); restarting it (%d of %d)", cause, self._restarts, limit)
        _close_quietly(self._omni)
        try:
            self._omni = self._build()
        except OmnievalError as err:
            raise FatalRunnerError(f"restarting vLLM-Omni failed: {err}") from err

    def _stage_params(self, request: Request) -> list[Any]:
        """Per stage SamplingParams: the thinker's from the GenConfig, the others the stage config's defaults."""
        defaults = getattr(self._omni, "default_sampling_params_list", None)
        if defaults is None:  # older vLLM-Omni keeps them on its stages
            defaults = [
                getattr(stage, "default_sampling_params", None) for stage in getattr(self._omni, "stage_list", [])
            ]
        params = [self._params(**sampling_kwargs(request.gen))]
        for default in list(defaults)[1:]:
            if default is None:
                params.append(self._params())
            elif isinstance(default, Mapping):
                params.append(self._params(**dict(default)))
            else:
                params.append(default)
        return params

    def _run(self, requests: list[Request], staged: list[tuple[dict, PreparedInputs]]) -> list[Response]:
        if self._omni is None:
            raise OmnievalError("the vllm-omni runner generates only after start()")
        if _engine_down(self._omni):
            self._restart(RuntimeError("the engine was down before this batch"))
        prompts = [inputs for inputs, _ in staged]
        params = self._stage_params(requests[0])  # a batch shares its GenConfig (batches_by_settings)
        started = time.perf_counter()
        answers = read_outputs(self._call(prompts, params), len(prompts))
        # offline vLLM-Omni finishes a batch together: each request's latency is the batch's
        elapsed = time.perf_counter() - started
        return [
            self._response(request, answer, prepared, elapsed)
            for request, answer, (_, prepared) in zip(requests, answers, staged, strict=True)
        ]

    def _call(self, prompts: list[dict[str, Any]], params: list[Any]) -> list[Any]:
        """`Omni.generate`, bounded by timeout_s (older vLLM-Omni waits forever after a stage fails)."""
        timeout = self.options["timeout_s"]
        if timeout is None:
            return list(self._omni.generate(prompts, params))
        box: dict[str, Any] = {}

        def call() -> None:
            try:
                box["outputs"] = list(self._omni.generate(prompts, params))
            except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
                box["error"] = err

        thread = threading.Thread(target=call, name="vllm-omni-generate", daemon=True)
        thread.start()
        thread.join(float(timeout))
        if thread.is_alive():
            raise FatalRunnerError(
                f"vLLM-Omni did not answer {len(prompts)} requests in {timeout} s (timeout_s); older vLLM-Omni "
                "waits forever after a stage fails: see the engine's log"
            )
        if "error" in box:
            raise box["error"]
        return box["outputs"]

    def _response(self, request: Request, answer: OmniAnswer, prepared: PreparedInputs, elapsed: float) -> Response:
        if answer.text is None:
            return Response(error=NO_OUTPUT, inputs=prepared.streams)
        response = Response(
            text=answer.text,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            latency_s=round(elapsed, 4),
            inputs=prepared.streams,
        )
        if not request.gen.return_audio:
            return response
        if answer.audio is None:
            return response.model_copy(update={"error": NO_SPEECH})
        return self.with_waveform(response, request.sample_id, answer.audio, answer.sample_rate, elapsed)


def _close_quietly(omni: Any) -> None:
    try:
        omni.close()
    except Exception as err:  # noqa: BLE001 - an engine that failed may fail to close too
        log.warning("closing vLLM-Omni failed: %s", error_line(err))


RUNNERS.register(VllmOmniRunner)
