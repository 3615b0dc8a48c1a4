"""RUL-MuchoMusic ("Are you really listening?", Zang et al. 2025): MuchoMusic's 1,187 questions with
distractors rebuilt so that the text alone does not give the answer, as Qwen3-Omni reports it.

The data is `RUL-MuchoMusic.json` (yongyizang/AreYouReallyListening, d3971de): question id ->
question, correct answer, four distractors. Its audio, one file per question named by the id,
is not published; the task reads a folder holding that JSON and `audio/<question id>.<mp3|wav|
flac>` (`--dataset-path`). The official protocol, which this follows: each question is asked
four times ("folds"), fold i leaving distractor i out, so four options, lettered A-D in shuffled
order; the official script's shuffle is unseeded, here it is seeded by question and fold, so
that runs repeat. The prompt is the official script's (ExampleAudioEval/qwen_2_audio.py): step
by step, answering `[[Letter]]`. `accuracy` reads the answer as the official extract_answer does
(omnieval.judges.official.RulExtract: the last `[[X]]`, "answer is X", "(X)", option text; a `[[X]]`
that is no option is wrong); `accuracy_lenient` reads it with omnieval's choice reader. `--limit` draws whole
questions, each with its four folds.

`accuracy` is the mean over all passes, i.e. the mean of the four folds' accuracies (the card's
"4-fold cross validation"); `majority_accuracy` is the official script's other figure, a
question counted correct when the option chosen most often over its four passes (ties to the
earliest fold) is the correct one. Which of the two Qwen3-Omni's 52.0 is, its report does not say.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec, LoadedSplit, json_file_split
from omnieval.errors import OmnievalError
from omnieval.judges.choice import LETTERS
from omnieval.judges.official import RulExtract, ScorerSource
from omnieval.registry import TASKS
from omnieval.tasks.audio.audio_choice import AudioChoiceTask
from omnieval.tasks.choice import ChoiceItem
from omnieval.types import GenConfig, SampleRecord

DATA_FILE = "RUL-MuchoMusic.json"
AUDIO_SUFFIXES = (".mp3", ".wav", ".flac")
PROMPT = (
    "Provide your best guess of this question. Think step by step.\n\nQuestion: {question}\n\n"
    "Options: {options}\n\nWrite out your guess in the format of [[Letter]], such as [[A]], [[B]], [[C]], [[D]]."
)
FOLDS = 4


def fold_rows(entries: dict[str, dict[str, Any]], audio_dir: Path) -> list[dict[str, Any]]:
    """One row per question and fold: fold i drops distractor i; options shuffled by (question, fold)."""
    rows = []
    for question_id, entry in entries.items():
        distractors = list(entry["distractors"])
        if len(distractors) != FOLDS:
            raise OmnievalError(f"{DATA_FILE}: question {question_id} has {len(distractors)} distractors, not {FOLDS}")
        audio = next(
            (
                f"audio/{question_id}{suffix}"
                for suffix in AUDIO_SUFFIXES
                if (audio_dir / f"{question_id}{suffix}").is_file()
            ),
            f"audio/{question_id}.mp3",
        )
        for fold in range(FOLDS):
            options = [entry["correct_answer"]] + distractors[:fold] + distractors[fold + 1 :]
            random.Random(f"{question_id}/{fold}").shuffle(options)
            rows.append(
                {
                    "id": f"{question_id}/{fold}",
                    "question_id": str(question_id),
                    "fold": fold,
                    "question": entry["question"],
                    "options": options,
                    "answer": LETTERS[options.index(entry["correct_answer"])],
                    "audio": audio,
                }
            )
    return rows


def rul_item(row: dict[str, Any]) -> ChoiceItem:
    options = {LETTERS[i]: text for i, text in enumerate(row["options"])}
    return ChoiceItem(row["question"], options, row["answer"], {"question_id": row["question_id"], "fold": row["fold"]})


#: the official script's extract_answer and pass/majority counting (its option shuffle is unseeded: ours is
#: seeded by question and fold)
RUL_SCORER = RulExtract(
    ScorerSource(
        "yongyizang/AreYouReallyListening",
        "d3971de18934a283deb41f472d21b34eb19e10c2",
        "ExampleAudioEval/qwen_2_audio.py",
        note="the option shuffle is unseeded there; seeded by question and fold here",
    )
)


class RulMuchoMusicTask(AudioChoiceTask):
    gen = GenConfig(max_new_tokens=2048, temperature=0.0)  # "Think step by step"

    def __init__(self) -> None:
        super().__init__(
            "rul_muchomusic",
            "RUL-MuchoMusic: 1,187 music questions x 4 folds (one distractor left out each), "
            "accuracy (mean over folds) and majority-vote accuracy; needs a local copy with its audio",
            "music",
            DatasetSpec(
                "yongyizang/RUListening",
                split="test",
                data_files=DATA_FILE,
                fields={"id": "id", "question": "question", "answer": "answer"},
                media_fields=("audio",),
            ),
            rul_item,
            breakdowns=("fold",),
            prompt=PROMPT,
            option_format=("({letter}) {text}", " "),  # the official one-line form: "(A) x (B) y ..."
            official=RUL_SCORER,
            version="2",
        )

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        return json_file_split(
            self.dataset,
            dataset_path,
            DATA_FILE,
            lambda entries, folder: fold_rows(entries, folder / "audio"),
            f"rul_muchomusic's audio is not published: make a folder holding {DATA_FILE} and "
            "audio/<question id>.mp3 (MuchoMusic's clip for each question)",
        )

    def select(
        self, loaded: LoadedSplit, limit: int | None, seed: int, shard: tuple[int, int] | None = None
    ) -> list[int]:
        """Whole questions, each with its four folds: a `limit` of passes draws ceil(limit / 4) questions."""
        question_ids = list(dict.fromkeys(loaded.rows["question_id"]))
        wanted = None if limit is None else -(-limit // FOLDS)
        from omnieval.selection import select_indices

        chosen = {question_ids[i] for i in select_indices(len(question_ids), wanted, seed, shard)}
        return [i for i, question_id in enumerate(loaded.rows["question_id"]) if question_id in chosen]

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        metrics = super().aggregate(records)
        if metrics:
            metrics["majority_accuracy"] = majority_accuracy(records)
        return metrics


def majority_accuracy(records: list[SampleRecord]) -> float:
    """Percent of questions whose most chosen option over their passes is the correct one. A failed pass chooses
    nothing; one without metadata (an unreadable row) counts under the question its id (`<question>/<fold>`) names."""
    passes: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in records:
        passes[record.metadata.get("question_id") or record.id.rsplit("/", 1)[0]].append(record)
    correct = 0
    for question in passes.values():
        readable = sorted((r for r in question if "options" in r.metadata), key=lambda r: r.metadata.get("fold", 0))
        chosen = [
            r.metadata["options"][r.details["official_read"]]
            for r in readable
            if r.details.get("official_read") in r.metadata["options"]
        ]
        truth = readable[0].metadata["options"].get(readable[0].target) if readable else None
        correct += bool(chosen) and Counter(chosen).most_common(1)[0][0] == truth
    return 100.0 * correct / len(passes)


TASKS.register(RulMuchoMusicTask())
