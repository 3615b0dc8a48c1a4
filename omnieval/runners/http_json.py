"""The HTTP side of the OpenAI-compatible runners: JSON bodies posted over one aiohttp session, retried as
the openai SDK retries them.

Why not the SDK's own client: with 64 requests in flight against a local server, its request path (the
request built through several httpx layers, the answer turned into response models) held the event loop
about 2.2 ms per request, against 0.9 ms for the same POST made here; that bounded the openai runner at
0.45 of the ideal throughput (benchmarks/openai_throughput.py). What a request needs is small: a POST,
the API key, a timeout, and the retry policy below.

Retried, with exponential backoff (0.5 s doubling to 8 s, a quarter of jitter) or the server's
`retry-after-ms` / `Retry-After` when it asks for at most a minute: 408, 409, 429 and 5xx answers, a
timeout, and a connection that fails (refused, reset, closed mid-body); `x-should-retry` overrides the
status. Anything else is answered at once.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import orjson

from omnieval.errors import error_line

RETRIED_STATUSES = frozenset({408, 409, 429})
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
#: the longest wait a server may ask for before a retry; beyond it, our own backoff
MAX_RETRY_AFTER_S = 60.0


class HTTPFailure(Exception):
    """The server answered with an error status (on the last try, where it deserved retries)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class ConnectionFailure(Exception):
    """No answer: the connection failed (refused, reset, closed mid-body) on every try."""


class TimedOut(Exception):
    """No answer within the timeout, on every try."""


@dataclass
class Answer:
    """A 2xx answer, its body read whole."""

    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return orjson.loads(self.body)


@dataclass
class JSONClient:
    """Posts JSON to one base URL; close() at the end."""

    base_url: str
    api_key: str
    timeout_s: float
    max_retries: int
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False, repr=False)

    def _session_for_this_loop(self) -> aiohttp.ClientSession:
        """The session, opened on the running loop: a session serves one loop only (a runner started under one
        `asyncio.run` may be used under another, as a judge is: close() in between)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            headers = {"Authorization": f"Bearer {self.api_key}", "User-Agent": "omnieval"}
            # no connection limit here: the runner bounds the requests in flight (max_concurrency)
            self._session = aiohttp.ClientSession(headers=headers, connector=aiohttp.TCPConnector(limit=0))
            self._loop = loop
        return self._session

    async def close(self) -> None:
        """Close the session (on the loop that opened it); the next request opens another."""
        if self._session is not None and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None

    async def post(self, path: str, body: dict[str, Any], retries: int | None = None) -> Answer:
        """POST `body` as JSON to `path` (under the base URL). orjson, because the standard library's encoder
        scanned every character of the base64 media for escapes: about 0.9 ms of the event loop's time for a
        few seconds of audio, against 0.01 ms."""
        data = orjson.dumps(body)
        return await self.request("POST", path, data, retries)

    async def get(self, path: str, retries: int | None = None, timeout_s: float | None = None) -> Answer:
        return await self.request("GET", path, None, retries, timeout_s)

    async def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        retries: int | None = None,
        timeout_s: float | None = None,
    ) -> Answer:
        """The answer to one request, retried as the module says; raises HTTPFailure, ConnectionFailure or
        TimedOut when the last try fails."""
        session = self._session_for_this_loop()
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        wait = timeout_s or self.timeout_s
        # sock_read: the longest silence while waiting for (the rest of) an answer, as the SDK's read timeout
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=wait, sock_read=wait)
        headers = {"Content-Type": "application/json"} if data is not None else None
        tries = (self.max_retries if retries is None else retries) + 1
        for attempt in range(tries):
            last = attempt + 1 == tries
            try:
                async with session.request(method, url, data=data, headers=headers, timeout=timeout) as answer:
                    body = await answer.read()
                    if answer.status < 300:
                        return Answer(answer.status, answer.content_type, body)
                    if last or not _retried(answer.status, answer.headers):
                        raise HTTPFailure(answer.status, _error_message(body))
                    delay = _asked_delay(answer.headers)
            except TimeoutError as err:  # aiohttp's read and connect timeouts are TimeoutErrors too
                if last:
                    raise TimedOut(f"no answer within {wait:g} s, {tries} tries") from err
                delay = None
            except aiohttp.ClientError as err:  # refused, reset, closed mid-body: HTTP errors are raised above
                if last:
                    raise ConnectionFailure(error_line(err)) from err
                delay = None
            await asyncio.sleep(delay if delay is not None else backoff(attempt))
        raise AssertionError("unreachable: the last try returns or raises")


def backoff(attempt: int) -> float:
    """Seconds before try `attempt + 2`: 0.5 doubling to 8, less up to a quarter of it at random."""
    return min(INITIAL_BACKOFF_S * 2**attempt, MAX_BACKOFF_S) * (1 - 0.25 * random.random())


def _retried(status: int, headers: Any) -> bool:
    should = headers.get("x-should-retry")
    if should in ("true", "false"):
        return should == "true"
    return status in RETRIED_STATUSES or status >= 500


def _asked_delay(headers: Any) -> float | None:
    """The wait the server asks for (`retry-after-ms`, else `Retry-After` in seconds or as a date), if it
    is a sensible one."""
    seconds: float | None = None
    try:
        if "retry-after-ms" in headers:
            seconds = float(headers["retry-after-ms"]) / 1000
        elif "retry-after" in headers:
            value = headers["retry-after"]
            try:
                seconds = float(value)
            except ValueError:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
    except (ValueError, TypeError, OverflowError):
        return None
    return seconds if seconds is not None and 0 < seconds <= MAX_RETRY_AFTER_S else None


def _error_message(body: bytes) -> str:
    """An error answer's message: OpenAI's `{"error": {"message": ...}}`, vLLM's `{"message": ...}`, else
    the start of the body."""
    try:
        parsed = orjson.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error")
        message = error.get("message") if isinstance(error, dict) else error or parsed.get("message")
        if isinstance(message, str) and message:
            return message[:500]
    text = body.decode("utf-8", "replace").strip()
    return text[:200] or "(no body)"
