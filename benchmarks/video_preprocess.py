"""Video preprocessing against qwen-omni-utils: our preparation cold and warm, process_mm_info's, same arrays.

    python benchmarks/video_preprocess.py [--videos 6] [--seconds 20-30] [--size 640x360] [--fps 2] [--grain 20]
        [--rounds 2]

Makes WorldSense-layout clips (ffmpeg's moving test pattern at 25 fps with film grain, so that frames
compress like camera footage, libx264 at its default settings (B-frames), and an espeak-ng track;
lengths spread over --seconds), builds the worldsense task's requests for them (the video with its
sound, at the default budgets: 2 fps, 4 to 768 frames, the per-frame pixel ceiling from the total
budget) and times, on the same clips: (a) qwen_omni_utils.process_mm_info on the model card's
conversation (use_audio_in_video=True, as the task asks), (b) our preparation as the hf-omni runner does
it, cold: with the decoded-media cache off, and with an empty cache (decode and store), (c) the same,
warm (read from the cache filled by (b)). Each clip's frames must be equal to process_mm_info's
(torch.equal), or the script fails; the audio tracks are compared too (np.array_equal), and any
that differs is named. The paths take turns within each of --rounds rounds (the reference, cache off,
empty cache, warm), so that the machine's drift touches them alike. Prints each path's wall time (the
fastest of its rounds) and that round's CPU time (this process's and its ffmpeg children's: on a machine
with few CPUs, where both sides keep every CPU busy, the wall-time ratio cannot pass the CPU ratio), and
the speedups: cold >= 2x and warm >= 5x are the targets. Both sides are warmed up on a short clip first
(imports, decoder start-up). Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from omnieval import decoded_cache
from omnieval.registry import TASKS
from omnieval.runners.hf_omni.inputs import MediaOptions, PreparedInputs, prepare
from omnieval.types import Request

sys.path.insert(0, str(Path(__file__).parent))
from media_cache import make_dataset  # noqa: E402  (the same clips)


def requests_for(folder: Path, fps: float) -> list[Request]:
    task = TASKS.get("worldsense")
    loaded = task.load(str(folder))
    gen = task.gen.model_copy(update={"fps": fps})
    return [
        Request(sample_id=str(i), messages=task.build_messages(row, loaded.base_dir), gen=gen)
        for i, row in enumerate(loaded.rows)
    ]


def reference(video: Path, fps: float) -> tuple[torch.Tensor, np.ndarray]:
    """process_mm_info on the model card's conversation: the video's frames and its audio track."""
    from qwen_omni_utils import process_mm_info

    conversation = [
        {
            "role": "user",
            "content": [{"type": "video", "video": str(video), "fps": fps}, {"type": "text", "text": "?"}],
        }
    ]
    audios, _, videos = process_mm_info(conversation, use_audio_in_video=True)
    return videos[0], audios[0]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (ffmpeg decoding audio tracks), user and system."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(run: Callable[[], list]) -> tuple[float, float, list]:
    """`run`'s wall and CPU time, and its outputs; the disk's pending writes (an earlier path's cache entries)
    are flushed first, so that no path pays for another's."""
    os.sync()
    started, cpu = time.perf_counter(), cpu_seconds()
    outputs = run()
    return time.perf_counter() - started, cpu_seconds() - cpu, outputs


@dataclass
class Fastest:
    """A path's fastest round: its wall time and that round's CPU time."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def keep(self, wall: float, cpu: float) -> None:
        if wall < self.wall:
            self.wall, self.cpu = wall, cpu


def check_equal(ours: list[PreparedInputs], theirs: list[tuple[torch.Tensor, np.ndarray]], what: str) -> list[str]:
    """Fails unless every clip's frames equal process_mm_info's; the clips whose audio track differs, and how."""
    differences = []
    for number, (prepared, (frames, audio)) in enumerate(zip(ours, theirs, strict=True)):
        if not torch.equal(prepared.videos[0], frames):
            raise SystemExit(f"clip{number}: {what} frames differ from process_mm_info's")
        track = prepared.audios[0]
        if not np.array_equal(track, audio):
            common = min(len(track), len(audio))
            same = np.array_equal(track[:common], audio[:common])
            differences.append(
                f"clip{number} ({len(track)} samples, theirs {len(audio)}"
                + (", equal where both have samples)" if same else ", different samples)")
            )
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--seconds", default="20-30", help="a length, or a range the clips' lengths spread over")
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=float, default=2.0)
    parser.add_argument("--grain", type=int, default=20, help="film grain 0-100 (0: ffmpeg's bare test pattern)")
    parser.add_argument("--rounds", type=int, default=2, help="each path's time is the fastest of this many")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)  # librosa's, on audioread, at every call
    width, height = (int(side) for side in args.size.split("x"))
    low, _, high = args.seconds.partition("-")
    lengths = [float(low) + (float(high or low) - float(low)) * n / max(args.videos - 1, 1) for n in range(args.videos)]
    options = MediaOptions()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        requests = requests_for(make_dataset(base / "worldsense", lengths, (width, height), args.grain), args.fps)
        videos = sorted((base / "worldsense" / "videos").glob("*.mp4"), key=lambda p: int(p.stem[4:]))
        warm_up = requests_for(make_dataset(base / "warm_up", [2.0], (width, height), args.grain), args.fps)[0]
        os.environ["OMNIEVAL_DECODED_CACHE"] = "off"
        prepare(warm_up, options)
        reference(base / "warm_up" / "videos" / "clip0.mp4", args.fps)

        # the paths take turns within each round, so that the machine's drift from round to round touches
        # them alike; each round's frames and tracks are compared with process_mm_info's at once
        theirs_time, off_time, cold_time, warm_time = Fastest(), Fastest(), Fastest(), Fastest()
        theirs: list[tuple[torch.Tensor, np.ndarray]] = []
        audio_differences: list[str] = []
        hits: dict[str, int] = {}
        for number in range(args.rounds):
            seconds, cpu, outputs = timed(lambda: [reference(video, args.fps) for video in videos])
            theirs_time.keep(seconds, cpu)
            theirs = theirs or outputs
            os.environ["OMNIEVAL_DECODED_CACHE"] = "off"
            seconds, cpu, ours = timed(lambda: [prepare(request, options) for request in requests])
            off_time.keep(seconds, cpu)
            audio_differences = check_equal(ours, theirs, "cold (cache off)")
            del ours
            os.environ.pop("OMNIEVAL_DECODED_CACHE")
            shutil.rmtree(base / "decoded", ignore_errors=True)  # the last round's entries (untimed)
            os.environ["OMNIEVAL_DECODED_DIR"] = str(base / "decoded" / str(number))
            seconds, cpu, ours = timed(lambda: [prepare(request, options) for request in requests])
            cold_time.keep(seconds, cpu)
            check_equal(ours, theirs, "cold (empty cache)")
            del ours
            decoded_cache.stats.clear()
            seconds, cpu, ours = timed(lambda: [prepare(request, options) for request in requests])
            warm_time.keep(seconds, cpu)
            check_equal(ours, theirs, "warm")
            hits = dict(decoded_cache.stats)
        video_mb = sum(video.stat().st_size for video in videos) / 1e6
    frames = sum(len(clip_frames) for clip_frames, _ in theirs)
    print(
        f"{args.videos} clips of {args.seconds} s at {width}x{height}, 25 fps, grain {args.grain}, libx264 defaults "
        f"({video_mb:.1f} MB of mp4); {frames} frames sampled at {args.fps:g} fps, each clip's audio track at 16 kHz; "
        f"{len(os.sched_getaffinity(0))} CPUs"
    )
    print("frames equal to process_mm_info's for every clip (cold and warm): yes")
    print(
        "audio tracks equal to process_mm_info's: "
        + (f"all but {'; '.join(audio_differences)}" if audio_differences else "all")
    )
    print("wall time (the fastest round), and the CPU time of that round (this process and ffmpeg's):")
    theirs_s, theirs_cpu = theirs_time.wall, theirs_time.cpu
    cold_off_s, cold_off_cpu = off_time.wall, off_time.cpu
    cold_s, cold_cpu = cold_time.wall, cold_time.cpu
    warm_s, warm_cpu = warm_time.wall, warm_time.cpu
    print(f"process_mm_info:            {theirs_s:7.3f} s   CPU {theirs_cpu:7.3f} s")
    print(
        f"ours, cold (cache off):     {cold_off_s:7.3f} s   CPU {cold_off_cpu:7.3f} s   "
        f"{theirs_s / cold_off_s:5.2f}x faster, {theirs_cpu / cold_off_cpu:5.2f}x less CPU"
    )
    print(
        f"ours, cold (decode, store): {cold_s:7.3f} s   CPU {cold_cpu:7.3f} s   "
        f"{theirs_s / cold_s:5.2f}x faster, {theirs_cpu / cold_cpu:5.2f}x less CPU   (target >= 2x faster)"
    )
    print(
        f"ours, warm (from cache):    {warm_s:7.3f} s   CPU {warm_cpu:7.3f} s   "
        f"{theirs_s / warm_s:5.2f}x faster   (target >= 5x)  {hits}"
    )


if __name__ == "__main__":
    main()
