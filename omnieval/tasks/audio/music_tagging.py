"""Music auto-tagging: MTG-Jamendo (genre, mood/theme, instrument, top-50) and MagnaTagATune top-50,
scored by micro-F1 as the Qwen3-Omni report tabulates them.

The data are MARBLE's hub copies (`m-a-p/MTG`, `m-a-p/MTT`): a jsonl per split whose rows name a
track's audio file (`audio_path`, relative to MARBLE's `data/<repo>/` folder, a prefix dropped
here) and its tags (`label`, a list; MTG keeps its `genre---`/`mood/theme---`/`instrument---`
prefixes). MTG-Jamendo's split-0 test sets and MARBLE's MagnaTagATune test split (folders d-f,
clips without a top-50 tag kept, as MARBLE keeps them) are used as they are.

Neither Qwen's report nor any public toolkit gives the prompt or the reading of an LLM's answer
into tags, so this is ours, stated here: the model hears the track's first `clip_seconds` (30 by
default, as CMI-Bench; MTG tracks run about four minutes) and is given the task's tag list
(prefixes dropped) to choose from, answering with comma-separated tags. Each comma-, semicolon-
or line-separated item of the answer is one tag when, lowercased with everything but letters and
digits dropped, it equals a tag so written ("Hip-Hop" and "hip hop" are hiphop, "no vocals" is
novocals, a plural is its tag: "female vocals"); notes in brackets, list numbers and a trailing
"music" or "tags" are dropped, and an item such as "Genres: rock" is read after its colon. An item
that is no tag is read as tags joined by "and", "&", "+" or "/" ("rock and pop"), unless it is a
known other name of a tag ("drum and bass", "rock & roll", "R&B"), which is never split. Never by
substring: "rock" is not read in "punkrock". Items naming no tag are ignored. Each sample stores
its true positives, false positives and false negatives; micro-F1 (and micro precision and
recall) sums them over the run. An answer that names no tag predicts none (its tags are all
false negatives) and is counted in `extraction_failure_rate` (of the answers generated); on a
clip without tags (MagnaTagATune keeps about a thousand) that is the right answer, but it is
counted there too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec
from omnieval.judges.answer_region import final_answer_region
from omnieval.registry import TASKS
from omnieval.tasks.answers import UNREADABLE
from omnieval.tasks.audio.music_tags import (
    MTG_GENRE_TAGS,
    MTG_INSTRUMENT_TAGS,
    MTG_MOODTHEME_TAGS,
    MTG_TOP50_TAGS,
    MTT_TOP50_TAGS,
)
from omnieval.tasks.base import Scored, Task, audio_then_text
from omnieval.types import GenConfig, Message, Sample, SampleRecord

PROMPT = (
    "Listen to the music and tag its {kind} with the tags from this list that apply: {tags}. "
    "Answer with the applicable tags only, separated by commas."
)
_MARBLE_FOLDER = re.compile(r"^data/(MTG|MTT)/")
#: what joins two tags inside one item ("rock and pop"), tried when the whole item is neither a tag nor an alias
_JOINED = re.compile(r"\s+(?:and|&|\+)\s+|/", re.IGNORECASE)
#: other spellings of tags, squashed (letters and digits only); an item that is one is never split
_ALIASES = {
    "rhythmandblues": "rnb",
    "rb": "rnb",
    "drumandbass": "drumnbass",
    "drumbass": "drumnbass",
    "dnb": "drumnbass",
    "rockandroll": "rocknroll",
    "rockroll": "rocknroll",
}
#: what surrounds a tag in an item: notes in brackets, list numbering or bullets, a trailing "music" or "tags"
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LIST_MARK = re.compile(r"^\s*(?:\d+[.)]|[-*\u2022])\s*")
_TRAILING_WORD = re.compile(r"\s+(?:music|tags?|genre)\W*$", re.IGNORECASE)


def display_tag(label: str) -> str:
    """A tag as the prompt shows it: MTG-Jamendo's category prefix dropped."""
    return label.split("---", 1)[-1]


def _squashed(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def read_tags(response: str | None, labels: tuple[str, ...]) -> list[str]:
    """The labels an answer names, in the order named, each once (see the module docstring)."""
    by_form = {_squashed(display_tag(label)): label for label in labels}
    found: list[str] = []
    for item in re.split(r"[,;\n|\u3001]", _BRACKETED.sub(" ", final_answer_region(response))):
        item = _TRAILING_WORD.sub("", _LIST_MARK.sub("", item.rsplit(":", 1)[-1]))
        if _squashed(item) in _ALIASES or _tag_of(item, by_form):
            parts = [_tag_of(item, by_form)]
        else:
            parts = [_tag_of(part, by_form) for part in _JOINED.split(item)]
        found += [label for label in parts if label is not None and label not in found]
    return found


def _tag_of(text: str, by_form: dict[str, str]) -> str | None:
    """The label `text` names: its squashed form, an alias of one, or a plural of one ("female vocals")."""
    form = _squashed(text)
    form = _ALIASES.get(form, form)
    if form not in by_form and form.endswith("s"):
        form = form[:-1]
    return by_form.get(form)


def micro_f1(tp: float, fp: float, fn: float) -> dict[str, float]:
    """Micro precision, recall and F1 (in percent) of summed counts; an empty denominator gives 0."""
    precision = 100 * tp / (tp + fp) if tp + fp else 0.0
    recall = 100 * tp / (tp + fn) if tp + fn else 0.0
    f1 = 100 * 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"micro_f1": f1, "micro_precision": precision, "micro_recall": recall}


class MusicTaggingTask(Task):
    family = "music"
    gen = GenConfig(max_new_tokens=256, temperature=0.0)
    headline_metrics = {"micro_f1": False}

    def __init__(self, name: str, description: str, dataset: DatasetSpec, labels: tuple[str, ...], kind: str) -> None:
        shown = [display_tag(label) for label in labels]
        if len({_squashed(tag) for tag in shown}) != len(labels):
            raise ValueError(f"{name}: two tags read the same once squashed")
        self.name, self.description, self.dataset, self.labels = name, description, dataset, labels
        self.params = {"prompt": PROMPT.format(kind=kind, tags=", ".join(shown)), "clip_seconds": 30.0}

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        tags = [str(tag) for tag in row[self.dataset.fields["label"]]]
        unknown = sorted(set(tags) - set(self.labels))
        if unknown:
            raise ValueError(f"row {index} has tags outside {self.name}'s vocabulary: {', '.join(unknown)}")
        return Sample(id=sample_id, index=index, target=tags, metadata={})

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        path = _MARBLE_FOLDER.sub("", str(row[self.dataset.media_fields[0]]))
        from omnieval.media import audio_ref_from_hf, first_seconds

        audio = audio_ref_from_hf({"bytes": None, "path": path}, base_dir)
        seconds = float(self.params["clip_seconds"])
        if seconds > 0:
            audio = first_seconds(audio, seconds)
        return audio_then_text(audio, self.params["prompt"])

    def score(self, sample: Sample, prediction: str) -> Scored:
        predicted, truth = read_tags(prediction, self.labels), set(sample.target)
        tp = sum(tag in truth for tag in predicted)
        return Scored(
            scores={
                "tp": float(tp),
                "fp": float(len(predicted) - tp),
                "fn": float(len(truth) - tp),
                UNREADABLE: float(not predicted),
            },
            details={"tags": predicted},
        )

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        if not records:
            return {}
        totals = {key: sum(r.scores.get(key, 0.0) for r in records) for key in ("tp", "fp", "fn")}
        metrics = micro_f1(totals["tp"], totals["fp"], totals["fn"])
        generated = [r for r in records if not r.failed]
        if generated:
            metrics["extraction_failure_rate"] = (
                100 * sum(r.scores.get(UNREADABLE, 0.0) for r in generated) / len(generated)
            )
        return metrics


def _register_all() -> None:
    subsets = (
        ("mtg_genre", "MTGGenre", "MTG", MTG_GENRE_TAGS, "genres", "genre", 11479),
        ("mtg_moodtheme", "MTGMood", "MTG", MTG_MOODTHEME_TAGS, "moods and themes", "mood/theme", 4231),
        ("mtg_instrument", "MTGInstrument", "MTG", MTG_INSTRUMENT_TAGS, "instruments", "instrument", 5115),
        ("mtg_top50", "MTGTop50", "MTG", MTG_TOP50_TAGS, "genres, instruments, moods and themes", "top-50", 11356),
        ("magnatagatune", "MTT", "MTT", MTT_TOP50_TAGS, "genres, instruments, voices and moods", "top-50", 5329),
    )
    for name, stem, repo, labels, kind, what, size in subsets:
        corpus = "MagnaTagATune" if repo == "MTT" else "MTG-Jamendo"
        TASKS.register(
            MusicTaggingTask(
                name,
                f"{corpus} {what} tagging ({len(labels)} tags), {size} test tracks, micro-F1",
                DatasetSpec(
                    f"m-a-p/{repo}",
                    split="test",
                    data_files=f"{stem}.test.jsonl",
                    fields={"label": "label"},
                    media_fields=("audio_path",),
                ),
                labels,
                kind,
            )
        )


_register_all()
