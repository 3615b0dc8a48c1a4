"""Whether a media item is sane, and a time limit on decoding it.

Before an item is decoded, what its header claims (sample rate, channels, length; a WAV's data chunk
against the bytes that follow it) is checked against plausible limits; after, that it is not empty,
truncated, too long, or made of NaN or infinite samples. Decoding one item runs under a time limit
(`with_time_limit`, `decode_timeout_s`), and a decode abandoned at its limit stops at its next
`check_deadline`. A broken or stuck item is its sample's MediaError, with the reason.
"""

from __future__ import annotations

import contextvars
import os
import queue
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from omnieval.errors import MediaError, OmnievalError
from omnieval.types import MediaKind

T = TypeVar("T")

#: What a media item's header may claim before it is decoded (docs/datasets.md); an item beyond these
#: limits, or with NaN or infinite samples, is broken and fails its sample with the reason.
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1_000, 384_000
MAX_CHANNELS = 32
MAX_MEDIA_SECONDS = 4 * 3600
#: the longest that decoding one item may take, in seconds (a video: sampling its frames);
#: $OMNIEVAL_DECODE_TIMEOUT_S overrides both
DECODE_TIMEOUT_S = 120.0
VIDEO_DECODE_TIMEOUT_S = 600.0


class DecodeTimeout(MediaError):
    """Decoding one media item took longer than its time limit."""


def decode_timeout_s(kind: MediaKind = "audio") -> float:
    """The time limit on decoding one item of `kind`: $OMNIEVAL_DECODE_TIMEOUT_S, else the default."""
    value = os.environ.get("OMNIEVAL_DECODE_TIMEOUT_S", "").strip()
    if not value:
        return VIDEO_DECODE_TIMEOUT_S if kind == "video" else DECODE_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise OmnievalError(f"OMNIEVAL_DECODE_TIMEOUT_S must be a positive number of seconds, not {value!r}")
    return seconds


class _DecodeThreads:
    """Daemon threads that run decodes, reused from one item to the next (starting a thread for each item cost
    about as much as decoding a short clip). A thread whose decode was abandoned at its limit is not waited
    for; should it ever finish, it rejoins the idle ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[tuple[Callable[[], None], threading.Event]]] = []
        os.register_at_fork(after_in_child=self._forget)  # a forked child has none of these threads

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._idle = []

    def start(self, job: Callable[[], None]) -> threading.Event:
        """Run `job` on an idle thread, or on a new one when none is idle; the event is set once it is done
        (and its thread idle again)."""
        done = threading.Event()
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), name="omnieval-decode", daemon=True).start()
        inbox.put((job, done))
        return done

    def _serve(self, inbox: queue.SimpleQueue[tuple[Callable[[], None], threading.Event]]) -> None:
        while True:
            job, done = inbox.get()
            try:
                job()
            finally:
                with self._lock:
                    self._idle.append(inbox)
                done.set()


_DECODE_THREADS = _DecodeThreads()


def with_time_limit(work: Callable[[float], T], what: str, seconds: float) -> T:
    """`work(deadline)` (the deadline on time.monotonic()), or DecodeTimeout when it has not returned within
    `seconds`. The decoders (libsndfile, soxr, FFmpeg in torchcodec) cannot be interrupted, so the work runs
    on a daemon thread: a stuck one is abandoned, and does not keep the process from exiting. The work
    checks the deadline between its steps, so an abandoned decode stops at the next one."""
    deadline = time.monotonic() + seconds
    context = contextvars.copy_context()
    results: list[T] = []
    errors: list[BaseException] = []

    def job() -> None:
        try:
            results.append(context.run(work, deadline))
        except BaseException as err:  # noqa: BLE001 - handed to the waiting thread, which raises it
            errors.append(err)

    if not _DECODE_THREADS.start(job).wait(seconds):
        raise DecodeTimeout(
            f"decoding {what} took longer than {seconds:g} s (the limit on one item; "
            "OMNIEVAL_DECODE_TIMEOUT_S sets it), so it was abandoned"
        )
    if errors:
        raise errors[0]
    return results[0]


def check_deadline(deadline: float | None, what: str) -> None:
    """DecodeTimeout once `deadline` has passed: an abandoned decode stops before its next step."""
    if deadline is not None and time.monotonic() > deadline:
        raise DecodeTimeout(f"decoding {what} ran out of time")


def format_duration(seconds: float) -> str:
    """A length of media as the messages give it: hours from an hour up, else seconds."""
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:.1f} s"


def check_audio_header(label: str, rate: float, channels: int, seconds: float | None = None) -> None:
    """MediaError when an audio header claims an implausible sample rate, number of channels or length
    (MIN_SAMPLE_RATE..MAX_SAMPLE_RATE Hz, 1..MAX_CHANNELS channels, at most MAX_MEDIA_SECONDS): such a file
    is broken, and decoding or resampling it as it claims to be can take hours or all the memory."""
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise MediaError(
            f"audio {label} has an implausible sample rate in its header: {rate:g} Hz "
            f"(accepted: {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz)"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise MediaError(
            f"audio {label} has an implausible number of channels in its header: {channels} "
            f"(accepted: 1-{MAX_CHANNELS})"
        )
    if seconds is not None and seconds > MAX_MEDIA_SECONDS:
        raise MediaError(
            f"audio {label} has an implausible length in its header: {format_duration(seconds)} "
            f"(accepted: up to {format_duration(MAX_MEDIA_SECONDS)})"
        )


#: libsndfile's frame count for a length it does not know (SF_COUNT_MAX, for a FLAC streamed without one)
UNKNOWN_FRAMES = 1 << 62
#: bytes per sample of the subtypes whose length follows from their bytes
_SAMPLE_BYTES = {
    "PCM_S8": 1,
    "PCM_U8": 1,
    "PCM_16": 2,
    "PCM_24": 3,
    "PCM_32": 4,
    "FLOAT": 4,
    "DOUBLE": 8,
    "ULAW": 1,
    "ALAW": 1,
}
#: libsndfile's containers of uncompressed samples (FLAC reports its samples' subtype too)
_UNCOMPRESSED = frozenset({"AIFF", "AU", "CAF", "IRCAM", "NIST", "RAW", "RF64", "SVX", "VOC", "W64", "WAV", "WAVEX"})
#: data chunk sizes that writers which could not seek back leave in a WAV header: the length is unknown
_WAV_UNKNOWN_SIZE = 0x7FFFF000


def check_soundfile_header(path: Path, label: str, info) -> int | None:
    """Check what the header libsndfile read claims (check_audio_header; a WAV's data chunk against the bytes
    that follow it; a PCM file's frames against its size); the frame count to expect where a header states
    it exactly (FLAC), else None."""
    rate, channels = int(info.samplerate), int(info.channels)
    check_audio_header(label, rate, channels)
    width = _SAMPLE_BYTES.get(info.subtype)
    frames = None if info.frames >= UNKNOWN_FRAMES else int(info.frames)
    claim = _wav_data_claim(path) if info.format in ("WAV", "WAVEX") else None
    if claim is not None:  # libsndfile reads what a WAV holds, whatever its header claims: compare them here
        claimed, held = claim
        if width:
            check_audio_header(label, rate, channels, claimed / (width * channels) / rate)
        if claimed - held > max(claimed // 100, 1024):
            raise MediaError(
                f"audio {label} is truncated: its header claims {claimed} bytes of audio but the file holds {held}"
            )
        return None
    if frames is not None:
        check_audio_header(label, rate, channels, frames / rate)
        size = path.stat().st_size
        if width and info.format in _UNCOMPRESSED and frames * width * channels > size:
            raise MediaError(
                f"audio {label} is truncated or its header is wrong: it claims {frames} frames, "
                f"more than its {size} bytes can hold"
            )
    return frames if info.format == "FLAC" else None


def _wav_data_claim(path: Path) -> tuple[int, int] | None:
    """(the bytes of audio a RIFF/WAVE header's data chunk claims, the bytes the file holds after it); None
    for another file, or a length left unknown (0, or 0x7ffff000 and above: written to a pipe)."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        position = 12
        for _ in range(1000):  # the data chunk follows a few others (fmt, LIST, fact)
            handle.seek(position)
            chunk = handle.read(8)
            if len(chunk) < 8:
                return None
            name, length = struct.unpack("<4sI", chunk)
            if name == b"data":
                if length == 0 or length >= _WAV_UNKNOWN_SIZE:
                    return None
                return length, size - position - 8
            position += 8 + length + (length & 1)
    return None


def check_decoded_audio(label: str, audio: np.ndarray, rate: int, expected: int | None) -> None:
    """MediaError when decoded mono audio is empty, shorter than the `expected` frames its header stated
    (truncated), or longer than MAX_MEDIA_SECONDS."""
    if audio.size == 0:
        raise MediaError(f"audio {label} is empty")
    if expected is not None and expected - len(audio) > max(expected // 100, rate // 10):
        raise MediaError(
            f"audio {label} is truncated: its header claims {expected} frames ({expected / rate:.2f} s) "
            f"but only {len(audio)} ({len(audio) / rate:.2f} s) could be decoded"
        )
    if len(audio) > MAX_MEDIA_SECONDS * rate:
        raise MediaError(
            f"audio {label} lasts {format_duration(len(audio) / rate)}, "
            f"over the limit of {format_duration(MAX_MEDIA_SECONDS)}"
        )


def check_finite_samples(label: str, audio: np.ndarray) -> None:
    """MediaError when decoded samples include NaN or infinity."""
    bad = audio.size - int(np.isfinite(audio).sum())
    if bad:
        raise MediaError(f"audio {label} has {bad} samples that are NaN or infinite (of {audio.size})")
