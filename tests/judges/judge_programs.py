"""Judges written as programs, for testing what surrounds a judge model: delimiting, strict
parsing, re-asks, retries, caching, position swaps. The real judge models (SmolLM2 in
transformers, and behind a real HTTP server) are tested in test_embedded_judge.py."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from omnieval.runners.base import Runner
from omnieval.types import Request, Response

_ANSWER = re.compile(r"<<<ANSWER ([0-9a-f]{12})>>>\n(.*)\n<<<END OF ANSWER \1>>>", re.DOTALL)
_REFERENCE = re.compile(r"The reference answer:\n(.*?)\n\nThe answer to check", re.DOTALL)


class ProgramJudge(Runner):
    """Base: counts calls, can fail its first calls, notes the media it was given."""

    name = "test-program-judge"
    accepts_media = frozenset({"image"})

    def __init__(self, fail_first: int = 0, max_concurrency: int = 1, delay_s: float = 0.0, **settings: Any) -> None:
        super().__init__(**settings)
        self.fail_first, self.max_concurrency, self.delay_s = fail_first, max_concurrency, delay_s
        self.calls, self.in_flight, self.most_in_flight = 0, 0, 0
        self.media_seen: list[str] = []

    async def generate(self, requests: list[Request]) -> list[Response]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            responses = []
            for request in requests:
                self.calls += 1
                self.media_seen += [ref.kind for m in request.messages for ref in m.media()]
                if self.calls <= self.fail_first:
                    responses.append(Response(error="HTTP 503: the judge is overloaded"))
                else:
                    responses.append(Response(text=self.reply(request)))
            return responses
        finally:
            self.in_flight -= 1

    def reply(self, request: Request) -> str:
        raise NotImplementedError


class ReferenceJudge(ProgramJudge):
    """A well-behaved reference judge: it reads the answer between the markers the prompt names
    (their code included), checks that it states the reference, quotes it, and ends with its verdict.
    `sloppy` forgets the verdict line the first time it is asked."""

    def __init__(self, sloppy: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sloppy = sloppy

    def reply(self, request: Request) -> str:
        prompt = request.messages[-1].text() if len(request.messages) < 3 else request.messages[-3].text()
        answer = _ANSWER.search(prompt).group(2)
        reference = _REFERENCE.search(prompt).group(1)
        verdict = "CORRECT" if reference.lower() in answer.lower() else "INCORRECT"
        states = "states" if verdict == "CORRECT" else "misses"
        reasoning = f"The answer under review reads:\n{answer}\nIt {states} '{reference}'."
        if len(request.messages) >= 3:  # a re-ask: the verdict line alone
            return f"Verdict: {verdict}"
        return reasoning if self.sloppy else f"{reasoning}\nVerdict: {verdict}"


class PairJudge(ProgramJudge):
    """Prefers the answer that mentions `keyword`; with `keyword=None` it always says A (position bias).
    Registered as the runner `test-pair-judge`, so that a preset file can name it."""

    name = "test-pair-judge"

    def __init__(self, keyword: str | None = None, **kwargs: Any) -> None:
        super().__init__(keyword=keyword, **kwargs)
        self.keyword = keyword

    @classmethod
    def setting_names(cls) -> set[str]:
        return {"keyword"}

    def reply(self, request: Request) -> str:
        prompt = request.messages[-1].text()
        a, b = (
            block.group(3)
            for block in re.finditer(
                r"<<<ANSWER ([AB]) ([0-9a-f]{12})>>>\n(.*?)\n<<<END OF ANSWER \1 \2>>>", prompt, re.DOTALL
            )
        )
        if self.keyword is None:
            return "Winner: A"
        return "Winner: A" if self.keyword in a else "Winner: B" if self.keyword in b else "Winner: TIE"


class FixedScoreJudge(ProgramJudge):
    """Answers every prompt with one score, as VoiceBench's rubric asks (the score alone)."""

    def __init__(self, score: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.score = score

    def reply(self, request: Request) -> str:
        return str(self.score)


class YesNoJudge(ProgramJudge):
    """VoiceBench's QA judge as a program: "Yes" when the answer under review (where VoiceBench's own prompt puts
    it) contains the reference."""

    def reply(self, request: Request) -> str:
        prompt = request.messages[-1].text()
        answer = re.search(r"### Candidate answer\n(.*)\n\nIs the candidate answer correct", prompt, re.DOTALL).group(1)
        reference = re.search(r"### Reference answer\n(.*?)\n\n", prompt, re.DOTALL).group(1)
        return "Yes" if reference.lower() in answer.lower() else "No"


class CaptionJudge(ProgramJudge):
    """The audio-caption rubric as a program: 1 plus the reference words (of 4+ letters) the caption uses, at most 5."""

    def reply(self, request: Request) -> str:
        prompt = request.messages[-1].text()
        caption = set(re.findall(r"[a-z]{4,}", _ANSWER.search(prompt).group(2).lower()))
        references = re.search(r"one per line:\n(.*?)\n\n", prompt, re.DOTALL).group(1)
        shared = caption & set(re.findall(r"[a-z]{4,}", references.lower()))
        return f"The caption shares {len(shared)} words with the references.\nRating: {min(5, 1 + len(shared))}"
