"""An OpenAI-compatible server in front of any runner: chat completions, and speech.

`omnieval serve --model pocketsphinx-en` makes a local model reachable by the openai
runner (and by any OpenAI client): audio arrives as `input_audio`, images as data URLs.
`/v1/audio/speech` speaks its `input` with a runner that returns speech (`omnieval serve
--model espeak-ng`), `voice` passed as the speaker, as WAV (the openai-speech runner's endpoint).
With an API key set (`--api-key-env`), requests without `Authorization: Bearer <key>`
get HTTP 401. With `max_inflight` set, a completion request beyond that many at once gets
HTTP 429 with a `retry-after-ms` header, as rate-limited hosted APIs answer. vLLM's
`guided_choice` extension reaches the runner as GenConfig.choices. Standard
library only: a threading HTTP server whose handlers hand each request to the runner's
event loop. `stats` counts the generations the runner made and the requests turned away.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from omnieval.media import store_bytes
from omnieval.runners.base import Runner
from omnieval.types import GenConfig, MediaRef, Message, Part, Request, Response


class BadRequest(Exception):
    pass


def parse_messages(raw: Any) -> list[Message]:
    """OpenAI chat messages -> our Messages, inline media written to the media store."""
    if not isinstance(raw, list) or not raw:
        raise BadRequest("'messages' must be a non-empty list")
    messages = []
    for item in raw:
        if not isinstance(item, dict) or item.get("role") not in ("system", "user", "assistant"):
            raise BadRequest("each message needs a role of system, user or assistant")
        content = item.get("content")
        parts = [Part.of_text(content)] if isinstance(content, str) else [_parse_part(p) for p in content or []]
        messages.append(Message(role=item["role"], content=parts))
    return messages


def _parse_part(part: Any) -> Part:
    kind = part.get("type") if isinstance(part, dict) else None
    try:
        if kind == "text":
            return Part.of_text(str(part.get("text", "")))
        if kind == "input_audio":
            audio = part["input_audio"]
            path, digest = store_bytes(base64.b64decode(audio["data"], validate=True), f".{audio.get('format', 'wav')}")
            return Part.of_media(MediaRef(kind="audio", path=str(path), sha256=digest))
        if kind == "image_url":
            header, _, data = part["image_url"]["url"].partition(",")
            if not header.startswith("data:") or ";base64" not in header:
                raise BadRequest("only data: URLs with base64 images are accepted")
            suffix = "." + header[5:].split(";")[0].split("/")[-1]
            path, digest = store_bytes(base64.b64decode(data, validate=True), suffix)
            return Part.of_media(MediaRef(kind="image", path=str(path), sha256=digest))
    except (KeyError, TypeError, binascii.Error) as err:
        raise BadRequest(f"malformed {kind} part: {err}") from err
    raise BadRequest(f"unsupported content part type: {kind}")


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that hung up (its timeout ran out) is no server error worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class RunnerServer:
    """Serves one runner under one model name until shutdown()."""

    def __init__(self, runner: Runner, model_name: str, host: str = "127.0.0.1", port: int = 8000,
                 api_key: str | None = None, max_inflight: int | None = None) -> None:
        self.runner, self.model_name, self.api_key = runner, model_name, api_key
        self.max_inflight = max_inflight
        self.stats = {"generated": 0, "rejected_busy": 0}
        self._inflight = 0
        self._lock = threading.Lock()
        self.closing = False
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._loop_thread.start()
        asyncio.run_coroutine_threadsafe(runner.start(), self._loop).result()
        self.httpd = _Server((host, port), self._handler_class())
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def shutdown(self) -> None:
        self.closing = True  # handlers on kept-alive connections hang up from now on
        self.httpd.shutdown()
        self.httpd.server_close()
        asyncio.run_coroutine_threadsafe(self.runner.close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _enter(self) -> bool:
        with self._lock:
            if self.max_inflight is not None and self._inflight >= self.max_inflight:
                self.stats["rejected_busy"] += 1
                return False
            self._inflight += 1
            return True

    def _leave(self) -> None:
        with self._lock:
            self._inflight -= 1
            self.stats["generated"] += 1

    def _wrong_model(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if body.get("model") == self.model_name:
            return None
        return 404, _error(f"model '{body.get('model')}' is not served here; this server has '{self.model_name}'",
                           "model_not_found")

    def _generate(self, request: Request) -> Response | tuple[int, dict[str, Any]]:
        """The runner's response, or the HTTP error to answer with."""
        if not self._enter():
            return 429, _error(f"busy: {self.max_inflight} requests in flight", "rate_limit_exceeded")
        try:
            response = asyncio.run_coroutine_threadsafe(self.runner.generate([request]), self._loop).result()[0]
        except Exception as err:  # noqa: BLE001 - a runner crash is the server's fault: HTTP 500
            return 500, _error(f"{type(err).__name__}: {err}", "server_error")
        finally:
            self._leave()
        if not response.ok:
            return 400, _error(response.error or "generation failed", "invalid_request")
        return response

    def complete(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (wrong := self._wrong_model(body)) is not None:
            return wrong
        try:
            messages = parse_messages(body.get("messages"))
            gen = GenConfig(
                max_new_tokens=int(body.get("max_completion_tokens") or body.get("max_tokens") or 512),
                temperature=float(body.get("temperature") if body.get("temperature") is not None else 0.0),
                top_p=float(body.get("top_p") if body.get("top_p") is not None else 1.0),
                seed=int(body.get("seed") or 0),
                choices=_choices(body.get("guided_choice")),
                **_speech_out(body),
            )
        except (BadRequest, ValueError, TypeError) as err:
            return 400, _error(str(err), "invalid_request")
        request = Request(sample_id=uuid.uuid4().hex, messages=messages, gen=gen)
        response = self._generate(request)
        if isinstance(response, tuple):
            return response
        message: dict[str, Any] = {"role": "assistant", "content": response.text}
        if gen.return_audio and response.audio_path:
            message["audio"] = {"id": f"audio-{request.sample_id}", "expires_at": int(time.time()) + 3600,
                                "data": base64.b64encode(Path(response.audio_path).read_bytes()).decode(),
                                "transcript": response.text}
        return 200, {
            "id": f"chatcmpl-{request.sample_id}", "object": "chat.completion", "created": int(time.time()),
            "model": self.model_name,
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
            "usage": {"prompt_tokens": response.input_tokens or 0, "completion_tokens": response.output_tokens or 0,
                      "total_tokens": (response.input_tokens or 0) + (response.output_tokens or 0)},
        }

    def speak(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | bytes]:
        """/v1/audio/speech: the text `input` spoken, as WAV bytes (`voice` is passed as the speaker)."""
        if (wrong := self._wrong_model(body)) is not None:
            return wrong
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            return 400, _error("'input' must be a non-empty string", "invalid_request")
        if (body.get("response_format") or "wav") != "wav":
            return 400, _error(f"response_format '{body.get('response_format')}' is not served; only wav",
                               "invalid_request")
        gen = GenConfig(return_audio=True, speaker=str(body["voice"]) if body.get("voice") else None)
        request = Request(sample_id=uuid.uuid4().hex, messages=[Message(role="user", content=[Part.of_text(text)])],
                          gen=gen)
        response = self._generate(request)
        if isinstance(response, tuple):
            return response
        if not response.audio_path:
            return 500, _error(f"the model '{self.model_name}' returned no speech", "server_error")
        return 200, Path(response.audio_path).read_bytes()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet: one line per request is noise in evaluations
                pass

            def _send(self, status: int, payload: dict[str, Any] | bytes) -> None:
                audio = isinstance(payload, bytes)
                data = payload if audio else json.dumps(payload).encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("retry-after-ms", "50")
                self.send_header("Content-Type", "audio/wav" if audio else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if server.api_key is None or self.headers.get("Authorization") == f"Bearer {server.api_key}":
                    return True
                self._send(401, _error("invalid API key", "invalid_api_key"))
                return False

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if not self._authorized():
                    return
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": server.model_name, "object": "model"}]})
                else:
                    self._send(404, _error(f"no route {self.path}", "not_found"))

            def do_POST(self) -> None:  # noqa: N802
                if server.closing:
                    self.close_connection = True  # no answer: the client sees the server go away
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not self._authorized():
                    return
                routes = {"/v1/chat/completions": server.complete, "/v1/audio/speech": server.speak}
                route = routes.get(self.path.rstrip("/"))
                if route is None:
                    self._send(404, _error(f"no route {self.path}", "not_found"))
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self._send(400, _error("the body is not JSON", "invalid_request"))
                    return
                self._send(*route(body))

        return Handler


def _speech_out(body: dict[str, Any]) -> dict[str, Any]:
    """The generation settings of a chat request's `modalities` and `audio` (a spoken answer, its voice)."""
    modalities = body.get("modalities") or ["text"]
    if not isinstance(modalities, list) or not set(modalities) <= {"text", "audio"}:
        raise BadRequest(f"'modalities' must list 'text' and/or 'audio', not {modalities!r}")
    if "audio" not in modalities:
        return {}
    audio = body.get("audio") or {}
    if not isinstance(audio, dict):
        raise BadRequest(f"'audio' must be an object ({{\"format\": \"wav\", \"voice\": ...}}), not {audio!r}")
    if (audio.get("format") or "wav") != "wav":
        raise BadRequest(f"audio format '{audio.get('format')}' is not served; only wav")
    return {"return_audio": True, "speaker": str(audio["voice"]) if audio.get("voice") else None}


def _choices(raw: Any) -> list[str] | None:
    """vLLM's `guided_choice`: the answer must be one of these strings."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) and c for c in raw):
        raise BadRequest("'guided_choice' must be a non-empty list of strings")
    return raw


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}
