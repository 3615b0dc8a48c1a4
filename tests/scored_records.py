"""Scored sample records for the statistics tests (tests/test_stats.py, tests/test_paired.py)."""

from __future__ import annotations

import numpy as np

from omnieval.registry import TASKS
from omnieval.scoring import make_record
from omnieval.tasks.answers import DISAGREE, EXCLUDED, GUESSED, LENIENT, UNREADABLE
from omnieval.types import Response, Sample, SampleRecord

REFERENCES = [
    "the cat sat on the mat",
    "a quick brown fox jumps",
    "over the lazy dog today",
    "hello world",
    "speech recognition is hard to evaluate well",
    "one two three four five six",
    "good morning",
    "she sells sea shells by the sea shore",
    "it is raining again",
    "please call stella",
]
HYPOTHESES = [
    "the cat sat on a mat",
    "a quick brown fox jumped",
    "over the lazy dog",
    "hello word",
    "speech recognition is hard to evaluate",
    "one two three four five six",
    "good morning to you",
    "she sells shells by the shore",
    "it is raining",
    "please call stella now",
]


def asr_records(references: list[str], hypotheses: list[str]) -> list[SampleRecord]:
    task = TASKS.get("librispeech_test_clean")
    return [
        make_record(task, Sample(id=str(i), index=i, target=ref), Response(text=hyp))
        for i, (ref, hyp) in enumerate(zip(references, hypotheses, strict=False))
    ]


def accuracy_records(correct: list[int]) -> list[SampleRecord]:
    return [SampleRecord(id=str(i), index=i, scores={"accuracy": float(c)}) for i, c in enumerate(correct)]


def accuracy(records: list[SampleRecord]) -> dict[str, float]:
    return {"accuracy": 100.0 * sum(r.scores["accuracy"] for r in records) / len(records)}


def choice_records(n: int, keys: tuple[str, ...], seed: int, official: bool) -> list[SampleRecord]:
    """Scored multiple-choice records: breakdown values (some a list, some missing), failed generations, unreadable
    answers and, for an official scorer, answers it leaves out (most of them, so that some resamples count none)."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        metadata: dict[str, object] = {key: str(rng.choice(["a", "b", "c"])) for key in keys}
        if keys and i % 7 == 0:
            metadata[keys[0]] = ["a", "c"]
        if keys and i % 11 == 0:
            del metadata[keys[-1]]
        metadata["error_type"] = "ok" if rng.random() < 0.8 else "bad_question"
        failed = rng.random() < 0.1
        scores = {"accuracy": float(rng.random() < 0.6), UNREADABLE: float(rng.random() < 0.1)}
        if official:
            scores |= {
                LENIENT: float(rng.random() < 0.6),
                DISAGREE: float(rng.random() < 0.2),
                GUESSED: float(rng.random() < 0.1),
                EXCLUDED: float(rng.random() < 0.7),
            }
        records.append(
            SampleRecord(
                id=str(i), index=i, metadata=metadata, scores={} if failed else scores, error="x" if failed else None
            )
        )
    return records
