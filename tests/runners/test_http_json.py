"""The openai runners' HTTP client against a real aiohttp server on 127.0.0.1 that answers from a script."""

from __future__ import annotations

import asyncio
import json
import time
from email.utils import formatdate

import pytest
from aiohttp import web

from omnieval.runners.http_json import (
    ConnectionFailure,
    HTTPFailure,
    JSONClient,
    TimedOut,
    _asked_delay,
    _error_message,
    backoff,
)


async def scripted(answers: list[web.Response | float], tries: int = 2, timeout_s: float = 5.0):
    """Serve `answers` in turn (a number: hang that many seconds first, then answer 200), POST once through a
    JSONClient; (what the client got or raised, the bodies the server received, their arrival times)."""
    received: list[tuple[float, bytes, str]] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        received.append((time.monotonic(), await request.read(), request.headers.get("Authorization", "")))
        answer = answers.pop(0)
        if isinstance(answer, float):
            await asyncio.sleep(answer)
            return web.json_response({"late": True})
        return answer

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    client = JSONClient(f"http://127.0.0.1:{port}/v1", "k3y", timeout_s, tries - 1)
    try:
        outcome: object = await client.post("chat/completions", {"model": "m", "x": "é"})
    except (HTTPFailure, ConnectionFailure, TimedOut) as err:
        outcome = err
    finally:
        await client.close()
        await runner.cleanup()
    return outcome, received


def test_a_json_answer_comes_back_with_the_key_and_the_body_sent():
    answer, received = asyncio.run(scripted([web.json_response({"ok": 1})]))
    assert answer.status == 200 and answer.json() == {"ok": 1}
    assert [(json.loads(body), key) for _, body, key in received] == [({"model": "m", "x": "é"}, "Bearer k3y")]


def test_a_429_waits_as_long_as_the_server_asks_then_tries_again():
    asked = web.json_response({"error": {"message": "busy"}}, status=429, headers={"retry-after-ms": "700"})
    answer, received = asyncio.run(scripted([asked, web.json_response({"ok": 1})]))
    assert answer.json() == {"ok": 1} and len(received) == 2
    assert received[1][0] - received[0][0] >= 0.65  # not the 0.5 s (less jitter) of the first backoff


@pytest.mark.parametrize("status", [500, 502, 503, 408, 409])
def test_server_errors_are_retried_and_the_last_one_is_reported_with_its_message(status):
    failing = [web.json_response({"error": {"message": f"broke {n}"}}, status=status) for n in range(3)]
    outcome, received = asyncio.run(scripted(failing, tries=3))
    assert len(received) == 3
    assert isinstance(outcome, HTTPFailure) and outcome.status == status and str(outcome) == f"HTTP {status}: broke 2"


@pytest.mark.parametrize(
    "answer, message",
    [
        (web.json_response({"error": {"message": "bad audio"}}, status=400), "HTTP 400: bad audio"),
        (web.json_response({"message": "vLLM says no", "object": "error"}, status=400), "HTTP 400: vLLM says no"),
        (web.Response(text="<html>Bad Request</html>", status=400), "HTTP 400: <html>Bad Request</html>"),
        (web.Response(status=422), "HTTP 422: (no body)"),
        (web.json_response({"error": "plain"}, status=500, headers={"x-should-retry": "false"}), "HTTP 500: plain"),
    ],
)
def test_a_client_error_or_a_server_that_says_not_to_retry_is_answered_at_once(answer, message):
    outcome, received = asyncio.run(scripted([answer, web.json_response({"ok": 1})], tries=3))
    assert len(received) == 1 and isinstance(outcome, HTTPFailure) and str(outcome) == message


def test_a_server_that_says_to_retry_a_client_error_is_asked_again():
    told = web.json_response({"error": "later"}, status=400, headers={"x-should-retry": "true"})
    answer, received = asyncio.run(scripted([told, web.json_response({"ok": 1})]))
    assert len(received) == 2 and answer.json() == {"ok": 1}


def test_no_answer_within_the_timeout_on_every_try_is_a_timeout():
    outcome, received = asyncio.run(scripted([2.0, 2.0], tries=2, timeout_s=0.3))
    assert isinstance(outcome, TimedOut) and "0.3 s, 2 tries" in str(outcome) and len(received) == 2


def test_a_server_that_is_not_there_is_a_connection_failure():
    async def post() -> Exception:
        client = JSONClient("http://127.0.0.1:9/v1", "k", 2.0, 1)
        try:
            await client.post("chat/completions", {})
        except ConnectionFailure as err:
            return err
        finally:
            await client.close()
        raise AssertionError("no failure")

    assert "127.0.0.1:9" in str(asyncio.run(post()))


def test_the_asked_delay_is_taken_only_when_sensible():
    assert _asked_delay({"retry-after-ms": "250"}) == 0.25
    assert _asked_delay({"retry-after": "2"}) == 2.0
    assert 8 < _asked_delay({"retry-after": formatdate(time.time() + 10, usegmt=True)}) <= 10
    for absurd in ({"retry-after": "3600"}, {"retry-after": "0"}, {"retry-after": "-5"}, {"retry-after": "soon"}):
        assert _asked_delay(absurd) is None, absurd
    assert _asked_delay({}) is None


def test_backoff_doubles_to_eight_seconds_with_at_most_a_quarter_of_jitter():
    for attempt, full in [(0, 0.5), (1, 1.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        waits = [backoff(attempt) for _ in range(200)]
        assert all(0.75 * full <= w <= full for w in waits) and len(set(waits)) > 1


def test_an_error_body_is_read_as_openai_or_vllm_write_it():
    assert _error_message(b'{"error": {"message": "m1", "type": "x"}}') == "m1"
    assert _error_message(b'{"message": "m2"}') == "m2"
    assert _error_message(b"\xff\xfe not text").startswith("\ufffd")
    assert len(_error_message(b"x" * 10_000)) == 200
