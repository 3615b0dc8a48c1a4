"""Audio questions with options (MMAU, MMSU, MMAR, MuchoMusic) and audio classification
(GTZAN genres, VocalSound, MELD emotions).

Each benchmark is one reader from its hub row to a question, lettered options and the correct
letter; one task class (omnieval.tasks.choice) asks and scores them all. The prompt follows the benchmark's own
(MMSU's inference script) or, where it has none, lmms-eval's ("{question}\\nA. ...\\nAnswer with
the option's letter from the given choices directly."), after the audio; MMAU and MMAR, whose
scorers read option texts, ask for the option's text (OPTION_TEXT_PROMPT). MMAU's and MMAR's headline
`accuracy` is their official scripts' verdict (omnieval.judges.official.OptionWordMatch: the
answer's words must hold the correct choice's and none of only a wrong one's, so a letter alone
counts wrong); `accuracy_lenient` beside it reads as omnieval.judges.choice does: a stated
letter, or the text of exactly one option. An answer no rule reads scores 0 and is counted in
`extraction_failure_rate`; accuracy is broken down by the categories each paper tabulates.
MuChoMusic's headline is its authors' evaluate.py (omnieval.judges.label_official.OneCapitalLetter:
the one capital A-D in the answer, else the first option text in it), with its instruction-following
rate and, where rows carry the authors' categories, its knowledge and reasoning breakdowns.

Classification tasks list the labels in the prompt (UltraEval-Audio's prompts, "the answer
must be one of [...]", as its registry writes them). Their headline `accuracy` is the official
scorer of the copy loaded (omnieval.judges.label_official): GTZAN and MELD as UltraEval-Audio's
prefix-match (the answer must open with the label), VocalSound as lmms-eval's (the first of its
class names, in its fixed order, found anywhere in the answer). `accuracy_lenient` beside it reads
the label the answer names first, anywhere in it.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec
from omnieval.judges.answer_region import final_answer_region
from omnieval.judges.label_official import GTZAN_SCORER, MELD_SCORER, MUCHOMUSIC_SCORER, VOCALSOUND_SCORER
from omnieval.judges.official import (
    RAW_ANSWER,
    RAW_CHOICES,
    RAW_OPTIONS,
    MMSULetter,
    OfficialChoiceScorer,
    OptionWordMatch,
    ScorerSource,
)
from omnieval.registry import TASKS
from omnieval.tasks.answers import LENIENT, accuracy_metrics, official_accuracy_metrics, official_and_lenient
from omnieval.tasks.base import Scored, Task, audio_then_text
from omnieval.tasks.choice import ChoiceItem, ChoiceTask, letter_of, lettered
from omnieval.types import GenConfig, MediaRef, Message, Sample, SampleRecord, Score

#: MMSU's own prompt (dingdongwang/MMSU mmsu_inference.py)
MMSU_PROMPT = (
    "Choose the most suitable answer from options A, B, C, and D. You must respond with only A, B, C, "
    "or D.\n\nQuestion: {question}\n\n{options}"
)


def mmau_item(row: dict[str, Any]) -> ChoiceItem:
    """A row of the hub copy (attributes in `other_attributes`) or of the release's test-mini JSON (its own
    `task`, `difficulty`, `sub-category` fields)."""
    attributes = row.get("other_attributes") or {k: row.get(k) for k in ("task", "difficulty", "sub-category")}
    attributes = json.loads(attributes) if isinstance(attributes, str) else dict(attributes)
    return _as_written(
        row,
        row["instruction"],
        {
            "task": attributes.get("task"),
            "difficulty": attributes.get("difficulty"),
            "sub_category": attributes.get("sub-category"),
        },
    )


def _as_written(row: dict[str, Any], question: str, metadata: dict[str, Any]) -> ChoiceItem:
    """A row whose official scorer reads its `choices` and `answer` texts as written (MMAU, MMAR): those go
    along for it, and an answer that is none of the choices leaves no letter for our reader (which then
    counts the answer wrong) instead of failing the sample."""
    choices = [str(choice) for choice in row["choices"]]
    options = lettered(choices)
    try:
        letter = letter_of(str(row["answer"]), options)
    except ValueError:
        letter = ""
    return ChoiceItem(question, options, letter, {**metadata, RAW_CHOICES: choices, RAW_ANSWER: str(row["answer"])})


def mmsu_item(row: dict[str, Any]) -> ChoiceItem:
    options = lettered([row[f"choice_{x}"] for x in "abcd" if row.get(f"choice_{x}") not in (None, "")])
    return ChoiceItem(
        row["question"],
        options,
        letter_of(row["answer_gt"], options),
        {
            "category": row.get("category"),
            "sub_category": row.get("sub-category"),
            "task_name": row.get("task_name"),
            RAW_OPTIONS: {x.upper(): row.get(f"choice_{x}") or "" for x in "abcd"},
            RAW_ANSWER: str(row["answer_gt"]),
        },
    )


def mmar_item(row: dict[str, Any]) -> ChoiceItem:
    return _as_written(
        row,
        row["question"],
        {"modality": row.get("modality"), "category": row.get("category"), "sub_category": row.get("sub-category")},
    )


def muchomusic_item(row: dict[str, Any]) -> ChoiceItem:
    """lmms-eval's copy: the options in one string, "(A) ... (B) ...", the answer as "(B) text". A row that also
    carries the authors' columns (muchomusic.csv's `music_knowledge` and `music_reasoning`, lists or their Python
    text, empty for none; `genre`) is broken down by them as the authors' evaluate.py does."""
    parts = re.split(r"\(([A-E])\)\s*", str(row["choices"]))
    options = {letter: text.strip() for letter, text in zip(parts[1::2], parts[2::2], strict=True)}
    metadata: dict[str, Any] = {
        "knowledge": _categories(row.get("music_knowledge")),
        "reasoning": _categories(row.get("music_reasoning")),
    }
    if row.get("genre"):
        metadata["genre"] = str(row["genre"])
    return ChoiceItem(row["instruction"], options, letter_of(row["answer"], options), metadata)


def _categories(value: Any) -> list[str]:
    """A muchomusic.csv category cell as a list: "['lyrics']" is ["lyrics"]; empty or missing is none."""
    if isinstance(value, str):
        value = ast.literal_eval(value) if value.strip() else []
    return [str(each) for each in value] if isinstance(value, list | tuple) else []


class AudioChoiceTask(ChoiceTask):
    """A question about one audio clip, the clip first."""

    def media(self, row: dict[str, Any], base_dir: Path | None) -> list[MediaRef]:
        audio = self.dataset.media_fields[0]
        cell = row[audio] if isinstance(row[audio], dict) else {"bytes": None, "path": row[audio]}
        from omnieval.media import audio_ref_from_hf

        return [audio_ref_from_hf(cell, base_dir)]


#: 0/1 per answer: MuChoMusic's script reads no option in it (its -1, "unanswered")
UNANSWERED = "official_unanswered"


class MuChoMusicTask(AudioChoiceTask):
    """MuChoMusic scored as its authors' evaluate.py prints it: accuracy over every question, the
    instruction-following rate (`instruction_following_rate`: the answers it reads an option in), and where the rows
    carry the authors' categories, accuracy over the questions with any knowledge (`accuracy/knowledge`) or reasoning
    category (`accuracy/reasoning`) and per category (a question counts in each of its own), and per genre (which
    the script writes to its results file)."""

    def score(self, sample: Sample, prediction: str) -> Scored:
        scored = super().score(sample, prediction)
        scored.scores[UNANSWERED] = float(scored.details["official_read"] is None)
        return scored

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        by = [key for key in ("knowledge", "reasoning", "genre") if any(r.metadata.get(key) for r in records)]
        metrics = official_accuracy_metrics(records, by=by)
        if records:
            unanswered = sum(r.scores.get(UNANSWERED, 1.0) for r in records) / len(records)
            metrics["instruction_following_rate"] = 100.0 * (1.0 - unanswered)
        for key in ("knowledge", "reasoning"):
            tagged = [r for r in records if r.metadata.get(key)]
            if tagged:
                metrics[f"accuracy/{key}"] = accuracy_metrics(tagged)["accuracy"]
        return metrics


def read_label(response: str | None, labels: tuple[str, ...]) -> str | None:
    """The label the answer names first (the longest where two start at the same place); None if none."""
    text = " " + " ".join(re.sub(r"[^\w\s]", " ", final_answer_region(response).lower()).split()) + " "
    found = []
    for label in labels:
        wanted = " " + " ".join(re.sub(r"[^\w\s]", " ", label.lower()).split()) + " "
        position = text.find(wanted)
        if position >= 0:
            found.append((position, -len(wanted), label))
    return min(found)[2] if found else None


class AudioLabelTask(Task):
    """One label per clip, named in the answer. `accuracy` is the official scorer's verdict (`official`), broken down
    by label and by what `groups` reads from a row (name -> value); `accuracy_lenient` is ours (read_label)."""

    gen = GenConfig(max_new_tokens=64, temperature=0.0)
    headline_metrics = {"accuracy": False}
    version = "2"

    def __init__(
        self,
        name: str,
        description: str,
        family: str,
        dataset: DatasetSpec,
        labels: tuple[str, ...],
        prompt: str,
        official: OfficialChoiceScorer,
        aliases: dict[str, str] | None = None,
        groups: Callable[[dict[str, Any]], dict[str, str]] | None = None,
    ) -> None:
        self.name, self.description, self.family, self.dataset = name, description, family, dataset
        self.labels, self.aliases = labels, aliases or {}
        self.stratify_by = dataset.fields["label"]
        self.params = {"prompt": prompt}
        #: the benchmark's own reader: `accuracy` is its verdict, ours is `accuracy_lenient` beside it
        self.official = official
        self.groups = groups

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        raw = row[self.dataset.fields["label"]]
        label = str(raw).strip()
        # the label as written goes along: the official scorers compare with it
        return Sample(
            id=sample_id,
            index=index,
            target=label,
            metadata={"label": label, RAW_ANSWER: raw, **(self.groups(row) if self.groups else {})},
        )

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        from omnieval.media import audio_ref_from_hf

        audio = audio_ref_from_hf(row[self.dataset.media_fields[0]], base_dir)
        return audio_then_text(audio, self.params["prompt"])

    def score(self, sample: Sample, prediction: str) -> Scored:
        label = read_label(prediction, self.labels + tuple(self.aliases))
        label = self.aliases.get(label, label) if label else None
        lenient = Score(
            name=LENIENT,
            value=float(label is not None and label.lower() == str(sample.target).lower()),
            explanation=label,
        )
        return official_and_lenient(self.official.verdict(prediction, sample.metadata, str(sample.target)), lenient)

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        groups = [key for key in ("gender", "age") if any(key in r.metadata for r in records)]
        return official_accuracy_metrics(records, by=("label", *groups))

    def scoring_info(self) -> dict[str, Any]:
        return {"official_scorer": self.official.source.describe()}


def vocalsound_groups(row: dict[str, Any]) -> dict[str, str]:
    """The groups lmms-eval's VocalSound aggregation logs: gender (a speaker id starting "f" is female, any other
    male) and age group (1: 18-25, 2: 26-48, 3: 49-80), where the row has them."""
    groups = {}
    if row.get("spk_id") is not None:
        groups["gender"] = "female" if str(row["spk_id"])[:1] == "f" else "male"
    if row.get("age_group") is not None:
        groups["age"] = {1: "18-25", 2: "26-48", 3: "49-80"}.get(row["age_group"], str(row["age_group"]))
    return groups


#: the labels in the order UltraEval-Audio's prompts list them (registry/prompt/music.yaml, emotion_anlysis.yaml)
GTZAN_GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
VOCAL_SOUNDS = ("Cough", "Sigh", "Throat clearing", "Sneeze", "Laughter", "Sniff")
MELD_EMOTIONS = ("surprise", "anger", "neutral", "joy", "sadness", "fear", "disgust")


def _must_be_one_of(question: str, labels: tuple[str, ...]) -> str:
    """UltraEval-Audio's classification prompts (its registry at the commit its scorer is pinned to); `question`
    ends as its prompt writes it, "genre." or "speaker,"."""
    return f"{question} the answer must be one of [{','.join(labels)}], answer without explain"


#: MMAU and MMAR publish no prompt; their scorers read an option's text, so the prompt asks for it
#: and lists the options without letters (a letter alone, or "A." before a text, is no word of an option)
OPTION_TEXT_PROMPT = "{question}\nOptions:\n{options}\nAnswer with the exact text of the correct option."
OPTION_TEXT_LIST = ("- {text}", "\n")

#: MMAU's evaluation.py (its string_match and per task, difficulty and sub-category micro accuracy)
MMAU_SCORER = OptionWordMatch(
    ScorerSource("Sakshi113/MMAU", "110127f54c0dfba3faa5ec9feee4a7e4148679c5", "evaluation.py")
)
#: MMSU's mmsu_evaluation.py (the opening or second-to-last letter; unreadable replies left out of the count)
MMSU_SCORER = MMSULetter(
    ScorerSource("dingdongwang/MMSU", "217d1d3f5ad59203ed16f44c0fd913f4f8add2b4", "mmsu_evaluation.py")
)
#: MMAR's evaluation, the same string_match, per modality, category and sub-category
MMAR_SCORER = OptionWordMatch(
    ScorerSource("ddlBoJack/MMAR", "3bce090a967db576c8ad433b290a8da582d6d2a0", "code/evaluation.py")
)


def _register_all() -> None:
    choice = [
        AudioChoiceTask(
            "mmau_test_mini",
            "MMAU test-mini (v05.15.25): 1,000 sound, music and speech questions, "
            "accuracy per task, difficulty and sub-category",
            "audio_reasoning",
            DatasetSpec(
                "gamma-lab-umd/MMAU-test-mini",
                split="test",
                fields={"question": "instruction", "choices": "choices", "answer": "answer"},
                media_fields=("context",),
                release_columns={"instruction": "question", "context": "audio_id"},
            ),
            mmau_item,
            breakdowns=("task", "difficulty", "sub_category"),
            official=MMAU_SCORER,
            prompt=OPTION_TEXT_PROMPT,
            option_format=OPTION_TEXT_LIST,
            version="2",
        ),
        AudioChoiceTask(
            "mmsu",
            "MMSU: 5,000 spoken-language understanding questions (perception and reasoning), "
            "accuracy per category and sub-category",
            "audio_reasoning",
            DatasetSpec(
                "ddwang2000/MMSU",
                split="train",
                fields={"question": "question", "answer": "answer_gt", "category": "category"},
                media_fields=("audio",),
            ),
            mmsu_item,
            breakdowns=("category", "sub_category"),
            prompt=MMSU_PROMPT,
            stratify_by="category",
            official=MMSU_SCORER,
            version="2",
        ),
        AudioChoiceTask(
            "mmar",
            "MMAR: 1,000 deep audio reasoning questions over sound, music, speech and their "
            "mixes, accuracy per modality and category",
            "audio_reasoning",
            DatasetSpec(
                "BoJack/MMAR",
                split="test",
                data_files="MMAR-meta.json",
                fields={
                    "id": "id",
                    "question": "question",
                    "choices": "choices",
                    "answer": "answer",
                    "modality": "modality",
                },
                media_fields=("audio_path",),
            ),
            mmar_item,
            breakdowns=("modality", "category", "sub_category"),
            stratify_by="modality",
            official=MMAR_SCORER,
            prompt=OPTION_TEXT_PROMPT,
            option_format=OPTION_TEXT_LIST,
            version="2",
        ),
        MuChoMusicTask(
            "muchomusic",
            "MuchoMusic: 1,187 music understanding questions, accuracy and instruction-following rate",
            "music",
            DatasetSpec(
                "lmms-lab-audio/muchomusic",
                split="test",
                fields={"question": "instruction", "choices": "choices", "answer": "answer"},
                media_fields=("context",),
            ),
            muchomusic_item,
            official=MUCHOMUSIC_SCORER,
            version="2",
        ),
    ]
    labels = [
        AudioLabelTask(
            "gtzan",
            "GTZAN genre classification (10 genres), accuracy",
            "music",
            DatasetSpec("TwinkStart/GTZAN", split="test", fields={"label": "label"}, media_fields=("audio",)),
            GTZAN_GENRES,
            _must_be_one_of("Listen to the provided music clip and identify the genre.", GTZAN_GENRES),
            official=GTZAN_SCORER,
            aliases={"hip hop": "hiphop"},
        ),  # "Hip-Hop" and "hip hop" name GTZAN's hiphop (for us)
        AudioLabelTask(
            "vocalsound",
            "VocalSound: 6 kinds of non-speech vocal sounds, accuracy (per gender and age)",
            "sound",
            DatasetSpec("lmms-lab-audio/vocalsound", split="test", fields={"label": "answer"}, media_fields=("audio",)),
            VOCAL_SOUNDS,
            _must_be_one_of("listen the audio and judge the vocal sound,", VOCAL_SOUNDS),
            official=VOCALSOUND_SCORER,
            aliases={"Throat": "Throat clearing"},
            groups=vocalsound_groups,
        ),
        AudioLabelTask(
            "meld_emotion",
            "MELD speech emotion recognition (7 emotions), test split, accuracy",
            "sound",
            DatasetSpec("TwinkStart/MELD", split="test", fields={"label": "Emotion"}, media_fields=("audio",)),
            MELD_EMOTIONS,
            _must_be_one_of("listen the audio and judge the emotion of the speaker,", MELD_EMOTIONS),
            official=MELD_SCORER,
        ),
    ]
    for task in choice + labels:
        TASKS.register(task)


_register_all()
