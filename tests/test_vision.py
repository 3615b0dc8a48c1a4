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
