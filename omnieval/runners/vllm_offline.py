"""Offline vLLM (`vllm.LLM`) for the thinkers of Qwen2.5-Omni and Qwen3-Omni: text out.

Media are decoded by the same code as the hf-omni runner (omnieval.runners.hf_omni.inputs),
so both runners see the same samples, frames and pixel budgets; `to_vllm_prompt` turns them
into vLLM's prompt dict. vLLM is an optional extra and is imported only by `start()`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import numpy as np

from omnieval.errors import FatalRunnerError, MediaError, OmnievalError, error_line
from omnieval.registry import RUNNERS
from omnieval.runners.base import Runner, all_answered
from omnieval.runners.hf_omni.inputs import SAMPLE_RATE, MediaOptions, PreparedInputs, prepare
from omnieval.types import GenConfig, Request, Response

_MEDIA_SETTINGS = set(MediaOptions.__dataclass_fields__)
DEFAULTS: dict[str, Any] = {
    "dtype": "auto",
    "tensor_parallel_size": 1,
    "max_model_len": None,
    "gpu_memory_utilization": 0.9,
    "limit_mm_per_prompt": None,
    "max_batch_size": 32,
    "enforce_eager": False,
}
MISSING_VLLM = "the vllm runner needs vLLM: pip install 'omnieval[vllm]' (on a CUDA machine)"
NO_SPEECH = "the vllm runner generates text only; use the hf-omni runner for speech output"
#: videos of one prompt may differ this much in sampling rate and still share one `fps`
_FPS_TOLERANCE = 0.01


def to_vllm_prompt(prepared: PreparedInputs, tokenizer_or_processor: Any, use_audio_in_video: bool) -> dict[str, Any]:
    """vLLM's input dict for one request: prompt text, multi_modal_data, mm_processor_kwargs.

    Conventions (vLLM examples/offline_inference/qwen2_5_omni/only_thinker.py and the vLLM
    section of the QwenLM/Qwen3-Omni README):
    - every modality present is a list, even of one item (the README passes the lists of
      qwen_omni_utils.process_mm_info; vLLM takes a single item or a list alike);
    - audio items are `(waveform, 16000)` in prompt order. With `use_audio_in_video` a video's
      track goes into "audio" at the video's place (vLLM's Qwen omni processors count one audio
      per video and pair them in prompt order) while the prompt holds only the video marker,
      and `mm_processor_kwargs["use_audio_in_video"]` is True;
    - videos are uint8 arrays (T, H, W, C), like vllm.assets.video.VideoAsset.np_ndarrays;
    - "fps" is one number: Qwen2_5OmniProcessor and Qwen3OmniMoeProcessor (which vLLM calls
      with mm_processor_kwargs) compute `temporal_patch_size / fps`, so a list would fail there.
    """
    if use_audio_in_video and prepared.videos:
        with_track = {source for source in prepared.audio_sources if source is not None}
        if with_track != set(range(len(prepared.videos))):
            raise ValueError("use_audio_in_video needs the audio track of every video; prepare() was run without it")
    prompt = tokenizer_or_processor.apply_chat_template(
        prepared.conversation, add_generation_prompt=True, tokenize=False
    )
    data: dict[str, list[Any]] = {}
    audios = [
        (np.asarray(audio, dtype=np.float32), SAMPLE_RATE)
        for audio, source in zip(prepared.audios, prepared.audio_sources, strict=True)
        if source is None or use_audio_in_video
    ]
    if audios:
        data["audio"] = audios
    if prepared.images:
        data["image"] = list(prepared.images)
    kwargs: dict[str, Any] = {}
    if prepared.videos:
        # (T, C, H, W) float 0..255 -> (T, H, W, C) uint8
        data["video"] = [
            frames.clamp(0, 255).round().byte().permute(0, 2, 3, 1).contiguous().numpy() for frames in prepared.videos
        ]
        kwargs["fps"] = _shared_fps(prepared.video_fps)
        if use_audio_in_video:
            kwargs["use_audio_in_video"] = True
    return {"prompt": prompt, "multi_modal_data": data, "mm_processor_kwargs": kwargs}


def _shared_fps(rates: list[float]) -> float:
    first = float(rates[0])
    if any(abs(rate - first) > _FPS_TOLERANCE * first for rate in rates):
        shown = ", ".join(f"{rate:.3g}" for rate in rates)
        raise MediaError(
            f"the videos of this request were sampled at different rates ({shown} fps); "
            "the Qwen omni processors take one fps per prompt"
        )
    return first


def stage_request(
    request: Request, media: MediaOptions, template: Any, runner: str
) -> tuple[dict[str, Any], PreparedInputs] | Response:
    """A request's vLLM input dict (`to_vllm_prompt`) with its decoded inputs, or the error Response of
    a request whose media cannot be decoded; shared by the vllm and vllm-omni runners, which take the
    same prompts. `template` is the checkpoint's processor (None before the runner's start())."""
    try:
        prepared = prepare(request, media)
        if template is None:
            raise OmnievalError(f"the {runner} runner generates only after start()")
        return to_vllm_prompt(prepared, template, request.gen.use_audio_in_video), prepared
    except MediaError as err:
        return Response(error=str(err))


def sampling_kwargs(gen: GenConfig) -> dict[str, Any]:
    """SamplingParams arguments for a GenConfig; temperature 0 is greedy decoding."""
    return {"temperature": gen.temperature, "top_p": gen.top_p, "max_tokens": gen.max_new_tokens, "seed": gen.seed}


class VllmRunner(Runner):
    name = "vllm"
    description = "Qwen2.5-Omni / Qwen3-Omni thinker in offline vLLM (hub id or local folder): text output"
    packages = ("vllm", "transformers", "torch")
    accepts_media = frozenset({"audio", "image", "video"})

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if not settings.get("model"):
            raise OmnievalError("the vllm runner needs a checkpoint: -M model=<hub id or folder>")
        self.options = {**DEFAULTS, **{k: v for k, v in settings.items() if k not in _MEDIA_SETTINGS}}
        self.media = MediaOptions(**{k: v for k, v in settings.items() if k in _MEDIA_SETTINGS})
        self.max_batch_size = int(self.options["max_batch_size"])
        # one batch generates while the next decodes its media
        self.max_concurrency = 2
        self._llm: Any = None  # a vllm.LLM and the processor's chat template once started
        self._template: Any = None
        self._lock = threading.Lock()

    @classmethod
    def setting_names(cls) -> set[str]:
        return set(DEFAULTS) | {"model"} | _MEDIA_SETTINGS

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        skip = ("max_batch_size", "gpu_memory_utilization")
        identity["settings"] = {k: v for k, v in identity["settings"].items() if k not in skip}
        return identity

    async def start(self) -> None:
        if self._llm is not None:
            return
        try:
            import vllm
        except ImportError as err:
            raise OmnievalError(MISSING_VLLM) from err
        self._llm, self._template = await asyncio.to_thread(self._load, vllm)

    def _load(self, vllm) -> tuple[Any, Any]:
        from transformers import AutoProcessor

        o = self.options
        engine: dict[str, Any] = {
            "model": o["model"],
            "dtype": o["dtype"],
            "tensor_parallel_size": int(o["tensor_parallel_size"]),
            "gpu_memory_utilization": float(o["gpu_memory_utilization"]),
            "max_num_seqs": self.max_batch_size,
            "enforce_eager": bool(o["enforce_eager"]),
        }
        if o["max_model_len"] is not None:
            engine["max_model_len"] = int(o["max_model_len"])
        if o["limit_mm_per_prompt"] is not None:
            engine["limit_mm_per_prompt"] = dict(o["limit_mm_per_prompt"])
        try:
            llm = vllm.LLM(**engine)
        except Exception as err:  # noqa: BLE001 - engine start-up errors are many and all fatal
            raise OmnievalError(f"vLLM could not load '{o['model']}': {error_line(err)}") from err
        # the omni chat templates ship with the processor (chat_template.json)
        return llm, AutoProcessor.from_pretrained(o["model"])

    async def generate(self, requests: list[Request]) -> list[Response]:
        staged = await asyncio.gather(*(asyncio.to_thread(self._stage, r) for r in requests))
        responses = [item if isinstance(item, Response) else None for item in staged]
        todo = [(i, item) for i, item in enumerate(staged) if not isinstance(item, Response)]
        if todo:
            done = await asyncio.to_thread(
                self._generate_locked, [requests[i] for i, _ in todo], [item for _, item in todo]
            )
            for (i, _), response in zip(todo, done, strict=True):
                responses[i] = response
        return all_answered(responses)

    def _stage(self, request: Request) -> tuple[dict[str, Any], PreparedInputs] | Response:
        """The vLLM input of a request, or its error Response."""
        if request.gen.return_audio:
            return Response(error=NO_SPEECH)
        return stage_request(request, self.media, self._template, self.name)

    def _generate_locked(self, requests: list[Request], staged: list[tuple[dict, PreparedInputs]]) -> list[Response]:
        with self._lock:
            if len(requests) > 1:
                try:
                    return self._run(requests, staged)
                except FatalRunnerError:
                    raise
                except Exception:  # noqa: BLE001, S110 - one bad request fails the whole call: find it
                    pass
            return [self._run_alone(r, s) for r, s in zip(requests, staged, strict=True)]

    def _run_alone(self, request: Request, staged: tuple[dict, PreparedInputs]) -> Response:
        try:
            return self._run([request], [staged])[0]
        except FatalRunnerError:
            raise
        except Exception as err:  # noqa: BLE001 - vLLM rejects prompts with ValueError, RuntimeError, ...
            return Response(error=error_line(err))

    def _run(self, requests: list[Request], staged: list[tuple[dict, PreparedInputs]]) -> list[Response]:
        from vllm import SamplingParams

        params = [SamplingParams(**sampling_kwargs(r.gen)) for r in requests]
        started = time.perf_counter()
        try:
            outputs = self._llm.generate([inputs for inputs, _ in staged], params, use_tqdm=False)
        except Exception as err:
            if type(err).__name__ == "EngineDeadError":
                raise FatalRunnerError(f"the vLLM engine stopped: {err}") from err
            raise
        # offline vLLM finishes a batch together: each request's latency is the batch's
        elapsed = time.perf_counter() - started
        responses = []
        for output, (_, prepared) in zip(outputs, staged, strict=True):
            completion = output.outputs[0]
            responses.append(
                Response(
                    text=completion.text,
                    input_tokens=len(output.prompt_token_ids or []),
                    output_tokens=len(completion.token_ids),
                    latency_s=round(elapsed, 4),
                    inputs=prepared.streams,
                )
            )
        return responses


RUNNERS.register(VllmRunner)
