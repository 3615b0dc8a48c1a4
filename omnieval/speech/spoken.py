"""Spoken answers: a run that asks any task for speech (`--gen return_audio=true`) scores the
speech beside the task's own text score.

Each spoken answer is checked and transcribed (omnieval.speech.hearing), and compared with the
model's own text answer: text-speech consistency, as `spoken/wer` (or `spoken/cer` where the
answer's language is written without spaces; the mean of per-answer rates, `spoken/corpus_wer`
beside it), normalized as the task family's ASR tasks normalize. Beside it: the quality
`spoken/dnsmos` (with signal and background), the speech's length `spoken/audio_s` and real-time
factor `spoken/rtf`, and the share of each audio flag `spoken/flagged/<flag>`. A failed
generation has no spoken scores; an answer that came back without speech counts as every word
missed and is flagged `empty`.

The transcriber and quality model are task parameters, `spoken_asr` (default `whisper-large-v3`;
`pocketsphinx` offline, English only) and `spoken_quality` (`dnsmos`; empty for none), which
`omnieval rescore` may change.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from omnieval.metrics.error_rate import rate_name
from omnieval.speech import backends
from omnieval.speech.hearing import hear, speech_metrics
from omnieval.tasks.base import Scored, Task
from omnieval.tasks.languages import normalizer_for, unit_for
from omnieval.types import GenConfig, Response, Sample, SampleRecord

PREFIX = "spoken/"
PARAMS = {"spoken_asr": "whisper-large-v3", "spoken_quality": "dnsmos"}


class SpokenAnswers(Task):
    """Mixed in before a task's own class: its scoring, plus that of its spoken answers."""

    @property
    def spoken_unit(self) -> str:
        return unit_for(self.answer_language)

    @property
    def spoken_metric(self) -> str:
        return rate_name(self.spoken_unit)

    @property
    def headline_metrics(self) -> dict[str, bool]:  # type: ignore[override]
        quality = {PREFIX + "dnsmos": False} if self.params["spoken_quality"] else {}
        return {**super().headline_metrics, PREFIX + self.spoken_metric: True, **quality}

    def prepare_scoring(self) -> None:
        super().prepare_scoring()
        backends.load_backends(self.params["spoken_asr"], None, self.params["spoken_quality"], self.answer_language)

    def score_response(self, sample: Sample, response: Response | None) -> Scored:
        scored = super().score_response(sample, response)
        if response is None:
            return scored
        heard = hear(
            response,
            response.text,
            language=self.answer_language,
            unit=self.spoken_unit,
            normalizer=normalizer_for(self.answer_language),
            asr=self.params["spoken_asr"],
            quality=self.params["spoken_quality"],
        )
        return Scored(
            scores={**scored.scores, **{PREFIX + k: v for k, v in heard.scores.items()}},
            details={**scored.details, "spoken": heard.details},
        )

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        return {
            # super() is the task class this is mixed in front of (with_spoken_answers), which implements it;
            # mypy sees only Task's abstract declaration
            **super().aggregate(records),  # type: ignore[safe-super]
            **speech_metrics(records, self.spoken_metric, PREFIX, flags_of=_spoken_flags),
        }

    def scoring_info(self) -> dict[str, Any]:
        return {
            **super().scoring_info(),
            "spoken_answers": {
                "transcriber": self.params["spoken_asr"],
                "quality": self.params["spoken_quality"] or None,
                "normalizer": normalizer_for(self.answer_language),
                "language": self.answer_language,
            },
        }


def _spoken_flags(record: SampleRecord) -> list[str]:
    return (record.details.get("spoken") or {}).get("audio_flags", [])


@cache
def _speaking_class(cls: type[Task]) -> type[Task]:
    return type(f"{cls.__name__}WithSpokenAnswers", (SpokenAnswers, cls), {"__doc__": cls.__doc__})


def speaking(task: Task, gen: GenConfig) -> Task:
    """`task` as a run with generation settings `gen` scores it: with its spoken answers scored too
    when `gen` asks for speech and the task does not score speech itself; else unchanged."""
    if not gen.return_audio or task.scores_speech or isinstance(task, SpokenAnswers):
        return task
    spoken = copy.copy(task)
    spoken.__class__ = _speaking_class(type(task))
    spoken.params = {**task.params, **PARAMS}
    spoken.scoring_params = (*task.scoring_params, *PARAMS)
    return spoken
