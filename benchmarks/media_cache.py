"""The decoded-media cache: how much faster a second run prepares the same videos.

    python benchmarks/media_cache.py [--videos 6] [--seconds 20] [--size 640x360] [--fps 2] [--grain 20]

Makes WorldSense-layout sample videos (ffmpeg's moving test pattern with film grain, so that frames
compress like camera footage, and an espeak-ng track, at the given length and size), builds the
worldsense task's requests for them, and prepares each request as the hf-omni runner does
(frames sampled and resized, the track decoded to 16 kHz), twice with one empty cache folder:
the first pass decodes and stores, the second reads. Prints both wall times, their ratio, the
cache's hits and misses and its size on disk. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from omnieval import decoded_cache
from omnieval.registry import TASKS
from omnieval.runners.hf_omni.inputs import MediaOptions, prepare
from omnieval.testing.sample_av import make_video
from omnieval.types import Request


def make_dataset(folder: Path, lengths: list[float], size: tuple[int, int], grain: int) -> Path:
    """WorldSense-layout clips of the given lengths (seconds) under folder/videos, and its worldsense_qa.json."""
    (folder / "videos").mkdir(parents=True)
    entries = {}
    for number, seconds in enumerate(lengths):
        make_video(
            folder / "videos" / f"clip{number}.mp4",
            seconds=seconds,
            size=size,
            rate=25,
            grain=grain,
            speech=f"this is clip number {number}, and the answer is blue",
        )
        entries[f"clip{number}"] = {
            "duration": "<1min",
            "domain": "Daily Life",
            "audio_class": ["Speech"],
            "task0": {
                "question": "What colour is named?",
                "candidates": ["A. red", "B. blue"],
                "answer": "B",
                "task_domain": "Recognition",
                "task_type": "Audio Recognition",
            },
        }
    (folder / "worldsense_qa.json").write_text(json.dumps(entries))
    return folder


def prepare_all(requests: list[Request], options: MediaOptions) -> float:
    started = time.perf_counter()
    for request in requests:
        prepare(request, options)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=float, default=2.0)
    parser.add_argument(
        "--grain",
        type=int,
        default=20,
        help="film grain 0-100 (frames as hard to compress as "
        "camera footage; 0: ffmpeg's test pattern, which compresses far better than real video)",
    )
    args = parser.parse_args()
    width, height = (int(side) for side in args.size.split("x"))
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        os.environ["OMNIEVAL_DECODED_DIR"] = str(base / "decoded")
        os.environ.pop("OMNIEVAL_DECODED_CACHE", None)
        task = TASKS.get("worldsense")
        loaded = task.load(
            str(make_dataset(base / "worldsense", [args.seconds] * args.videos, (width, height), args.grain))
        )
        gen = task.gen.model_copy(update={"fps": args.fps})
        requests = [
            Request(sample_id=str(i), messages=task.build_messages(row, loaded.base_dir), gen=gen)
            for i, row in enumerate(loaded.rows)
        ]
        options = MediaOptions()
        cold = prepare_all(requests, options)
        after_cold = dict(decoded_cache.stats)
        warm = prepare_all(requests, options)
        size_mb = sum(f.stat().st_size for f in (base / "decoded").rglob("*.bin")) / 1e6
        video_mb = sum(f.stat().st_size for f in (base / "worldsense" / "videos").glob("*.mp4")) / 1e6
    print(
        f"{args.videos} videos of {args.seconds:g} s at {width}x{height}, 25 fps, grain {args.grain}, sampled at "
        f"{args.fps:g} fps with their audio tracks ({video_mb:.1f} MB of mp4)"
    )
    print(f"first run (decode + store): {cold:7.3f} s   cache {after_cold}")
    print(f"second run (from cache):    {warm:7.3f} s   cache {dict(decoded_cache.stats)}")
    print(f"second / first: {warm / cold:.3f}  ({cold / warm:.1f}x faster); cache on disk {size_mb:.1f} MB")


if __name__ == "__main__":
    main()
