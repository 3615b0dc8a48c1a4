"""Frame sampling and resizing follow qwen-omni-utils (the Qwen model cards' preprocessing)."""

from __future__ import annotations

import subprocess

import pytest
import qwen_omni_utils.v2_5.vision_process as reference

from omnieval.errors import MediaError
from omnieval.types import MediaRef
from omnieval.vision import frame_count, load_image, load_video, smart_resize


@pytest.mark.parametrize(
    "height,width,factor,low,high",
    [
        (80, 120, 28, 4 * 784, 16384 * 784),
        (1080, 1920, 28, 3136, 1003520),
        (10, 10, 28, 3136, 12845056),
        (4000, 3000, 32, 4096, 1048576),
        (33, 900, 14, 784, 200704),
        (720, 1280, 28, 100352, 602112),
    ],
)
def test_smart_resize_matches_the_reference(height, width, factor, low, high):
    assert smart_resize(height, width, factor, low, high) == reference.smart_resize(height, width, factor, low, high)


@pytest.mark.parametrize(
    "total,fps_in,fps,low,high",
    [
        (75, 25.0, 2.0, 4, 768),
        (20, 10.0, 2.0, 4, 768),
        (9000, 30.0, 2.0, 4, 768),
        (300, 30.0, 1.0, 4, 8),
        (5, 25.0, 2.0, 4, 768),
        (1000, 29.97, 0.5, 16, 64),
    ],
)
def test_frame_count_matches_the_reference(total, fps_in, fps, low, high):
    element = {"fps": fps, "min_frames": low, "max_frames": high}
    assert frame_count(total, fps_in, fps, low, high) == reference.smart_nframes(element, total, fps_in)


def test_too_few_frames_and_extreme_shapes_are_media_errors():
    with pytest.raises(MediaError, match="frames"):
        frame_count(1, 25.0, 2.0, 4, 768)
    with pytest.raises(MediaError, match="aspect ratio"):
        smart_resize(2, 1000, 28, 3136, 12845056)


def test_video_frames_and_image_are_decoded_and_resized(tmp_path):
    from PIL import Image

    video = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-t",
            "3",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    clip = load_video(MediaRef(kind="video", path=str(video)), fps=2.0)
    assert clip.total_frames == 75 and clip.source_fps == 25.0
    assert len(clip.indices) == 6 and clip.indices[0] == 0 and clip.indices[-1] == 74
    assert tuple(clip.frames.shape[:2]) == (6, 3) and clip.frames.shape[2] % 28 == 0
    assert abs(clip.duration_s - 3.0) < 1e-6 and abs(clip.sample_fps - 2.0) < 1e-6
    png = tmp_path / "a.png"
    Image.new("RGBA", (50, 30), (0, 0, 0, 0)).save(png)
    image = load_image(MediaRef(kind="image", path=str(png)))
    assert image.mode == "RGB" and image.size == (84, 56) and image.getpixel((0, 0)) == (255, 255, 255)


def _png_claiming(tmp_path, width: int, height: int):
    """A real PNG whose header (IHDR, with a valid checksum) claims `width` x `height` pixels."""
    import struct
    import zlib

    from PIL import Image

    path = tmp_path / "claims.png"
    Image.new("RGB", (8, 8)).save(path)
    data = bytearray(path.read_bytes())
    body = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(body))
    path.write_bytes(bytes(data))
    return path


def test_an_image_whose_header_claims_a_bomb_of_pixels_fails_at_once(tmp_path):
    import time

    started = time.monotonic()
    with pytest.raises(MediaError, match="cannot decode image claims.png: .*exceeds limit"):
        load_image(MediaRef(kind="image", path=str(_png_claiming(tmp_path, 100_000, 100_000)), name="claims.png"))
    assert time.monotonic() - started < 10


def test_a_video_whose_frames_are_implausibly_large_fails_before_decoding(tmp_path, monkeypatch):
    from omnieval import vision
    from omnieval.testing.sample_av import make_video

    clip = make_video(tmp_path / "small.mp4", seconds=1.0, colour="blue")
    monkeypatch.setenv("OMNIEVAL_DECODED_CACHE", "off")
    monkeypatch.setattr(vision, "MAX_VIDEO_PIXELS", 95 * 64)  # the clip is 96x64
    with pytest.raises(MediaError, match="implausibly large frames in its header: 96x64"):
        load_video(MediaRef(kind="video", path=str(clip)))
    monkeypatch.setattr(vision, "MAX_MEDIA_SECONDS", 0.5)
    monkeypatch.setattr(vision, "MAX_VIDEO_PIXELS", 96 * 64)
    with pytest.raises(MediaError, match="implausible length in its header"):
        load_video(MediaRef(kind="video", path=str(clip)))


def test_a_stuck_image_decode_fails_at_the_time_limit(tmp_path, monkeypatch):
    import threading
    import time

    from PIL import Image

    from omnieval.media_checks import DecodeTimeout

    png = tmp_path / "a.png"
    Image.new("RGB", (50, 30)).save(png)
    release = threading.Event()
    monkeypatch.setattr(Image.Image, "load", lambda self: release.wait(60))
    monkeypatch.setenv("OMNIEVAL_DECODE_TIMEOUT_S", "0.5")
    started = time.monotonic()
    try:
        with pytest.raises(DecodeTimeout, match="decoding image a.png took longer than 0.5 s"):
            load_image(MediaRef(kind="image", path=str(png), name="a.png"))
    finally:
        release.set()
    assert time.monotonic() - started < 5
