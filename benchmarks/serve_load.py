"""`omnieval serve` under a crowd: answers, resets, throughput and the server's memory.

    python benchmarks/serve_load.py [--clients 64] [--requests 4] [--seconds 2.0] [--max-inflight N]

Starts `omnieval serve --model pocketsphinx-en` on 127.0.0.1, reads its resident memory, then
sends `--clients` simultaneous connections, each posting `--requests` chat requests that carry
`--seconds` of real speech (espeak-ng), and reads the memory at the end and again after 5 s
idle. Prints the answers by status, the connection errors, requests per second and the memory
figures. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

import aiohttp

from omnieval.media import encode_wav, load_audio, store_bytes
from omnieval.testing.sample_speech import speak


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def crowd(url: str, body: str, clients: int, each: int) -> collections.Counter:
    counts: collections.Counter = collections.Counter()

    async def client() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
            for _ in range(each):
                try:
                    async with session.post(
                        f"{url}/chat/completions", data=body, headers={"Content-Type": "application/json"}
                    ) as answer:
                        await answer.read()
                        counts[answer.status] += 1
                except aiohttp.ClientError as err:
                    counts[type(err).__name__] += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--max-inflight", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["OMNIEVAL_MEDIA_DIR"] = home
        path, _ = store_bytes(speak("the quick brown fox jumps over the lazy dog " * 4, "en-us"), ".wav")
        from omnieval.types import MediaRef

        audio, rate = load_audio(MediaRef(kind="audio", path=str(path)), 16000)
        clip = encode_wav(audio[: int(args.seconds * rate)], rate)
        body = json.dumps(
            {
                "model": "pocketsphinx-en",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "input_audio",
                                "input_audio": {"data": base64.b64encode(clip).decode(), "format": "wav"},
                            }
                        ],
                    }
                ],
            }
        )
        command = [sys.executable, "-m", "omnieval", "serve", "--model", "pocketsphinx-en", "--port", "0"]
        if args.max_inflight:
            command += ["--max-inflight", str(args.max_inflight)]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=os.environ)
        assert server.stdout is not None  # stdout=PIPE
        try:
            url = server.stdout.readline().split(" at ")[1].strip()
            before = resident_mb(server.pid)
            started = time.perf_counter()
            counts = asyncio.run(crowd(url, body, args.clients, args.requests))
            elapsed = time.perf_counter() - started
            after = resident_mb(server.pid)
            time.sleep(5)
            idle = resident_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    total = args.clients * args.requests
    print(
        f"{args.clients} clients x {args.requests} requests, {len(body) / 1e6:.2f} MB bodies "
        f"(max_inflight={args.max_inflight})"
    )
    print(
        f"answers: {dict(counts)}  ({total - sum(v for k, v in counts.items() if isinstance(k, int))} "
        f"connection errors)"
    )
    print(f"throughput: {total / elapsed:.1f} requests/s over {elapsed:.1f} s")
    print(
        f"server memory: {before:.0f} MB before, {after:.0f} MB after the load, {idle:.0f} MB after 5 s idle "
        f"(after/before {after / before:.2f})"
    )


if __name__ == "__main__":
    main()
