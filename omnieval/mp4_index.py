"""The sample table of an MP4/MOV file's video track, and a copy of the file without some of its samples.

Only what omnieval.video_frames needs: the video track's samples in decoding order (where each lies in
the file, its size, decoding and composition times), and a new `moov` box listing a subset of them,
every kept sample where it was. The file itself is never rewritten: `ReducedFile` serves the original
bytes with the old `moov` renamed to `free` and the new one appended, so a demuxer reads the kept samples
with their own timestamps, and no other. Anything this module does not understand (fragmented files,
several video tracks or sample descriptions, sample-table boxes it cannot carry over) is `Unsupported`.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path


class Unsupported(Exception):
    """The file's layout is outside what this module rewrites; decode it the ordinary way."""


#: sample-table boxes copied as they are; the per-sample ones are rebuilt; any other box is Unsupported
_COPIED = {b"stsd", b"cslg", b"sgpd"}
_REBUILT = {b"stts", b"ctts", b"stss", b"stsz", b"stsc", b"stco", b"co64", b"sdtp", b"sbgp"}


@dataclass
class Box:
    kind: bytes
    start: int  # where the box begins (its size field)
    body: int  # where its payload begins
    end: int


@dataclass
class VideoTrack:
    """The video track of a file: its samples in decoding order, and what a rewrite needs."""

    codec: bytes  # the sample entry's four-character code, e.g. b"avc1"
    config: bytes  # the payload of the decoder configuration box (avcC, hvcC), empty when absent
    timescale: int
    offsets: list[int]
    sizes: list[int]
    dts: list[int]
    cts: list[int]  # composition offsets (composition time = dts + cts)
    end_dts: int  # the decoding time just after the last sample
    sync: set[int] | None  # sync samples (0-based), None when every sample is one
    # what the rewrite needs: the moov box, the path from it to the sample table, that table's boxes
    moov: bytes
    moov_start: int
    moov_body: int  # where moov's payload begins, within `moov`
    file_size: int
    trail: list[Box]  # moov's child trak, mdia, minf and stbl, within `moov`
    tables: dict[bytes, Box]

    @property
    def composition(self) -> list[int]:
        return [d + c for d, c in zip(self.dts, self.cts, strict=True)]


def children(data: bytes, start: int, end: int) -> list[Box]:
    """The boxes laid end to end in data[start:end]; Unsupported when they do not tile it exactly."""
    boxes, at = [], start
    while at < end:
        if at + 8 > end:
            raise Unsupported("truncated box header")
        size, kind = struct.unpack_from(">I4s", data, at)
        body = at + 8
        if size == 1:
            if at + 16 > end:
                raise Unsupported("truncated box header")
            (size,) = struct.unpack_from(">Q", data, at + 8)
            body = at + 16
        elif size == 0:
            size = end - at
        if size < body - at or at + size > end:
            raise Unsupported(f"box {kind!r} overruns its parent")
        boxes.append(Box(kind, at, body, at + size))
        at += size
    return boxes


def _find(data: bytes, parent: Box, kind: bytes) -> Box:
    found = [box for box in children(data, parent.body, parent.end) if box.kind == kind]
    if len(found) != 1:
        raise Unsupported(f"expected one {kind!r} box, found {len(found)}")
    return found[0]


def _top_level(handle, file_size: int) -> list[Box]:
    """The file's top-level boxes, read header by header (the media data is not read)."""
    boxes, at = [], 0
    while at < file_size:
        header = os.pread(handle, 16, at)
        if len(header) < 8:
            raise Unsupported("truncated top-level box")
        size, kind = struct.unpack_from(">I4s", header)
        body = at + 8
        if size == 1 and len(header) == 16:
            (size,) = struct.unpack_from(">Q", header, 8)
            body = at + 16
        if size == 0 or size < body - at or at + size > file_size:
            raise Unsupported("a top-level box without a plain size")  # the appended moov would fall inside it
        boxes.append(Box(kind, at, body, at + size))
        at += size
    return boxes


def _entries(data: bytes, box: Box, fmt: str) -> list[tuple[int, ...]]:
    """A full box's table: its entry count, then that many `fmt` records."""
    (count,) = struct.unpack_from(">I", data, box.body + 4)
    record = struct.Struct(">" + fmt)
    if box.body + 8 + count * record.size > box.end:
        raise Unsupported(f"{box.kind!r} is shorter than its entry count")
    return list(record.iter_unpack(data[box.body + 8 : box.body + 8 + count * record.size]))


def _runs(data: bytes, box: Box, fmt: str) -> list[int]:
    """A run-length table (count, value) expanded to one value per sample."""
    values: list[int] = []
    for count, value in _entries(data, box, fmt):
        values.extend([value] * count)
    return values


def read_video_track(path: str | Path) -> VideoTrack:
    """The only video track of an MP4/MOV file; Unsupported for any other layout."""
    with open(path, "rb") as handle:
        fd = handle.fileno()
        file_size = os.fstat(fd).st_size
        top = _top_level(fd, file_size)
        kinds = [box.kind for box in top]
        if kinds.count(b"moov") != 1 or b"moof" in kinds:
            raise Unsupported("not a plain (unfragmented) MP4 with one moov")
        moov_box = top[kinds.index(b"moov")]
        moov = os.pread(fd, moov_box.end - moov_box.start, moov_box.start)
    root = Box(b"moov", 0, moov_box.body - moov_box.start, len(moov))
    tracks = []
    for trak in (box for box in children(moov, root.body, root.end) if box.kind in (b"trak", b"mvex")):
        if trak.kind == b"mvex":
            raise Unsupported("fragmented MP4")
        mdia = _find(moov, trak, b"mdia")
        hdlr = _find(moov, mdia, b"hdlr")
        if moov[hdlr.body + 8 : hdlr.body + 12] == b"vide":
            tracks.append((trak, mdia))
    if len(tracks) != 1:
        raise Unsupported(f"{len(tracks)} video tracks")
    trak, mdia = tracks[0]
    mdhd = _find(moov, mdia, b"mdhd")
    version = moov[mdhd.body]
    (timescale,) = struct.unpack_from(">I", moov, mdhd.body + (20 if version == 1 else 12))
    minf = _find(moov, mdia, b"minf")
    stbl = _find(moov, minf, b"stbl")
    tables: dict[bytes, Box] = {}
    for box in children(moov, stbl.body, stbl.end):
        if box.kind not in _COPIED | _REBUILT or box.kind in tables:
            raise Unsupported(f"sample table box {box.kind!r}")
        tables[box.kind] = box
    for needed in (b"stsd", b"stts", b"stsz", b"stsc"):
        if needed not in tables:
            raise Unsupported(f"no {needed!r}")
    codec, config = _sample_entry(moov, tables[b"stsd"])
    sizes = _sizes(moov, tables[b"stsz"])
    offsets = _offsets(moov, tables, len(sizes))
    deltas = _runs(moov, tables[b"stts"], "II")
    ctts = tables.get(b"ctts")
    cts = _runs(moov, ctts, "Ii") if ctts else [0] * len(sizes)  # signed in either version, as FFmpeg reads them
    if not (len(deltas) == len(cts) == len(sizes)):
        raise Unsupported("sample tables disagree on the number of samples")
    dts, now = [], 0
    for delta in deltas:
        dts.append(now)
        now += delta
    stss = tables.get(b"stss")
    sync = {number - 1 for (number,) in _entries(moov, stss, "I")} if stss else None
    return VideoTrack(
        codec=codec,
        config=config,
        timescale=timescale,
        offsets=offsets,
        sizes=sizes,
        dts=dts,
        cts=cts,
        end_dts=now,
        sync=sync,
        moov=moov,
        moov_start=moov_box.start,
        moov_body=root.body,
        file_size=file_size,
        trail=[trak, mdia, minf, stbl],
        tables=tables,
    )


def _sample_entry(moov: bytes, stsd: Box) -> tuple[bytes, bytes]:
    (count,) = struct.unpack_from(">I", moov, stsd.body + 4)
    entries = children(moov, stsd.body + 8, stsd.end)
    if count != 1 or len(entries) != 1:
        raise Unsupported("several sample descriptions")
    entry = entries[0]
    # a visual sample entry: 78 bytes of fields, then its boxes (the decoder configuration among them)
    boxes = children(moov, entry.body + 78, entry.end) if entry.body + 78 <= entry.end else []
    config = next((moov[box.body : box.end] for box in boxes if box.kind in (b"avcC", b"hvcC")), b"")
    return entry.kind, config


def _sizes(moov: bytes, stsz: Box) -> list[int]:
    size, count = struct.unpack_from(">II", moov, stsz.body + 4)
    if size:
        return [size] * count
    if stsz.body + 12 + 4 * count > stsz.end:
        raise Unsupported("stsz is shorter than its sample count")
    return list(struct.unpack_from(f">{count}I", moov, stsz.body + 12))


def _offsets(moov: bytes, tables: dict[bytes, Box], samples: int) -> list[int]:
    """Each sample's position in the file, from the chunk offsets and the sample-to-chunk table."""
    if b"co64" in tables:
        chunks = [offset for (offset,) in _entries(moov, tables[b"co64"], "Q")]
    elif b"stco" in tables:
        chunks = [offset for (offset,) in _entries(moov, tables[b"stco"], "I")]
    else:
        raise Unsupported("no chunk offsets")
    runs = _entries(moov, tables[b"stsc"], "III")
    if any(description != 1 for _, _, description in runs):
        raise Unsupported("several sample descriptions")
    sizes = _sizes(moov, tables[b"stsz"])
    offsets: list[int] = []
    for number, (first, per_chunk, _) in enumerate(runs):
        last = runs[number + 1][0] - 1 if number + 1 < len(runs) else len(chunks)
        for chunk in range(first - 1, last):
            at = chunks[chunk]
            for _ in range(per_chunk):
                if len(offsets) == samples:
                    raise Unsupported("the chunks hold more samples than stsz")
                offsets.append(at)
                at += sizes[len(offsets) - 1]
    if len(offsets) != samples:
        raise Unsupported("the chunks hold fewer samples than stsz")
    return offsets


def _box(kind: bytes, payload: bytes) -> bytes:
    if len(payload) + 8 < 1 << 32:
        return struct.pack(">I4s", len(payload) + 8, kind) + payload
    return struct.pack(">I4sQ", 1, kind, len(payload) + 16) + payload


def _full(kind: bytes, version: int, payload: bytes) -> bytes:
    return _box(kind, bytes([version, 0, 0, 0]) + payload)


def _rle(values: list[int], fmt: str) -> bytes:
    runs: list[list[int]] = []
    for value in values:
        if runs and runs[-1][1] == value:
            runs[-1][0] += 1
        else:
            runs.append([1, value])
    return struct.pack(">I", len(runs)) + b"".join(struct.pack(">" + fmt, *run) for run in runs)


def reduced_moov(track: VideoTrack, keep: list[int]) -> bytes:
    """A moov box like the file's, with only the video track, listing only the samples `keep` (indices in
    decoding order, ascending); each kept sample keeps its bytes, its decoding and its composition time."""
    moov, tables = track.moov, track.tables
    kept_dts = [track.dts[i] for i in keep]
    durations = [b - a for a, b in zip(kept_dts, [*kept_dts[1:], track.end_dts], strict=True)]
    parts = [moov[tables[b"stsd"].start : tables[b"stsd"].end]]
    parts.append(_full(b"stts", 0, _rle(durations, "II")))
    if b"ctts" in tables:
        version = moov[tables[b"ctts"].body]
        parts.append(_full(b"ctts", version, _rle([track.cts[i] for i in keep], "Ii")))
    if track.sync is not None:
        numbers = [n + 1 for n, i in enumerate(keep) if i in track.sync]
        parts.append(_full(b"stss", 0, struct.pack(f">I{len(numbers)}I", len(numbers), *numbers)))
    sizes = [track.sizes[i] for i in keep]
    parts.append(_full(b"stsz", 0, struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes)))
    parts.append(_full(b"stsc", 0, struct.pack(">IIII", 1, 1, 1, 1)))  # one sample per chunk
    offsets = [track.offsets[i] for i in keep]
    parts.append(_full(b"co64", 0, struct.pack(f">I{len(offsets)}Q", len(offsets), *offsets)))
    if b"sdtp" in tables:
        flags = moov[tables[b"sdtp"].body + 4 : tables[b"sdtp"].end]
        if len(flags) != len(track.sizes):
            raise Unsupported("sdtp does not list every sample")
        parts.append(_full(b"sdtp", 0, bytes(flags[i] for i in keep)))
    if b"sbgp" in tables:
        parts.append(_reduced_sbgp(moov, tables[b"sbgp"], keep, len(track.sizes)))
    for kind in (b"cslg", b"sgpd"):
        if kind in tables:
            parts.append(moov[tables[kind].start : tables[kind].end])
    replacement = _box(b"stbl", b"".join(parts))
    # rebuild stbl's ancestors (minf, mdia, trak), each with its other children as they were
    for parent in reversed(track.trail[:-1]):
        child = track.trail[track.trail.index(parent) + 1]
        body = b"".join(
            replacement if box.start == child.start else moov[box.start : box.end]
            for box in children(moov, parent.body, parent.end)
        )
        replacement = _box(parent.kind, body)
    kept = [
        moov[box.start : box.end] if box.kind != b"trak" else replacement
        for box in children(moov, track.moov_body, len(moov))
        if box.kind == b"mvhd" or box.start == track.trail[0].start
    ]
    return _box(b"moov", b"".join(kept))


def _reduced_sbgp(moov: bytes, sbgp: Box, keep: list[int], samples: int) -> bytes:
    version = moov[sbgp.body]
    head = 8 if version == 1 else 4  # grouping type, and its parameter in version 1
    fields = moov[sbgp.body + 4 : sbgp.body + 4 + head]
    shifted = Box(sbgp.kind, sbgp.start, sbgp.body + head, sbgp.end)
    groups = _runs(moov, shifted, "II")
    groups += [0] * (samples - len(groups))  # samples past the table belong to no group
    return _full(b"sbgp", version, fields + _rle([groups[i] for i in keep], "II"))


class ReducedFile(io.RawIOBase):
    """A read-only view of an MP4 file whose moov is renamed `free` and a new moov appended after its end."""

    def __init__(self, path: str | Path, moov_start: int, file_size: int, moov: bytes) -> None:
        super().__init__()
        self._handle = open(path, "rb")  # noqa: SIM115 - closed with this object
        self._rename_at = moov_start + 4
        self._size = file_size
        self._tail = moov
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size + len(self._tail)}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # any writable buffer
        view = memoryview(buffer).cast("B")
        start, wanted = self._position, len(view)
        data = b""
        if start < self._size:
            data = os.pread(self._handle.fileno(), min(wanted, self._size - start), start)
            if start <= self._rename_at + 3 and self._rename_at < start + len(data):
                patched = bytearray(data)
                for n, byte in enumerate(b"free"):
                    if 0 <= self._rename_at + n - start < len(patched):
                        patched[self._rename_at + n - start] = byte
                data = bytes(patched)
        if len(data) < wanted and start + len(data) >= self._size:
            tail_from = start + len(data) - self._size
            data += self._tail[tail_from : tail_from + wanted - len(data)]
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()
