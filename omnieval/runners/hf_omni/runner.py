"""The transformers runner for Qwen2.5-Omni and Qwen3-Omni: thinker text, talker speech.

A batch is decoded (media) in worker threads, then generated in one left-padded call under a
lock, so that the next batch's media decode while this one generates. A request whose media
the processor rejects, or a batch that runs out of memory, is retried one request at a
time so that only the request at fault fails. Speech is written as 24 kHz wav files to the
run's media folder.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from omnieval.errors import MediaError, OmnievalError, RunStopped, error_line, first_line
from omnieval.registry import RUNNERS
from omnieval.runners.attention import without_cudnn_attention
from omnieval.runners.base import Runner, all_answered, batches_by_settings
from omnieval.runners.hf_omni.inputs import MediaOptions, PreparedInputs, heard_streams, prepare
from omnieval.runners.hf_omni.loading import LoadedModel, load
from omnieval.types import GenConfig, Request, Response

SPEECH_RATE = 24000
DEFAULT_SPEAKER = {"qwen2_5_omni": "Chelsie", "qwen3_omni_moe": "Ethan"}
_MEDIA_SETTINGS = {f for f in MediaOptions.__dataclass_fields__}
_THINKER_ONLY_INPUTS = ("pixel_values", "pixel_values_videos")


class _FirstTokenTimer:
    """A logits processor that notes when the first new token is chosen (end of prefill)."""

    def __init__(self) -> None:
        self.first: float | None = None

    def __call__(self, input_ids, scores):
        if self.first is None:
            self.first = time.perf_counter()
        return scores


_OOM_MESSAGES = ("out of memory", "can't allocate memory", "cannot allocate memory")
OOM_HINT = "lower batch_size or the pixel and frame budgets"


def _is_oom(err: BaseException) -> bool:
    """CUDA's OutOfMemoryError, or a host allocation that failed (MemoryError, torch's CPU allocator)."""
    import torch

    if isinstance(err, (torch.OutOfMemoryError, MemoryError)):
        return True
    return any(message in str(err).lower() for message in _OOM_MESSAGES)


def _failure(err: BaseException) -> str:
    """A failed request's error line; running out of memory says so plainly, with what to change."""
    return f"out of memory ({OOM_HINT}): {first_line(err)}" if _is_oom(err) else error_line(err)


class HfOmniRunner(Runner):
    name = "hf-omni"
    description = (
        "Qwen2.5-Omni / Qwen3-Omni in transformers (hub id or local folder): text, and speech with talker=true"
    )
    packages = ("transformers", "torch", "torchvision", "torchcodec")
    accepts_media = frozenset({"audio", "image", "video"})

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.speaks = bool(self.settings.get("talker", False))
        if not settings.get("model"):
            raise OmnievalError("the hf-omni runner needs a checkpoint: -M model=<hub id or folder>")
        self.max_batch_size = int(settings.get("batch_size", 1))
        # one batch generates while the next decodes its media
        self.max_concurrency = 1 + int(settings.get("prefetch", 1))
        self.media = MediaOptions(**{k: v for k, v in settings.items() if k in _MEDIA_SETTINGS})
        self.loaded: LoadedModel | None = None
        self._lock = threading.Lock()

    @classmethod
    def setting_names(cls) -> set[str]:
        return {
            "model",
            "revision",
            "dtype",
            "device_map",
            "attn_implementation",
            "talker",
            "batch_size",
            "prefetch",
            "checkpoint_sampling",
            "talker_max_new_tokens",
        } | _MEDIA_SETTINGS

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        identity["settings"] = {k: v for k, v in identity["settings"].items() if k not in ("batch_size", "prefetch")}
        return identity

    def describe(self) -> dict[str, Any]:
        described = super().describe()
        if self.loaded is not None:
            described["resolved"] = {
                "family": self.loaded.family,
                "device": self.loaded.device,
                "dtype": self.loaded.dtype,
                "attn_implementation": self.loaded.attn_implementation,
                "speakers": self.loaded.speakers(),
            }
            if self.settings.get("checkpoint_sampling"):
                described["resolved"]["sampling"] = self.loaded.checkpoint_sampling()
        return described

    async def start(self) -> None:
        if self.loaded is None:
            s = self.settings
            loaded = await asyncio.to_thread(
                load,
                str(s["model"]),
                dtype=s.get("dtype", "auto"),
                device_map=s.get("device_map"),
                attn_implementation=s.get("attn_implementation"),
                talker=bool(s.get("talker", False)),
                revision=s.get("revision"),
            )
            if s.get("checkpoint_sampling") and not loaded.checkpoint_sampling():
                raise OmnievalError(
                    f"checkpoint_sampling is set, but the generation_config.json of '{s['model']}' "
                    "holds no sampling settings; drop the setting and pass --gen temperature/top_p"
                )
            self.loaded = loaded

    @property
    def ready(self) -> LoadedModel:
        """The loaded model; generating before `start` is a bug."""
        if self.loaded is None:
            raise RuntimeError("the hf-omni runner generates only after start()")
        return self.loaded

    async def close(self) -> None:
        """The model stays loaded: one runner serves every task of a suite."""

    async def generate(self, requests: list[Request]) -> list[Response]:
        prepared = await asyncio.gather(*(asyncio.to_thread(self._prepare, r) for r in requests))
        return await asyncio.to_thread(self._generate_locked, requests, prepared)

    def _prepare(self, request: Request) -> PreparedInputs | Response:
        try:
            return prepare(request, self.media)
        except MediaError as err:
            return Response(error=str(err))
        except RunStopped:  # no decoder for this kind of media (FatalRunnerError): every such request would fail
            raise
        except Exception as err:  # noqa: BLE001 - e.g. a huge video exhausting memory: this request's failure
            return Response(error=f"decoding its media: {_failure(err)}")

    def _generate_locked(self, requests: list[Request], prepared: list[PreparedInputs | Response]) -> list[Response]:
        responses: list[Response | None] = [p if isinstance(p, Response) else None for p in prepared]
        for index, request in enumerate(requests):
            if responses[index] is None:
                responses[index] = self._check(request.gen)
        todo = [i for i, response in enumerate(responses) if response is None]
        with self._lock:
            for chunk in batches_by_settings(requests, todo, self.max_batch_size):
                ready = [p for i in chunk if not isinstance(p := prepared[i], Response)]
                results = self._generate_isolating([requests[i] for i in chunk], ready)
                for i, response in zip(chunk, results, strict=True):
                    responses[i] = response
        return all_answered(responses)

    def _check(self, gen: GenConfig) -> Response | None:
        if not gen.return_audio:
            return None
        if not self.ready.speakers():
            return Response(error="speech output needs the talker: load the model with -M talker=true")
        if self._speaker(gen) is None:
            return Response(
                error=f"speaker '{gen.speaker}' is not offered by this model; "
                f"it has: {', '.join(self.ready.speakers())}"
            )
        return None

    def _speaker(self, gen: GenConfig) -> str | None:
        """The talker's name for the requested voice (each model's own default when none is asked)."""
        wanted = gen.speaker or DEFAULT_SPEAKER[self.ready.family]
        by_lower = {name.lower(): name for name in self.ready.speakers()}
        return by_lower.get(wanted.lower())

    def _generate_isolating(self, requests: list[Request], prepared: list[PreparedInputs]) -> list[Response]:
        """Generate a batch; if it fails, each request alone, so only the one at fault fails."""
        try:
            return self._generate_batch(requests, prepared)
        except Exception as err:  # noqa: BLE001 - processor rejections and OOM become per-request errors
            if _is_oom(err):
                self._free_memory()
            if len(requests) == 1:
                return [Response(error=_failure(err), inputs=prepared[0].streams)]
            return [self._generate_isolating([r], [p])[0] for r, p in zip(requests, prepared, strict=True)]

    @staticmethod
    def _free_memory() -> None:
        import gc

        import torch

        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def processor_inputs(self, prepared: list[PreparedInputs], gen: GenConfig):
        """The processor's tensors for a batch (exposed so tests can compare them with the reference)."""
        processor = self.ready.processor
        texts = [
            processor.apply_chat_template(p.conversation, add_generation_prompt=True, tokenize=False) for p in prepared
        ]
        kwargs: dict[str, Any] = {"text": texts, "return_tensors": "pt", "padding": True}
        audios = [a for p in prepared for a in p.audios]
        images = [i for p in prepared for i in p.images]
        videos = [v for p in prepared for v in p.videos]
        if audios:
            kwargs["audio"] = audios
        if images:
            kwargs["images"] = images
        if videos:
            kwargs["videos"] = videos
            kwargs["fps"] = gen.fps or self.media.video_fps
            if any(source is not None for p in prepared for source in p.audio_sources):
                kwargs["load_audio_from_video"] = True
                kwargs["audio_from_video_indices"] = self._audio_sources(prepared)
        return processor(**kwargs)

    @staticmethod
    def _audio_sources(prepared: list[PreparedInputs]) -> list[int | None]:
        sources, offset = [], 0
        for p in prepared:
            sources += [None if s is None else s + offset for s in p.audio_sources]
            offset += len(p.videos)
        return sources

    def thinker_kwargs(self, gen: GenConfig) -> dict[str, Any]:
        """Settings of the thinker's generate() for a request."""
        kwargs: dict[str, Any] = {"max_new_tokens": gen.max_new_tokens}
        if self.ready.family == "qwen3_omni_moe":
            kwargs["eos_token_id"] = self.ready.processor.tokenizer.convert_tokens_to_ids("<|im_end|>")
        if self.settings.get("checkpoint_sampling"):
            kwargs.update(self.ready.checkpoint_sampling())
        else:
            kwargs["do_sample"] = gen.temperature > 0
            if gen.temperature > 0:
                kwargs.update(temperature=gen.temperature, top_p=gen.top_p)
        return kwargs

    def run_model(self, inputs, gen: GenConfig, logits_processor: list | None = None):
        """Text: the thinker's generate; speech: the full model's (thinker, talker, code-to-wave)."""
        thinker = self.thinker_kwargs(gen)
        if logits_processor:
            thinker["logits_processor"] = logits_processor
        if not gen.return_audio:
            with without_cudnn_attention():
                return self.ready.model.thinker.generate(**inputs, use_audio_in_video=gen.use_audio_in_video, **thinker)
        talker = {}
        if self.settings.get("talker_max_new_tokens"):
            talker["talker_max_new_tokens"] = int(self.settings["talker_max_new_tokens"])
        # Qwen2.5-Omni's generate() hands un-prefixed inputs to the talker as well, whose generate()
        # rejects pixel values (transformers 5.24); only the thinker reads them (the talker takes the grids)
        inputs = {(f"thinker_{k}" if k in _THINKER_ONLY_INPUTS else k): v for k, v in inputs.items()}
        with without_cudnn_attention():
            return self.ready.model.generate(
                **inputs,
                use_audio_in_video=gen.use_audio_in_video,
                speaker=self._speaker(gen),
                generation_mode="audio",
                **{f"thinker_{k}": v for k, v in thinker.items()},
                **talker,
            )

    def _generate_batch(self, requests: list[Request], prepared: list[PreparedInputs]) -> list[Response]:
        import torch

        gen = requests[0].gen
        started = time.perf_counter()
        inputs = self.processor_inputs(prepared, gen).to(self.ready.model.device)
        timer = _FirstTokenTimer()
        torch.manual_seed(gen.seed)
        with torch.inference_mode():
            result = self.run_model(inputs, gen, [timer])
        elapsed = time.perf_counter() - started
        sequences, wavs = result if isinstance(result, tuple) else (getattr(result, "sequences", result), None)
        prompt_len = inputs["input_ids"].shape[1]
        new_tokens = sequences[:, prompt_len:]
        tokenizer = self.ready.processor.tokenizer
        texts = tokenizer.batch_decode(new_tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        prompt_tokens = inputs["attention_mask"].sum(dim=1).tolist()
        waveforms = self._waveforms(wavs, len(requests))
        heard = self._heard_seconds(inputs, prepared)
        responses = []
        for row, (request, prep) in enumerate(zip(requests, prepared, strict=True)):
            count = self._output_length(new_tokens[row], tokenizer)
            response = Response(
                text=texts[row].strip(),
                input_tokens=int(prompt_tokens[row]),
                output_tokens=count,
                latency_s=round(elapsed, 4),
                ttft_s=round(timer.first - started, 4) if timer.first else None,
                tokens_per_s=round(count / elapsed, 2) if elapsed > 0 else None,
                inputs=heard_streams(prep, heard[row]),
            )
            if waveforms is not None:  # a waveform with NaN fails its own sample, not the batch
                waveform = waveforms[row].detach().float().cpu().numpy()
                response = self.with_waveform(response, request.sample_id, waveform, SPEECH_RATE, elapsed)
            responses.append(response)
        return responses

    def _heard_seconds(self, inputs, prepared: list[PreparedInputs]) -> list[list[float]]:
        """Per request, the seconds of each of its audios that the processor kept (10 ms mel frames)."""
        features = self.ready.processor.feature_extractor
        frames = inputs["feature_attention_mask"].sum(-1).tolist() if "feature_attention_mask" in inputs else []
        seconds = [count * features.hop_length / features.sampling_rate for count in frames]
        per_request, start = [], 0
        for p in prepared:
            per_request.append(seconds[start : start + len(p.audios)])
            start += len(p.audios)
        return per_request

    @staticmethod
    def _output_length(tokens, tokenizer) -> int:
        """Generated tokens up to and including the first end-of-turn (the rest is padding)."""
        ids = tokens.tolist()
        stops = {tokenizer.eos_token_id, tokenizer.pad_token_id}
        for position, token in enumerate(ids):
            if token in stops:
                return position + 1
        return len(ids)

    @staticmethod
    def _waveforms(wavs, batch: int) -> list | None:
        if wavs is None:
            return None
        if isinstance(wavs, (list, tuple)):
            return [w.reshape(-1) for w in wavs]
        if batch == 1:
            return [wavs.reshape(-1)]
        return [w.reshape(-1) for w in wavs]


RUNNERS.register(HfOmniRunner)
