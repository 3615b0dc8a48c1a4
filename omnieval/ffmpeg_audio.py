"""Decoding audio with the ffmpeg command (what librosa's audioread fallback runs): for the formats
libsndfile cannot read, and for the audio track of a video. The stream's header is checked before a
sample is decoded, and ffmpeg is stopped at the deadline."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from omnieval.errors import MediaError
from omnieval.media_checks import DECODE_TIMEOUT_S, DecodeTimeout, check_audio_header


@dataclass(frozen=True)
class StreamHeader:
    """What a demuxer read of an audio stream's header (a video's track, from the video's metadata)."""

    rate: int
    channels: int
    seconds: float | None


def decode_ffmpeg(
    path: Path, label: str, reason: str, deadline: float | None = None, header: StreamHeader | None = None
) -> tuple[np.ndarray, int]:
    """16-bit PCM at the file's own rate, channels averaged: what librosa gets through audioread,
    so that resampling afterwards matches the Qwen reference preprocessing sample for sample.
    The stream's header (`header`, else ffprobe's) is checked first, and ffmpeg is stopped at the deadline."""
    missing = [tool for tool in ("ffmpeg", "ffprobe")[: 1 if header else 2] if shutil.which(tool) is None]
    if missing:
        raise MediaError(
            f"cannot decode audio {label}: {reason.strip()} (and {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed: Debian package ffmpeg)"
        )
    if header is None:
        header = _probe(path, label, max(1.0, deadline - time.monotonic()) if deadline is not None else None)
    check_audio_header(label, header.rate, header.channels, header.seconds)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le", "-"]
    remaining = max(1.0, deadline - time.monotonic()) if deadline is not None else DECODE_TIMEOUT_S
    proc = _run(cmd, label, remaining)
    if proc.returncode != 0 or not proc.stdout:
        raise MediaError(f"cannot decode audio {label}: {_last_error(proc, path)}")
    channels = header.channels
    pcm = np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768.0
    return pcm[: len(pcm) // channels * channels].reshape(-1, channels).mean(axis=1), header.rate


def _probe(path: Path, label: str, timeout: float | None) -> StreamHeader:
    """ffprobe's reading of the first audio stream's header."""
    probe = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=sample_rate,channels,duration:format=duration",
            "-of",
            "json",
            str(path),
        ],
        label,
        timeout if timeout is not None else DECODE_TIMEOUT_S,
    )
    try:
        described = json.loads(probe.stdout or b"{}")
        stream = (described.get("streams") or [{}])[0]
        rate, channels = int(stream["sample_rate"]), int(stream["channels"])
    except (ValueError, KeyError, TypeError, AttributeError):
        rate = channels = 0
        described, stream = {}, {}
    if probe.returncode != 0 or not rate or not channels:
        raise MediaError(f"cannot decode audio {label}: {_last_error(probe, path)}")
    return StreamHeader(rate, channels, _seconds(stream.get("duration"), described.get("format", {})))


def _last_error(proc: subprocess.CompletedProcess[bytes], path: Path) -> str:
    """The last line ffmpeg or ffprobe wrote to stderr, without the file's path; else 'no audio stream'."""
    detail = proc.stderr.decode(errors="replace").strip().splitlines()
    return detail[-1].removeprefix(f"{path}: ") if detail else "no audio stream"


def _seconds(*values: object) -> float | None:
    """The first of ffprobe's durations ("12.5", "N/A", absent; a format section's "duration") that is a number."""
    for value in values:
        if isinstance(value, dict):
            value = value.get("duration")
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if seconds == seconds:  # not NaN
            return seconds
    return None


def _run(cmd: list[str], label: str, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """A decoding command, killed when it runs past `timeout` seconds."""
    try:
        return subprocess.run(cmd, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise DecodeTimeout(f"decoding audio {label} with {cmd[0]} took longer than {timeout:.0f} s") from err
