"""An OpenAI-compatible server in front of any runner: chat completions, and speech.

`omnieval serve --model pocketsphinx-en` makes a local model reachable by the openai
runner (and by any OpenAI client): audio arrives as `input_audio`, images as data URLs.
`/v1/audio/speech` speaks its `input` with a runner that returns speech (`omnieval serve
--model espeak-ng`), `voice` passed as the speaker, as WAV (the openai-speech runner's endpoint).
vLLM's `guided_choice` extension reaches the runner as GenConfig.choices.

What it accepts, and why:
- JSON objects sent as `application/json` only. A browser can post `text/plain` to any
  address without asking first; it cannot post JSON to another origin without a preflight,
  which this server never grants. A request that carries an `Origin` (a web page's) is refused.
- Media are written under the server's own folder, named by their sha256 and a suffix from
  a fixed list: nothing a client sends becomes part of a path.
- It binds 127.0.0.1 unless told otherwise, and serves another address only with an API key.
- Beyond `max_inflight` requests at once the answer is HTTP 429 with `Retry-After`.

It runs on aiohttp (already installed with `datasets`): an asyncio server with a real accept
backlog holds many simultaneous clients on one thread, where the standard library's threading
server reset connections under load and kept a thread's memory per client. The runner lives
on an event loop of its own, so that a runner which blocks never stalls the server.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import ipaddress
import json
import signal
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from omnieval.errors import OmnievalError
from omnieval.media import media_store_dir, store_bytes
from omnieval.runners.base import Runner
from omnieval.types import GenConfig, MediaRef, Message, Part, Request, Response, media_part, text_part

#: `input_audio.format` -> the stored file's suffix; no other format is taken
AUDIO_FORMATS = {
    "wav": ".wav",
    "mp3": ".mp3",
    "flac": ".flac",
    "ogg": ".ogg",
    "opus": ".opus",
    "m4a": ".m4a",
    "aac": ".aac",
    "webm": ".webm",
    "pcm16": ".raw",
}
#: an image data URL's MIME type -> the stored file's suffix
IMAGE_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
}
#: connections the kernel queues while the server is busy accepting
ACCEPT_BACKLOG = 1024
#: the largest body taken (audio and images inline in base64 make bodies large)
MAX_BODY_BYTES = 256 * 1024 * 1024
RETRY_AFTER_MS = 200


class BadRequest(Exception):
    """A request this server answers with HTTP 400 (or `status`)."""

    def __init__(self, message: str, status: int = 400, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.status, self.code = status, code


def parse_messages(raw: Any, store: Path) -> list[Message]:
    """OpenAI chat messages -> our Messages, inline media written into `store` by content hash."""
    if not isinstance(raw, list) or not raw:
        raise BadRequest("'messages' must be a non-empty list")
    messages = []
    for item in raw:
        if not isinstance(item, dict) or item.get("role") not in ("system", "user", "assistant"):
            raise BadRequest("each message needs a role of system, user or assistant")
        content = item.get("content")
        parts: list[Part]
        if isinstance(content, str):
            parts = [text_part(content)]
        elif content is None or isinstance(content, list):
            parts = [_parse_part(p, store) for p in content or []]
        else:
            raise BadRequest("a message's content must be a string or a list of parts")
        messages.append(Message(role=item["role"], content=parts))
    return messages


def _given(body: dict[str, Any], key: str, default: float) -> Any:
    """The request's value for `key`, or `default` when it is absent or null (0 is a value)."""
    value = body.get(key)
    return default if value is None else value


def _parse_part(part: Any, store: Path) -> Part:
    kind = part.get("type") if isinstance(part, dict) else None
    try:
        if kind == "text":
            return text_part(str(part.get("text", "")))
        if kind == "input_audio":
            audio = part["input_audio"]
            fmt = audio.get("format") or "wav"
            if fmt not in AUDIO_FORMATS:
                raise BadRequest(
                    f"input_audio format {str(fmt)[:40]!r} is not taken; one of {', '.join(AUDIO_FORMATS)}"
                )
            path, digest = store_bytes(base64.b64decode(audio["data"], validate=True), AUDIO_FORMATS[fmt], root=store)
            return media_part(MediaRef(kind="audio", path=str(path), sha256=digest))
        if kind == "image_url":
            header, _, data = part["image_url"]["url"].partition(",")
            mime = header.removeprefix("data:").split(";")[0].lower()
            if not header.startswith("data:") or ";base64" not in header:
                raise BadRequest("only data: URLs with base64 images are accepted")
            if mime not in IMAGE_TYPES:
                raise BadRequest(f"image type {mime[:40]!r} is not taken; one of {', '.join(IMAGE_TYPES)}")
            path, digest = store_bytes(base64.b64decode(data, validate=True), IMAGE_TYPES[mime], root=store)
            return media_part(MediaRef(kind="image", path=str(path), sha256=digest))
    except (KeyError, TypeError, AttributeError, binascii.Error) as err:
        raise BadRequest(f"malformed {kind} part: {err}") from err
    raise BadRequest(f"unsupported content part type: {str(kind)[:40]}")


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, api_key: str | None) -> None:
    """Refuse to serve an address other machines reach without an API key."""
    if not is_loopback(host) and not api_key:
        raise OmnievalError(
            f"serving on {host} makes the model reachable from other machines: "
            "set an API key with --api-key-env, or serve on 127.0.0.1"
        )


class RunnerServer:
    """Serves one runner under one model name: construct (binds the port), serve_forever(), shutdown()."""

    def __init__(
        self,
        runner: Runner,
        model_name: str,
        host: str = "127.0.0.1",
        port: int = 8000,
        api_key: str | None = None,
        max_inflight: int | None = None,
        media_dir: Path | None = None,
    ) -> None:
        check_bind(host, api_key)
        self.runner, self.model_name, self.api_key = runner, model_name, api_key
        self.max_inflight = max_inflight
        #: the only folder this server writes: request media, by content hash
        self.media_dir = Path(media_dir) if media_dir is not None else media_store_dir() / "served"
        self.stats = {"generated": 0, "rejected_busy": 0}
        self._inflight = 0
        self._runner_loop = asyncio.new_event_loop()
        threading.Thread(target=self._runner_loop.run_forever, daemon=True, name="runner-loop").start()
        self._on_runner_loop(runner.start())
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.create_server((host, port), family=family, backlog=ACCEPT_BACKLOG)
        self._http_loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._served = threading.Event()
        self._closed = False
        #: the signal (SIGINT, SIGTERM) that stopped serve_forever, if one did
        self.stopped_by: int | None = None

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/v1"

    def _on_runner_loop(self, coroutine) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._runner_loop).result()

    def serve_forever(self) -> int | None:
        """Answer requests until shutdown() from another thread, or, on the main thread, SIGINT or SIGTERM:
        returns the number of the signal that stopped it (None for shutdown())."""
        loop = asyncio.new_event_loop()
        self._http_loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()  # removes the signal handlers too
            self._served.set()
        return self.stopped_by

    def _stop_on_signals(self, loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
        """The loop's own handlers set the stop event. A Python signal handler that raises in the main thread
        lands inside whichever callback or request task runs then, and asyncio swallows it there: the server
        went on serving after a SIGTERM that arrived mid-request."""
        if threading.current_thread() is not threading.main_thread():
            return

        def stop_on(signum: int) -> None:
            self.stopped_by = self.stopped_by or signum
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop_on, signum)

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        self._stop_on_signals(asyncio.get_running_loop(), self._stop)
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[self._guard])
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/chat/completions", self._json_route(self.complete))
        app.router.add_post("/v1/audio/speech", self._json_route(self.speak))
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, self._socket).start()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def shutdown(self) -> None:
        """Stop serving, close the port and the runner; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._http_loop is not None and self._stop is not None and not self._http_loop.is_closed():
            self._http_loop.call_soon_threadsafe(self._stop.set)
            self._served.wait(timeout=30)
        self._socket.close()
        self._on_runner_loop(self.runner.close())
        self._runner_loop.call_soon_threadsafe(self._runner_loop.stop)

    # -- the HTTP layer ---------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        """Every request: no foreign origin, the API key, and errors as OpenAI error objects."""
        origin = request.headers.get("Origin")
        if origin is not None:  # only browsers send one, and no web page is a client of this server
            return _json(403, _error(f"requests from a web page ({origin[:80]}) are refused", "forbidden_origin"))
        expected = f"Bearer {self.api_key}".encode() if self.api_key else None
        given = request.headers.get("Authorization", "").encode()
        if expected is not None and not hmac.compare_digest(given, expected):
            return _json(401, _error("invalid API key", "invalid_api_key"))
        try:
            return await handler(request)
        except web.HTTPException as err:  # aiohttp's own: no route, method not allowed, body too large
            return _json(err.status, _error(err.reason, "invalid_request" if err.status < 500 else "server_error"))

    async def _models(self, request: web.Request) -> web.Response:
        return _json(200, {"object": "list", "data": [{"id": self.model_name, "object": "model"}]})

    def _json_route(self, route):
        async def handle(request: web.Request) -> web.Response:
            if request.content_type != "application/json":
                return _json(
                    415, _error("the body must be JSON sent as Content-Type: application/json", "invalid_request")
                )
            try:
                body = json.loads(await request.read())
            except (ValueError, UnicodeDecodeError):
                return _json(400, _error("the body is not JSON", "invalid_request"))
            if not isinstance(body, dict):
                return _json(400, _error("the body must be a JSON object", "invalid_request"))
            try:
                status, payload = await route(body)
            except BadRequest as err:
                return _json(err.status, _error(str(err), err.code))
            if isinstance(payload, bytes):
                return web.Response(status=status, body=payload, content_type="audio/wav")
            return _json(status, payload)

        return handle

    # -- the OpenAI protocol ----------------------------------------------------------------------

    def _check_model(self, body: dict[str, Any]) -> None:
        if body.get("model") != self.model_name:
            raise BadRequest(
                f"model '{str(body.get('model'))[:80]}' is not served here; this server has '{self.model_name}'",
                404,
                "model_not_found",
            )

    async def _generate(self, request: Request) -> Response:
        """The runner's response; BadRequest carries the HTTP error to answer with."""
        if self.max_inflight is not None and self._inflight >= self.max_inflight:
            self.stats["rejected_busy"] += 1
            raise BadRequest(f"busy: {self.max_inflight} requests in flight", 429, "rate_limit_exceeded")
        self._inflight += 1  # only the HTTP loop's thread touches these counters
        try:
            future = asyncio.run_coroutine_threadsafe(self.runner.generate([request]), self._runner_loop)
            response = (await asyncio.wrap_future(future))[0]
        except Exception as err:  # noqa: BLE001 - a runner crash is the server's fault: HTTP 500
            raise BadRequest(f"{type(err).__name__}: {err}", 500, "server_error") from err
        finally:
            self._inflight -= 1
            self.stats["generated"] += 1
        if not response.ok:
            raise BadRequest(response.error or "generation failed")
        return response

    async def complete(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """/v1/chat/completions."""
        self._check_model(body)
        try:
            messages = await asyncio.to_thread(parse_messages, body.get("messages"), self.media_dir)
            gen = GenConfig(
                max_new_tokens=int(body.get("max_completion_tokens") or body.get("max_tokens") or 512),
                temperature=float(_given(body, "temperature", 0.0)),
                top_p=float(_given(body, "top_p", 1.0)),
                seed=int(body.get("seed") or 0),
                choices=_choices(body.get("guided_choice")),
                **_speech_out(body),
            )
        except (ValueError, TypeError) as err:
            raise BadRequest(str(err).splitlines()[0]) from err
        request = Request(sample_id=uuid.uuid4().hex, messages=messages, gen=gen)
        response = await self._generate(request)
        message: dict[str, Any] = {"role": "assistant", "content": response.text}
        if gen.return_audio and response.audio_path:
            message["audio"] = {
                "id": f"audio-{request.sample_id}",
                "expires_at": int(time.time()) + 3600,
                "data": base64.b64encode(Path(response.audio_path).read_bytes()).decode(),
                "transcript": response.text,
            }
        return 200, {
            "id": f"chatcmpl-{request.sample_id}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
            "usage": {
                "prompt_tokens": response.input_tokens or 0,
                "completion_tokens": response.output_tokens or 0,
                "total_tokens": (response.input_tokens or 0) + (response.output_tokens or 0),
            },
        }

    async def speak(self, body: dict[str, Any]) -> tuple[int, bytes]:
        """/v1/audio/speech: the text `input` spoken, as WAV bytes (`voice` is passed as the speaker)."""
        self._check_model(body)
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("'input' must be a non-empty string")
        if (body.get("response_format") or "wav") != "wav":
            raise BadRequest(f"response_format '{str(body.get('response_format'))[:40]}' is not served; only wav")
        gen = GenConfig(return_audio=True, speaker=str(body["voice"]) if body.get("voice") else None)
        request = Request(
            sample_id=uuid.uuid4().hex, messages=[Message(role="user", content=[text_part(text)])], gen=gen
        )
        response = await self._generate(request)
        if not response.audio_path:
            raise BadRequest(f"the model '{self.model_name}' returned no speech", 500, "server_error")
        return 200, Path(response.audio_path).read_bytes()


def _speech_out(body: dict[str, Any]) -> dict[str, Any]:
    """The generation settings of a chat request's `modalities` and `audio` (a spoken answer, its voice)."""
    modalities = body.get("modalities") or ["text"]
    if (
        not isinstance(modalities, list)
        or not all(isinstance(m, str) for m in modalities)
        or not set(modalities) <= {"text", "audio"}
    ):
        raise BadRequest("'modalities' must list 'text' and/or 'audio'")
    if "audio" not in modalities:
        return {}
    audio = body.get("audio") or {}
    if not isinstance(audio, dict):
        raise BadRequest('\'audio\' must be an object ({"format": "wav", "voice": ...})')
    if (audio.get("format") or "wav") != "wav":
        raise BadRequest(f"audio format '{str(audio.get('format'))[:40]}' is not served; only wav")
    return {"return_audio": True, "speaker": str(audio["voice"]) if audio.get("voice") else None}


def _choices(raw: Any) -> list[str] | None:
    """vLLM's `guided_choice`: the answer must be one of these strings."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) and c for c in raw):
        raise BadRequest("'guided_choice' must be a non-empty list of strings")
    return raw


def _json(status: int, payload: dict[str, Any]) -> web.Response:
    headers = {}
    if status == 429:  # seconds for any client, milliseconds for the openai SDK (which reads that first)
        headers = {"Retry-After": str(max(1, RETRY_AFTER_MS // 1000)), "retry-after-ms": str(RETRY_AFTER_MS)}
    return web.json_response(payload, status=status, headers=headers)


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}
