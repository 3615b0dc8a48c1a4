"""Sampled frames decoded without the unreferenced pictures equal qwen-omni-utils' frames, bit for bit, on
real clips made by ffmpeg: B-frames (libx264's defaults), short GOPs with several slices, 29.97 fps with an
odd frame count and a width torchcodec converts through its filter graph, a variable frame rate; and a
file the fast path does not take decodes the ordinary way."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch

from omnieval.mp4_index import ReducedFile, read_video_track, reduced_moov
from omnieval.types import MediaRef
from omnieval.video_frames import sampled_frames, samples_to_keep
from omnieval.vision import load_video

CLIPS = {  # name: (ffmpeg's video filter and output options)
    "b_frames": (["testsrc2=size=320x180:rate=25,noise=alls=12:allf=t+u"], ["-t", "4"]),
    "short_gops_slices": (
        ["testsrc2=size=256x144:rate=30,noise=alls=12:allf=t+u"],
        ["-t", "3", "-x264-params", "keyint=20:min-keyint=20:slices=3:bframes=3:b-pyramid=normal"],
    ),
    "ntsc_odd_count": (["testsrc2=size=200x120:rate=30000/1001,noise=alls=8:allf=t+u"], ["-frames:v", "101"]),
    "variable_rate": (
        # every seventh frame comes 0.6 of a frame late: 93 frames whose average rate is not 25
        ["testsrc2=size=224x128:rate=25,noise=alls=8:allf=t+u,settb=1/1000,setpts='(N+floor(N/7)*0.6)/(25*TB)'"],
        ["-t", "4", "-fps_mode", "vfr", "-enc_time_base", "1/1000", "-video_track_timescale", "1000"],
    ),
}


def ffmpeg_clip(path: Path, source: list[str], options: list[str]) -> Path:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source[0]]
    subprocess.run([*command, *options, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("clips")
    return {name: ffmpeg_clip(base / f"{name}.mp4", *spec) for name, spec in CLIPS.items()}


def reference_frames(path: Path, fps: float = 2.0) -> torch.Tensor:
    from qwen_omni_utils import process_mm_info

    conversation = [{"role": "user", "content": [{"type": "video", "video": str(path), "fps": fps}]}]
    _, _, videos = process_mm_info(conversation, use_audio_in_video=False)
    return videos[0]


def reference_indices(path: Path, fps: float = 2.0) -> list[int]:
    from torchcodec.decoders import VideoDecoder

    from omnieval.vision import frame_count

    metadata = VideoDecoder(str(path)).metadata
    total = metadata.num_frames
    count = frame_count(total, metadata.average_fps, fps, 4, 768)
    return torch.linspace(0, total - 1, count).round().long().tolist()


def decoded(path: Path, indices: list[int]) -> tuple[torch.Tensor, bool]:
    """sampled_frames' frames, put together in order, and whether the unreferenced pictures were left out."""
    chunks: dict[int, torch.Tensor] = {}
    reduced = sampled_frames(path, indices, threads=2, take=lambda frames, first: chunks.update({first: frames}))
    return torch.cat([chunks[first] for first in sorted(chunks)]), reduced


def packets(path: Path) -> list[dict]:
    """ffprobe's view of the video packets, in decoding order: position, size, flags."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos,size,flags", "-of", "json"]
        + [str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(probe.stdout)["packets"]


@pytest.mark.parametrize("name", list(CLIPS))
def test_frames_equal_process_mm_info_and_the_unreferenced_are_left_out(clips, name, monkeypatch):
    monkeypatch.setenv("OMNIEVAL_DECODED_CACHE", "off")
    path = clips[name]
    indices = reference_indices(path)
    frames, reduced = decoded(path, indices)
    assert reduced, "the MP4's unreferenced pictures were not left out"
    from torchcodec.decoders import VideoDecoder

    assert torch.equal(frames, VideoDecoder(str(path)).get_frames_at(indices=indices).data)
    clip = load_video(MediaRef(kind="video", path=str(path)), fps=2.0)
    assert clip.indices == indices
    assert torch.equal(clip.frames, reference_frames(path))


def test_the_clips_are_what_they_claim_to_be(clips):
    from torchcodec.decoders import VideoDecoder

    for path in clips.values():
        assert any("K" not in p["flags"] for p in packets(path))
        track = read_video_track(path)
        assert track.composition != sorted(track.composition), f"{path.name} has no B-frames"
    ntsc = VideoDecoder(str(clips["ntsc_odd_count"])).metadata
    assert ntsc.num_frames == 101 and abs(ntsc.average_fps - 30000 / 1001) < 1e-6
    steps = set(torch.diff(torch.tensor(sorted(read_video_track(clips["variable_rate"]).composition))).tolist())
    assert len(steps) > 1, "the variable-rate clip has one frame duration"


def test_the_kept_samples_are_the_wanted_and_what_they_refer_to(clips):
    path = clips["short_gops_slices"]
    track = read_video_track(path)
    order = sorted(range(len(track.dts)), key=track.composition.__getitem__)
    wanted = {order[i] for i in reference_indices(path)}
    keep = samples_to_keep(path, track, (track.config[4] & 3) + 1, wanted)
    assert wanted <= set(keep) and len(keep) < len(track.dts)
    assert keep == sorted(keep)
    # every IDR picture before the last wanted sample is kept (each GOP here has a sampled frame)
    last = max(wanted)
    assert {n for n in track.sync or () if n <= last} <= set(keep)


def test_the_sample_table_is_where_ffprobe_finds_the_packets(clips):
    for path in clips.values():
        track = read_video_track(path)
        found = packets(path)
        assert [int(p["pos"]) for p in found] == track.offsets
        assert [int(p["size"]) for p in found] == track.sizes
        assert {n for n, p in enumerate(found) if "K" in p["flags"]} == track.sync


def test_a_rewritten_table_with_every_sample_decodes_as_the_file(clips):
    from torchcodec.decoders import VideoDecoder

    path = clips["b_frames"]
    track = read_video_track(path)
    source = ReducedFile(path, track.moov_start, track.file_size, reduced_moov(track, list(range(len(track.dts)))))
    try:
        rewritten = VideoDecoder(source)
        original = VideoDecoder(str(path))
        assert rewritten.metadata.num_frames == original.metadata.num_frames
        indices = list(range(0, original.metadata.num_frames, 7))
        theirs, ours = original.get_frames_at(indices=indices), rewritten.get_frames_at(indices=indices)
        assert torch.equal(ours.data, theirs.data) and torch.equal(ours.pts_seconds, theirs.pts_seconds)
    finally:
        source.close()


@pytest.mark.parametrize("kind", ["matroska", "open_gops"])
def test_a_file_the_fast_path_does_not_take_decodes_the_ordinary_way(clips, tmp_path, monkeypatch, kind):
    """Another container; and open GOPs (keyframes that are not IDR pictures), where the frames after a seek
    depend on where decoding starts."""
    monkeypatch.setenv("OMNIEVAL_DECODED_CACHE", "off")
    if kind == "matroska":
        path = tmp_path / "clip.mkv"
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(clips["b_frames"]), "-c", "copy", str(path)], check=True)
    else:
        source = ["testsrc2=size=256x144:rate=25,noise=alls=8:allf=t+u"]
        path = ffmpeg_clip(tmp_path / "open.mp4", source, ["-t", "4", "-x264-params", "open-gop=1:keyint=25"])
        track = read_video_track(path)
        assert track.sync and len(track.sync) > 1  # keyframes after the first, which are not IDR
    indices = reference_indices(path)
    frames, reduced = decoded(path, indices)
    assert not reduced
    assert torch.equal(load_video(MediaRef(kind="video", path=str(path)), fps=2.0).frames, reference_frames(path))
