"""espeak-ng as a text-to-speech baseline: a real, fast, deterministic formant synthesizer on the CPU.

It speaks the text of a cloning request (omnieval.speech.cloning) in a voice of its own: it
cannot clone, so the voice prompt is ignored, and speaker similarity measures how far its one
voice is from each prompt. The voice is the request's speaker (GenConfig.speaker), else the `voice`
setting, each when espeak-ng has it (an OpenAI voice name such as "alloy" is passed over), else
the language of the text's script (Hangul: Korean, kana: Japanese, Han: Mandarin, Cyrillic:
Russian, Arabic, Thai, Greek, Devanagari: Hindi) and US English for Latin script. Output is espeak-ng's 22.05 kHz
16-bit WAV, written to the run's media folder.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

from omnieval.errors import OmnievalError
from omnieval.registry import RUNNERS
from omnieval.runners.base import Runner
from omnieval.speech.cloning import read_cloning_request
from omnieval.types import Request, Response

#: the voice for text in a script only one of espeak-ng's languages uses (Latin script: US English)
SCRIPT_VOICES = (
    (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\u4e00-\u9fff]"), "cmn"),
    (re.compile(r"[\u0400-\u04ff]"), "ru"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0370-\u03ff]"), "el"),
    (re.compile(r"[\u0900-\u097f]"), "hi"),
)


def speak(text: str, voice: str = "en-us", rate: int = 150) -> bytes:
    """WAV bytes of espeak-ng saying `text`."""
    if shutil.which("espeak-ng") is None:
        raise OmnievalError("espeak-ng is not installed (Debian package espeak-ng; `make install` installs it)")
    with tempfile.NamedTemporaryFile(suffix=".wav") as handle:
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(rate), "-w", handle.name, text.lower()],
            check=True,
            capture_output=True,
        )
        return Path(handle.name).read_bytes()


@cache
def _voices() -> tuple[frozenset[str], frozenset[str]]:
    """espeak-ng's language voices (codes, names, files) and its variants, lowercased."""

    def listed(option: str) -> frozenset[str]:
        lines = subprocess.run(["espeak-ng", option], capture_output=True, text=True, check=True).stdout.splitlines()
        names = set()
        for line in lines[1:]:
            fields = line.split()
            if len(fields) >= 5:
                names.update({fields[1].lower(), fields[3].lower(), fields[4].split("/")[-1].lower()})
        return frozenset(names)

    return listed("--voices"), listed("--voices=variant")


def known_voice(voice: str) -> bool:
    """Whether espeak-ng has this voice ("en-us", "en-us+f3"); it crashes or falls back on others."""
    language, _, variant = voice.lower().partition("+")
    languages, variants = _voices()
    return language in languages and (not variant or variant in variants)


class EspeakRunner(Runner):
    speaks = True
    name = "espeak-ng"
    description = "espeak-ng text-to-speech (CPU, one voice per language; a baseline that cannot clone voices)"
    accepts_media = frozenset({"audio"})

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.max_concurrency = int(settings.get("workers") or 2)

    @classmethod
    def setting_names(cls) -> set[str]:
        return {"voice", "rate", "workers"}

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        identity["settings"] = {k: v for k, v in identity["settings"].items() if k != "workers"}
        return identity

    async def start(self) -> None:
        voice = self.settings.get("voice")
        if voice and not known_voice(voice):
            raise OmnievalError(f"espeak-ng has no voice '{voice}' (see `espeak-ng --voices`; variants as en-us+f3)")

    async def generate(self, requests: list[Request]) -> list[Response]:
        return list(await asyncio.gather(*(asyncio.to_thread(self._speak, r) for r in requests)))

    def _speak(self, request: Request) -> Response:
        text = read_cloning_request(request).target_text.strip()
        if not text:
            return Response(error="espeak-ng has no text to speak in the request")
        requested = [v for v in (request.gen.speaker, self.settings.get("voice")) if v and known_voice(v)]
        voice = requested[0] if requested else next((v for script, v in SCRIPT_VOICES if script.search(text)), "en-us")
        started = time.perf_counter()
        try:
            wav = speak(text, voice, int(self.settings.get("rate") or 150))
        except subprocess.CalledProcessError as err:  # an unknown voice fails this sample only
            return Response(error=f"espeak-ng failed (voice {voice}): {err.stderr.decode(errors='replace').strip()}")
        elapsed = time.perf_counter() - started
        return self.with_speech(Response(latency_s=elapsed), request.sample_id, wav, elapsed)


RUNNERS.register(EspeakRunner)
