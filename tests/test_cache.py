"""The response cache: what the request hash covers, and concurrent writers in separate processes."""

from __future__ import annotations

import multiprocessing
import sqlite3

from omnieval.cache import ResponseCache, request_hash
from omnieval.types import GenConfig, MediaRef, Message, Request, Response, media_part, text_part

RUNNER = {"name": "openai", "settings": {"model": "m"}}


def _request(path="/a/x.wav", sha="abc", text="Transcribe.", **gen) -> Request:
    audio = MediaRef(kind="audio", path=path, name="x.wav", sha256=sha)
    return Request(
        sample_id="s",
        messages=[Message(role="user", content=[media_part(audio), text_part(text)])],
        gen=GenConfig(**gen),
    )


def test_the_hash_covers_model_settings_messages_and_media_bytes():
    base = request_hash(RUNNER, _request())
    assert base == request_hash(RUNNER, _request(path="/elsewhere/y.wav"))  # same bytes elsewhere
    assert base != request_hash(RUNNER, _request(sha="def"))
    assert base != request_hash(RUNNER, _request(text="Transcribe the audio."))
    assert base != request_hash(RUNNER, _request(temperature=0.7))
    assert base != request_hash({"name": "openai", "settings": {"model": "other"}}, _request())


def test_the_hash_is_the_one_earlier_versions_gave_so_their_caches_still_hit():
    # omnieval 0.x wrote every media part as {"type": "media"}; parts now have a type per kind. This value is what
    # that version's request_hash returned for the same request (computed with it at commit a949d27).
    audio = MediaRef(kind="audio", path="/a/x.wav", name="x.wav", sha256="abc")
    video = MediaRef(kind="video", path="/a/v.mp4")
    request = Request(
        sample_id="s",
        messages=[Message(role="user", content=[media_part(audio), media_part(video), text_part("Transcribe.")])],
        gen=GenConfig(),
    )
    assert request_hash(RUNNER, request) == "1977eda3de132a97b4098526b381613c44292ebc542857cf9a06cde58d5e7865"


def test_failures_are_never_cached(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put("k1", "m", Response(error="HTTP 503"))
    cache.put("k2", "m", Response(text="hello"))
    assert cache.get("k1") is None and cache.get("k2").text == "hello" and len(cache) == 1


def _writer(path: str, worker: int, count: int) -> None:
    cache = ResponseCache(path)
    for n in range(count):
        # half the keys are shared by every worker, half are this worker's own
        key = f"shared-{n}" if n % 2 else f"own-{worker}-{n}"
        cache.put(key, "m", Response(text=f"{key} from {worker}", output_tokens=n))
        cache.get(f"shared-{(n + 1) % count}")
    cache.close()


def test_concurrent_writers_in_separate_processes_do_not_corrupt_the_cache(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    workers, count = 4, 150
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_writer, args=(path, w, count)) for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    cache = ResponseCache(path)
    assert len(cache) == count // 2 + workers * (count // 2)
    assert cache.get("own-3-0").text == "own-3-0 from 3"
    assert cache.get("shared-1").text.startswith("shared-1 from ")
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
