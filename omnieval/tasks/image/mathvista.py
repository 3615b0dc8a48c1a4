"""MathVista testmini, scored as its official scripts score it (omnieval.judges.mathvista).

The model is asked the dataset's own `query`. `accuracy` is the official verdict: the answer
extracted by MathVista's rules where they decide (an empty reply, an option's exact text, a number
Python reads), else by a model given MathVista's extraction prompt (`-T extractor=judge`, with
`--judge`: the official pipeline, which calls GPT), else, by default (`extractor=rules`), by
omnieval's reader standing in for that model (`official_needs_model` counts those answers);
then normalized and compared as calculate_score.py does. `accuracy_lenient` is omnieval's own
reading throughout. Accuracy is broken down by the nine fields calculate_score prints.

Both the hub copy (AI4Math/MathVista) and the repository's files load: `data/testmini.json` (a
mapping from pid to question, without prompts) with `data/query.json` beside it (pid to prompt),
images at the `image` path they name (`images/<pid>.jpg` under data/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.data import DatasetSpec, LoadedSplit, json_file_split
from omnieval.errors import OmnievalError
from omnieval.judges import mathvista as official
from omnieval.judges.choice import judge_choice
from omnieval.judges.exact import judge_exact
from omnieval.judges.numeric import read_number
from omnieval.registry import TASKS
from omnieval.tasks.answers import DISAGREE, GUESSED, LENIENT, UNREADABLE, official_accuracy_metrics
from omnieval.tasks.base import Scored
from omnieval.tasks.choice import ChoiceItem, letter_of, lettered
from omnieval.tasks.image.image import ImageChoiceTask
from omnieval.types import GenConfig, Sample, SampleRecord, Score

if TYPE_CHECKING:
    from omnieval.judges.model_judge import Judgment

#: the fields calculate_score.py breaks accuracy down by (a question counts under each of its skills)
BREAKDOWNS = ("question_type", "answer_type", "language", "source", "category", "task", "context", "grade", "skills")
#: 0/1 per answer: MathVista's rules did not decide it, so its model extraction (or our stand-in) did
NEEDS_MODEL = "official_needs_model"
EXTRACTORS = ("rules", "judge")


def mathvista_item(row: dict[str, Any]) -> ChoiceItem:
    meta = dict(row.get("metadata") or {})
    details = {
        "question_type": row["question_type"],
        "answer_type": row["answer_type"],
        "precision": row.get("precision"),
        "choices": list(row.get("choices") or []),
        "query": row["query"],
        **{key: meta.get(key) for key in ("language", "source", "category", "task", "context", "grade")},
        "skills": list(meta.get("skills") or []),
    }
    if row["question_type"] == "multi_choice":
        options = lettered(list(row["choices"]))
        return ChoiceItem(
            row["question"],
            options,
            letter_of(str(row["answer"]), options),
            {**details, "answer_text": str(row["answer"])},
        )
    return ChoiceItem(row["question"], {}, str(row["answer"]), {**details, "answer_text": str(row["answer"])})


def release_rows(entries: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """testmini.json (pid -> question) with the prompts of query.json beside it, as the hub's rows."""
    queries_file = folder / "query.json"
    if not queries_file.is_file():
        raise OmnievalError(
            f"{queries_file} not found: MathVista's prompts are in data/query.json beside data/testmini.json"
        )
    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    return [
        {
            **entry,
            "pid": str(entry.get("pid", pid)),
            "query": queries[pid],
            "decoded_image": {"path": entry["image"], "bytes": None},
        }
        for pid, entry in entries.items()
    ]


def _lenient(prediction: str, sample: Sample) -> Score:
    """omnieval's reading: a choice by letter or text; a number at the answer's precision; else exact text."""
    meta, target = sample.metadata, str(sample.target)
    if meta["options"]:
        return judge_choice(prediction, meta["options"], target, name=LENIENT)
    wanted = read_number(target).value
    if meta["answer_type"] in ("integer", "float") and wanted is not None:
        reading = read_number(prediction)
        same = _same_number(reading.value, wanted, meta["answer_type"], target, meta.get("precision"))
        return Score(name=LENIENT, value=float(same), explanation=reading.text if reading.value is not None else None)
    return judge_exact(prediction, target, name=LENIENT)


def _same_number(value: float | None, wanted: float, kind: str, target: str, precision: float | None) -> bool:
    """Integers as int(float(x)) (4.6 is 4), floats rounded to the answer's precision (its stated one, else the
    decimals it is written with)."""
    if value is None:
        return False
    if kind == "integer":
        return int(value) == int(wanted)
    digits = int(precision) if precision is not None else len(target.partition(".")[2])
    return round(value, digits) == round(wanted, digits)


class MathVistaTask(ImageChoiceTask):
    """MathVista: the dataset's `query` prompt, the official extraction and comparison."""

    scoring_params = ("extractor",)
    default_judge = "gpt-4o-mini"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params = {**self.params, "extractor": "rules"}

    @property
    def judge_template(self) -> str | None:  # type: ignore[override]
        """MathVista's extraction prompt, when a model extracts the answers the rules leave (extractor=judge)."""
        extractor = self.params["extractor"]
        if extractor not in EXTRACTORS:
            raise OmnievalError(f"mathvista's extractor is one of {', '.join(EXTRACTORS)}, not '{extractor}'")
        return "mathvista_extract" if extractor == "judge" else None

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        """The hub copy, or the repository's data/testmini.json with data/query.json."""
        path = Path(dataset_path) if dataset_path else None
        if path is not None and path.is_dir() and (path / "data" / "testmini.json").is_file():
            path = path / "data"
        if path is not None and (
            (path.is_file() and path.name == "testmini.json") or (path / "testmini.json").is_file()
        ):
            return json_file_split(
                self.dataset,
                str(path),
                "testmini.json",
                release_rows,
                "the repository's data/testmini.json and data/query.json",
            )
        return super().load(dataset_path)

    def prompt_fields(self, row: dict[str, Any], base_dir: Path | None) -> dict[str, str]:
        return {"query": row["query"]}

    def score(self, sample: Sample, prediction: str) -> Scored:
        lenient = _lenient(prediction, sample)
        extraction = official.rule_extraction(prediction, sample.metadata)
        needs_model = extraction is None
        if needs_model and self.judge_template:  # the judge's extraction scores it (judged_scores)
            return Scored(
                scores={LENIENT: lenient.value, UNREADABLE: float(lenient.explanation is None), NEEDS_MODEL: 1.0},
                details={"extracted": lenient.explanation},
            )
        if extraction is None:  # our reader's letter or number stands in for the model the rules leave it to
            extraction = str(lenient.explanation or "")
        return self._scored(
            official.verdict(extraction, sample.metadata, sample.metadata["answer_text"]),
            lenient.value,
            lenient.explanation,
            needs_model,
            extraction,
        )

    def _scored(self, verdict: Any, lenient: float, read: str | None, needs_model: bool, extraction: str) -> Scored:
        return Scored(
            scores={
                "accuracy": float(verdict.correct),
                LENIENT: lenient,
                UNREADABLE: float(read is None),
                DISAGREE: float(verdict.correct != bool(lenient)),
                GUESSED: float(verdict.guessed),
                NEEDS_MODEL: float(needs_model),
            },
            details={"extracted": read, "official_extraction": extraction, "official_read": verdict.read},
        )

    def judge_fields(self, sample: Sample, prediction: str) -> dict[str, str]:
        return {"question": sample.metadata["query"], "answer": prediction}

    def needs_judgment(self, record: SampleRecord) -> bool:
        """Only the answers MathVista's rules leave go to its model extraction."""
        return bool(record.scores.get(NEEDS_MODEL))

    def judged_scores(self, judgment: Judgment, record: SampleRecord) -> dict[str, float]:
        extracted = next((v for v in judgment.verdicts if isinstance(v, str)), None)
        if extracted is None:
            return {}
        verdict = official.verdict(extracted, record.metadata, record.metadata["answer_text"])
        lenient = record.scores.get(LENIENT, 0.0)
        return {
            "accuracy": float(verdict.correct),
            DISAGREE: float(verdict.correct != bool(lenient)),
            GUESSED: float(verdict.guessed),
        }

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        """The official accuracy overall and per field (answers whose judgment failed are left out, as they can
        be judged again), ours beside it, and how many answers the rules left to the model."""
        counted = [r for r in records if r.failed or "accuracy" in r.scores]
        metrics = official_accuracy_metrics(counted, by=BREAKDOWNS)
        return {**metrics, NEEDS_MODEL: sum(r.scores.get(NEEDS_MODEL, 0.0) for r in records if not r.failed)}

    def scoring_info(self) -> dict[str, Any]:
        extractor = (
            "MathVista's rules, then the judge with its extraction prompt"
            if self.judge_template
            else "MathVista's rules, then omnieval's reader where its scripts ask a model"
        )
        return {"official_scorer": {**official.SOURCE.describe(), "extractor": extractor}}


def _register_all() -> None:
    TASKS.register(
        MathVistaTask(
            "mathvista_testmini",
            "MathVista testmini: 1,000 math questions on images, its own prompts, accuracy per "
            "question type, answer type, language, source, category, task, context, grade and skill",
            DatasetSpec(
                "AI4Math/MathVista",
                split="testmini",
                fields={"id": "pid", "query": "query", "answer": "answer"},
                media_fields=("decoded_image",),
            ),
            mathvista_item,
            images=("decoded_image",),
            prompt="{query}",
            stratify_by="question_type",
            gen=GenConfig(max_new_tokens=1024),
            version="2",
        )
    )


_register_all()
