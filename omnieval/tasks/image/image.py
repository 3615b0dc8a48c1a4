"""Image questions: MMMU (val), MMMU-Pro, MMStar, AI2D, RealWorldQA, CountBench, ChartQA (MathVista: tasks.mathvista).

Images come embedded in the hub datasets (read undecoded, stored by content, decoded by the
runner) and precede the prompt. Prompts are lmms-eval's default ones unless a benchmark has its
own (MathVista's `query`, MMMU-Pro's official prompts). Where a benchmark publishes its scorer,
`accuracy` is that scorer's reading (omnieval.judges.official) and ours is `accuracy_lenient`;
elsewhere answers are read by the judges' rules, deterministically: an answer no rule can read
counts as wrong.

- MMMU val: MMMU's eval_utils.py reads multiple-choice answers ("(X)", " X ", option text; a
  would-be random letter counts wrong and in `official_guessed`) and open ones (its
  parse_open_response / eval_open); accuracy overall (instance level) and per discipline (6) and
  subject (30).
- MMMU-Pro: the standard setting (up to 10 options) and the vision setting (the question and
  options inside one screenshot), both read as its evaluate.py does (the letter after the last
  "Answer:" first); its "overall" is their mean (its authors' definition), derived on the
  leaderboard as `mmmu_pro`.
- MMStar: options inside the question; accuracy overall and per category and l2 category as
  VLMEvalKit's exact matching reads answers (the harness its authors name), and lmms-eval's
  `average`, the macro mean over l2 categories (`macro_l2`).
- AI2D: options listed, the answer an option index; VLMEvalKit's exact matching.
- RealWorldQA: the instruction inside the question; lmms-eval's scorer (its MCQ extractor for
  letter answers, exact text for the others).
- CountBench: the prompt of moondream's countbenchqa.py (lmms-eval's `countbench` prompt: not
  `countbenchqa`'s, which leaks the count in the caption) and its scorer: the count as written.
- ChartQA: VLMEvalKit's relaxed accuracy (5% on numbers), overall and per split (human, augmented).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.data import DatasetSpec
from omnieval.errors import MediaError
from omnieval.judges.official import OfficialChoiceScorer
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
from omnieval.tasks.choice import ChoiceItem, ChoiceTask
from omnieval.types import GenConfig, MediaRef, Message, Sample, SampleRecord, Score, media_part, text_part

if TYPE_CHECKING:
    from omnieval.stats import MetricColumns

DIRECTLY = "Answer with the option's letter from the given choices directly."
_IMAGE_TAG = re.compile(r"<image (\d+)>")


def images_of(row: dict[str, Any], columns: tuple[str, ...], base_dir: Path | None) -> list[MediaRef]:
    from omnieval.media import cell_ref

    return [cell_ref("image", row[column], base_dir) for column in columns]


def referenced_images(row: dict[str, Any]) -> tuple[str, ...]:
    """MMMU's images: the `image_N` columns its question and options name with `<image N>`, in order."""
    text = str(row["question"]) + str(row.get("options", ""))
    named = sorted({int(n) for n in _IMAGE_TAG.findall(text)})
    missing = [n for n in named if f"image_{n}" not in row]
    if missing:
        raise MediaError(f"the question names <image {missing[0]}>, which the row does not have")
    return tuple(f"image_{n}" for n in named)


class ImageChoiceTask(ChoiceTask):
    """Multiple choice about images in the row's `images` columns (or those `images(row)` names)."""

    family = "image"

    def __init__(
        self,
        name: str,
        description: str,
        dataset: DatasetSpec,
        read: Callable[[dict], ChoiceItem],
        images: tuple[str, ...] | Callable[[dict], tuple[str, ...]] = ("image",),
        **choice: Any,
    ) -> None:
        super().__init__(name, description, self.family, dataset, read, **choice)
        self.images = images

    def media(self, row: dict[str, Any], base_dir: Path | None) -> list[MediaRef]:
        columns = self.images(row) if callable(self.images) else self.images
        return images_of(row, columns, base_dir)


class ImageAnswerTask(Task):
    """A short answer about one image, judged by `judge(response, target)`."""

    family = "image"

    def __init__(
        self,
        name: str,
        description: str,
        dataset: DatasetSpec,
        prompt: str,
        judge: Callable[[str | None, Any], Score],
        target: Callable[[dict], Any],
        breakdowns: tuple[str, ...] = (),
        gen: GenConfig | None = None,
        metric: str = "accuracy",
        stratify_by: str | None = None,
        official: OfficialChoiceScorer | None = None,
        version: str | None = None,
    ) -> None:
        self.name, self.description, self.dataset, self.judge, self.target = name, description, dataset, judge, target
        self.breakdowns, self.metric, self.stratify_by = breakdowns, metric, stratify_by
        #: the benchmark's official reader: `metric` is its verdict, `judge`'s is `accuracy_lenient` beside it
        self.official = official
        if version is not None:
            self.version = version
        self.headline_metrics = {metric: False}
        self.gen = gen or GenConfig(max_new_tokens=128)
        self.params = {"prompt": prompt}

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        return Sample(
            id=sample_id,
            index=index,
            target=self.target(row),
            metadata={
                "question": row[self.dataset.fields["question"]],
                **{key: row.get(key) for key in self.breakdowns},
            },
        )

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        prompt = self.params["prompt"].format(question=str(row[self.dataset.fields["question"]]).strip())
        return [
            Message(
                role="user",
                content=[media_part(ref) for ref in images_of(row, ("image",), base_dir)] + [text_part(prompt)],
            )
        ]

    def score(self, sample: Sample, prediction: str) -> Scored:
        ours = self.judge(prediction, sample.target)
        if self.official is None:
            return scored(ours)
        target = sample.target["answer"] if isinstance(sample.target, dict) else sample.target
        return official_and_lenient(
            self.official.verdict(prediction, sample.metadata, str(target)),
            ours.model_copy(update={"name": LENIENT}),
            name=self.metric,
        )

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        if self.official is not None:
            return official_accuracy_metrics(records, by=self.breakdowns, name=self.metric)
        return accuracy_metrics(records, name=self.metric, by=self.breakdowns)

    def metric_columns(self, records: list[SampleRecord]) -> MetricColumns:
        if self.official is not None:
            return official_accuracy_columns(records, by=self.breakdowns, name=self.metric)
        return accuracy_columns(records, name=self.metric, by=self.breakdowns)

    def scoring_info(self) -> dict[str, Any]:
        return {"official_scorer": self.official.source.describe()} if self.official is not None else {}
