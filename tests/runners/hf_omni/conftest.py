"""Tiny Qwen omni checkpoints and real media files for the transformers runner's tests."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from omnieval.types import GenConfig, MediaRef, Message, Part, Request, media_part


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """Speech (espeak-ng, 22.05 kHz), a drawn image, and videos with and without a spoken track."""
    from PIL import Image, ImageDraw

    base = tmp_path_factory.mktemp("media")
    files = {
        "speech": base / "speech.wav",
        "speech_long": base / "speech_long.wav",
        "image": base / "shapes.png",
        "video": base / "clip.mp4",
        "silent_video": base / "silent.mp4",
        "broken_video": base / "broken.mp4",
    }
    subprocess.run(["espeak-ng", "-w", str(files["speech"]), "the cat sat on the mat"], check=True)
    subprocess.run(
        [
            "espeak-ng",
            "-w",
            str(files["speech_long"]),
            "one two three four five six seven eight nine ten eleven twelve",
        ],
        check=True,
    )
    image = Image.new("RGBA", (120, 80), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 50, 50), fill=(200, 0, 0, 255))
    draw.rectangle((70, 20, 110, 70), fill=(0, 0, 200, 255))
    image.save(files["image"])
    spoken = files["video_track"] = base / "spoken.wav"
    subprocess.run(["espeak-ng", "-w", str(spoken), "the answer is blue"], check=True)
    ffmpeg = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=10"]
    subprocess.run(
        [
            *ffmpeg,
            "-i",
            str(spoken),
            "-t",
            "2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(files["video"]),
        ],
        check=True,
    )
    subprocess.run(
        [*ffmpeg, "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(files["silent_video"])], check=True
    )
    files["broken_video"].write_bytes(files["video"].read_bytes()[:600])
    return files


def write_tone(path: Path, seconds: float, rate: int = 16000) -> Path:
    """A real 16-bit wav of a 440 Hz tone in light noise."""
    import numpy as np
    import soundfile

    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(0).standard_normal(len(t))
    soundfile.write(
        str(path), (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * noise).astype(np.float32), rate, subtype="PCM_16"
    )
    return path


def make_request(sample_id: str, *parts: Part, **gen) -> Request:
    return Request(
        sample_id=sample_id,
        messages=[Message(role="user", content=list(parts))],
        gen=GenConfig(**{"max_new_tokens": 5, **gen}),
    )


def file_part(kind: str, path: Path) -> Part:
    return media_part(MediaRef(kind=kind, path=str(path)))


def start(runner):
    asyncio.run(runner.start())
    return runner


def generate(runner, requests):
    return asyncio.run(runner.generate(requests))
