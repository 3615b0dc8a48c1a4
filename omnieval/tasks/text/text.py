"""Text benchmarks of the omni-model reports, scored by rule-based judges: MMLU-Redux,
GPQA-Diamond, AIME25.

Prompts follow what Qwen's evaluations are known to use (see each class); the question is the
user turn, with no system prompt (the Qwen3-Omni report's setting). Answers are read by
omnieval.judges: the choice letter for MMLU-Redux and GPQA, math-verify equivalence for
AIME25; an answer that cannot be read scores zero and is counted (`extraction_failure_rate`).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.data import SUBSET_COLUMN, DatasetSpec
from omnieval.judges.choice import LETTERS, judge_choice
from omnieval.judges.math_equiv import judge_math
from omnieval.registry import TASKS
from omnieval.tasks.answers import accuracy_columns, accuracy_metrics, choice_prompt, scored
from omnieval.tasks.base import Scored, Task
from omnieval.tasks.text.mmlu_subjects import MMLU_CATEGORY
from omnieval.types import GenConfig, Message, Sample, SampleRecord, text_part

if TYPE_CHECKING:
    from omnieval.stats import MetricColumns

#: room for chain-of-thought answers (the Qwen3 report allows 32,768 output tokens)
REASONING_GEN = GenConfig(max_new_tokens=32768, temperature=0.0)


def _user_text(text: str) -> list[Message]:
    return [Message(role="user", content=[text_part(text)])]


class _ChoiceTask(Task):
    """Multiple choice with lettered options kept in the sample's metadata (so rescore can read them)."""

    family = "text"
    gen = REASONING_GEN
    headline_metrics = {"accuracy": False}
    breakdowns: tuple[str, ...] = ()

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        sample = self.describe_row(row, 0, "")
        return _user_text(choice_prompt(self.question(row), list(sample.metadata["options"].values())))

    def question(self, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def score(self, sample: Sample, prediction: str) -> Scored:
        return scored(judge_choice(prediction, sample.metadata["options"], str(sample.target)))

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        return accuracy_metrics(records, by=self.breakdowns)

    def metric_columns(self, records: list[SampleRecord]) -> MetricColumns:
        return accuracy_columns(records, by=self.breakdowns)


class MmluReduxTask(_ChoiceTask):
    """MMLU-Redux 2.0: 57 subjects x 100 re-annotated MMLU questions (edinburgh-dawg/mmlu-redux-2.0).

    Every item is asked, as Qwen's numbers appear to be made (lighteval's all-items score
    reproduces Qwen3's); `accuracy_ok` beside it counts only the items the annotators found
    sound (error_type "ok", the dataset authors' and lm-eval's choice). Breakdowns by MMLU's
    four categories and by subject.
    """

    name = "mmlu_redux"
    description = "MMLU-Redux 2.0, 57 subjects, 5,700 questions, zero-shot chain of thought, accuracy"
    dataset = DatasetSpec(
        "edinburgh-dawg/mmlu-redux-2.0",
        split="test",
        configs=tuple(MMLU_CATEGORY),
        fields={"question": "question", "choices": "choices", "answer": "answer", "error_type": "error_type"},
    )
    breakdowns = ("category", "subject")

    def question(self, row: dict[str, Any]) -> str:
        return row["question"]

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        subject = row.get(SUBSET_COLUMN)
        options = {LETTERS[i]: str(choice) for i, choice in enumerate(row["choices"])}
        metadata = {
            "subject": subject,
            "category": MMLU_CATEGORY.get(subject) if subject is not None else None,
            "options": options,
            "error_type": str(row["error_type"] or "").strip().lower().replace(" ", "_") or None,
        }
        return Sample(id=sample_id, index=index, target=LETTERS[int(row["answer"])], metadata=metadata)

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        metrics = super().aggregate(records)
        sound = [r for r in records if r.metadata.get("error_type") == "ok"]
        if sound:
            metrics["accuracy_ok"] = accuracy_metrics(sound)["accuracy"]
        return metrics

    def metric_columns(self, records: list[SampleRecord]) -> MetricColumns:
        columns = accuracy_columns(records, by=self.breakdowns)
        sound = [float(r.metadata.get("error_type") == "ok") for r in records]
        columns.mean("accuracy_ok", [r.scores.get("accuracy", 0.0) for r in records], 100.0, sound)
        return columns


class GpqaDiamondTask(_ChoiceTask):
    """GPQA-Diamond: 198 graduate-level science questions (Idavidrein/gpqa, gpqa_diamond, gated).

    The dataset gives the correct answer and three wrong ones without letters. Each question's
    options are shuffled by a generator seeded with its Record ID, so the order is the same in
    every run, shard and --limit draw; the prompt is simple-evals'. Breakdown by domain.
    """

    name = "gpqa_diamond"
    description = "GPQA-Diamond, 198 questions, options shuffled per question (seeded), chain of thought, accuracy"
    stratify_by = "High-level domain"
    dataset = DatasetSpec(
        "Idavidrein/gpqa",
        config="gpqa_diamond",
        split="train",
        fields={
            "id": "Record ID",
            "question": "Question",
            "correct": "Correct Answer",
            "wrong_1": "Incorrect Answer 1",
            "wrong_2": "Incorrect Answer 2",
            "wrong_3": "Incorrect Answer 3",
            "domain": "High-level domain",
        },
    )
    breakdowns = ("domain",)

    def question(self, row: dict[str, Any]) -> str:
        return row["Question"]

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        answers = [str(row[self.dataset.fields[k]]).strip() for k in ("correct", "wrong_1", "wrong_2", "wrong_3")]
        order = random.Random(f"gpqa/{row['Record ID']}").sample(range(4), 4)
        options = {LETTERS[i]: answers[k] for i, k in enumerate(order)}
        return Sample(
            id=sample_id,
            index=index,
            target=LETTERS[order.index(0)],
            metadata={"domain": row["High-level domain"], "options": options},
        )


class Aime25Task(Task):
    """AIME 2025 (I and II, 15 problems each; opencompass/AIME2025): integer answers, checked with
    math-verify. The prompt is the one in Qwen's own AIME evaluation (QwenLM/QwQ eval data)."""

    name = "aime25"
    description = "AIME 2025 I and II, 30 problems, \\boxed{} answer checked with math-verify, accuracy"
    family = "text"
    gen = REASONING_GEN
    headline_metrics = {"accuracy": False}
    dataset = DatasetSpec(
        "opencompass/AIME2025",
        split="test",
        configs=("AIME2025-I", "AIME2025-II"),
        fields={"question": "question", "answer": "answer"},
    )
    PROMPT = "{question}\nPlease reason step by step, and put your final answer within \\boxed{{}}."

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        answer = str(row["answer"]).strip()
        target = str(int(float(answer))) if answer.replace(".", "", 1).isdigit() else answer
        return Sample(id=sample_id, index=index, target=target, metadata={"part": row.get(SUBSET_COLUMN)})

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        return _user_text(self.PROMPT.format(question=row["question"].strip()))

    def score(self, sample: Sample, prediction: str) -> Scored:
        return scored(judge_math(prediction, str(sample.target)))

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        return accuracy_metrics(records, by=("part",))

    def metric_columns(self, records: list[SampleRecord]) -> MetricColumns:
        return accuracy_columns(records, by=("part",))


for _task in (MmluReduxTask(), GpqaDiamondTask(), Aime25Task()):
    TASKS.register(_task)
