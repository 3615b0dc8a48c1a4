"""VoiceBench's open-ended subsets (hlt-lab/voicebench): spoken requests answered freely,
rated 1-5 by an LLM judge.

The model hears the request (audio only: VoiceBench gives no text prompt, and the Qwen3-Omni
report adds none). The judge reads the request's transcript (`prompt`) and the answer with
VoiceBench's own rubric (omnieval/judges/prompts/voicebench_open.txt: gpt-4o-mini, three
samples at temperature 0.5, averaged), sent exactly as its api_judge.py sends it (the answer is
not delimited there, so it is not here). `rating` is the mean on VoiceBench's 1-5 scale (as
its leaderboard shows each subset); `score` is rating x 20, the 0-100 form of the Qwen3-Omni
report and of the leaderboard's Overall.
Unlike VoiceBench's script (which scores an unreadable judge reply 0), an unreadable reply is
asked again and, still unreadable, left out and counted. A sample whose generation failed
counts as 1 (the rubric's floor for an answer that fails the request); a sample whose
judgment failed is left out of the mean and counted in `judge_failed`, and can be judged
again with `omnieval rescore --judge`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec
from omnieval.registry import TASKS
from omnieval.tasks.answers import rating_metrics
from omnieval.tasks.base import Scored, Task, audio_then_text
from omnieval.types import GenConfig, Message, Sample, SampleRecord

#: config, rows, what it is
OPEN_SUBSETS = {
    "alpacaeval": (199, "AlpacaEval helpful-base and vicuna requests, synthesized speech"),
    "alpacaeval_full": (636, "all AlpacaEval requests, synthesized speech (the VoiceBench leaderboard's AlpacaEval)"),
    "commoneval": (200, "CommonVoice speakers asking open questions"),
    "wildvoice": (1000, "crowd-sourced spoken requests with diverse accents"),
}


class VoiceBenchOpenTask(Task):
    family = "voice_chat"
    gen = GenConfig(max_new_tokens=2048, temperature=0.0)
    headline_metrics = {"score": False}
    judge_template = "voicebench_open"
    default_judge = "gpt-4o-mini"
    needs_reference = False  # the judge rates an answer on its own

    def __init__(self, subset: str) -> None:
        rows, what = OPEN_SUBSETS[subset]
        self.name = f"voicebench_{subset}"
        self.description = f"VoiceBench {subset}: {rows} {what}; answers rated 1-5 by an LLM judge (x20)"
        self.dataset = DatasetSpec(
            "hlt-lab/voicebench", config=subset, split="test", fields={"prompt": "prompt"}, media_fields=("audio",)
        )
        self.params = {}

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        return Sample(id=sample_id, index=index, target=None, metadata={"prompt": row["prompt"]})

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        from omnieval.media import audio_ref_from_hf

        audio = audio_ref_from_hf(row["audio"], base_dir)
        return audio_then_text(audio)

    def score(self, sample: Sample, prediction: str) -> Scored:
        return Scored(scores={})

    def judge_fields(self, sample: Sample, prediction: str) -> dict[str, str]:
        return {"question": sample.metadata["prompt"], "answer": prediction}

    def judged_scores(self, judgment, record) -> dict[str, float]:
        return {} if judgment.value is None else {"rating": judgment.value}

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        return rating_metrics(records)


for _subset in OPEN_SUBSETS:
    TASKS.register(VoiceBenchOpenTask(_subset))
