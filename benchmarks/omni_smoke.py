"""Smoke run of the transformers omni runner on tiny checkpoints: per-request latency and memory.

    python benchmarks/omni_smoke.py [--device cuda] [--checkpoint DIR] [--repeats 3]

Builds tiny random Qwen2.5-Omni and Qwen3-Omni checkpoints (unless --checkpoint is given),
makes real media (espeak-ng speech, a PIL image, an ffmpeg video with a spoken track), and
prints, per family and input kind: latency, time to first token, tokens/s, speech seconds
and real-time factor, and peak memory (GPU memory allocated on CUDA; the process's peak
resident memory on CPU). Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
from pathlib import Path

from omnieval.runners.hf_omni.runner import HfOmniRunner
from omnieval.testing.tiny import FAMILIES, build_tiny_checkpoint
from omnieval.types import GenConfig, MediaKind, MediaRef, Message, Request, media_part, text_part


def make_media(folder: Path) -> dict[str, Path]:
    from PIL import Image, ImageDraw

    speech, track, image, video = (folder / n for n in ("speech.wav", "track.wav", "image.png", "video.mp4"))
    subprocess.run(["espeak-ng", "-w", str(speech), "the quick brown fox jumps over the lazy dog"], check=True)
    subprocess.run(["espeak-ng", "-w", str(track), "the answer is blue"], check=True)
    picture = Image.new("RGB", (448, 336), "white")
    ImageDraw.Draw(picture).ellipse((40, 40, 200, 200), fill="red")
    picture.save(image)
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-i",
            str(track),
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(video),
        ],
        check=True,
    )
    return {"audio": speech, "image": image, "video": video}


def requests(media: dict[str, Path]) -> dict[str, Request]:
    def ask(kind: MediaKind, path: Path, **gen) -> Request:
        parts = [media_part(MediaRef(kind=kind, path=str(path))), text_part("Describe it.")]
        return Request(
            sample_id=kind, messages=[Message(role="user", content=parts)], gen=GenConfig(max_new_tokens=32, **gen)
        )

    return {
        "audio": ask("audio", media["audio"]),
        "image": ask("image", media["image"]),
        "video": ask("video", media["video"]),
        "audio_in_video": ask("video", media["video"], use_audio_in_video=True),
        "speech_out": ask("audio", media["audio"], return_audio=True),
    }


def _peak_rss_mib() -> float:
    """On CPU: the process's peak resident memory so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda or cpu")
    parser.add_argument("--checkpoint", action="append", help="checkpoint folder(s) instead of tiny ones")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch
    from transformers.utils import logging

    logging.set_verbosity_error()
    work = Path(tempfile.mkdtemp(prefix="omni-smoke-"))
    media = make_media(work)
    checkpoints = args.checkpoint or [str(build_tiny_checkpoint(f, work / f)) for f in FAMILIES]
    cuda = args.device == "cuda" and torch.cuda.is_available()
    print(f"device: {torch.cuda.get_device_name(0) if cuda else 'cpu'}; torch {torch.__version__}")
    print(
        f"{'checkpoint':<16} {'input':<15} {'latency_s':>9} {'ttft_s':>7} {'tok/s':>7} {'speech_s':>8} "
        f"{'rtf':>6} {'peak_MiB':>8}"
    )
    for checkpoint in checkpoints:
        runner = HfOmniRunner(
            model=checkpoint, talker=True, talker_max_new_tokens=64, device_map="cuda" if cuda else "cpu"
        )
        asyncio.run(runner.start())
        for name, request in requests(media).items():
            for repeat in range(args.repeats):
                if cuda:
                    torch.cuda.reset_peak_memory_stats()
                (response,) = asyncio.run(runner.generate([request]))
                if response.error:
                    print(f"{Path(checkpoint).name:<16} {name:<15} error: {response.error}")
                    break
                if repeat < args.repeats - 1:
                    continue  # the first runs warm up kernels; report the last
                peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else _peak_rss_mib()
                print(
                    f"{Path(checkpoint).name:<16} {name:<15} {response.latency_s:>9.3f} {response.ttft_s or 0:>7.3f} "
                    f"{response.tokens_per_s or 0:>7.1f} {response.audio_s or 0:>8.2f} {response.rtf or 0:>6.3f} "
                    f"{peak:>8.1f}"
                )


if __name__ == "__main__":
    main()
