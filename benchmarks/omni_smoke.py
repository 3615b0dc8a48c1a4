"""Smoke run of the transformers omni runner on tiny checkpoints: per-request latency and memory.

    python benchmarks/omni_smoke.py [--device cuda] [--checkpoint DIR] [--repeats 3] [--media DIR]
        [--throughput 64]

Builds tiny random Qwen2.5-Omni and Qwen3-Omni checkpoints (unless --checkpoint is given),
makes real media (espeak-ng speech, a PIL image, an ffmpeg video with a spoken track; or takes
those a previous run left in --media DIR, on a machine without espeak-ng or ffmpeg), and
prints, per family and input kind: latency, time to first token, tokens/s, speech seconds
and real-time factor, and peak memory (GPU memory allocated on CUDA; the process's peak
resident memory on CPU). With --throughput N, also N audio questions (text answers) at batch
sizes 1 and 8: samples per second. Figures, not a pass/fail test.
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

MEDIA_FILES = {"audio": "speech.wav", "image": "image.png", "video": "video.mp4"}


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
    return {kind: folder / name for kind, name in MEDIA_FILES.items()}


def given_media(folder: Path) -> dict[str, Path]:
    """The media a previous run made in `folder`; a missing file is named."""
    media = {kind: folder / name for kind, name in MEDIA_FILES.items()}
    missing = [str(path) for path in media.values() if not path.is_file()]
    if missing:
        raise SystemExit(f"--media: missing {', '.join(missing)}")
    return media


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


def throughput(runner: HfOmniRunner, request: Request, samples: int) -> float:
    """Samples per second of `samples` copies of `request` (distinct ids), generated in the runner's batches."""
    import time

    copies = [request.model_copy(update={"sample_id": f"{request.sample_id}-{n}"}) for n in range(samples)]

    async def all_of_them() -> list:
        batches = [copies[at : at + runner.max_batch_size] for at in range(0, samples, runner.max_batch_size)]
        return [response for batch in batches for response in await runner.generate(batch)]

    started = time.perf_counter()
    responses = asyncio.run(all_of_them())
    seconds = time.perf_counter() - started
    failed = [response.error for response in responses if response.error]
    if failed:
        raise SystemExit(f"throughput: {len(failed)} of {samples} failed, the first: {failed[0]}")
    return samples / seconds


def _peak_rss_mib() -> float:
    """On CPU: the process's peak resident memory so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda or cpu")
    parser.add_argument("--checkpoint", action="append", help="checkpoint folder(s) instead of tiny ones")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--media", type=Path, help="a folder with the media a previous run made (see make_media)")
    parser.add_argument("--throughput", type=int, default=0, help="audio questions timed at batch sizes 1 and 8")
    args = parser.parse_args()
    import torch
    from transformers.utils import logging

    logging.set_verbosity_error()
    work = Path(tempfile.mkdtemp(prefix="omni-smoke-"))
    media = given_media(args.media) if args.media else make_media(work)
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
        asyncio.run(runner.close())
        if args.throughput:
            audio_question = requests(media)["audio"]
            for batch_size in (1, 8):
                batched = HfOmniRunner(model=checkpoint, batch_size=batch_size, device_map="cuda" if cuda else "cpu")
                asyncio.run(batched.start())
                throughput(batched, audio_question, batch_size)  # warm-up
                rate = throughput(batched, audio_question, args.throughput)
                print(
                    f"{Path(checkpoint).name:<16} {args.throughput} audio questions, batch {batch_size}: {rate:.2f}/s"
                )
                asyncio.run(batched.close())


if __name__ == "__main__":
    main()
