"""Every audio-understanding task end to end on its sample data (real schemas, real audio): through the
tiny Qwen2.5-Omni checkpoint and through the OpenAI-compatible runner against a real local server."""

from __future__ import annotations

import asyncio

import pytest

from omnieval.config import load_preset
from omnieval.judges.model_judge import ModelJudge
from omnieval.judges.templates import load_template
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import RUNNERS, TASKS
from omnieval.testing.sample_understanding import make_understanding_samples
from tests.conftest import openai_preset, read_jsonl, read_run
from tests.judges.judge_programs import CaptionJudge, ProgramJudge, YesNoJudge

TASKS_WITH_SAMPLES = [
    "fleurs_s2tt_en_zh",
    "fleurs_s2tt_zh_en",
    "covost2_zh_en",
    "covost2_en_zh",
    "voicebench_sd_qa",
    "voicebench_sd_qa_all",
    "voicebench_mmsu",
    "voicebench_openbookqa",
    "voicebench_bbh",
    "voicebench_ifeval",
    "voicebench_advbench",
    "mmau_test_mini",
    "mmsu",
    "mmar",
    "muchomusic",
    "gtzan",
    "vocalsound",
    "meld_emotion",
    "mtg_genre",
    "mtg_moodtheme",
    "mtg_instrument",
    "mtg_top50",
    "magnatagatune",
    "rul_muchomusic",
    "audiocaps",
    "cochlscene",
    "tut2017",
]
#: a judge program for each judge template of these tasks
JUDGES = {"voicebench_qa": YesNoJudge, "audio_caption": CaptionJudge}


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return make_understanding_samples(tmp_path_factory.mktemp("understanding"))


def evaluate(task_name: str, model: str, dataset, output, judge: ProgramJudge | None = None, **gen):
    preset = load_preset(model)
    runner = RUNNERS.get(preset.runner)(**preset.settings)
    task = TASKS.get(task_name)
    model_judge = None
    if task.judge_template:
        model_judge = ModelJudge(
            "program",
            judge or JUDGES[task.judge_template](),
            load_template(task.judge_template),
            max_retries=0,
            retry_wait_s=0.0,
        )
    options = RunOptions(
        output_dir=output, dataset_path=str(dataset), show_progress=False, cache_path=None, limit=2, gen_overrides=gen
    )
    return asyncio.run(Evaluation(task, runner, preset, options, model_judge).run())


def test_every_task_has_sample_data(samples):
    assert set(samples) == set(TASKS_WITH_SAMPLES)
    families = {TASKS.get(name).family for name in TASKS_WITH_SAMPLES}
    assert families == {"s2tt", "voice_chat", "audio_reasoning", "music", "sound"}


@pytest.mark.parametrize("task_name", TASKS_WITH_SAMPLES)
def test_runs_through_the_tiny_omni_checkpoint_with_the_audio_reaching_it(
    task_name, samples, tiny_qwen25_omni, tmp_path
):
    run_dir = evaluate(task_name, str(tiny_qwen25_omni), samples[task_name], tmp_path, max_new_tokens=3)
    run = read_run(run_dir.path)
    records = read_jsonl(run_dir.samples_file)
    assert run["status"] == "complete" and run["counts"]["done"] == run["counts"]["selected"] >= 1
    assert run["counts"]["failed"] == 0, [r["error"] for r in records]
    assert all(r["response"]["inputs"]["audio_s"][0] > 0.3 for r in records)
    assert set(TASKS.get(task_name).headline_metrics) <= set(run["metrics"])


@pytest.mark.parametrize("task_name", TASKS_WITH_SAMPLES)
def test_runs_through_the_openai_compatible_runner(task_name, samples, pocketsphinx_server, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_KEY", "test-key-not-secret")
    preset = openai_preset(tmp_path, pocketsphinx_server.url)
    run_dir = evaluate(task_name, str(preset), samples[task_name], tmp_path / "out")
    run = read_run(run_dir.path)
    records = read_jsonl(run_dir.samples_file)
    assert run["status"] == "complete" and run["counts"]["failed"] == 0, [r["error"] for r in records]
    assert set(TASKS.get(task_name).headline_metrics) <= set(run["metrics"])
    assert run["runner"]["name"] == "openai" and all(r["response"]["latency_s"] > 0 for r in records)


def test_a_judge_failure_is_recorded_and_the_run_goes_on(samples, pocketsphinx_server, tmp_path, monkeypatch):
    """The judge fails on its first three calls (one judgment): it is recorded as failed, the other is judged."""
    monkeypatch.setenv("LOCAL_KEY", "test-key-not-secret")
    preset = openai_preset(tmp_path, pocketsphinx_server.url)
    judge = YesNoJudge(fail_first=3)  # the three samples of the first judgment
    run_dir = evaluate("voicebench_sd_qa", str(preset), samples["voicebench_sd_qa"], tmp_path / "out", judge=judge)
    run = read_run(run_dir.path)
    assert run["status"] == "complete" and run["counts"]["judge_failed"] == 1 and run["counts"]["judged"] == 1
    failed = [r for r in read_jsonl(run_dir.samples_file) if r["details"]["judge"].get("error")]
    assert len(failed) == 1 and "overloaded" in failed[0]["details"]["judge"]["error"]
    assert "accuracy" in run["metrics"]
