"""CMU PocketSphinx: real English ASR on the CPU; its US-English model ships in the pip package.

It transcribes the first audio item of the request and ignores any text instruction.
Decoding is CPU-bound and a Decoder is not thread-safe, so each of its `workers` threads owns
one (its own pool: however many requests arrive at once, as behind `omnieval serve`, no more
decoders are loaded than there are workers).
A Decoder's feature extraction adapts to the audio it has seen; it is reset before every
utterance so that a transcript never depends on which samples the same thread decoded
before (otherwise shards, resumes and worker counts would change the numbers).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from omnieval.errors import MediaError
from omnieval.media import load_audio, to_pcm16
from omnieval.registry import RUNNERS
from omnieval.runners.base import Runner
from omnieval.types import Request, Response

SAMPLE_RATE = 16000


def decode(decoder, audio) -> str:
    """The transcript of 16 kHz float audio, the decoder's feature adaptation reset first."""
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(to_pcm16(audio).tobytes(), full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis is not None else ""


class PocketsphinxRunner(Runner):
    name = "pocketsphinx"
    description = "CMU PocketSphinx 5 with its bundled US-English acoustic and language model (CPU)"
    packages = ("pocketsphinx",)
    accepts_media = frozenset({"audio"})

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.max_concurrency = int(settings.get("workers") or os.cpu_count() or 1)
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def setting_names(cls) -> set[str]:
        return {"workers", "hmm", "lm", "dict"}

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        identity["settings"] = {k: v for k, v in identity["settings"].items() if k != "workers"}
        return identity

    def _decoder(self):
        decoder = getattr(self._local, "decoder", None)
        if decoder is None:
            from pocketsphinx import Decoder

            options = {k: self.settings[k] for k in ("hmm", "lm", "dict") if self.settings.get(k)}
            decoder = self._local.decoder = Decoder(loglevel="FATAL", **options)
        return decoder

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="pocketsphinx")
        return self._pool

    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._workers(), self._decoder)

    async def generate(self, requests: list[Request]) -> list[Response]:
        loop = asyncio.get_running_loop()
        return list(
            await asyncio.gather(*(loop.run_in_executor(self._workers(), self._transcribe, r) for r in requests))
        )

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _transcribe(self, request: Request) -> Response:
        started = time.perf_counter()
        audio_refs = [m for message in request.messages for m in message.media("audio")]
        if not audio_refs:
            return Response(error="pocketsphinx needs an audio input and the request has none")
        try:
            audio, _ = load_audio(audio_refs[0], SAMPLE_RATE)
        except MediaError as err:
            return Response(error=str(err))
        text = decode(self._decoder(), audio)
        return Response(text=text, output_tokens=len(text.split()), latency_s=time.perf_counter() - started)


RUNNERS.register(PocketsphinxRunner)
