"""Any OpenAI-compatible chat endpoint: vLLM's server, hosted APIs, `omnieval serve`.

Audio goes as `input_audio` (16-bit WAV, base64), images as data URLs, a video as
`video_frames` evenly spaced JPEG frames, followed by its audio track as `input_audio` when the
request uses the video's audio (`use_audio_in_video`). Requests run concurrently up to
`max_concurrency` in flight, with `prefetch` more having their media encoded meanwhile; 429, 5xx,
timeouts and connection errors are retried with exponential backoff (`max_retries`,
omnieval.runners.http_json), and so is a 200 whose body holds no answer (no choices, no message,
truncated or not JSON): such an answer fails its sample after the last try and is never recorded as
an empty answer nor cached. The API key is read from the environment variable named by `api_key_env`
and is never recorded.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import mimetypes
import os
import time
from pathlib import Path
from typing import Any

from omnieval.errors import FatalRunnerError, MediaError, OmnievalError, first_line
from omnieval.media import encode_wav, load_audio
from omnieval.registry import RUNNERS
from omnieval.runners.base import LoopLimit, Runner
from omnieval.runners.http_json import ConnectionFailure, HTTPFailure, JSONClient, TimedOut
from omnieval.types import GenConfig, MediaRef, Message, Request, Response, TextPart

DEFAULTS: dict[str, Any] = {
    "base_url": "http://127.0.0.1:8000/v1",
    "api_key_env": None,
    "max_concurrency": 8,
    #: requests whose media are made ready while `max_concurrency` are in flight (None: a quarter of those, at
    #: least one), so that a freed slot is taken at once instead of after the next request's audio is encoded
    "prefetch": None,
    "timeout_s": 120.0,
    "max_retries": 4,
    "audio_sample_rate": 16000,
    #: a video is sent as this many frames, evenly spaced, as images
    "video_frames": 8,
    "extra_body": None,
    #: the server constrains answers to given choices (`guided_choice`: vLLM's server, omnieval serve)
    "guided_choice": False,
    #: the media the served model takes (a text-only judge behind a server: [])
    "accepts_media": ["audio", "image", "video"],
    #: the voice of spoken answers (`--gen return_audio=true`: chat completions with audio out), unless
    #: GenConfig.speaker names one
    "voice": None,
    #: how the server is asked for speech: "openai" (modalities only when speech is wanted, the voice in
    #: `audio`), or "vllm-omni" (its server speaks unless told `modalities: [text]`, and reads the voice at the
    #: top level of the body)
    "speech_api": "openai",
}

log = logging.getLogger(__name__)


def _image_part(data: bytes, mime: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{base64.b64encode(data).decode()}"}}


def video_frame_parts(media: MediaRef, frames: int) -> list[dict[str, Any]]:
    """A video as `frames` evenly spaced JPEG images (how chat APIs without video input see one)."""
    import io

    from PIL import Image

    from omnieval.vision import load_video

    clip = load_video(media, fps=1e6, min_frames=2, max_frames=max(2, frames))
    parts = []
    for frame in clip.frames:
        buffer = io.BytesIO()
        Image.fromarray(frame.clamp(0, 255).round().byte().permute(1, 2, 0).numpy()).save(
            buffer, format="JPEG", quality=90
        )
        parts.append(_image_part(buffer.getvalue(), "image/jpeg"))
    return parts


def _image_size(media: MediaRef) -> list[int] | None:
    """An image's [width, height] as sent (None when PIL cannot read it: the server judges it then)."""
    from PIL import Image, UnidentifiedImageError

    if not media.path:
        return None
    try:
        with Image.open(media.path) as image:
            return list(image.size)
    except (UnidentifiedImageError, OSError):
        return None


def _audio_part(audio, rate: int) -> dict[str, Any]:
    data = base64.b64encode(encode_wav(audio, rate)).decode()
    return {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}


def to_openai_messages(
    messages: list[Message],
    audio_sample_rate: int | None,
    video_frames: int = DEFAULTS["video_frames"],
    use_audio_in_video: bool = False,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Our messages in the OpenAI chat format, media inlined as base64 (a video as frames, followed by its
    audio track as an audio part with `use_audio_in_video`), and the streams they carry (for the record)."""
    from omnieval.vision import load_video_audio

    converted: list[dict[str, Any]] = []
    streams: dict[str, list] = {"audio_s": [], "images": [], "video_frames": [], "video_audio_s": []}
    for message in messages:
        parts: list[dict[str, Any]] = []
        for part in message.content:
            if isinstance(part, TextPart):
                parts.append({"type": "text", "text": part.text})
                continue
            media = part.media
            if media.kind == "audio":
                audio, rate = load_audio(media, audio_sample_rate)
                parts.append(_audio_part(audio, rate))
                streams["audio_s"].append(round(len(audio) / rate, 3))
            elif media.kind == "image":
                if not media.path or not Path(media.path).is_file():
                    raise MediaError(f"image file not found: {media.path}")
                mime = mimetypes.guess_type(media.path)[0] or "image/png"
                parts.append(_image_part(Path(media.path).read_bytes(), mime))
                streams["images"].append(_image_size(media))
            else:
                frames = video_frame_parts(media, video_frames)
                parts.extend(frames)
                streams["video_frames"].append(len(frames))
                if use_audio_in_video:  # chat APIs take no video: its sound goes along as audio, never dropped
                    rate = audio_sample_rate or 16000
                    track = load_video_audio(media, rate)
                    parts.append(_audio_part(track, rate))
                    streams["video_audio_s"].append(round(len(track) / rate, 3))
        if message.role == "system" and all(p["type"] == "text" for p in parts):
            converted.append({"role": "system", "content": "".join(p["text"] for p in parts)})
        else:
            converted.append({"role": message.role, "content": parts})
    recorded: dict[str, Any] = {k: v for k, v in streams.items() if v}
    if streams["video_frames"]:
        recorded["use_audio_in_video"] = use_audio_in_video
    return converted, recorded


def unusable_completion(completion: Any) -> str | None:
    """Why a 200 answer (parsed JSON) holds no answer (None when it does): not a chat completion, no
    choices, no message, or messages with neither text, speech nor refusal. Such an answer is a server
    fault, retried and then a failed sample, never an empty answer."""
    if not isinstance(completion, dict):
        return f"not a chat completion but {type(completion).__name__} {str(completion)[:60]!r}"
    if not completion.get("choices") or not isinstance(completion["choices"], list):
        return "no choices"
    messages = _messages(completion)
    if not messages:
        return "no message in the choices"
    if not any(m.get("content") is not None or _audio(m) is not None or m.get("refusal") for m in messages):
        return "a message without content"
    return None


def _messages(completion: dict[str, Any]) -> list[dict[str, Any]]:
    return [c["message"] for c in completion["choices"] if isinstance(c, dict) and isinstance(c.get("message"), dict)]


def _audio(message: dict[str, Any]) -> dict[str, Any] | None:
    audio = message.get("audio")
    return audio if isinstance(audio, dict) else None


def _text(content: Any) -> str | None:
    """A message's text: a string, or the text parts of a list of parts (some servers answer so)."""
    if isinstance(content, list):
        content = "".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return content if isinstance(content, str) and content else None


def _tokens(usage: Any, key: str) -> int | None:
    value = usage.get(key) if isinstance(usage, dict) else None
    return value if isinstance(value, int) else None


class OpenAICompatRunner(Runner):
    speaks = True  # it asks the server for a spoken answer; one that has none is scored as such
    name = "openai"
    description = "OpenAI-compatible chat completions endpoint (vLLM server, hosted APIs, omnieval serve)"
    packages = ("aiohttp",)

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if not settings.get("model"):
            raise OmnievalError("runner 'openai' needs the setting 'model' (the served model name)")
        self.options = {**DEFAULTS, **settings}
        if self.options["speech_api"] not in ("openai", "vllm-omni"):
            raise OmnievalError(f"speech_api takes openai or vllm-omni, not '{self.options['speech_api']}'")
        #: requests at the server at once; the pipeline's workers (max_concurrency) also make the next ready
        self.in_flight = max(1, int(self.options["max_concurrency"]))
        prefetch = self.options["prefetch"]
        self.max_concurrency = self.in_flight + (max(1, self.in_flight // 4) if prefetch is None else int(prefetch))
        self._in_flight_slots = LoopLimit(self.in_flight)
        self.constrains_choices = bool(self.options["guided_choice"])
        self.accepts_media = frozenset(self.options["accepts_media"] or ())
        self._client: JSONClient | None = None  # once started

    @classmethod
    def setting_names(cls) -> set[str]:
        return set(DEFAULTS) | {"model"}

    def cache_identity(self) -> dict[str, Any]:
        keep = ("model", "base_url", "audio_sample_rate", "video_frames", "extra_body", "guided_choice")
        settings = {k: self.options[k] for k in keep}
        for optional in ("voice", "speech_api"):  # only where set, so that older presets' keys stay as they were
            if self.options[optional] != DEFAULTS[optional]:
                settings[optional] = self.options[optional]
        return {"name": self.name, "settings": settings}

    def _api_key(self) -> str:
        env = self.options["api_key_env"]
        if not env:
            return "EMPTY"
        key = os.environ.get(env)
        if not key:
            raise OmnievalError(f"the model preset reads its API key from ${env}, which is not set")
        return key

    async def start(self) -> None:
        self._client = JSONClient(
            self.options["base_url"],
            self._api_key(),
            float(self.options["timeout_s"]),
            int(self.options["max_retries"]),
        )
        try:
            await self._client.get("models", retries=1)
        except TimedOut:
            pass  # a slow answer is no verdict; the first request will tell
        except HTTPFailure as err:
            if err.status != 404:  # some servers have no /models
                raise self._fatal(err) or FatalRunnerError(f"{self.options['base_url']}: {err}") from err
        except ConnectionFailure as err:
            raise self._fatal(err) or FatalRunnerError(str(err)) from err
        finally:  # requests may come under another event loop (a judge's): they open their own connections
            await self._client.close()

    @property
    def client(self) -> JSONClient:
        if self._client is None:
            raise RuntimeError(f"runner '{self.name}' was not started")
        return self._client

    def _fatal(self, err: Exception) -> FatalRunnerError | None:
        """The run-stopping reading of an HTTP failure, or None when it concerns one request only."""
        url = self.options["base_url"]
        if isinstance(err, HTTPFailure) and err.status in (401, 403):
            key_from = f"${self.options['api_key_env']}" if self.options["api_key_env"] else "no API key"
            return FatalRunnerError(f"{url} rejected the credentials ({key_from}): HTTP {err.status}")
        if isinstance(err, ConnectionFailure):
            return FatalRunnerError(f"cannot reach the server at {url}: {err}")
        if isinstance(err, HTTPFailure) and err.status == 404:
            return FatalRunnerError(f"{url} does not serve model '{self.options['model']}': HTTP 404")
        return None

    async def _answers(self) -> bool:
        """Whether the server answers at all (any HTTP answer to GET /models, even an error, counts)."""
        try:
            await self.client.get("models", retries=0, timeout_s=10.0)
        except (ConnectionFailure, TimedOut):
            return False
        except HTTPFailure:
            return True
        return True

    def _failed(self, err: HTTPFailure | ConnectionFailure | TimedOut) -> Response:
        """A failed request's response; an error that concerns every request stops the run."""
        fatal = self._fatal(err)
        if fatal is not None:
            raise fatal from err
        if isinstance(err, TimedOut):
            return Response(error=f"timed out: {err}")
        return Response(error=str(err))

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        """The answer to one POST; a failure that concerns this request is returned as a failed Response,
        one that concerns every request (credentials, a server gone) raises FatalRunnerError."""
        try:
            return await self.client.post(path, body)
        except (HTTPFailure, TimedOut) as err:
            return self._failed(err)
        except ConnectionFailure as err:
            if await self._answers():  # the server is there: this request's connection broke on every try
                return Response(error=f"the connection failed on every try: {err}")
            return self._failed(err)  # it is not: the run stops

    async def generate(self, requests: list[Request]) -> list[Response]:
        return list(await asyncio.gather(*(self._one(r) for r in requests)))

    async def _one(self, request: Request) -> Response:
        try:
            messages, streams = await asyncio.to_thread(
                to_openai_messages,
                request.messages,
                self.options["audio_sample_rate"],
                int(self.options["video_frames"]),
                request.gen.use_audio_in_video,
            )
        except MediaError as err:
            return Response(error=str(err))
        gen = request.gen
        if gen.system_prompt and not any(m["role"] == "system" for m in messages):
            messages.insert(0, {"role": "system", "content": gen.system_prompt})
        body = {
            "model": self.options["model"],
            "messages": messages,
            "max_tokens": gen.max_new_tokens,
            "temperature": gen.temperature,
            "top_p": gen.top_p,
            "seed": gen.seed,
            **self._speech_out(gen),
            **(self._extra_body(gen) or {}),
        }
        async with self._in_flight_slots():
            started = time.perf_counter()
            completion = await self._completion(body)
        if isinstance(completion, Response):
            return completion
        latency = time.perf_counter() - started
        answers = _messages(completion)
        spoken = [audio for audio in map(_audio, answers) if audio is not None]
        text = (
            next((t for t in (_text(m.get("content")) for m in answers) if t), None)
            or next((a["transcript"] for a in spoken if isinstance(a.get("transcript"), str) and a["transcript"]), None)
            or next((m["refusal"] for m in answers if isinstance(m.get("refusal"), str) and m["refusal"]), "")
        )
        usage = completion.get("usage")
        response = Response(
            text=text,
            input_tokens=_tokens(usage, "prompt_tokens"),
            output_tokens=_tokens(usage, "completion_tokens"),
            latency_s=latency,
            inputs=streams,
        )
        speech = next((a["data"] for a in spoken if isinstance(a.get("data"), str) and a["data"]), None)
        if not gen.return_audio or speech is None:
            return response  # an answer without speech is scored as such (omnieval.speech.spoken)
        try:
            with_speech = self.with_speech(response, request.sample_id, base64.b64decode(speech), latency)
        except ValueError:  # binascii.Error included
            return response  # undecodable speech: the text answer stands, scored as one without speech
        return response if with_speech.error else with_speech

    async def _completion(self, body: dict[str, Any]) -> dict[str, Any] | Response:
        """The server's chat completion for `body`, or a failed Response. A 200 without a usable answer is
        asked again as a 5xx would be."""
        tries = int(self.options["max_retries"]) + 1
        for attempt in range(tries):
            answer = await self._post("chat/completions", body)
            if isinstance(answer, Response):
                return answer
            try:
                completion = answer.json()
            except ValueError as err:  # a truncated or garbled body (UnicodeDecodeError included)
                problem: str | None = f"the body is not valid JSON ({first_line(err)})"
            else:
                problem = unusable_completion(completion)
            if problem is None:
                return completion
            if attempt + 1 < tries:  # a broken answer is a server fault: backoff as for a 5xx
                log.warning(
                    "%s: unusable answer (%s); asking again (try %d of %d)",
                    self.options["model"],
                    problem,
                    attempt + 2,
                    tries,
                )
                await asyncio.sleep(min(8.0, 0.5 * 2**attempt))
        return Response(error=f"the server's answer is unusable after {tries} tries: {problem}")

    def _speech_out(self, gen: GenConfig) -> dict[str, Any]:
        """The chat-completions arguments that ask an OpenAI-style server for a spoken answer too (WAV)."""
        if not gen.return_audio or self.options["speech_api"] == "vllm-omni":
            return {}
        voice = gen.speaker or self.options["voice"]
        return {"modalities": ["text", "audio"], "audio": {"format": "wav", **({"voice": voice} if voice else {})}}

    def _omni_speech(self, gen: GenConfig) -> dict[str, Any]:
        """What vLLM-Omni's server reads in the body: the modalities always (it speaks unless told text), the
        voice at the top level."""
        if not gen.return_audio:
            return {"modalities": ["text"]}
        voice = gen.speaker or self.options["voice"]
        return {"modalities": ["text", "audio"], **({"voice": voice} if voice else {})}

    def _extra_body(self, gen) -> dict[str, Any] | None:
        extra = dict(self.options["extra_body"] or {})
        if self.options["speech_api"] == "vllm-omni":
            extra.update(self._omni_speech(gen))
        if gen.choices and self.constrains_choices:
            extra["guided_choice"] = list(gen.choices)
        return extra or None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


RUNNERS.register(OpenAICompatRunner)
