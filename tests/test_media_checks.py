"""Broken media fail their sample at once, with the reason, and a stuck decode at its time limit."""

from __future__ import annotations

import io
import os
import re

import numpy as np
import pytest
import soundfile

from omnieval.errors import MediaError
from omnieval.media import audio_ref_from_hf, load_audio
from omnieval.testing.sample_data import speak


@pytest.fixture(scope="module")
def wav_bytes() -> bytes:
    return speak("the quick brown fox", "en-us+f5")


# Broken files fail their sample at once, with the reason, before they are decoded in full or resampled.


def _fails_fast(call, within: float = 10.0) -> BaseException | None:
    """What `call()` raised (None when it returned), asserting that it finished within `within` seconds:
    the broken files below used to hang a run (no pytest-timeout here, so a daemon thread keeps watch)."""
    import threading
    import time

    outcome: list[BaseException | None] = []

    def target():
        try:
            call()
        except BaseException as err:  # noqa: BLE001 - handed to the test
            outcome.append(err)
        else:
            outcome.append(None)

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(within)
    assert not thread.is_alive(), f"still decoding after {within} s"
    assert time.monotonic() - started < within
    return outcome[0]


def _set_u32(data: bytes, offset: int, value: int) -> bytes:
    import struct

    return data[:offset] + struct.pack("<I", value) + data[offset + 4 :]


def _wav_offsets(data: bytes) -> dict[bytes, int]:
    """Where each chunk of a RIFF/WAVE file starts."""
    import struct

    offsets, position = {}, 12
    while position + 8 <= len(data):
        name, length = struct.unpack("<4sI", data[position : position + 8])
        offsets[name] = position
        position += 8 + length + (length & 1)
    return offsets


def _float_wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def _bad_files(wav: bytes) -> dict[str, tuple[str, bytes, str]]:
    """Name: (file name, bytes, the reason its MediaError gives), each made from a real file."""
    fmt, data = _wav_offsets(wav)[b"fmt "], _wav_offsets(wav)[b"data"]
    one_hz = _set_u32(_set_u32(wav, fmt + 12, 1), fmt + 16, 2)  # sample rate 1 Hz, byte rate 2
    speech, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    nan, inf = speech.copy(), speech.copy()
    nan[100], inf[200] = np.nan, -np.inf
    flac = io.BytesIO()
    soundfile.write(flac, speech, rate, format="FLAC")
    return {
        "1 Hz": ("one_hz.wav", one_hz, "implausible sample rate in its header: 1 Hz"),
        "NaN": ("nan.wav", _float_wav(nan, rate), "1 samples that are NaN or infinite"),
        "Inf": ("inf.wav", _float_wav(inf, rate), "1 samples that are NaN or infinite"),
        "huge length": ("huge.wav", _set_u32(wav, data + 4, 0x40000000), r"implausible length in its header: 6\.8 h"),
        "64 channels": ("wide.wav", _float_wav(np.zeros((1600, 64), np.float32)), "implausible number of channels"),
        "truncated wav": ("cut.wav", wav[: len(wav) // 2], "is truncated: its header claims"),
        "truncated flac": ("cut.flac", flac.getvalue()[: len(flac.getvalue()) // 2], "is truncated: its header claims"),
    }


@pytest.mark.parametrize(
    "case", ["1 Hz", "NaN", "Inf", "huge length", "64 channels", "truncated wav", "truncated flac"]
)
def test_a_broken_audio_file_fails_fast_with_its_reason(wav_bytes, case):
    name, data, reason = _bad_files(wav_bytes)[case]
    ref = audio_ref_from_hf({"bytes": data, "path": name})
    for rate in (16000, None):
        error = _fails_fast(lambda rate=rate: load_audio(ref, rate))
        assert isinstance(error, MediaError), error
        assert name in str(error) and re.search(reason, str(error)), str(error)


def test_ffmpeg_checks_the_header_of_what_libsndfile_cannot_read(wav_bytes, tmp_path):
    """Audio tracks of videos and formats libsndfile does not know are probed by ffprobe first."""
    from omnieval.ffmpeg_audio import decode_ffmpeg

    _, one_hz, _ = _bad_files(wav_bytes)["1 Hz"]
    (tmp_path / "one_hz.wav").write_bytes(one_hz)
    error = _fails_fast(lambda: decode_ffmpeg(tmp_path / "one_hz.wav", "one_hz.wav", reason=""))
    assert isinstance(error, MediaError) and "implausible sample rate in its header: 1 Hz" in str(error)


def test_good_files_load_exactly_as_before_the_checks(wav_bytes, tmp_path):
    """The checks change nothing for good audio: libsndfile's samples, channels averaged, resampled as librosa
    resamples them (soxr's high quality, at librosa's length); also files longer than one read block, and
    files whose writer left their length unknown (a pipe)."""
    import subprocess

    import librosa

    rng = np.random.default_rng(0)
    stereo = io.BytesIO()
    soundfile.write(
        stereo, (0.1 * rng.standard_normal((1_200_000, 2))).astype(np.float32), 44100, "PCM_24", format="WAV"
    )
    piped = {
        fmt: subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "wav", "-i", "pipe:", "-f", fmt, "pipe:"],
            input=wav_bytes,
            capture_output=True,
            check=True,
        ).stdout
        for fmt in ("wav", "flac")
    }
    assert piped["wav"][_wav_offsets(piped["wav"])[b"data"] + 4 :][:4] == b"\xff\xff\xff\xff"  # length unknown
    flac, (pcm, pcm_rate) = io.BytesIO(), soundfile.read(io.BytesIO(wav_bytes), dtype="int16")
    soundfile.write(flac, pcm, pcm_rate, format="FLAC")
    files = {"a.wav": wav_bytes, "b.flac": flac.getvalue(), "c.wav": stereo.getvalue()}
    for name, data in files.items():
        ref = audio_ref_from_hf({"bytes": data, "path": name})
        samples, rate = soundfile.read(ref.path, dtype="float32", always_2d=True)
        mono = samples.mean(axis=1)
        audio, got = load_audio(ref, 16000)
        assert got == 16000 and np.array_equal(
            audio, librosa.resample(mono, orig_sr=rate, target_sr=16000, res_type="soxr_hq")
        ), name
        assert np.array_equal(load_audio(ref, None)[0], mono) and load_audio(ref, None)[1] == rate
    reference, _ = load_audio(audio_ref_from_hf({"bytes": wav_bytes, "path": "a.wav"}), None)
    for fmt, data in piped.items():
        audio, _ = load_audio(audio_ref_from_hf({"bytes": data, "path": f"piped.{fmt}"}), None)
        assert np.array_equal(audio, reference), fmt


def test_a_stuck_decode_fails_its_item_at_the_time_limit(wav_bytes, monkeypatch):
    import threading

    from omnieval import media, media_checks
    from omnieval.errors import OmnievalError

    release = threading.Event()
    monkeypatch.setattr(media, "_decode_soundfile", lambda *args: release.wait(60))
    monkeypatch.setenv("OMNIEVAL_DECODE_TIMEOUT_S", "0.5")
    ref = audio_ref_from_hf({"bytes": wav_bytes, "path": "stuck.wav"})
    try:
        error = _fails_fast(lambda: load_audio(ref), within=5)
    finally:
        release.set()
    assert isinstance(error, media_checks.DecodeTimeout) and isinstance(error, MediaError)
    assert "decoding audio stuck.wav took longer than 0.5 s" in str(error) and "OMNIEVAL_DECODE_TIMEOUT_S" in str(error)
    monkeypatch.setenv("OMNIEVAL_DECODE_TIMEOUT_S", "soon")
    with pytest.raises(OmnievalError, match="OMNIEVAL_DECODE_TIMEOUT_S must be a positive number"):
        load_audio(ref)
    monkeypatch.delenv("OMNIEVAL_DECODE_TIMEOUT_S")
    assert media_checks.decode_timeout_s() == media_checks.DECODE_TIMEOUT_S == 120
    assert media_checks.decode_timeout_s("video") == media_checks.VIDEO_DECODE_TIMEOUT_S


def test_decodes_reuse_their_threads_and_go_on_beside_a_stuck_one(wav_bytes, monkeypatch):
    """Decoding threads are kept for the next item; one stuck on an item is left to it, and the next items
    decode on another thread."""
    import threading

    from omnieval import media, media_checks

    def decode_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "omnieval-decode"}

    ref = audio_ref_from_hf({"bytes": wav_bytes, "path": "fox.wav"})
    expected, rate = load_audio(ref)
    kept = decode_threads()
    for _ in range(20):
        audio, again = load_audio(ref)
        assert again == rate and np.array_equal(audio, expected)
    assert decode_threads() == kept and len(kept) >= 1

    release, decode, ran_on = threading.Event(), media._decode_soundfile, []

    def stuck(*args):
        ran_on.append(threading.current_thread())
        release.wait(60)

    def watched(*args):
        ran_on.append(threading.current_thread())
        return decode(*args)

    monkeypatch.setattr(media, "_decode_soundfile", stuck)
    monkeypatch.setenv("OMNIEVAL_DECODE_TIMEOUT_S", "0.5")
    try:
        assert isinstance(_fails_fast(lambda: load_audio(ref), within=5), media_checks.DecodeTimeout)
        monkeypatch.setattr(media, "_decode_soundfile", watched)
        audio, _ = load_audio(ref)
        assert np.array_equal(audio, expected)
        assert ran_on[1] is not ran_on[0] and ran_on[0].is_alive()  # the stuck thread is left to its item
    finally:
        release.set()


def test_a_process_does_not_wait_for_an_abandoned_decode_at_exit(wav_bytes, tmp_path):
    """The stuck decoder is left in a daemon thread: the process ends when its work is done."""
    import subprocess
    import sys
    import time

    (tmp_path / "stuck.wav").write_bytes(wav_bytes)
    script = (
        "import time\n"
        "from omnieval import media\n"
        "from omnieval.media_checks import DecodeTimeout\n"
        "from omnieval.types import MediaRef\n"
        "media._decode_soundfile = lambda *args: time.sleep(600)\n"
        "try:\n"
        f"    media.load_audio(MediaRef(kind='audio', path={str(tmp_path / 'stuck.wav')!r}))\n"
        "except DecodeTimeout as err:\n"
        "    print('failed:', err)\n"
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OMNIEVAL_DECODE_TIMEOUT_S": "1"},
    )
    assert proc.returncode == 0 and "failed: decoding audio" in proc.stdout, proc.stderr
    assert time.monotonic() - started < 60  # imports on a busy machine, not the decoder's 600 s


def test_a_run_fails_the_sample_of_a_1_hz_wav_and_goes_on(speech_rows, tmp_path):
    """End to end through `omnieval run`: the row whose WAV header says 1 Hz fails with the reason, at once."""
    import time

    from omnieval.testing.sample_data import LIBRISPEECH_FEATURES, write_parquet
    from tests.conftest import only_run_dir, read_jsonl, read_run, run_cli

    rows = [dict(row) for row in speech_rows[:3]]
    _, one_hz, _ = _bad_files(rows[1]["audio"]["bytes"])["1 Hz"]
    rows[1]["audio"] = {"bytes": one_hz, "path": "one_hz.wav"}
    split = write_parquet(rows, LIBRISPEECH_FEATURES, tmp_path / "data" / "test.parquet")
    started = time.monotonic()
    run_cli(
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        "pocketsphinx-en",
        "--no-progress",
        "--dataset-path",
        split,
        "--output",
        tmp_path / "out",
        timeout=240,
    )
    assert time.monotonic() - started < 240
    run_dir = only_run_dir(tmp_path / "out")
    records = {record["id"]: record for record in read_jsonl(run_dir / "samples.jsonl")}
    broken = records[rows[1]["id"]]
    assert "audio one_hz.wav has an implausible sample rate in its header: 1 Hz" in broken["error"]
    assert all(records[row["id"]]["error"] is None and records[row["id"]]["prediction"] for row in (rows[0], rows[2]))
    run = read_run(run_dir)
    assert run["status"] == "complete" and run["counts"]["failed"] == 1 and run["counts"]["done"] == 3
