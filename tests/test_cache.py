"""The response cache: what the request hash covers, and concurrent writers in separate processes."""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
import sqlite3
import threading
import time

import pytest

from omnieval.cache import ResponseCache, request_hash
from omnieval.errors import OmnievalError
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


def test_opening_the_cache_waits_while_another_connection_holds_a_write_lock_in_rollback_mode(tmp_path):
    # what shards opening a new cache at once run into: SQLite answers the switch to WAL with "database is
    # locked" at once, without waiting its busy timeout, while such a lock is held
    path = tmp_path / "c.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT, created REAL, response TEXT NOT NULL)")
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.4, holder.execute, args=("COMMIT",))
    release.start()
    started = time.monotonic()
    try:
        cache = ResponseCache(path)
    finally:
        release.join()
        holder.close()
    assert time.monotonic() - started >= 0.35  # it waited for the lock rather than going round it
    cache.put("k", "m", Response(text="after the lock"))
    assert cache.get("k").text == "after the lock"
    cache.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _filled_cache(path, entries: int = 3000) -> None:
    cache = ResponseCache(path)
    for n in range(entries):
        cache.put(f"k{n}", "m", Response(text=f"answer {n} " + "word " * 200))
    cache.close()


def _moved_aside(path) -> list:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


def test_a_cache_file_of_random_bytes_is_moved_aside_and_replaced(tmp_path, caplog):
    path = tmp_path / "c.sqlite"
    junk = os.urandom(64 * 1024)
    path.write_bytes(junk)
    with caplog.at_level(logging.WARNING, logger="omnieval.cache"):
        cache = ResponseCache(path)
    assert "is damaged (file is not a database)" in caplog.text and "moved it to" in caplog.text
    [aside] = _moved_aside(path)
    assert aside.read_bytes() == junk  # kept for a look, never read as a cache
    assert len(cache) == 0 and cache.get("k") is None
    cache.put("k", "m", Response(text="fresh"))
    assert cache.get("k").text == "fresh"
    cache.close()


def test_a_cache_with_overwritten_pages_is_moved_aside_and_replaced(tmp_path, caplog):
    path = tmp_path / "c.sqlite"
    _filled_cache(path)
    pages = path.stat().st_size // 4096
    with open(path, "r+b") as handle:  # pages in the middle of the table overwritten: a damaged disk, a bad copy
        for page in (pages // 3, pages // 2):
            handle.seek(page * 4096)
            handle.write(random.Random(page).randbytes(4096))
    with caplog.at_level(logging.WARNING, logger="omnieval.cache"):
        cache = ResponseCache(path)  # SQLite alone would open it, and answer from the damaged pages
    assert "is damaged" in caplog.text
    assert len(_moved_aside(path)) == 1 and len(cache) == 0
    cache.close()


def test_damage_met_while_the_cache_is_in_use_is_moved_aside_too(tmp_path, caplog):
    path = tmp_path / "c.sqlite"
    _filled_cache(path, entries=20000)  # more pages than SQLite keeps in memory
    cache = ResponseCache(path)
    assert cache.get("k5").text.startswith("answer 5 ")
    with open(path, "r+b") as handle:
        handle.seek(5 * 4096)
        handle.write(b"\xff" * 4096 * 20)  # the pages of the first entries, after the cache was checked
    with caplog.at_level(logging.WARNING, logger="omnieval.cache"):
        found = [cache.get(f"k{n}") for n in range(0, 200, 10)]
    assert "is damaged (database disk image is malformed)" in caplog.text
    assert None in found and len(_moved_aside(path)) == 1
    cache.put("k1", "m", Response(text="again"))  # the new cache takes what comes
    assert cache.get("k1").text == "again" and len(cache) == 1
    cache.close()


def test_a_cache_in_a_read_only_folder_is_a_clear_error(read_only_dir):
    with pytest.raises(OmnievalError, match=r"cannot use the response cache .*--no-cache"):
        ResponseCache(read_only_dir / "c.sqlite")
    with pytest.raises(OmnievalError, match=r"cannot use the response cache .*--cache"):
        ResponseCache(read_only_dir / "sub" / "c.sqlite")
