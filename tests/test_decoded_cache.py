"""Decoded media are kept on disk by content: a second decode of the same bytes is a read."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from omnieval import decoded_cache
from omnieval.errors import MediaError
from omnieval.media import load_audio
from omnieval.testing.sample_av import make_video
from omnieval.types import MediaRef
from omnieval.vision import load_video, load_video_audio


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "decoded"
    monkeypatch.setenv("OMNIEVAL_DECODED_DIR", str(folder))
    monkeypatch.delenv("OMNIEVAL_DECODED_CACHE", raising=False)
    decoded_cache.stats.clear()
    return folder


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    base = tmp_path_factory.mktemp("videos")
    return {
        "spoken": make_video(base / "spoken.mp4", speech="the answer is blue"),
        "silent": make_video(base / "silent.mp4", track="silent"),
        "mute": make_video(base / "mute.mp4", colour="green"),
    }


def video(path) -> MediaRef:
    return MediaRef(kind="video", path=str(path))


def test_a_second_decode_reads_what_the_first_stored(cache_dir, videos, monkeypatch):
    first = load_video(video(videos["spoken"]), fps=2.0)
    assert decoded_cache.stats == {"miss": 1}
    again = load_video(video(videos["spoken"]), fps=2.0)
    assert decoded_cache.stats == {"miss": 1, "hit": 1}
    assert torch.equal(first.frames, again.frames) and first.indices == again.indices
    assert (first.sample_fps, first.source_fps, first.total_frames) == (
        again.sample_fps,
        again.source_fps,
        again.total_frames,
    )
    monkeypatch.setenv("OMNIEVAL_DECODED_CACHE", "off")
    fresh = load_video(video(videos["spoken"]), fps=2.0)
    assert torch.equal(first.frames, fresh.frames) and decoded_cache.stats["hit"] == 1
    assert first.frames.dtype == torch.float32 and first.frames.max() <= 255


def test_entries_are_keyed_by_content_and_by_what_was_asked(cache_dir, videos, tmp_path):
    load_video(video(videos["spoken"]), fps=2.0)
    renamed = tmp_path / "another name.mp4"
    shutil.copy(videos["spoken"], renamed)
    load_video(video(renamed), fps=2.0)
    assert decoded_cache.stats == {"miss": 1, "hit": 1}
    load_video(video(videos["spoken"]), fps=1.0)
    load_video(video(videos["spoken"]), fps=2.0, max_pixels=64 * 28 * 28)
    assert decoded_cache.stats == {"miss": 3, "hit": 1}
    assert len(list(cache_dir.rglob("*.bin"))) == 3


def test_audio_tracks_are_cached_and_bad_tracks_are_clear_errors(cache_dir, videos):
    track = load_video_audio(video(videos["spoken"]))
    again = load_video_audio(video(videos["spoken"]))
    assert np.array_equal(track, again) and decoded_cache.stats == {"miss": 1, "hit": 1}
    assert 1.5 < len(track) / 16000 < 2.5 and np.abs(track).max() > 0.05
    with pytest.raises(MediaError, match="silent"):
        load_video_audio(video(videos["silent"]))
    with pytest.raises(MediaError, match="silent"):  # read back from the cache, still refused
        load_video_audio(video(videos["silent"]))
    for _ in range(2):  # an error is not cached: it is raised every time
        with pytest.raises(MediaError, match="has no audio track"):
            load_video_audio(video(videos["mute"]))


def test_a_videos_track_is_decoded_without_ffprobe_as_the_reference_decodes_it(videos, tmp_path, monkeypatch):
    """The track's header comes from the video's metadata, read already: ffmpeg alone decodes it, and the
    samples are librosa's through audioread (qwen-omni-utils' reading of a video's sound)."""
    import audioread
    import librosa

    monkeypatch.setenv("OMNIEVAL_DECODED_CACHE", "off")
    path = videos["spoken"]
    expected, _ = librosa.load(audioread.ffdec.FFmpegAudioFile(str(path)), sr=16000)
    only_ffmpeg = tmp_path / "bin"
    only_ffmpeg.mkdir()
    (only_ffmpeg / "ffmpeg").symlink_to(shutil.which("ffmpeg"))
    monkeypatch.setenv("PATH", str(only_ffmpeg))
    track = load_video_audio(video(path))
    assert np.array_equal(track, expected)
    with pytest.raises(MediaError, match="has no audio track"):
        load_video_audio(video(videos["mute"]))
    with pytest.raises(MediaError, match="ffprobe is not installed"):  # a file of its own is probed first
        load_audio(MediaRef(kind="audio", path=str(path)))


def test_a_damaged_entry_is_decoded_again_and_replaced(cache_dir, videos):
    first = load_video(video(videos["spoken"]), fps=2.0)
    (entry,) = cache_dir.rglob("*.bin")
    entry.write_bytes(entry.read_bytes()[:100])
    again = load_video(video(videos["spoken"]), fps=2.0)
    assert torch.equal(first.frames, again.frames) and decoded_cache.stats == {"miss": 2}
    load_video(video(videos["spoken"]), fps=2.0)
    assert decoded_cache.stats == {"miss": 2, "hit": 1}


def test_bad_videos_fail_each_time_and_leave_nothing(cache_dir, videos, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(videos["spoken"].read_bytes()[:600])
    for _ in range(2):
        with pytest.raises(MediaError, match="cannot decode video"):
            load_video(video(broken))
    with pytest.raises(MediaError, match="not found"):
        load_video(video(tmp_path / "missing.mp4"))
    assert not list(cache_dir.rglob("*.bin"))


def test_the_cache_can_be_turned_off(cache_dir, videos, monkeypatch):
    monkeypatch.setenv("OMNIEVAL_DECODED_CACHE", "off")
    load_video(video(videos["spoken"]))
    load_video(video(videos["spoken"]))
    assert not cache_dir.exists() and decoded_cache.stats == {}


def test_questions_on_one_video_at_once_decode_it_once(cache_dir, videos):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        clips = list(pool.map(lambda _: load_video(video(videos["spoken"]), fps=2.0), range(4)))
    assert decoded_cache.stats == {"miss": 1, "hit": 3}
    assert all(torch.equal(clips[0].frames, clip.frames) for clip in clips)


def test_the_entries_used_longest_ago_go_first_when_the_cache_outgrows_its_limit(cache_dir, videos):
    import os

    for fps in (1.0, 2.0, 3.0):
        load_video(video(videos["spoken"]), fps=fps)
    entries = sorted(cache_dir.rglob("*.bin"), key=lambda p: p.stat().st_mtime)
    for age, entry in enumerate(entries):  # oldest first, a day apart
        os.utime(entry, (1_000_000 + age * 86400, 1_000_000 + age * 86400))
    load_video(video(videos["spoken"]), fps=1.0)  # a hit marks its entry as used now
    used_now = next(p for p in cache_dir.rglob("*.bin") if p.stat().st_mtime > 2_000_000)
    sizes = {p: p.stat().st_size for p in cache_dir.rglob("*.bin")}
    limit = sum(sizes.values()) - 1  # one byte too many: prune to 90% of it
    left = decoded_cache.prune(cache_dir, limit)
    kept = set(cache_dir.rglob("*.bin"))
    assert used_now in kept and len(kept) < 3 and left == sum(sizes[p] for p in kept) <= 0.9 * limit
    assert decoded_cache.prune(cache_dir, 1e12) == left  # under the limit: nothing goes


def test_nothing_is_stored_on_a_nearly_full_disk(cache_dir, videos, monkeypatch):
    monkeypatch.setattr(decoded_cache, "MIN_FREE_BYTES", 1 << 62)
    clip = load_video(video(videos["spoken"]))
    assert len(clip.indices) == 4 and not list(cache_dir.rglob("*.bin"))


def test_a_video_decode_that_runs_out_of_time_fails_and_is_not_tried_again(cache_dir, videos, monkeypatch):
    """A stuck decoder fails its sample at the time limit; the other questions on the video fail at once."""
    import threading
    import time

    from omnieval import vision
    from omnieval.media_checks import DecodeTimeout

    release, calls = threading.Event(), []

    def stuck(*args, **kwargs):
        calls.append(1)
        release.wait(60)

    monkeypatch.setattr(vision, "_decode_video", stuck)
    monkeypatch.setattr(decoded_cache, "_timed_out", {})
    monkeypatch.setenv("OMNIEVAL_DECODE_TIMEOUT_S", "0.5")
    started = time.monotonic()
    try:
        for _ in range(3):
            with pytest.raises(DecodeTimeout, match="decoding video spoken.mp4 took longer than 0.5 s"):
                load_video(video(videos["spoken"]), fps=2.0)
    finally:
        release.set()
    assert time.monotonic() - started < 5 and len(calls) == 1
    assert not list(cache_dir.rglob("*.bin")) and decoded_cache.stats == {}


def test_frames_are_stored_as_they_are_and_compressed_entries_still_read(cache_dir, videos, tmp_path):
    clip = load_video(video(videos["spoken"]), fps=2.0)
    (entry,) = cache_dir.glob("*/*.bin")
    assert entry.stat().st_size >= clip.frames.numel()  # one byte a value: not compressed
    arrays, meta = decoded_cache.read_entry(entry)
    assert np.array_equal(arrays["frames"], clip.frames.numpy().astype(np.uint8)) and meta["indices"] == clip.indices
    audio = np.linspace(-1, 1, 16000, dtype=np.float32)
    decoded_cache.write_entry(
        tmp_path / "zlib.bin", {"audio": audio, "frames": arrays["frames"]}, {"n": 1}, compress=True
    )
    again, meta = decoded_cache.read_entry(tmp_path / "zlib.bin")
    assert np.array_equal(again["audio"], audio) and np.array_equal(again["frames"], arrays["frames"])
    assert (tmp_path / "zlib.bin").stat().st_size < entry.stat().st_size and meta == {"n": 1}
    decoded_cache.write_entry(tmp_path / "raw.bin", {"audio": audio}, {})
    raw = (tmp_path / "raw.bin").read_bytes()
    (tmp_path / "raw.bin").write_bytes(raw[:-100])  # cut short
    with pytest.raises(ValueError, match="cut short"):
        decoded_cache.read_entry(tmp_path / "raw.bin")


def test_entries_larger_than_one_write_are_written_and_read_whole(tmp_path):
    """Entries go to disk and come back in slices of _IO_SLICE bytes: arrays spanning several slices, with
    a remainder, come back equal; one cut short, at a slice's edge or within one, is refused."""
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, 3 * decoded_cache._IO_SLICE + 17, dtype=np.uint8)
    audio = rng.standard_normal(decoded_cache._IO_SLICE // 4 + 5).astype(np.float32)
    path = tmp_path / "big.bin"
    decoded_cache.write_entry(path, {"frames": frames, "audio": audio}, {"n": 2})
    arrays, meta = decoded_cache.read_entry(path)
    assert np.array_equal(arrays["frames"], frames) and np.array_equal(arrays["audio"], audio) and meta == {"n": 2}
    whole = path.read_bytes()
    for keep in (2 * decoded_cache._IO_SLICE, len(whole) - 1):
        path.write_bytes(whole[:keep])
        with pytest.raises(ValueError, match="cut short"):
            decoded_cache.read_entry(path)
