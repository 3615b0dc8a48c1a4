"""The openai runner behind a fault-injecting proxy on 127.0.0.1: a 200 that holds no answer is retried,
then a failed sample; it is never recorded as an empty answer nor cached."""

from __future__ import annotations

import asyncio
import json
import random
import threading

import pytest
from aiohttp import ClientSession, web

from omnieval.cache import ResponseCache
from tests.conftest import openai_preset, read_jsonl, read_run
from tests.helpers import evaluate
from tests.runners.test_openai_compat import evaluate_over_http

COMPLETION = '{"id":"x","object":"chat.completion","created":1,"model":"pocketsphinx-en",'
FAULTS = {
    "empty_choices": (COMPLETION + '"choices":[]}', "application/json"),
    "no_message": (COMPLETION + '"choices":[{"index":0,"finish_reason":"stop"}]}', "application/json"),
    "null_content": (
        COMPLETION + '"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":null}}]}',
        "application/json",
    ),
    "truncated": (COMPLETION + '"choices":[{"index":0,"mess', "application/json"),
    "not_json": ("<html>502 from a gateway</html>", "text/html"),
    "a_list": ("[]", "application/json"),
    # what older versions took for an answer, and cached: valid, but empty
    "empty_content": (
        COMPLETION + '"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":""}}]}',
        "application/json",
    ),
}


#: faults of the transport and of HTTP, made by the proxy itself (the rest of FAULTS are canned bodies)
HTTP_FAULTS = ("http_500", "http_502", "http_503", "http_429", "http_429_retry_after", "hang", "reset", "trickle")


class FaultProxy:
    """Answers chat requests with the next fault of `faults` (None: forward that one), or with `always`
    every time; forwards the rest to `upstream`."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.faults, self.always = upstream, [], None
        self.answered: list[str] = []
        #: the JSON bodies of the chat requests it received
        self.bodies: list[dict] = []
        #: with a seeded random.Random here, each chat request gets a fault with probability `share`
        self.chaos: random.Random | None = None
        self.share = 0.3
        #: how long a "hang" holds its request (past the client's timeout)
        self.hang_s = 3.0
        self._ready = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        self._ready.wait(10)

    def _serve(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._start())
        self.loop.run_forever()

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_route("*", "/v1/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1"
        self._ready.set()

    async def _handle(self, request: web.Request) -> web.Response:
        fault = None
        if request.method == "POST":
            fault = self.always or (self.faults.pop(0) if self.faults else None)
            if fault is None and self.chaos is not None and self.chaos.random() < self.share:
                fault = self.chaos.choice([*HTTP_FAULTS, *FAULTS])
        if request.method == "POST":
            self.answered.append(fault or "forwarded")
            self.bodies.append(json.loads(await request.read()))
        if fault in FAULTS:
            body, content_type = FAULTS[fault]
            return web.Response(text=body, content_type=content_type)
        if fault is not None and fault.startswith("http_"):
            status = int(fault.split("_")[1])
            headers = {"Retry-After": "1"} if fault.endswith("retry_after") else {}
            return web.json_response(
                {"error": {"message": fault, "type": "server_error"}}, status=status, headers=headers
            )
        if fault == "hang":
            await asyncio.sleep(self.hang_s)
            return web.json_response({"error": {"message": "too late"}}, status=504)
        if fault == "reset":  # headers and half a body, then the connection drops
            answer = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "400"})
            await answer.prepare(request)
            await answer.write(COMPLETION.encode())
            assert request.transport is not None
            request.transport.close()
            return answer
        upstream = await self._forward(request)
        if fault == "trickle":  # the right answer, a few bytes at a time
            answer = web.StreamResponse(status=upstream.status, headers={"Content-Type": "application/json"})
            await answer.prepare(request)
            body = upstream.body
            assert isinstance(body, bytes)
            for start in range(0, len(body), 16):
                await answer.write(body[start : start + 16])
                await asyncio.sleep(0.01)
            await answer.write_eof()
            return answer
        return upstream

    async def _forward(self, request: web.Request) -> web.Response:
        async with ClientSession() as session:
            async with session.request(
                request.method,
                self.upstream + "/" + request.match_info["tail"],
                data=await request.read(),
                headers={k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")},
            ) as answer:
                return web.Response(body=await answer.read(), status=answer.status, content_type=answer.content_type)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def proxy(pocketsphinx_server):
    fault_proxy = FaultProxy(pocketsphinx_server.url.removesuffix("/v1") + "/v1")
    yield fault_proxy
    fault_proxy.close()


def cached_answers(path) -> list[str]:
    cache = ResponseCache(path)
    try:
        return [row[0] for row in cache._db.execute("SELECT response FROM responses")]
    finally:
        cache.close()


def test_broken_answers_are_retried_until_a_real_one_comes(proxy, librispeech_parquet, tmp_path, monkeypatch):
    kinds = [k for k in FAULTS if k != "empty_content"]
    proxy.faults = kinds[:2] + [None] + kinds[2:4] + [None] + kinds[4:]  # two broken answers before each good one
    preset = openai_preset(tmp_path, proxy.url, max_concurrency=1, max_retries=2)
    run_dir = evaluate_over_http(
        preset, librispeech_parquet, tmp_path / "out", monkeypatch, limit=3, cache_path=tmp_path / "cache.sqlite"
    )
    records = read_jsonl(run_dir.samples_file)
    assert len(records) == 3 and not any(r["error"] for r in records) and all(r["prediction"] for r in records)
    assert proxy.answered == kinds[:2] + ["forwarded"] + kinds[2:4] + ["forwarded"] + kinds[4:] + ["forwarded"]
    assert len(cached_answers(tmp_path / "cache.sqlite")) == 3


@pytest.mark.parametrize("fault", ["empty_choices", "truncated", "not_json", "no_message"])
def test_an_answer_that_stays_broken_fails_its_sample_and_is_not_cached(
    fault, proxy, librispeech_parquet, tmp_path, monkeypatch
):
    proxy.always = fault
    preset = openai_preset(tmp_path, proxy.url, max_concurrency=2, max_retries=1)
    cache = tmp_path / "cache.sqlite"
    run_dir = evaluate_over_http(
        preset, librispeech_parquet, tmp_path / "out", monkeypatch, limit=2, cache_path=cache, run_id="r"
    )
    records = read_jsonl(run_dir.samples_file)
    assert [r["prediction"] for r in records] == ["", ""]
    assert all("the server's answer is unusable after 2 tries" in r["error"] for r in records), records
    assert cached_answers(cache) == []
    proxy.always = None  # the server heals: --retry-failed asks again and gets answers
    evaluate_over_http(
        preset,
        librispeech_parquet,
        tmp_path / "out",
        monkeypatch,
        limit=2,
        cache_path=cache,
        run_id="r",
        resume=True,
        retry_failed=True,
    )
    healed = read_jsonl(run_dir.samples_file)
    assert len(healed) == 2 and not any(r["error"] for r in healed) and all(r["prediction"] for r in healed)


def test_retry_failed_replaces_the_empty_answers_an_older_version_recorded_and_cached(
    proxy, librispeech_parquet, tmp_path, monkeypatch
):
    proxy.always = "empty_content"  # what a broken reply became before: an empty answer, cached
    preset = openai_preset(tmp_path, proxy.url, max_concurrency=1, max_retries=0)
    cache = tmp_path / "cache.sqlite"
    options = dict(limit=2, cache_path=cache, run_id="r")
    run_dir = evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, **options)
    assert [r["prediction"] for r in read_jsonl(run_dir.samples_file)] == ["", ""]
    assert len(cached_answers(cache)) == 2
    proxy.always = None
    evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, resume=True, **options)
    assert [r["prediction"] for r in read_jsonl(run_dir.samples_file)] == ["", ""]  # plain resume: kept
    evaluate_over_http(
        preset, librispeech_parquet, tmp_path / "out", monkeypatch, resume=True, retry_failed=True, **options
    )
    fixed = read_jsonl(run_dir.samples_file)
    assert len(fixed) == 2 and all(r["prediction"] and not r["cached"] for r in fixed)
    assert all('"text":""' not in answer for answer in cached_answers(cache))


def test_a_vllm_omni_server_is_told_to_answer_in_text_and_where_to_find_the_voice(
    proxy, librispeech_parquet, tmp_path, monkeypatch
):
    preset = openai_preset(tmp_path, proxy.url, speech_api="vllm-omni")
    run_dir = evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, limit=2)
    assert not any(r["error"] for r in read_jsonl(run_dir.samples_file))
    assert [body["modalities"] for body in proxy.bodies] == [["text"], ["text"]]  # it would speak otherwise
    assert not any("audio" in body or "voice" in body for body in proxy.bodies)

    from omnieval.runners.openai_compat import OpenAICompatRunner
    from omnieval.types import GenConfig

    spoken = GenConfig(return_audio=True, speaker="Ethan")
    omni = OpenAICompatRunner(model="m", speech_api="vllm-omni")
    assert omni._speech_out(spoken) == {} and omni._extra_body(spoken) == {
        "modalities": ["text", "audio"],
        "voice": "Ethan",
    }
    openai = OpenAICompatRunner(model="m")
    assert openai._extra_body(spoken) is None
    assert openai._speech_out(spoken) == {"modalities": ["text", "audio"], "audio": {"format": "wav", "voice": "Ethan"}}


def test_with_faults_in_30_percent_of_requests_every_sample_ends_right_or_failed(
    proxy, librispeech_parquet, tmp_path, monkeypatch
):
    direct = {
        r.id: r.prediction
        for r in evaluate("librispeech_test_clean", librispeech_parquet, tmp_path / "d").read_records()
    }
    proxy.chaos, proxy.hang_s = random.Random(7), 6.0
    preset = openai_preset(tmp_path, proxy.url, max_concurrency=4, max_retries=4, timeout_s=4)
    run_dir = evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch)
    records = read_jsonl(run_dir.samples_file)
    faults = [kind for kind in proxy.answered if kind != "forwarded"]
    assert len(set(faults)) >= 5 and len(faults) >= 0.2 * len(proxy.answered)  # the mix really happened
    assert len(records) == len(direct)
    wrong = [r["id"] for r in records if not r["error"] and r["prediction"] != direct[r["id"]]]
    assert wrong == []  # nothing silently wrong
    assert sum(not r["error"] for r in records) >= len(records) / 2  # and retries get most through


def test_a_connection_reset_on_every_try_fails_that_sample_not_the_run(
    proxy, librispeech_parquet, tmp_path, monkeypatch
):
    proxy.always = "reset"
    preset = openai_preset(tmp_path, proxy.url, max_retries=1)
    run_dir = evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, limit=2)
    records = read_jsonl(run_dir.samples_file)
    assert read_run(run_dir.path)["status"] == "complete" and len(records) == 2
    assert all(r["error"].startswith("the connection failed on every try: ") for r in records)
    assert all(len(r["error"]) > len("the connection failed on every try: ") + 3 for r in records)  # with a cause
