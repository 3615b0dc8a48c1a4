"""Model-based judges ("LLM as judge"): any Runner grades answers with a prompt template.

One judgment is one prompt (`samples` times, with seeds 0..n-1, averaged), read strictly by
the template's verdict parser. A reply that cannot be read is answered with the template's
re-ask message in the same conversation, up to `max_reasks` times; a judge that can constrain
its decoding (GenConfig.choices) must then answer with one of the template's exact verdicts.
A judge request that fails (timeout, server error, no connection) is retried up to
`max_retries` times with backoff; a judge that cannot be started gives every judgment an error.
Either way the failure is recorded with the sample and the run goes on: a failed judgment has
no value, never a guessed one.

Requests go through the response cache keyed by the judge runner's identity, the template
name and version, and the request itself, so re-judging with the same judge costs nothing.
Pairwise judgments are asked in both orders; a verdict that follows the position rather than
the answer counts as a tie and is flagged.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from omnieval.cache import ResponseCache, request_hash
from omnieval.errors import FatalRunnerError, OmnievalError, error_line
from omnieval.judges.templates import JudgeTemplate
from omnieval.judges.verdicts import PARSERS, Verdict
from omnieval.runners.base import LoopLimit, Runner
from omnieval.types import GenConfig, MediaRef, Message, Request, Response, media_part, text_part

DEFAULT_GEN = {"temperature": 0.0, "max_new_tokens": 1024}
#: the media a judge is shown, when it takes them: judging reads what is seen, the answer being text
VISUAL = ("image", "video")


class JudgeInput(BaseModel):
    """What one judgment needs: the template's fields, and media for judges that take them."""

    fields: dict[str, str]
    media: list[MediaRef] = Field(default_factory=list)


class Judgment(BaseModel):
    """A judge's verdict on one answer, with its replies (its reasoning), as samples.jsonl keeps it."""

    judge: str
    template: str
    version: str
    value: float | None = None
    verdicts: list[Verdict | None] = Field(default_factory=list)
    replies: list[str] = Field(default_factory=list)
    reasks: int = 0
    #: samples (of `samples` asked) that gave no readable verdict; the value averages the others
    unread: int = 0
    error: str | None = None
    #: pairwise only: whether both orders gave the same winner
    position_consistent: bool | None = None
    media: list[MediaRef] = Field(default_factory=list)


def judge_gen(template: JudgeTemplate, preset_gen: dict[str, Any]) -> GenConfig:
    """The judge's generation settings: the template's protocol (sampling, samples) over the preset's
    settings; the smaller max_new_tokens of the two, since that one is a budget, not protocol."""
    merged = {**DEFAULT_GEN, **preset_gen, **template.gen}
    budgets = [g["max_new_tokens"] for g in (preset_gen, template.gen) if "max_new_tokens" in g]
    if budgets:
        merged["max_new_tokens"] = min(budgets)
    return GenConfig.model_validate(merged)


class ModelJudge:
    """A Runner wrapped with a template: `judge(items)` -> one Judgment per item."""

    def __init__(
        self,
        name: str,
        runner: Runner,
        template: JudgeTemplate,
        gen: dict[str, Any] | None = None,
        cache_path: Path | None = None,
        max_retries: int = 2,
        max_reasks: int = 1,
        retry_wait_s: float = 1.0,
    ) -> None:
        self.name, self.runner, self.template = name, runner, template
        self.gen = judge_gen(template, gen or {})
        self.cache = ResponseCache(cache_path) if cache_path else None
        self.max_retries, self.max_reasks, self.retry_wait_s = max_retries, max_reasks, retry_wait_s
        #: why the judge could not be started, if it could not (then every judgment fails at once)
        self.unavailable: str | None = None
        self._started = False
        #: one limit on requests in flight for the whole judge, however many workers ask it at once
        self._gate = LoopLimit(runner.max_concurrency)

    async def start(self) -> None:
        """Start the judge's runner; an unreachable judge is remembered, not raised (the run goes on)."""
        if self._started:
            return
        self._started = True
        try:
            await self.runner.start()
        except FatalRunnerError as err:
            self.unavailable = str(err)
        except OmnievalError as err:  # a configuration problem (a missing key): say whose, before any work
            raise OmnievalError(f"the judge {self.name}: {err} (or choose another judge with --judge)") from err

    async def close(self) -> None:
        await self.runner.close()
        if self.cache is not None:
            self.cache.close()

    async def __aenter__(self) -> ModelJudge:
        """`async with judge:` for judging outside a run (rescore, score, compare): started, then released."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def judgment(self, **fields: Any) -> Judgment:
        """A Judgment by this judge with this template."""
        return Judgment(judge=self.name, template=self.template.name, version=self.template.version, **fields)

    def describe(self) -> dict[str, Any]:
        """What run.json records about the judge."""
        return {
            "name": self.name,
            "runner": self.runner.describe(),
            "template": self.template.describe(),
            "gen": self.gen.model_dump(exclude_defaults=True),
            "max_reasks": self.max_reasks,
            "max_retries": self.max_retries,
        }

    def identity(self) -> dict[str, Any]:
        """What decides this judge's verdicts, for the cache key: its runner's identity (model, settings,
        versions), the template and its version."""
        return {"judge": self.runner.cache_identity(), "template": self.template.name, "version": self.template.version}

    def selection(self) -> dict[str, Any]:
        """The judge as a run's selection holds it (a run resumes, and shards merge, with one judge)."""
        return {
            "name": self.name,
            "settings": self.runner.describe()["settings"],
            "template": self.template.name,
            "version": self.template.version,
            "gen": self.gen.model_dump(mode="json", exclude_defaults=True),
        }

    async def judge(self, items: list[JudgeInput]) -> list[Judgment]:
        """One Judgment per item (a pairwise template judges each pair in both orders)."""
        if self.template.kind == "pairwise":
            return await self._judge_pairwise(items)
        return await self._judge(items)

    async def _judge(self, items: list[JudgeInput]) -> list[Judgment]:
        samples = self.template.samples
        judgments = [self.judgment(media=list(item.media)) for item in items]
        if self.unavailable:
            for judgment in judgments:
                judgment.error = f"judge unavailable: {self.unavailable}"
            return judgments
        units = [(i, k) for i in range(len(items)) for k in range(samples)]
        conversations = {unit: self._conversation(items[unit[0]]) for unit in units}
        reasked: set[tuple[int, int]] = set()
        verdicts: dict[tuple[int, int], Verdict | None] = {}
        replies: dict[tuple[int, int], list[str]] = {unit: [] for unit in units}
        errors: dict[tuple[int, int], str] = {}
        todo = list(units)
        for attempt in range(self.max_reasks + 1):
            answers = await self._ask(
                [conversations[u] for u in todo], [u[1] for u in todo], [u in reasked for u in todo]
            )
            unreadable = []
            for unit, response in zip(todo, answers, strict=True):
                if response.error:
                    errors[unit] = response.error
                    continue
                replies[unit].append(response.text)
                verdict = PARSERS[self.template.verdict](response.text, self.template.scale)
                verdicts[unit] = verdict
                if verdict is None:
                    unreadable.append(unit)
                    if attempt < self.max_reasks:
                        reasked.add(unit)
                        conversations[unit] = conversations[unit] + [
                            Message(role="assistant", content=[text_part(response.text)]),
                            Message(role="user", content=[text_part(self.template.reask)]),
                        ]
            todo = unreadable
            if not todo:
                break
        for i, judgment in enumerate(judgments):
            mine = [(i, k) for k in range(samples)]
            judgment.verdicts = [verdicts.get(u) for u in mine]
            judgment.replies = [reply for u in mine for reply in replies[u]]
            judgment.reasks = sum(max(len(replies[u]) - 1, 0) for u in mine)
            judgment.unread = sum(verdicts.get(u) is None for u in mine)
            numbers = [v for v in judgment.verdicts if isinstance(v, float)]
            if numbers:
                judgment.value = sum(numbers) / len(numbers)
            if any(v is not None for v in judgment.verdicts):
                continue  # something was read: no error (a pair's letters are valued by _judge_pairwise)
            if any(u in errors for u in mine):
                judgment.error = f"judge request failed: {next(errors[u] for u in mine if u in errors)}"
            else:
                last = judgment.replies[-1] if judgment.replies else ""
                judgment.error = (
                    f"unreadable verdict after {self.max_reasks} re-ask(s): {' '.join(last.split())[:200]!r}"
                )
        return judgments

    async def _judge_pairwise(self, items: list[JudgeInput]) -> list[Judgment]:
        swapped = [
            item.model_copy(
                update={
                    "fields": {**item.fields, "answer_a": item.fields["answer_b"], "answer_b": item.fields["answer_a"]}
                }
            )
            for item in items
        ]
        both = await self._judge(items + swapped)
        results = []
        for first, second in zip(both[: len(items)], both[len(items) :], strict=True):
            judgment = first.model_copy(
                update={
                    "verdicts": first.verdicts + second.verdicts,
                    "replies": first.replies + second.replies,
                    "reasks": first.reasks + second.reasks,
                    "error": first.error or second.error,
                }
            )
            if judgment.error is None:
                # the first order names the item's answer_a "A"; the swapped order names it "B"
                a_wins = [first.verdicts[0] == "A", second.verdicts[0] == "B"]
                b_wins = [first.verdicts[0] == "B", second.verdicts[0] == "A"]
                consistent = all(a_wins) or all(b_wins) or (first.verdicts[0] == second.verdicts[0] == "TIE")
                judgment.position_consistent = consistent
                judgment.value = 1.0 if all(a_wins) else 0.0 if all(b_wins) else 0.5
            results.append(judgment)
        return results

    def _media(self, item: JudgeInput) -> list[MediaRef]:
        """The item's images and videos, for a judge that takes them (a vision judge sees what the model saw)."""
        return [ref for ref in item.media if ref.kind in VISUAL and ref.kind in self.runner.accepts_media]

    def _conversation(self, item: JudgeInput) -> list[Message]:
        prompt = self.template.render(item.fields)
        media = [media_part(ref) for ref in self._media(item)]
        messages = [Message(role="user", content=[*media, text_part(prompt)])]
        if self.template.system:
            messages.insert(0, Message(role="system", content=[text_part(self.template.system)]))
        return messages

    async def _ask(
        self, conversations: list[list[Message]], seeds: list[int], constrained: list[bool]
    ) -> list[Response]:
        """The judge's replies, from the cache or the runner, retrying failed requests. A re-ask is
        constrained to the template's verdicts for judges that can keep to them."""
        requests = []
        for messages, seed, reask in zip(conversations, seeds, constrained, strict=True):
            digest = hashlib.sha256(repr([m.model_dump() for m in messages]).encode()).hexdigest()[:16]
            gen = self.gen.model_copy(update={"seed": seed})
            if reask and self.template.choices and self.runner.constrains_choices:
                gen = gen.model_copy(update={"choices": list(self.template.choices)})
            requests.append(Request(sample_id=f"judge-{digest}-{seed}", messages=messages, gen=gen))
        identity = self.identity()
        keys = [request_hash(identity, request) for request in requests]
        responses: list[Response | None] = [self.cache.get(k) if self.cache else None for k in keys]
        for attempt in range(self.max_retries + 1):
            todo = [i for i, r in enumerate(responses) if r is None or r.error]
            if not todo:
                break
            if attempt:
                await asyncio.sleep(self.retry_wait_s * 2 ** (attempt - 1))
            answers = await self._generate([requests[i] for i in todo])
            for i, response in zip(todo, answers, strict=True):
                responses[i] = response
                if self.cache is not None and response.ok:
                    self.cache.put(keys[i], self.name, response)
        return [r if r is not None else Response(error="no reply") for r in responses]

    async def _generate(self, requests: list[Request]) -> list[Response]:
        """Batches of the runner's size, as many at once as the runner allows."""
        size = max(1, self.runner.max_batch_size)
        batches = [requests[i : i + size] for i in range(0, len(requests), size)]
        gate = self._gate()

        async def run(batch: list[Request]) -> list[Response]:
            async with gate:
                try:
                    return await self.runner.generate(batch)
                except FatalRunnerError as err:  # this time: the retries, and later judgments, try again
                    return [Response(error=f"judge unavailable: {err}")] * len(batch)
                except OmnievalError as err:
                    return [Response(error=str(err))] * len(batch)
                except Exception as err:  # noqa: BLE001 - a judge crash fails these judgments, not the run
                    return [Response(error=error_line(err))] * len(batch)

        results = await asyncio.gather(*(run(batch) for batch in batches))
        return [response for batch in results for response in batch]
