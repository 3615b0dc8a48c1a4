"""Questions with lettered options about any media: one task class asks and scores them all.

Each benchmark is a reader from its row to a ChoiceItem (question, options by letter, the
correct letter, what to break down by); a subclass says which media come before the prompt
(an audio clip, a video, a video and its separate audio track, images). The answer is read
by omnieval.judges.choice: a stated letter, or the text of exactly one option. An
unreadable answer scores 0 and is counted in `extraction_failure_rate`, never replaced by a
guess; accuracy is broken down by the categories each paper tabulates. Where a benchmark
publishes its own scorer (`official`, omnieval.judges.official), `accuracy` is that scorer's
verdict and our reading is `accuracy_lenient` beside it, with `readers_disagree` counting the
answers on which the two differ.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.data import DatasetSpec
from omnieval.judges.choice import LETTERS, judge_choice
from omnieval.judges.official import RAW_CHOICES, OfficialChoiceScorer
from omnieval.tasks.answers import (
    LENIENT,
    accuracy_columns,
    accuracy_metrics,
    official_accuracy_columns,
    official_accuracy_metrics,
    official_and_lenient,
    scored,
)
from omnieval.tasks.base import Scored, Task
from omnieval.types import GenConfig, MediaRef, Message, Sample, SampleRecord, media_part, text_part

if TYPE_CHECKING:
    from omnieval.stats import MetricColumns

#: lmms-eval's prompt for benchmarks without their own
LETTER_PROMPT = "{question}\n{options}\nAnswer with the option's letter from the given choices directly."
#: where a prompt template puts the media, when not before all of its text
MEDIA_MARK = "{media}"
_LETTER_PREFIX = re.compile(r"^\s*\(?([A-Z])\)\s*")


@dataclass
class ChoiceItem:
    """A row as a question: its text, options by letter, the correct letter and what to break down by."""

    question: str
    options: dict[str, str]
    answer: str
    metadata: dict[str, Any] = field(default_factory=dict)


def lettered(options: list[str]) -> dict[str, str]:
    """Options by letter, each without a letter prefix it came with: "(A) x", "A) x", or its own "A. x"."""
    result = {}
    for letter, text in zip(LETTERS, options, strict=False):
        text = _LETTER_PREFIX.sub("", str(text))
        result[letter] = re.sub(rf"^\s*{letter}\.\s*", "", text).strip()
    return result


def letter_of(answer: str, options: dict[str, str]) -> str:
    """The letter of an answer given as its text, "(B) text" or "B"."""
    prefix = _LETTER_PREFIX.match(answer)
    if prefix and prefix.group(1) in options:
        return prefix.group(1)
    text = _LETTER_PREFIX.sub("", answer).strip()
    matches = [letter for letter, option in options.items() if option.strip().lower() == text.lower()]
    if matches:
        return matches[0]
    letter = text.upper().rstrip(".):")
    if letter in options:
        return letter  # "B", "B." or "B)"
    raise ValueError(f"answer {answer!r} is none of the options {list(options.values())}")


def answer_letter(answer: str, options: dict[str, str]) -> str:
    """The correct letter where a benchmark states it as a letter ("B", "(B)", "B."), whatever the options'
    texts are (options may themselves be letters); else the letter of the answer's text (letter_of)."""
    letter = str(answer).strip().strip("().:").upper()
    return letter if letter in options else letter_of(str(answer), options)


class ChoiceTask(Task):
    """A multiple-choice benchmark: `read` turns a row into a ChoiceItem, `media` gives what precedes the prompt."""

    gen = GenConfig(max_new_tokens=1024, temperature=0.0)
    headline_metrics = {"accuracy": False}

    def __init__(
        self,
        name: str,
        description: str,
        family: str,
        dataset: DatasetSpec,
        read: Callable[[dict[str, Any]], ChoiceItem],
        breakdowns: tuple[str, ...] = (),
        prompt: str = LETTER_PROMPT,
        stratify_by: str | None = None,
        option_format: tuple[str, str] | Callable[[dict[str, str]], str] = ("{letter}. {text}", "\n"),
        gen: GenConfig | None = None,
        official: OfficialChoiceScorer | None = None,
        version: str | None = None,
    ) -> None:
        self.name, self.description, self.family, self.dataset = name, description, family, dataset
        self.read, self.breakdowns, self.stratify_by = read, breakdowns, stratify_by
        #: how the prompt lists the options: each option's form and what joins them, or a function of them
        self.option_format = option_format
        self.params = {"prompt": prompt}
        #: the benchmark's own reader: `accuracy` is its verdict, ours is `accuracy_lenient` beside it
        self.official = official
        if version is not None:
            self.version = version
        if gen is not None:
            self.gen = gen

    @abstractmethod
    def media(self, row: dict[str, Any], base_dir: Path | None) -> list[MediaRef]:
        """The media the question is about, in the order the prompt gives them; raises MediaError."""

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        item = self.read(row)
        return Sample(
            id=sample_id,
            index=index,
            target=item.answer,
            metadata={"question": item.question, "options": item.options, **item.metadata},
        )

    def template(self, item: ChoiceItem) -> str:
        """The prompt template an item is asked with (the `prompt` parameter)."""
        return self.params["prompt"]

    def prompt_fields(self, row: dict[str, Any], base_dir: Path | None) -> dict[str, str]:
        """Fields of the prompt template besides {question} and {options}."""
        return {}

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        """One user turn: the media, then the prompt; or, where the prompt holds `{media}`, the media there."""
        item = self.read(row)
        # options as the benchmark writes them where its official scorer reads them so (RAW_CHOICES)
        shown = item.options
        if RAW_CHOICES in item.metadata:
            shown = dict(zip(item.options, item.metadata[RAW_CHOICES], strict=False))
        fields = {
            "question": item.question.strip(),
            "options": self.format_options(shown),
            **self.prompt_fields(row, base_dir),
        }
        before, _, after = self.template(item).rpartition(MEDIA_MARK)
        media = [media_part(ref) for ref in self.media(row, base_dir)]
        texts = [before.format(**fields), after.format(**fields)]
        return [
            Message(
                role="user",
                content=[text_part(texts[0])] * bool(texts[0]) + media + [text_part(texts[1])] * bool(texts[1]),
            )
        ]

    def format_options(self, options: dict[str, str]) -> str:
        if callable(self.option_format):
            return self.option_format(options)
        form, separator = self.option_format
        return separator.join(form.format(letter=letter, text=text) for letter, text in options.items())

    def score(self, sample: Sample, prediction: str) -> Scored:
        options, answer = sample.metadata["options"], str(sample.target)
        if self.official is None:
            return scored(judge_choice(prediction, options, answer))
        return official_and_lenient(
            self.official.verdict(prediction, sample.metadata, answer),
            judge_choice(prediction, options, answer, name=LENIENT),
        )

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        if self.official is not None:
            return official_accuracy_metrics(records, by=self.breakdowns)
        return accuracy_metrics(records, by=self.breakdowns)

    def metric_columns(self, records: list[SampleRecord]) -> MetricColumns:
        if self.official is not None:
            return official_accuracy_columns(records, by=self.breakdowns)
        return accuracy_columns(records, by=self.breakdowns)

    def scoring_info(self) -> dict[str, Any]:
        return {"official_scorer": self.official.source.describe()} if self.official is not None else {}
