"""The openai runner behind a fault-injecting proxy on 127.0.0.1: a 200 that holds no answer is retried,
then a failed sample; it is never recorded as an empty answer nor cached."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from aiohttp import ClientSession, web

from omnieval.cache import ResponseCache
from tests.conftest import openai_preset, read_jsonl
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


class FaultProxy:
    """Answers chat requests with the next fault of `faults` (None: forward that one), or with `always`
    every time; forwards the rest to `upstream`."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.faults, self.always = upstream, [], None
        self.answered: list[str] = []
        #: the JSON bodies of the chat requests it received
        self.bodies: list[dict] = []
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
        if request.method == "POST":
            self.answered.append(fault or "forwarded")
            self.bodies.append(json.loads(await request.read()))
        if fault is not None:
            body, content_type = FAULTS[fault]
            return web.Response(text=body, content_type=content_type)
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
