"""Media by reference: a content-addressed store, and late decoding of audio.

Datasets hold audio as bytes inside parquet/arrow files; we write each item once into a
store keyed by its sha256 so that requests can refer to it by path and hash (for caching
and for runners that read files). Decoding happens in the runner, as late as possible: with libsndfile,
else with the ffmpeg command (omnieval.ffmpeg_audio); whether an item is sane, and how long decoding it
may take, is omnieval.media_checks' job.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from omnieval.errors import MediaError
from omnieval.ffmpeg_audio import StreamHeader, decode_ffmpeg
from omnieval.media_checks import (
    MAX_MEDIA_SECONDS,
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    UNKNOWN_FRAMES,
    check_deadline,
    check_decoded_audio,
    check_finite_samples,
    check_soundfile_header,
    decode_timeout_s,
    format_duration,
    with_time_limit,
)
from omnieval.types import MediaKind, MediaRef


def media_store_dir() -> Path:
    """Where materialized media live; OMNIEVAL_MEDIA_DIR overrides the default."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "omnieval" / "media"
    return Path(os.environ.get("OMNIEVAL_MEDIA_DIR", default))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")


def store_bytes(data: bytes, suffix: str, root: Path | None = None) -> tuple[Path, str]:
    """Write bytes into the content store (`root`, default media_store_dir()) once; return (path, sha256).
    The file is named by the content's hash and a plain suffix, so no caller's text becomes a path."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"not a file suffix: {suffix[:40]!r}")
    digest = sha256_bytes(data)
    target = (root or media_store_dir()) / digest[:2] / f"{digest}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)  # atomic: concurrent writers of the same content are harmless
    return target, digest


def speech_file_name(sample_id: str) -> str:
    """The file name of a sample's generated speech: its id, made safe for a file name, .wav."""
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '_', sample_id).strip('._') or 'sample'}.wav"


def audio_ref_from_hf(value: dict | None, base_dir: Path | None = None) -> MediaRef:
    """A MediaRef for a `datasets` Audio cell read with decode=False ({"bytes", "path"})."""
    return cell_ref("audio", value, base_dir)


#: image formats by their first bytes, for image cells that carry no file name
_IMAGE_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8", ".jpg"), (b"GIF8", ".gif"), (b"BM", ".bmp"))


def _suffix(kind: MediaKind, name: str, data: bytes) -> str:
    if _SUFFIX.fullmatch(Path(name).suffix.lower()):
        return Path(name).suffix.lower()
    if kind == "image":
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return ".webp"
        return next((suffix for magic, suffix in _IMAGE_MAGIC if data.startswith(magic)), ".bin")
    return ".bin"


def cell_ref(kind: MediaKind, value: dict | None, base_dir: Path | None = None) -> MediaRef:
    """A MediaRef for a `datasets` Audio/Image/Video cell read with decode=False ({"bytes", "path"}): its
    bytes in the content store, or the file it names."""
    if not value or (value.get("bytes") is None and not value.get("path")):
        raise MediaError(f"the sample has no {kind} (empty {kind} cell)")
    name = value.get("path") or ""
    if value.get("bytes") is not None:
        path, digest = store_bytes(value["bytes"], _suffix(kind, name, value["bytes"]))
        return MediaRef(kind=kind, path=str(path), name=name or None, sha256=digest)
    return file_ref(kind, name, base_dir)


#: folders besides a dataset's own that its media may be read from (`omnieval run --media-root`)
extra_media_roots: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("extra_media_roots", default=())


@functools.cache
def _hub_caches() -> tuple[Path, ...]:
    """The Hugging Face caches, where datasets loaded from the hub keep the media files they name."""
    roots = []
    try:
        from datasets import config as datasets_config

        roots.append(Path(datasets_config.HF_DATASETS_CACHE))
    except ImportError:  # pragma: no cover - datasets is a dependency
        pass
    try:
        from huggingface_hub import constants

        roots.append(Path(constants.HF_HUB_CACHE))
    except ImportError:  # pragma: no cover
        pass
    return tuple(roots)


def _within(path: Path, root: Path) -> bool:
    """Whether `path` lies under `root`, by their written form (`..` folded, links not followed: the
    hub's own cache is made of links)."""
    return Path(os.path.normpath(path)).is_relative_to(os.path.normpath(os.path.abspath(root)))


def confined_path(kind: str, name: str, base_dir: Path | None) -> Path:
    """The file a dataset names, which must lie inside the dataset's folder (or the hub's caches, or a
    --media-root folder): a row naming `/etc/...` or `../../x` is this sample's MediaError."""
    path = Path(name)
    if not path.is_absolute():
        if base_dir is None:
            raise MediaError(
                f"{kind} file not found: {name} (the dataset names its {kind} by relative path: "
                "download it and pass its folder or split file with --dataset-path)"
            )
        path = Path(os.path.abspath(base_dir)) / path
    roots = ((base_dir,) if base_dir is not None else ()) + extra_media_roots.get() + _hub_caches()
    if not any(_within(path, root) for root in roots):
        where = f"the dataset folder {base_dir}" if base_dir is not None else "the hub's caches"
        raise MediaError(
            f"{kind} file {name[:200]} lies outside {where}; add its folder with --media-root "
            "if the dataset is meant to read it"
        )
    return Path(os.path.normpath(path))


def file_ref(kind: MediaKind, name: str, base_dir: Path | None = None) -> MediaRef:
    """A MediaRef for a media file a dataset names by path (relative ones under `base_dir`), with its sha256;
    a missing file, or one outside the dataset's folder, is this sample's MediaError."""
    path = confined_path(kind, name, base_dir)
    if not path.is_file():
        hint = f" under {base_dir}" if base_dir is not None and not Path(name).is_absolute() else ""
        raise MediaError(f"{kind} file not found: {name}{hint}")
    return MediaRef(kind=kind, path=str(path), name=name, sha256=file_sha256(path))


_known_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """A file's sha256, computed once per version of the file (path, size, mtime) in this process."""
    stat = os.stat(path)
    identity = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if identity not in _known_hashes:
        _known_hashes[identity] = sha256_file(path)
    return _known_hashes[identity]


def first_seconds(ref: MediaRef, seconds: float) -> MediaRef:
    """The audio's first `seconds` as a WAV in the content store (at the file's own rate); the
    reference itself when the audio is no longer."""
    audio, rate = load_audio(ref, sample_rate=None)
    keep = int(round(seconds * rate))
    if len(audio) <= keep:
        return ref
    path, digest = store_bytes(encode_wav(audio[:keep], rate), ".wav")
    return MediaRef(
        kind="audio",
        path=str(path),
        name=f"{ref.label} (first {seconds:g} s)",
        sha256=digest,
        sample_rate=rate,
        duration_s=keep / rate,
    )


def load_audio(
    ref: MediaRef, sample_rate: int | None = 16000, header: StreamHeader | None = None
) -> tuple[np.ndarray, int]:
    """Decode an audio reference to mono float32 at `sample_rate` (None keeps the file's rate). Its header is
    checked before it is decoded (rate, channels, length: `check_audio_header`) and its samples after (no NaN
    or infinity), and decoding and resampling it may take at most `decode_timeout_s()`; a broken item is
    this sample's MediaError. `header`, when the caller has read it (the audio track of a video), is the
    header checked, and the file goes to ffmpeg without being probed again."""
    if ref.path is None:
        raise MediaError(f"audio {ref.label} has no local path")
    path = Path(ref.path)
    if not path.is_file():
        raise MediaError(f"audio file not found: {ref.path}")
    return with_time_limit(
        lambda deadline: _load_audio(path, ref.label, sample_rate, deadline, header),
        f"audio {ref.label}",
        decode_timeout_s(),
    )


def _load_audio(
    path: Path, label: str, sample_rate: int | None, deadline: float, header: StreamHeader | None
) -> tuple[np.ndarray, int]:
    import soundfile

    expected: int | None = None
    try:
        if header is not None:  # a video's track: libsndfile reads no video container
            raise ValueError("an audio track in a video")
        handle = soundfile.SoundFile(str(path))  # opened once: its header checked, then read
    except Exception as sf_error:  # noqa: BLE001 - a format libsndfile cannot read is decoded by ffmpeg
        audio, rate = decode_ffmpeg(path, label, reason=str(sf_error), deadline=deadline, header=header)
    else:
        with handle:
            expected = check_soundfile_header(path, label, handle)
            try:
                if handle.frames >= UNKNOWN_FRAMES:  # a length its writer left unknown: ffmpeg reads it, as before
                    raise ValueError("libsndfile does not know the length of the audio")
                audio, rate = _decode_soundfile(handle, label, deadline)
            except MediaError:
                raise
            except Exception as sf_error:  # noqa: BLE001 - any libsndfile failure falls back to ffmpeg
                handle.close()
                audio, rate = decode_ffmpeg(path, label, reason=str(sf_error), deadline=deadline)
    check_decoded_audio(label, audio, rate, expected)
    if sample_rate is not None and rate != sample_rate:
        check_deadline(deadline, f"audio {label}")
        audio, rate = resample(audio, rate, sample_rate), sample_rate
    return audio, rate


def resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Mono float32 audio from `rate` to `target` Hz as `librosa.resample(res_type="soxr_hq")` makes it (the
    Qwen reference's `librosa.load`): soxr's high quality, cut or padded with zeros to ceil(n * target / rate)
    samples, where soxr alone is one short about half the time. Rates outside MIN_SAMPLE_RATE..MAX_SAMPLE_RATE
    are refused (resampling from 1 Hz to 16 kHz takes forever)."""
    if rate == target:
        return audio
    for value in (rate, target):
        if not MIN_SAMPLE_RATE <= value <= MAX_SAMPLE_RATE:
            raise MediaError(f"cannot resample audio at {value} Hz (accepted: {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz)")
    import soxr

    resampled = soxr.resample(audio, rate, target).astype(np.float32)
    length = int(np.ceil(len(audio) * (float(target) / rate)))  # librosa's arithmetic, float for float
    if len(resampled) < length:
        return np.pad(resampled, (0, length - len(resampled)))
    return resampled[:length]


#: frames read at a time: the memory follows what the file holds, not what its header claims
_BLOCK_FRAMES = 1 << 20


#: libsndfile's subtypes of integer samples (FLAC's included): decoded, they cannot be NaN or infinite
_INTEGER_SUBTYPES = frozenset({"PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "ULAW", "ALAW"})


def _decode_soundfile(handle, label: str, deadline: float | None = None) -> tuple[np.ndarray, int]:
    """Mono float32 samples of an open soundfile.SoundFile, and its rate."""
    blocks = []
    rate, limit = int(handle.samplerate), MAX_MEDIA_SECONDS * int(handle.samplerate)
    read = 0
    while True:
        check_deadline(deadline, f"audio {label}")
        block = handle.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
        if not len(block):
            break
        blocks.append(block)
        read += len(block)
        if read > limit:
            raise MediaError(f"audio {label} lasts more than the limit of {format_duration(MAX_MEDIA_SECONDS)}")
    audio = np.concatenate(blocks) if len(blocks) > 1 else blocks[0] if blocks else np.zeros((0, 1), np.float32)
    if handle.subtype not in _INTEGER_SUBTYPES:
        check_finite_samples(label, audio)
    return (audio[:, 0].copy() if audio.shape[1] == 1 else audio.mean(axis=1)), rate


def to_pcm16(audio: np.ndarray, label: str = "waveform") -> np.ndarray:
    """16-bit samples of a float waveform: the exact inverse of soundfile's int16 -> float (x / 32768),
    so audio that came from 16-bit PCM goes back to the same integers (libsndfile scales by 32767). A waveform
    with NaN or infinite samples (a model's broken speech) is a MediaError: cast, they would be noise."""
    check_finite_samples(label, audio)
    return np.clip(np.round(audio * 32768.0), -32768, 32767).astype(np.int16)


def encode_wav(audio: np.ndarray, sample_rate: int, label: str = "waveform") -> bytes:
    """16-bit PCM WAV bytes of a mono float waveform (`label` names it in the MediaError of a broken one). The
    standard library's writer: the same bytes as libsndfile's, in half the time (no calls through cffi)."""
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(to_pcm16(audio, label).astype("<i2").tobytes())
    return buffer.getvalue()
