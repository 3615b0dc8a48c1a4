"""A video's sampled frames, decoded without the frames that nothing needs.

qwen-omni-utils reads sampled frames with torchcodec's `get_frames_at`, which decodes every frame from
the keyframe before each sampled one: at 2 fps out of 25 nearly the whole video is decoded to keep one
frame in twelve. In H.264 about half the frames are pictures no other frame refers to (`nal_ref_idc`
0: most B-frames); leaving out those that are not sampled changes no sampled frame by a bit (the
decoder's reference pictures are the same) and takes about half the decoding work away.

The frames are left out in the container, so that the same torchcodec (and FFmpeg) decodes and
colour-converts what is left exactly as for the reference: the MP4's sample table is rewritten without
them (omnieval.mp4_index) and the decoder reads the original bytes through it. The frames that come back
are checked against the full stream's timestamps. Any other file (another container or codec, an
MP4 layout the rewrite does not handle, a timestamp that does not match) is decoded the ordinary way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.errors import MediaError
from omnieval.mp4_index import ReducedFile, Unsupported, VideoTrack, read_video_track, reduced_moov

if TYPE_CHECKING:
    import torch

#: H.264 NAL unit types (-1 here: a slice with nal_ref_idc 0, of a picture nothing refers to); those that may
#: ride along in such a picture (SEI, access unit delimiter, filler data) without affecting any other one;
#: those whose sample is never left out (sequence and picture parameter sets, ends of sequence and stream)
_UNREFERENCED_SLICE = -1
_HARMLESS = {6, 9, 12}
_NEVER_DROPPED = {7, 8, 10, 11, 13, 15}
_IDR = 5
#: the most decoding threads worth starting (FFmpeg's frame threads add latency past this)
MAX_THREADS = 16


def decode_threads() -> int:
    """The CPUs this process may run on (its affinity), at most MAX_THREADS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_THREADS))


#: frames decoded per call: while the next ones decode, the previous ones are handed to `take` in a worker
CHUNK = 8


class _Mismatch(Exception):
    """A frame decoded from the reduced stream is not the one asked for."""


def sampled_frames(
    path: Path,
    indices: list[int],
    threads: int,
    take: Callable[[torch.Tensor, int], None],
    between: Callable[[], None] = lambda: None,
) -> bool:
    """Decodes the frames at `indices` (torchcodec's exact frame indices) and hands them to `take(frames,
    first)`: uint8 (n, C, H, W), equal to `VideoDecoder(path).get_frames_at(indices[first:first + n])`. Frames
    are decoded CHUNK at a time, each chunk taken in a worker thread while the next decodes; `between` runs
    between chunks (a deadline check). Returns whether the unreferenced frames were left out; if decoding
    them that way fails part way, every frame is decoded and taken again the ordinary way."""
    from torchcodec.decoders import VideoDecoder

    try:
        reduced = _reduced_decoder(path, indices, threads)
    except Exception:  # noqa: BLE001 - Unsupported, or a file this reading cannot parse: the ordinary way decides
        reduced = None
    if reduced is not None:
        try:
            _decode_in_chunks(reduced.decoder, reduced.positions, reduced, take, between)
            return True
        except MediaError:  # the deadline passed (`between`): no second try
            raise
        except Exception:  # noqa: BLE001 - a frame not the one asked for, or the decoder refused the stream
            pass  # decoded again below, the whole way, where a broken file fails for what it is
        finally:
            reduced.source.close()
    decoder = VideoDecoder(str(path), num_ffmpeg_threads=threads)
    _decode_in_chunks(decoder, indices, None, take, between)
    return False


@dataclass
class _Reduced:
    """A decoder of the reduced stream, where the sampled frames are in it, and their expected timestamps."""

    decoder: Any
    positions: list[int]
    expected: torch.Tensor  # seconds, per sampled frame
    tolerance: float  # seconds: a quarter of the track's time unit
    source: ReducedFile


def _decode_in_chunks(
    decoder: Any,
    positions: list[int],
    check: _Reduced | None,
    take: Callable[[torch.Tensor, int], None],
    between: Callable[[], None],
) -> None:
    import torch

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="omnieval-resize") as worker:
        pending = []
        try:
            for start in range(0, len(positions), CHUNK):
                between()
                batch = decoder.get_frames_at(indices=positions[start : start + CHUNK])
                if check is not None and not torch.allclose(
                    batch.pts_seconds.double(), check.expected[start : start + CHUNK], rtol=0, atol=check.tolerance
                ):
                    raise _Mismatch
                pending.append(worker.submit(take, batch.data, start))
            for future in pending:
                future.result()
        finally:
            for future in pending:
                future.cancel()


def _reduced_decoder(path: Path, indices: list[int], threads: int) -> _Reduced | None:
    """A decoder of the MP4 without its unsampled, unreferenced H.264 pictures, the positions of the sampled
    frames in it, their expected timestamps and the source to close; None when no picture can be left out;
    Unsupported for other files."""
    from torchcodec.decoders import VideoDecoder

    try:
        from torchcodec.decoders._blocks import Demuxer, VideoStream
    except ImportError as err:  # a torchcodec without the building blocks (before 0.17)
        raise Unsupported("no torchcodec demuxer") from err

    track = read_video_track(path)
    if track.codec not in (b"avc1", b"avc3") or len(track.config) < 5:
        raise Unsupported(f"codec {track.codec!r}")
    stream = Demuxer(str(path), streams="video").streams[0]
    if not isinstance(stream, VideoStream):
        raise Unsupported("no video stream")
    frame_pts = stream.scan().pts_seconds.double()
    composition = track.composition
    order = sorted(range(len(composition)), key=composition.__getitem__)
    if not _same_frames(frame_pts, [composition[i] for i in order], track.timescale):
        raise Unsupported("the demuxer's frames are not the sample table's")
    wanted = {order[i] for i in indices}
    keep = samples_to_keep(path, track, (track.config[4] & 3) + 1, wanted)
    if len(keep) == len(composition):
        return None
    source = ReducedFile(path, track.moov_start, track.file_size, reduced_moov(track, keep))
    try:
        decoder = VideoDecoder(source, num_ffmpeg_threads=threads)
    except BaseException:
        source.close()
        raise
    position = {sample: n for n, sample in enumerate(sorted(keep, key=composition.__getitem__))}
    positions = [position[order[i]] for i in indices]
    return _Reduced(decoder, positions, frame_pts[indices], 0.25 / track.timescale, source)


def _same_frames(frame_pts: torch.Tensor, composition: list[int], timescale: int) -> bool:
    """Whether the demuxer's frames (seconds, in order) are the samples (composition times, in order), up to
    one shift of all timestamps (an edit list)."""
    if len(frame_pts) != len(composition) or not composition:
        return False
    ticks = [float(seconds) * timescale for seconds in frame_pts.tolist()]
    shift = round(ticks[0]) - composition[0]
    return all(abs(tick - shift - time) < 0.25 for tick, time in zip(ticks, composition, strict=True))


def samples_to_keep(path: Path, track: VideoTrack, length_size: int, wanted: set[int]) -> list[int]:
    """The samples (decoding order) that decoding the `wanted` ones needs: all but the pictures nothing refers
    to and, in each stretch between two IDR pictures, those decoded after its last wanted sample. Unsupported
    for a stream with open GOPs (a keyframe that is not IDR): there the frames that follow a seek depend on
    where the decoder starts, so only the ordinary decoding gives the reference's frames."""
    with open(path, "rb") as handle:
        units = [
            _nal_units(handle.fileno(), offset, size, length_size)
            for offset, size in zip(track.offsets, track.sizes, strict=True)
        ]
    if any(_IDR not in (units[n] or ()) for n in track.sync or ()):
        raise Unsupported("a keyframe that is not an IDR picture")
    keep, wanted_later = [], False  # whether a wanted sample follows in the same stretch
    for number in reversed(range(len(units))):
        kinds = units[number]
        if number in wanted:
            wanted_later = True
            keep.append(number)
        elif kinds is None or kinds & _NEVER_DROPPED or (wanted_later and not _unreferenced(kinds)):
            keep.append(number)
        if kinds is not None and _IDR in kinds:
            wanted_later = False  # no picture from here on refers to one before
    return keep[::-1]


def _unreferenced(kinds: set[int]) -> bool:
    return _UNREFERENCED_SLICE in kinds and kinds <= {_UNREFERENCED_SLICE, *_HARMLESS}


def _nal_units(fd: int, offset: int, size: int, length_size: int) -> set[int] | None:
    """The NAL unit types in a sample (_UNREFERENCED_SLICE for a slice with nal_ref_idc 0); None when the
    sample is not a sequence of length-prefixed NAL units."""
    at, kinds = 0, set()
    while at < size:
        header = os.pread(fd, length_size + 1, offset + at)
        if len(header) < length_size + 1:
            return None
        length = int.from_bytes(header[:length_size], "big")
        nal = header[length_size]
        if nal & 0x80 or length == 0:
            return None
        kinds.add(_UNREFERENCED_SLICE if nal & 0x1F == 1 and nal & 0x60 == 0 else nal & 0x1F)
        at += length_size + length
    return kinds if at == size else None
