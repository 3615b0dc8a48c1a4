"""Run folders for leaderboard tests: several models and families, with intervals."""

from __future__ import annotations

from pathlib import Path

from omnieval.results import RunDir
from omnieval.types import GenConfig, RunRecord

STATISTICS = {"method": "percentile bootstrap over samples", "confidence": 0.95, "resamples": 1000, "seed": 0, "n": 50}


def write_run(
    root: Path,
    run_id: str,
    task: str,
    model: str,
    metrics: dict[str, float],
    intervals: dict[str, list[float]] | None = None,
    family: str = "asr",
    lower: bool = True,
    status: str = "complete",
    finished: str = "2026-01-01T00:00:00+00:00",
    n: int = 50,
) -> None:
    run_dir = RunDir.create(root, run_id)
    headline = {name: lower for name in metrics if not name.endswith("_utterance_mean")}
    run_dir.write_run(
        RunRecord(
            run_id=run_id,
            status=status,
            task=task,
            task_version="1",
            model=model,
            runner={},
            gen_config=GenConfig(),
            config={"headline_metrics": headline, "family": family},
            dataset={},
            metrics=metrics,
            intervals=intervals or {},
            statistics=STATISTICS if intervals else {},
            counts={"done": n},
            timings={"finished": finished},
        )
    )


def three_model_results(root: Path) -> None:
    """A text-only, an audio-only and an omni model over ASR, voice chat and text, as a report compares them."""
    write_run(root, "a1", "librispeech_test_clean", "qwen3-omni-30b-a3b-instruct", {"wer": 1.5}, {"wer": [1.3, 1.7]})
    write_run(root, "a2", "librispeech_test_clean", "audio-model", {"wer": 2.0}, {"wer": [1.0, 3.0]})
    write_run(
        root,
        "b1",
        "voicebench_commoneval",
        "qwen3-omni-30b-a3b-instruct",
        {"score": 90.0},
        {"score": [87.0, 93.0]},
        family="voice_chat",
        lower=False,
    )
    write_run(
        root,
        "b2",
        "voicebench_commoneval",
        "audio-model",
        {"score": 70.0},
        {"score": [65.0, 75.0]},
        family="voice_chat",
        lower=False,
    )
    write_run(
        root,
        "c1",
        "mmlu_redux",
        "qwen3-omni-30b-a3b-instruct",
        {"accuracy": 80.0},
        {"accuracy": [78.0, 82.0]},
        family="text",
        lower=False,
    )
    write_run(
        root,
        "c2",
        "mmlu_redux",
        "text-model",
        {"accuracy": 84.0},
        {"accuracy": [82.5, 85.5]},
        family="text",
        lower=False,
    )
