"""Decoded media on disk, by content: a video's sampled frames and its audio track are decoded once.

Decoding a long video (seeking, decoding a group of pictures per sampled frame, resizing) costs
far more than reading its frames back. Each decoded item is stored under a key made of the
file's sha256, what was asked (frame rate, frame and pixel budgets, sample rate) and the
decoders' versions, so that runs, tasks and models that ask the same of the same bytes share
it, and a change of any of them decodes afresh. Video frames are stored as they are (zlib would
take about as long as decoding them, and natural frames shrink only about 1.8x: a two-minute video at
the default budgets takes several hundred MB), and so are audio tracks (zlib took 0.06 s for a 30 s
track and saved 7% of it); read_entry still reads zlib-compressed arrays, the entry format's other codec. An
entry that cannot be read (a write cut short) is decoded again and replaced. Requests for the same item at once
(questions on one video in one batch) decode it once. A decode that ran out of its time limit
(omnieval.media_checks.decode_timeout_s) is not tried again by this process: the other requests for the
item fail at once with the same reason instead of waiting out the limit each.

The cache lives in `$OMNIEVAL_DECODED_DIR`, by default `~/.cache/omnieval/decoded`; it is kept
under `$OMNIEVAL_DECODED_MAX_GB` (default 100) by deleting the entries used longest ago, and
nothing is stored while the disk has less than 10 GB free. `OMNIEVAL_DECODED_CACHE=off` turns
it off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from omnieval.errors import MediaError
from omnieval.media import file_sha256
from omnieval.media_checks import DecodeTimeout
from omnieval.types import MediaRef
from omnieval.versions import package_versions

#: bump when what is stored, or how, changes
FORMAT = 1
_HEADER = struct.Struct("<Q")
#: bytes handed to one write() or read(): here one 42 MB write took 0.1 s and the same bytes in 1 MiB slices 0.009 s
_IO_SLICE = 1 << 20
DEFAULT_MAX_GB = 100.0
#: the free disk space below which nothing is stored (results and the response cache need the room)
MIN_FREE_BYTES = 10 * 1024**3
#: bytes written between two checks of the cache's size
_PRUNE_EVERY = 1024**3

#: hits and misses of this process (tests and benchmarks read them)
stats: Counter[str] = Counter()
_lock = threading.Lock()
_key_locks: dict[str, threading.Lock] = {}
#: the reasons of the decodes that ran out of time in this process, by key
_timed_out: dict[str, str] = {}


class _PruneClock:
    """When to check the cache's size: at this process's first write, then every _PRUNE_EVERY bytes."""

    def __init__(self) -> None:
        self.written, self.checked = 0, False

    def due(self, size: int) -> bool:
        with _lock:
            self.written += size
            if self.checked and self.written < _PRUNE_EVERY:
                return False
            self.written, self.checked = 0, True
            return True


_prune_clock = _PruneClock()


def decoded_dir() -> Path | None:
    """Where decoded media are kept; None when the cache is turned off."""
    if os.environ.get("OMNIEVAL_DECODED_CACHE", "").lower() in ("0", "off", "false", "no"):
        return None
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "omnieval" / "decoded"
    return Path(os.environ.get("OMNIEVAL_DECODED_DIR", default))


def content_hash(ref: MediaRef) -> str:
    """The sha256 of a media file: its reference's, else the file's (computed once per file version)."""
    if ref.sha256:
        return ref.sha256
    if ref.path is None:  # a reference to hash by its bytes needs the file
        raise MediaError(f"{ref.kind} {ref.label} has no local path")
    return file_sha256(ref.path)


@functools.cache
def _versions(packages: tuple[str, ...]) -> dict[str, Any]:
    """The packages' versions, omnieval's own (its sampling rules) and the FFmpeg libraries that decode."""
    versions: dict[str, Any] = package_versions(("omnieval", *packages))
    try:
        from torchcodec._core import get_ffmpeg_library_versions

        versions["ffmpeg_libraries"] = get_ffmpeg_library_versions()
    except Exception:  # noqa: BLE001 - without torchcodec (audio only) the CLI below decides
        pass
    if shutil.which("ffmpeg"):
        probe = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=False)
        versions["ffmpeg"] = (probe.stdout.splitlines() or [""])[0]
    return versions


def max_bytes() -> float:
    return float(os.environ.get("OMNIEVAL_DECODED_MAX_GB", DEFAULT_MAX_GB)) * 1024**3


def prune(folder: Path, limit: float) -> int:
    """Delete the entries used longest ago until the folder holds at most 90% of `limit` bytes; the
    bytes it then holds. A hit marks its entry as used (its modification time)."""
    entries = []
    for path in folder.glob("*/*.bin"):
        try:
            stat = path.stat()
        except OSError:
            continue  # deleted by another process meanwhile
        entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return total
    for _, size, path in sorted(entries):
        if total <= 0.9 * limit:
            break
        path.unlink(missing_ok=True)
        total -= size
    return total


def _store(folder: Path, path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write an entry unless the disk is nearly full, and keep the folder under its size limit."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(folder).free < MIN_FREE_BYTES:
        return
    write_entry(path, arrays, meta)
    if _prune_clock.due(path.stat().st_size):
        prune(folder, max_bytes())


def entry_key(what: str, ref: MediaRef, params: dict[str, Any], packages: tuple[str, ...]) -> str:
    """The cache key of decoding `ref` into `what` with `params` by `packages` at their installed versions."""
    payload = {
        "format": FORMAT,
        "what": what,
        "content": content_hash(ref),
        "params": params,
        "versions": _versions(packages),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def write_entry(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any], compress: bool = False) -> None:
    """Arrays (as they are, or zlib-compressed) and JSON metadata in one file, written atomically."""
    blobs: list[bytes | memoryview] = []
    layout, offset = {}, 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        blob = zlib.compress(array.tobytes(), 1) if compress else array.data.cast("B")
        layout[name] = {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "offset": offset,
            "size": len(blob),
            "codec": "zlib" if compress else "raw",
        }
        blobs.append(blob)
        offset += len(blob)
    header = json.dumps({"arrays": layout, "meta": meta}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_HEADER.pack(len(header)))
            handle.write(header)
            for blob in blobs:
                view = memoryview(blob)
                for start in range(0, len(view), _IO_SLICE):
                    handle.write(view[start : start + _IO_SLICE])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_entry(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """What write_entry stored; raises ValueError (or OSError) when the file is not a whole entry."""
    data = _read_bytes(path).data
    (length,) = _HEADER.unpack_from(data)
    header = json.loads(bytes(data[_HEADER.size : _HEADER.size + length]))
    start = _HEADER.size + length
    arrays = {}
    for name, spec in header["arrays"].items():
        blob = data[start + spec["offset"] : start + spec["offset"] + spec["size"]]
        if len(blob) != spec["size"]:
            raise ValueError(f"entry {path.name} is cut short")
        raw = zlib.decompress(blob) if spec.get("codec", "zlib") == "zlib" else blob
        arrays[name] = np.frombuffer(raw, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])
    return arrays, header["meta"]


def _read_bytes(path: Path) -> np.ndarray:
    """The file's bytes, read in slices into memory left uninitialized (half the time of read_bytes() here)."""
    with open(path, "rb", buffering=0) as handle:
        data = np.empty(os.fstat(handle.fileno()).st_size, dtype=np.uint8)
        view, filled = data.data, 0
        while filled < len(data):
            got = handle.readinto(view[filled : filled + _IO_SLICE])
            if not got:
                return data[:filled]  # shortened since it was opened: read_entry finds it cut short
            filled += got
    return data


def cached(
    what: str,
    ref: MediaRef,
    params: dict[str, Any],
    packages: tuple[str, ...],
    decode: Callable[[], tuple[dict[str, np.ndarray], dict[str, Any]]],
) -> tuple[dict[str, np.ndarray], dict]:
    """`decode()`'s arrays and metadata for `ref`, read from the cache when it holds them, else decoded and
    stored. Errors of `decode` (bad media) are not cached: they
    are raised each time (a time-out is raised again without decoding again, in this process)."""
    folder = decoded_dir()
    if folder is None:
        return decode()
    key = entry_key(what, ref, params, packages)
    path = folder / key[:2] / f"{key}.bin"
    with _lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:  # one decode per item: the others wait for it and read what it stored
        found = _read(path)
        if found is not None:
            with _lock:
                stats["hit"] += 1
            return found
        if key in _timed_out:
            raise DecodeTimeout(_timed_out[key])
        try:
            arrays, meta = decode()
        except DecodeTimeout as err:
            _timed_out[key] = str(err)
            raise
        with _lock:
            stats["miss"] += 1
        try:
            _store(folder, path, arrays, meta)
        except OSError:
            pass  # a full or read-only disk costs speed, never a sample
        return arrays, meta


def _read(path: Path) -> tuple[dict[str, np.ndarray], dict] | None:
    """The entry at `path`, marked as used now; None when there is none or it is damaged."""
    if not path.is_file():
        return None
    try:
        found = read_entry(path)
        os.utime(path)
    except (OSError, ValueError, KeyError, struct.error, zlib.error):
        return None  # a partial or foreign file: decoded again and replaced
    return found
