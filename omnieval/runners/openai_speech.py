"""Any OpenAI-compatible `/v1/audio/speech` endpoint (OpenAI's TTS, servers that mimic it,
`omnieval serve --model espeak-ng`): the text of a cloning request (omnieval.speech.cloning)
spoken in the `voice` setting's voice, or GenConfig.speaker's. The API takes no voice prompt,
so it cannot clone; speaker similarity then measures its voice against each prompt. Audio is
asked for as WAV and written to the run's media folder. Settings, retries, the API key and
errors are the openai runner's.
"""

from __future__ import annotations

import time
from typing import Any

from omnieval.registry import RUNNERS
from omnieval.runners.openai_compat import OpenAICompatRunner
from omnieval.speech.cloning import read_cloning_request
from omnieval.types import Request, Response


class OpenAISpeechRunner(OpenAICompatRunner):
    name = "openai-speech"
    description = "OpenAI-compatible /v1/audio/speech endpoint (text to speech; a voice by name, no cloning)"

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.voice = self.options["voice"] or "alloy"
        self.accepts_media = frozenset({"audio"})

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        identity["settings"] = {**identity["settings"], "voice": self.voice}
        return identity

    async def _one(self, request: Request) -> Response:
        text = read_cloning_request(request).target_text.strip()
        if not text:
            return Response(error="no text to speak in the request")
        body = {
            "model": self.options["model"],
            "voice": request.gen.speaker or self.voice,
            "input": text,
            "response_format": "wav",
            **(self.options["extra_body"] or {}),
        }
        async with self._in_flight_slots():
            started = time.perf_counter()
            answer = await self._post("audio/speech", body)
        if isinstance(answer, Response):
            return answer
        elapsed = time.perf_counter() - started
        return self.with_speech(Response(latency_s=elapsed), request.sample_id, answer.body, elapsed)


RUNNERS.register(OpenAISpeechRunner)
