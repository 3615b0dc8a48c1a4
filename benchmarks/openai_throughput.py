"""The openai runner's throughput against a server whose every answer takes a fixed time.

    python benchmarks/openai_throughput.py [--rounds 20] [--latency 0.2] [--concurrency 1 8 32 64]

Starts a chat-completions server on 127.0.0.1 (aiohttp, in its own process) that answers each request
after `--latency` seconds, and runs `librispeech_test_clean` on LibriSpeech-schema rows (a few espeak-ng
utterances repeated under distinct ids, each decoded and sent as 16 kHz WAV) through the openai runner at
each concurrency, rounds x concurrency samples, with no cache. `--audio flac16k` stores the clips as the
hub's LibriSpeech does (FLAC at 16 kHz); `--audio wav22k` as espeak-ng writes them (WAV at 22.05 kHz), so
that every clip is resampled too (about 1.3 ms of CPU each here). The server times its own work, from the first
request in to the last answer out: the ideal is samples x latency / concurrency. Prints that span, its
share of the ideal throughput, the whole run's wall time (loading and scoring included) and the run's CPU
time per sample and the server's (what bounds the throughput on a busy or small machine: both share its
CPUs). Target:
>= 0.9 at concurrency 64. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import soundfile
import soxr

from omnieval.config import ModelPreset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import RUNNERS, TASKS

sys.path.insert(0, str(Path(__file__).parent))
from ray_scaling import make_rows  # noqa: E402  (the same repeated rows)

from omnieval.testing.sample_data import librispeech_rows  # noqa: E402

ANSWER = (
    '{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
    '"finish_reason":"stop","message":{"role":"assistant","content":"the answer"}}],'
    '"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}'
)


def serve(port: int, latency: float) -> None:
    """A server that reads each request whole, waits `latency` seconds, then answers."""
    from aiohttp import web

    span = {"first": 0.0, "last": 0.0, "answered": 0, "cpu": time.process_time()}

    async def chat(request: web.Request) -> web.Response:
        span["first"] = span["first"] or time.perf_counter()
        await request.read()
        await asyncio.sleep(latency)
        span["last"], span["answered"] = time.perf_counter(), span["answered"] + 1
        return web.Response(text=ANSWER, content_type="application/json")

    async def stats(request: web.Request) -> web.Response:
        cpu = time.process_time()
        seconds, answered = span["last"] - span["first"], span["answered"]
        answer = web.json_response({"seconds": seconds, "answered": answered, "cpu_s": cpu - span["cpu"]})
        span.update(first=0.0, last=0.0, answered=0, cpu=cpu)
        return answer

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "m", "object": "model"}]})

    app = web.Application(client_max_size=64 << 20)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None, backlog=1024)


def spoken_rows(audio: str) -> list[dict]:
    """The four spoken rows, their audio as LibriSpeech stores it (16 kHz FLAC) or as espeak-ng wrote it."""
    rows = librispeech_rows()[:4]
    if audio == "wav22k":
        return rows
    for n, row in enumerate(rows):
        samples, rate = soundfile.read(io.BytesIO(row["audio"]["bytes"]), dtype="float32")
        flac = io.BytesIO()
        soundfile.write(flac, soxr.resample(samples, rate, 16000), 16000, format="FLAC", subtype="PCM_16")
        row["audio"] = {"bytes": flac.getvalue(), "path": f"{n}.flac"}
    return rows


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_at(parquet: Path, output: Path, url: str, concurrency: int) -> tuple[float, float]:
    """Wall and CPU seconds of the run."""
    settings = {"base_url": url, "model": "m", "max_concurrency": concurrency, "max_retries": 0}
    preset = ModelPreset(name="fixed-latency", runner="openai", settings=settings)
    runner = RUNNERS.get("openai")(**settings)
    options = RunOptions(output_dir=output, dataset_path=str(parquet), show_progress=False)
    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(Evaluation(TASKS.get("librispeech_test_clean"), runner, preset, options).run())
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="samples = rounds x concurrency")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--audio", choices=["flac16k", "wav22k"], default="flac16k")
    args = parser.parse_args()
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(port, args.latency), daemon=True)
    server.start()
    time.sleep(1.5)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{args.latency * 1000:.0f} ms per answer, {args.rounds} rounds at each concurrency ({args.audio})")
            spoken = spoken_rows(args.audio)
            for concurrency in args.concurrency:
                samples = args.rounds * concurrency
                folder = Path(tmp) / f"c{concurrency}"
                folder.mkdir()
                parquet = make_rows(folder, samples, spoken)
                url = f"http://127.0.0.1:{port}"
                wall, cpu = run_at(parquet, folder / "out", url + "/v1", concurrency)
                with urllib.request.urlopen(url + "/stats") as answer:
                    served = json.load(answer)
                ideal = samples * args.latency / concurrency
                print(
                    f"concurrency {concurrency:3d}: {served['answered']} answers in {served['seconds']:6.2f} s, "
                    f"ideal {ideal:6.2f} s, share of ideal throughput {ideal / served['seconds']:.2f} "
                    f"(whole run {wall:.2f} s; CPU per sample: {1000 * cpu / samples:.1f} ms the run, "
                    f"{1000 * served['cpu_s'] / samples:.1f} ms the server)"
                )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
