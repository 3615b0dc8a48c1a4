"""Hearing one generated recording, and summing many: shared by the speech-generation tasks
(omnieval.tasks.speech_generation.tts) and the spoken answers of any speech-out run (omnieval.speech.spoken).

`hear` checks the audio (omnieval.speech.checks), transcribes it and compares the transcript
with the text it should say; `speech_metrics` turns the per-sample scores into run metrics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from omnieval.errors import MediaError
from omnieval.media import load_audio, resample
from omnieval.metrics.error_rate import corpus_rate, edit_scores, edits_from_scores, rate_name, utterance_edits
from omnieval.speech import backends
from omnieval.speech.checks import FLAGS, audio_flags
from omnieval.types import MediaRef, Response, SampleRecord

QUALITY_SCORES = ("dnsmos", "dnsmos_sig", "dnsmos_bak")


@dataclass
class Heard:
    """What one recording said and how it compares with its text: `scores` holds the edit counts
    and the error rate (and the quality scores when asked); `speech` is the audio at 16 kHz, None
    when there was nothing to hear."""

    scores: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    speech: np.ndarray | None = None


def hear(
    response: Response | None, text: str, *, language: str, unit: str, normalizer: str, asr: str, quality: str | None
) -> Heard:
    """Check, transcribe and score the speech of `response` (None: the generation failed) against
    `text`; a failed generation, or missing, unreadable or empty audio (flagged `empty`) scores as
    every word missed."""
    details: dict[str, Any] = {}
    transcript, speech, flags = "", None, []
    if response is not None and not response.audio_path:
        flags = ["empty"]
    elif response is not None:
        try:
            audio, rate = load_audio(MediaRef(kind="audio", path=response.audio_path), sample_rate=None)
            flags = audio_flags(audio, rate, text, unit == "char")
        except MediaError as err:
            flags, details["audio_error"] = ["empty"], str(err)
        if "empty" not in flags:
            speech = resample(audio, rate, backends.RATE)
            transcript = backends.transcriber(asr)(speech, language)
    edits, text_norm, transcript_norm = utterance_edits(text, transcript, normalizer, unit)
    scores = edit_scores(edits, rate_name(unit))
    if speech is not None and quality:
        scores.update(backends.quality(quality)(speech))
    details.update(
        {
            "transcript": transcript,
            "reference_normalized": text_norm,
            "transcript_normalized": transcript_norm,
            "audio_flags": flags,
        }
    )
    return Heard(scores=scores, details=details, speech=speech)


def _flags(record: SampleRecord) -> Iterable[str]:
    return record.details.get("audio_flags", ())


def speech_metrics(
    records: list[SampleRecord],
    metric: str,
    prefix: str = "",
    flags_of: Callable[[SampleRecord], Iterable[str]] = _flags,
) -> dict[str, float]:
    """Run metrics of the records scored by `hear` (their scores under `prefix`): the mean of
    per-utterance `metric` (the headline of seed-tts-eval) and the corpus rate, the mean quality
    scores, the mean speech length and real-time factor, and the share of each audio flag."""
    heard = [r for r in records if f"{prefix}substitutions" in r.scores]
    if not heard:
        return {}
    unprefixed = [{k[len(prefix) :]: v for k, v in r.scores.items() if k.startswith(prefix)} for r in heard]
    rates = corpus_rate([edits_from_scores(scores) for scores in unprefixed])
    metrics = {metric: rates["utterance_mean"], f"corpus_{metric}": rates["corpus"]}
    for name in QUALITY_SCORES:
        values = [scores[name] for scores in unprefixed if name in scores]
        if values:
            metrics[name] = sum(values) / len(values)
    for key in ("audio_s", "rtf"):
        values = [getattr(r.response, key) for r in heard if r.response and getattr(r.response, key)]
        if values:
            metrics[key] = sum(values) / len(values)
    for flag in FLAGS:
        metrics[f"flagged/{flag}"] = 100.0 * sum(flag in flags_of(r) for r in heard) / len(heard)
    return {f"{prefix}{k}": v for k, v in metrics.items() if not math.isnan(v)}
