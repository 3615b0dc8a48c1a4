"""The image benchmarks' readers, scorers and registrations (the task classes are in omnieval.tasks.image.image)."""

from __future__ import annotations

import ast
import re
from typing import Any

from omnieval.data import DatasetSpec
from omnieval.judges.choice import LETTERS, judge_choice
from omnieval.judges.exact import judge_exact
from omnieval.judges.image_official import VLMEVALKIT, ExactCount, LmmsRealWorldQA, VLMEvalKitMatch, VLMEvalKitRelaxed
from omnieval.judges.numeric import judge_numeric
from omnieval.judges.official import RAW_ANSWER, RAW_OPTIONS, MMMUOpenMatch, MultiChoiceParse, ScorerSource
from omnieval.judges.open_answer import judge_open, judge_relaxed
from omnieval.registry import DERIVED, TASKS
from omnieval.tasks.answers import LENIENT, official_and_lenient
from omnieval.tasks.base import Scored
from omnieval.tasks.choice import ChoiceItem, answer_letter, lettered
from omnieval.tasks.derived import Column, DerivedScore
from omnieval.tasks.image.image import DIRECTLY, ImageAnswerTask, ImageChoiceTask, referenced_images
from omnieval.types import GenConfig, Sample, SampleRecord, Score

#: MMMU's 30 subjects by discipline (the benchmark's DOMAIN_CAT2SUB_CAT)
MMMU_DISCIPLINES = {
    "Art and Design": ("Art", "Art_Theory", "Design", "Music"),
    "Business": ("Accounting", "Economics", "Finance", "Manage", "Marketing"),
    "Science": ("Biology", "Chemistry", "Geography", "Math", "Physics"),
    "Health and Medicine": (
        "Basic_Medical_Science",
        "Clinical_Medicine",
        "Diagnostics_and_Laboratory_Medicine",
        "Pharmacy",
        "Public_Health",
    ),
    "Humanities and Social Science": ("History", "Literature", "Sociology", "Psychology"),
    "Tech and Engineering": (
        "Agriculture",
        "Architecture_and_Engineering",
        "Computer_Science",
        "Electronics",
        "Energy_and_Power",
        "Materials",
        "Mechanical_Engineering",
    ),
}
_DISCIPLINE = {subject: discipline for discipline, subjects in MMMU_DISCIPLINES.items() for subject in subjects}
MMMU_OPEN_PROMPT = "{question}\n\nAnswer the question using a single word or phrase."
#: MMMU-Pro's official direct prompts (mmmu-pro/prompts.yaml)
MMMU_PRO_STANDARD = "Answer with the option letter from the given choices directly."
MMMU_PRO_VISION = (
    "Answer with the option letter from the given choices directly. The last line of your response "
    "should be of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of "
    "options."
)
MMMU_IMAGES = tuple(f"image_{n}" for n in range(1, 8))
_MMMU_REPO = ("MMMU-Benchmark/MMMU", "bb0b95a945998d91dfef37e969e07d49d1139438")
#: MMMU's mmmu/utils/eval_utils.py: "(X)", then " X ", then option text in a long reply; a random letter when
#: none (scored wrong here, counted in official_guessed); per-subject accuracy pooled by discipline and overall
MMMU_SCORER = MultiChoiceParse(ScorerSource(*_MMMU_REPO, "mmmu/utils/eval_utils.py"))
MMMU_OPEN_SCORER = MMMUOpenMatch(ScorerSource(*_MMMU_REPO, "mmmu/utils/eval_utils.py"))
#: MMMU-Pro's mmmu-pro/evaluate.py: the one letter after the last "Answer:", else "(X)", "X ", "X.", option text;
#: a random letter when none (unseeded there; scored wrong here); one accuracy over all questions
MMMU_PRO_SCORER = MultiChoiceParse(
    ScorerSource(*_MMMU_REPO, "mmmu-pro/evaluate.py"),
    letter_forms=("({letter})", "{letter} ", "{letter}."),
    answer_line=True,
)
#: VLMEvalKit's exact matching (MMStar's authors name it; AI2D's publish no scorer), lmms-eval's RealWorldQA scorer
#: (for the copy it publishes, which this task reads), moondream's for its CountBenchQA, VLMEvalKit's ChartQA
VLMEVALKIT_MCQ = VLMEvalKitMatch(
    ScorerSource(
        *VLMEVALKIT, "vlmeval/utils/matching_util.py", note="ImageMCQDataset.evaluate with --judge exact_matching"
    )
)
REALWORLDQA_SCORER = LmmsRealWorldQA(
    ScorerSource(
        "EvolvingLMMs-Lab/lmms-eval", "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3", "lmms_eval/tasks/realworldqa/utils.py"
    )
)
COUNTBENCH_SCORER = ExactCount(
    ScorerSource("vikhyat/moondream", "44146f139242dacdf7c02b799e68097424a31036", "moondream/eval/countbenchqa.py")
)
CHARTQA_SCORER = VLMEvalKitRelaxed(
    ScorerSource(*VLMEVALKIT, "vlmeval/dataset/utils/vqa_eval.py", note="relaxed_accuracy, as pix2struct defines it")
)
_LETTER_LINE = re.compile(r"^\s*\(?([A-F])[.)]\s+(.+)$", re.MULTILINE)


def _listed(value: Any) -> list:
    """A list cell, or its Python-literal text (MMMU stores options as "['a', 'b']")."""
    if isinstance(value, str):
        try:
            parsed = ast.literal_eval(value) if value.strip().startswith("[") else [value]
        except (SyntaxError, ValueError):
            return [value]  # an answer such as "[0, 1)" is text
        return list(parsed) if isinstance(parsed, (list, tuple)) else [value]
    return list(value or [])


def _subject(row: dict[str, Any]) -> str:
    """MMMU's subject, from its id ("validation_Art_Theory_12")."""
    return row.get("subject") or "_".join(str(row["id"]).split("_")[1:-1])


def raw_options(listed: list) -> dict[str, Any]:
    """Options by letter as MMMU's scripts see them (get_multi_choice_info): each as the row gives it."""
    return dict(zip(LETTERS, listed, strict=False))


def mmmu_item(row: dict[str, Any]) -> ChoiceItem:
    subject = _subject(row)
    meta = {"subject": subject, "discipline": _DISCIPLINE.get(subject), "question_type": row.get("question_type")}
    if row.get("question_type") == "open":
        answer = str(row["answer"])
        return ChoiceItem(
            row["question"], {}, answer, {**meta, RAW_ANSWER: _listed(answer) if answer.startswith("[") else answer}
        )
    listed = _listed(row["options"])
    options = lettered(listed)
    return ChoiceItem(
        row["question"], options, answer_letter(str(row["answer"]), options), {**meta, RAW_OPTIONS: raw_options(listed)}
    )


class MMMUTask(ImageChoiceTask):
    """MMMU: multiple-choice questions by letter, open ones by MMMU's open-answer rule."""

    def template(self, item: ChoiceItem) -> str:
        return self.params["prompt"] if item.options else MMMU_OPEN_PROMPT

    def score(self, sample: Sample, prediction: str) -> Scored:
        if sample.metadata["options"]:
            return super().score(sample, prediction)
        answer = str(sample.target)
        return official_and_lenient(
            MMMU_OPEN_SCORER.verdict(prediction, sample.metadata, answer),
            judge_open(prediction, _listed(answer) if answer.startswith("[") else answer, name=LENIENT),
        )


def mmstar_options(listed: str) -> dict[str, str]:
    """ "A: x, B: y, C: z" read in letter order, each letter's marker searched after the previous one (so
    "A: Point C: left, B: x" keeps "Point C: left" whole)."""
    markers, start = [], 0
    for letter in LETTERS:
        found = re.compile(rf"(?:^\s*|,\s*){letter}:\s*").search(listed, start)
        if found is None:
            break
        markers.append((letter, found.start(), found.end()))
        start = found.end()
    ends = [begin for _, begin, _ in markers[1:]] + [len(listed)]
    return {letter: listed[end:stop].strip() for (letter, _, end), stop in zip(markers, ends, strict=True)}


def mmstar_item(row: dict[str, Any]) -> ChoiceItem:
    """MMStar's options sit in its question: "...\\nOptions: A: x, B: y, C: z, D: w"."""
    stem, _, listed = str(row["question"]).rpartition("Options:")
    options = mmstar_options(listed)
    if not stem or len(options) < 2:
        raise ValueError(f"MMStar question {row.get('index')} lists no 'Options: A: ..., B: ...'")
    return ChoiceItem(
        row["question"],
        options,
        answer_letter(str(row["answer"]), options),
        {"category": row["category"], "l2_category": row["l2_category"]},
    )


class MMStarTask(ImageChoiceTask):
    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        """Accuracy overall and per category and l2 category, and lmms-eval's `average`: the mean over l2
        categories."""
        metrics = super().aggregate(records)
        per_l2 = [v for k, v in metrics.items() if k.startswith("accuracy/l2_category/")]
        if per_l2:
            metrics["macro_l2"] = sum(per_l2) / len(per_l2)
        return metrics


def ai2d_item(row: dict[str, Any]) -> ChoiceItem:
    listed = list(row["options"])
    options = lettered(listed)
    return ChoiceItem(row["question"], options, LETTERS[int(row["answer"])], {RAW_OPTIONS: raw_options(listed)})


def mmmu_pro_item(row: dict[str, Any]) -> ChoiceItem:
    listed = _listed(row["options"])
    options = lettered(listed)
    subject = str(row.get("subject") or "")
    return ChoiceItem(
        str(row.get("question") or ""),
        options,
        answer_letter(str(row["answer"]), options),
        {
            "subject": subject,
            "discipline": _DISCIPLINE.get(subject.replace(" ", "_")),
            RAW_OPTIONS: raw_options(listed),
        },
    )


def realworldqa_item(row: dict[str, Any]) -> dict[str, Any]:
    """RealWorldQA's target, and the options its question lists ("A. Blue" lines), for letter answers."""
    options = {m.group(1): m.group(2).strip() for m in _LETTER_LINE.finditer(str(row["question"]))}
    return {"answer": str(row["answer"]).strip(), "options": options}


def realworldqa_judge(response: str | None, target: dict[str, Any]) -> Score:
    """A letter answer is read as a choice among the listed options (a letter, or one option's text); a
    number by its value (digits or words, as lmms-eval maps them); any other by exact match."""
    answer, options = target["answer"], target["options"]
    if re.fullmatch(r"[A-F]", answer):
        return judge_choice(response, options or "ABCDEF".index(answer) + 1, answer)
    if re.fullmatch(r"-?\d+(?:\.\d+)?", answer):
        return judge_numeric(response, float(answer))
    return judge_exact(response, answer, name="accuracy")


def countbench_judge(response: str | None, number: int) -> Score:
    return judge_numeric(response, float(number))


def _register_all() -> None:
    image = ("image",)
    TASKS.register(
        MMMUTask(
            "mmmu_val",
            "MMMU validation: 900 college-level questions on images (multiple choice and open), accuracy per "
            "discipline (6) and subject (30)",
            DatasetSpec(
                "lmms-lab-encoder/MMMU",
                split="validation",
                fields={"id": "id", "question": "question", "options": "options", "answer": "answer"},
                media_fields=MMMU_IMAGES,
            ),
            mmmu_item,
            images=referenced_images,
            breakdowns=("discipline", "subject"),
            prompt="{question}\n{options}\n\n" + DIRECTLY,
            stratify_by="question_type",
            gen=GenConfig(max_new_tokens=512),
            official=MMMU_SCORER,
            version="2",
        )
    )
    for setting, config, prompt, pictures, columns in (
        (
            "standard",
            "standard (10 options)",
            "{question}\n{options}\n" + MMMU_PRO_STANDARD,
            referenced_images,
            MMMU_IMAGES,
        ),
        ("vision", "vision", MMMU_PRO_VISION, image, image),
    ):
        TASKS.register(
            ImageChoiceTask(
                f"mmmu_pro_{setting}",
                f"MMMU-Pro {setting} ({config}): 1,730 questions, accuracy per discipline and "
                "subject; the official direct prompt",
                DatasetSpec(
                    "MMMU/MMMU_Pro",
                    split="test",
                    config=config,
                    fields={"id": "id", "options": "options", "answer": "answer"},
                    media_fields=columns,
                ),
                mmmu_pro_item,
                images=pictures,
                breakdowns=("discipline", "subject"),
                prompt=prompt,
                gen=GenConfig(max_new_tokens=512),
                official=MMMU_PRO_SCORER,
                version="2",
            )
        )
    DERIVED.register(
        DerivedScore(
            task="mmmu_pro",
            family="image",
            metric="accuracy",
            lower_is_better=False,
            columns=(Column(("mmmu_pro_standard",), "accuracy"), Column(("mmmu_pro_vision",), "accuracy")),
            description="MMMU-Pro overall: the mean of its standard (10 options) and vision settings",
        )
    )
    TASKS.register(
        MMStarTask(
            "mmstar",
            "MMStar val: 1,500 vision-indispensable questions, accuracy per category (6) and l2 category (18), "
            "macro_l2",
            DatasetSpec(
                "Lin-Chen/MMStar", split="val", fields={"question": "question", "answer": "answer"}, media_fields=image
            ),
            mmstar_item,
            prompt="{question}\nAnswer with the option's letter from the given choices directly",
            breakdowns=("category", "l2_category"),
            stratify_by="category",
            gen=GenConfig(max_new_tokens=128),
            official=VLMEVALKIT_MCQ,
            version="2",
        )
    )
    TASKS.register(
        ImageChoiceTask(
            "ai2d",
            "AI2D test: 3,088 science-diagram questions, accuracy",
            DatasetSpec(
                "lmms-lab-encoder/ai2d",
                split="test",
                fields={"question": "question", "options": "options", "answer": "answer"},
                media_fields=image,
            ),
            ai2d_item,
            prompt="{question}\n{options}\n" + DIRECTLY,
            gen=GenConfig(max_new_tokens=128),
            official=VLMEVALKIT_MCQ,
            version="2",
        )
    )
    TASKS.register(
        ImageAnswerTask(
            "realworldqa",
            "RealWorldQA: 765 real-world spatial questions (instruction in the question), accuracy",
            DatasetSpec(
                "lmms-lab-encoder/RealWorldQA",
                split="test",
                fields={"question": "question", "answer": "answer"},
                media_fields=image,
            ),
            "{question}",
            realworldqa_judge,
            target=realworldqa_item,
            official=REALWORLDQA_SCORER,
            version="2",
        )
    )
    TASKS.register(
        ImageAnswerTask(
            "countbench",
            "CountBench (CountBenchQA): 491 images with 2-10 objects to count, accuracy",
            DatasetSpec(
                "vikhyatk/CountBenchQA",
                split="test",
                fields={"question": "question", "number": "number"},
                media_fields=image,
            ),
            "Look at the image carefully and count the objects. Answer with just a number, without any additional "
            "text. {question}",
            countbench_judge,
            target=lambda row: int(row["number"]),
            official=COUNTBENCH_SCORER,
            version="2",
        )
    )
    TASKS.register(
        ImageAnswerTask(
            "chartqa",
            "ChartQA test: 2,500 chart questions (human and augmented), relaxed accuracy (5% on numbers)",
            DatasetSpec(
                "lmms-lab-encoder/ChartQA",
                split="test",
                fields={"question": "question", "answer": "answer", "type": "type"},
                media_fields=image,
            ),
            "{question}\nAnswer the question with a single word.",
            judge_relaxed,
            target=lambda row: str(row["answer"]),
            breakdowns=("type",),
            metric="relaxed_accuracy",
            stratify_by="type",
            official=CHARTQA_SCORER,
            version="2",
        )
    )


_register_all()
