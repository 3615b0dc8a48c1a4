"""The openai runner's throughput against a server whose every answer takes a fixed time.

    python benchmarks/openai_throughput.py [--rounds 20] [--latency 0.2] [--concurrency 1 8 32 64]

Starts a chat-completions server on 127.0.0.1 (aiohttp, in its own process) that answers each request
after `--latency` seconds, and runs `librispeech_test_clean` on LibriSpeech-schema rows (a few espeak-ng
utterances repeated under distinct ids, sent as 16 kHz WAV) through the openai runner at each
concurrency, rounds x concurrency samples, with no cache. The server times its own work, from the first
request in to the last answer out: the ideal is samples x latency / concurrency. Prints that span, its
share of the ideal throughput, the whole run's wall time (loading and scoring included) and the run's CPU
time per sample (what bounds the throughput on a busy or small machine). Target:
>= 0.9 at concurrency 64. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from omnieval.config import ModelPreset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import RUNNERS, TASKS

sys.path.insert(0, str(Path(__file__).parent))
from ray_scaling import make_rows  # noqa: E402  (the same repeated rows)

ANSWER = (
    '{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
    '"finish_reason":"stop","message":{"role":"assistant","content":"the answer"}}],'
    '"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}'
)


def serve(port: int, latency: float) -> None:
    """A server that reads each request whole, waits `latency` seconds, then answers."""
    from aiohttp import web

    span = {"first": 0.0, "last": 0.0, "answered": 0}

    async def chat(request: web.Request) -> web.Response:
        span["first"] = span["first"] or time.perf_counter()
        await request.read()
        await asyncio.sleep(latency)
        span["last"], span["answered"] = time.perf_counter(), span["answered"] + 1
        return web.Response(text=ANSWER, content_type="application/json")

    async def stats(request: web.Request) -> web.Response:
        answer = web.json_response({"seconds": span["last"] - span["first"], "answered": span["answered"]})
        span.update(first=0.0, last=0.0, answered=0)
        return answer

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "m", "object": "model"}]})

    app = web.Application(client_max_size=64 << 20)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None, backlog=1024)


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
    args = parser.parse_args()
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(port, args.latency), daemon=True)
    server.start()
    time.sleep(1.5)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{args.latency * 1000:.0f} ms per answer, {args.rounds} rounds at each concurrency")
            for concurrency in args.concurrency:
                samples = args.rounds * concurrency
                folder = Path(tmp) / f"c{concurrency}"
                folder.mkdir()
                parquet = make_rows(folder, samples)
                url = f"http://127.0.0.1:{port}"
                wall, cpu = run_at(parquet, folder / "out", url + "/v1", concurrency)
                with urllib.request.urlopen(url + "/stats") as answer:
                    served = json.load(answer)
                ideal = samples * args.latency / concurrency
                print(
                    f"concurrency {concurrency:3d}: {served['answered']} answers in {served['seconds']:6.2f} s, "
                    f"ideal {ideal:6.2f} s, share of ideal throughput {ideal / served['seconds']:.2f} "
                    f"(whole run {wall:.2f} s, {1000 * cpu / samples:.1f} ms CPU per sample)"
                )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
