"""Audio captioning judged against human captions: AudioCaps' test clips, each with its five references.

The copy read is UltraEval-Audio's (`TwinkStart/AudioCaps`, split test), which holds one caption
per row; rows are grouped by `youtube_id` and `start_time` into clips, each with every caption of it as a
reference and its first row's audio. The model hears the clip and is asked for a one-sentence
description; `--task-arg prompt=` (empty) sends the audio alone, as captioner models such as
Qwen3-Omni-30B-A3B-Captioner expect. An LLM judge reads the references and the caption and rates
it 1-5 (omnieval/judges/prompts/audio_caption.txt: the main sound sources and events named, nothing
contradicting the references; extra detail is not an error), so detailed captions are not
penalized for their length as n-gram metrics penalize them. `rating` is the mean rating and
`score` is rating x 20 (0-100). A failed generation rates 1; a failed judgment is left out and
counted in `judge_failed` (`omnieval rescore --judge` judges it again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec, LoadedSplit, load_split
from omnieval.errors import OmnievalError
from omnieval.judges.answer_region import final_answer_region
from omnieval.registry import TASKS
from omnieval.tasks.answers import rating_metrics
from omnieval.tasks.base import Scored, Task, audio_then_text
from omnieval.types import GenConfig, Message, Sample, SampleRecord

PROMPT = "Describe the sounds in this audio in one sentence."


class AudioCaptionTask(Task):
    family = "sound"
    gen = GenConfig(max_new_tokens=512, temperature=0.0)
    headline_metrics = {"score": False}
    judge_template = "audio_caption"
    default_judge = "gpt-4o-mini"

    def __init__(self, name: str, description: str, dataset: DatasetSpec) -> None:
        self.name, self.description, self.dataset = name, description, dataset
        self.params = {"prompt": PROMPT}

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        """One row per clip (the first of its rows), with all its captions in `references`."""
        loaded = load_split(self.dataset, dataset_path)
        key_columns = [self.dataset.fields[name] for name in ("clip", "start") if name in self.dataset.fields]
        keys = list(zip(*(loaded.rows[column] for column in key_columns), strict=True))
        first: dict[tuple, int] = {}
        references: dict[tuple, list[str]] = {}
        for index, (key, caption) in enumerate(zip(keys, loaded.rows[self.dataset.fields["caption"]], strict=True)):
            first.setdefault(key, index)
            if caption and str(caption).strip():
                references.setdefault(key, []).append(str(caption).strip())
        if not references:
            raise OmnievalError(f"{self.dataset.hub_id} has no captions in column '{self.dataset.fields['caption']}'")
        clips = [key for key in first if key in references]
        rows = loaded.rows.add_column("references", [references.get(key, []) for key in keys])
        rows = rows.select([first[key] for key in clips])
        return LoadedSplit(
            rows=rows, source={**loaded.source, "clips": len(clips), "num_rows": len(clips)}, base_dir=loaded.base_dir
        )

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        return Sample(
            id=sample_id,
            index=index,
            target=list(row["references"]),
            metadata={name: row[column] for name, column in self.dataset.fields.items() if name != "caption"},
        )

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        from omnieval.media import audio_ref_from_hf

        return audio_then_text(audio_ref_from_hf(row[self.dataset.media_fields[0]], base_dir), self.params["prompt"])

    def score(self, sample: Sample, prediction: str) -> Scored:
        return Scored(scores={})

    def judge_fields(self, sample: Sample, prediction: str) -> dict[str, str]:
        return {
            "question": self.params["prompt"] or "(the audio alone, with no text prompt)",
            "reference": "\n".join(sample.target),
            "answer": final_answer_region(prediction),
        }

    def judged_scores(self, judgment, record) -> dict[str, float]:
        return {} if judgment.value is None else {"rating": judgment.value}

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        return rating_metrics(records)


TASKS.register(
    AudioCaptionTask(
        "audiocaps",
        "AudioCaps test: about 800 clips, each with its 5 human captions; captions rated 1-5 by an LLM "
        "judge against them (x20)",
        DatasetSpec(
            "TwinkStart/AudioCaps",
            split="test",
            fields={"clip": "youtube_id", "start": "start_time", "caption": "caption"},
            media_fields=("audio",),
        ),
    )
)
