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

Classification tasks list the labels in the prompt (UltraEval-Audio's prompts, "the answer
must be one of [...]") and read the label the answer names first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec
from omnieval.judges.answer_region import final_answer_region
from omnieval.judges.official import RAW_ANSWER, RAW_CHOICES, RAW_OPTIONS, MMSULetter, OptionWordMatch, ScorerSource
from omnieval.media import audio_ref_from_hf
from omnieval.registry import TASKS
from omnieval.tasks.answers import UNREADABLE, accuracy_metrics
from omnieval.tasks.base import Scored, Task, audio_then_text
from omnieval.tasks.choice import ChoiceItem, ChoiceTask, letter_of, lettered
from omnieval.types import GenConfig, MediaRef, Message, Sample, SampleRecord

#: MMSU's own prompt (dingdongwang/MMSU mmsu_inference.py)
MMSU_PROMPT = ("Choose the most suitable answer from options A, B, C, and D. You must respond with only A, B, C, "
               "or D.\n\nQuestion: {question}\n\n{options}")


def mmau_item(row: dict[str, Any]) -> ChoiceItem:
    """A row of the hub copy (attributes in `other_attributes`) or of the release's test-mini JSON (its own
    `task`, `difficulty`, `sub-category` fields)."""
    attributes = row.get("other_attributes") or {k: row.get(k) for k in ("task", "difficulty", "sub-category")}
    attributes = json.loads(attributes) if isinstance(attributes, str) else dict(attributes)
    return _as_written(row, row["instruction"], {"task": attributes.get("task"),
                                                 "difficulty": attributes.get("difficulty"),
                                                 "sub_category": attributes.get("sub-category")})


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
    return ChoiceItem(row["question"], options, letter_of(row["answer_gt"], options),
                      {"category": row.get("category"), "sub_category": row.get("sub-category"),
                       "task_name": row.get("task_name"),
                       RAW_OPTIONS: {x.upper(): row.get(f"choice_{x}") or "" for x in "abcd"},
                       RAW_ANSWER: str(row["answer_gt"])})


def mmar_item(row: dict[str, Any]) -> ChoiceItem:
    return _as_written(row, row["question"], {"modality": row.get("modality"), "category": row.get("category"),
                                              "sub_category": row.get("sub-category")})


def muchomusic_item(row: dict[str, Any]) -> ChoiceItem:
    """lmms-eval's copy: the options in one string, "(A) ... (B) ...", the answer as "(B) text"."""
    parts = re.split(r"\(([A-E])\)\s*", str(row["choices"]))
    options = {letter: text.strip() for letter, text in zip(parts[1::2], parts[2::2], strict=True)}
    return ChoiceItem(row["instruction"], options, letter_of(row["answer"], options))


class AudioChoiceTask(ChoiceTask):
    """A question about one audio clip, the clip first."""

    def media(self, row: dict[str, Any], base_dir: Path | None) -> list[MediaRef]:
        audio = self.dataset.media_fields[0]
        cell = row[audio] if isinstance(row[audio], dict) else {"bytes": None, "path": row[audio]}
        return [audio_ref_from_hf(cell, base_dir)]


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
    gen = GenConfig(max_new_tokens=64, temperature=0.0)
    headline_metrics = {"accuracy": False}

    def __init__(self, name: str, description: str, family: str, dataset: DatasetSpec, labels: tuple[str, ...],
                 prompt: str, aliases: dict[str, str] | None = None) -> None:
        self.name, self.description, self.family, self.dataset = name, description, family, dataset
        self.labels, self.aliases = labels, aliases or {}
        self.stratify_by = dataset.fields["label"]
        self.params = {"prompt": prompt}

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        return Sample(id=sample_id, index=index, target=str(row[self.dataset.fields["label"]]).strip(),
                      metadata={"label": str(row[self.dataset.fields["label"]]).strip()})

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        audio = audio_ref_from_hf(row[self.dataset.media_fields[0]], base_dir)
        return audio_then_text(audio, self.params["prompt"])

    def score(self, sample: Sample, prediction: str) -> Scored:
        label = read_label(prediction, self.labels + tuple(self.aliases))
        label = self.aliases.get(label, label) if label else None
        return Scored(scores={"accuracy": float(label is not None and label.lower() == str(sample.target).lower()),
                              UNREADABLE: float(label is None)}, details={"extracted": label})

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        return accuracy_metrics(records, by=("label",))


GTZAN_GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
VOCAL_SOUNDS = ("Laughter", "Sigh", "Cough", "Throat clearing", "Sneeze", "Sniff")
MELD_EMOTIONS = ("neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear")


def _must_be_one_of(question: str, labels: tuple[str, ...]) -> str:
    """UltraEval-Audio's classification prompt."""
    return f"{question}, the answer must be one of [{','.join(labels)}], answer without explain"


#: MMAU and MMAR publish no prompt; their scorers read an option's text, so the prompt asks for it
#: and lists the options without letters (a letter alone, or "A." before a text, is no word of an option)
OPTION_TEXT_PROMPT = "{question}\nOptions:\n{options}\nAnswer with the exact text of the correct option."
OPTION_TEXT_LIST = ("- {text}", "\n")

#: MMAU's evaluation.py (its string_match and per task, difficulty and sub-category micro accuracy)
MMAU_SCORER = OptionWordMatch(ScorerSource("Sakshi113/MMAU", "110127f54c0dfba3faa5ec9feee4a7e4148679c5",
                                           "evaluation.py"))
#: MMSU's mmsu_evaluation.py (the opening or second-to-last letter; unreadable replies left out of the count)
MMSU_SCORER = MMSULetter(ScorerSource("dingdongwang/MMSU", "217d1d3f5ad59203ed16f44c0fd913f4f8add2b4",
                                      "mmsu_evaluation.py"))
#: MMAR's evaluation, the same string_match, per modality, category and sub-category
MMAR_SCORER = OptionWordMatch(ScorerSource("ddlBoJack/MMAR", "3bce090a967db576c8ad433b290a8da582d6d2a0",
                                           "code/evaluation.py"))


def _register_all() -> None:
    choice = [
        AudioChoiceTask("mmau_test_mini", "MMAU test-mini (v05.15.25): 1,000 sound, music and speech questions, "
                        "accuracy per task, difficulty and sub-category", "audio_reasoning",
                        DatasetSpec("gamma-lab-umd/MMAU-test-mini", split="test",
                                    fields={"question": "instruction", "choices": "choices", "answer": "answer"},
                                    media_fields=("context",),
                                    release_columns={"instruction": "question", "context": "audio_id"}),
                        mmau_item, breakdowns=("task", "difficulty", "sub_category"), official=MMAU_SCORER,
                        prompt=OPTION_TEXT_PROMPT, option_format=OPTION_TEXT_LIST, version="2"),
        AudioChoiceTask("mmsu", "MMSU: 5,000 spoken-language understanding questions (perception and reasoning), "
                        "accuracy per category and sub-category", "audio_reasoning",
                        DatasetSpec("ddwang2000/MMSU", split="train",
                                    fields={"question": "question", "answer": "answer_gt", "category": "category"},
                                    media_fields=("audio",)),
                        mmsu_item, breakdowns=("category", "sub_category"), prompt=MMSU_PROMPT,
                        stratify_by="category", official=MMSU_SCORER, version="2"),
        AudioChoiceTask("mmar", "MMAR: 1,000 deep audio reasoning questions over sound, music, speech and their "
                        "mixes, accuracy per modality and category", "audio_reasoning",
                        DatasetSpec("BoJack/MMAR", split="test", data_files="MMAR-meta.json",
                                    fields={"id": "id", "question": "question", "choices": "choices",
                                            "answer": "answer", "modality": "modality"},
                                    media_fields=("audio_path",)),
                        mmar_item, breakdowns=("modality", "category", "sub_category"), stratify_by="modality",
                        official=MMAR_SCORER, prompt=OPTION_TEXT_PROMPT, option_format=OPTION_TEXT_LIST,
                        version="2"),
        AudioChoiceTask("muchomusic", "MuchoMusic: 1,187 music understanding questions, accuracy", "music",
                        DatasetSpec("lmms-lab-audio/muchomusic", split="test",
                                    fields={"question": "instruction", "choices": "choices", "answer": "answer"},
                                    media_fields=("context",)),
                        muchomusic_item),
    ]
    labels = [
        AudioLabelTask("gtzan", "GTZAN genre classification (10 genres), accuracy", "music",
                       DatasetSpec("TwinkStart/GTZAN", split="test", fields={"label": "label"},
                                   media_fields=("audio",)), GTZAN_GENRES,
                       _must_be_one_of("Listen to the provided music clip and identify the genre", GTZAN_GENRES),
                       aliases={"hip hop": "hiphop"}),  # "Hip-Hop" and "hip hop" name GTZAN's hiphop
        AudioLabelTask("vocalsound", "VocalSound: 6 kinds of non-speech vocal sounds, accuracy", "sound",
                       DatasetSpec("lmms-lab-audio/vocalsound", split="test", fields={"label": "answer"},
                                   media_fields=("audio",)), VOCAL_SOUNDS,
                       _must_be_one_of("listen the audio and judge the vocal sound", VOCAL_SOUNDS),
                       aliases={"Throat": "Throat clearing"}),
        AudioLabelTask("meld_emotion", "MELD speech emotion recognition (7 emotions), test split, accuracy", "sound",
                       DatasetSpec("TwinkStart/MELD", split="test", fields={"label": "Emotion"},
                                   media_fields=("audio",)), MELD_EMOTIONS,
                       _must_be_one_of("listen the audio and judge the emotion of the speaker", MELD_EMOTIONS)),
    ]
    for task in choice + labels:
        TASKS.register(task)


_register_all()
