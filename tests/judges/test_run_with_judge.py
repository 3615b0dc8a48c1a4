"""A run of a model-judged task: the judge belongs to the run (resume keeps it), failed judgments
are judged again with --retry-failed, and a judging error is recorded without stopping the run."""

from __future__ import annotations

import asyncio

from omnieval.config import load_preset
from omnieval.judges.model_judge import ModelJudge
from omnieval.judges.templates import load_template
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import RUNNERS, TASKS
from tests.conftest import read_jsonl, read_run
from tests.judges.judge_programs import FixedScoreJudge

TASK = "voicebench_commoneval"


def run(voicebench_parquet, output, judge: ModelJudge, **options):
    preset = load_preset("pocketsphinx-en")
    runner = RUNNERS.get(preset.runner)(**preset.settings)
    settings = RunOptions(
        output_dir=output, dataset_path=str(voicebench_parquet), show_progress=False, limit=2, **options
    )
    return asyncio.run(Evaluation(TASKS.get(TASK), runner, preset, settings, judge).run())


def judge(runner, name: str = "fixed", template: str = "voicebench_open") -> ModelJudge:
    return ModelJudge(name, runner, load_template(template), max_retries=0, retry_wait_s=0.0)


def test_resume_with_another_judge_starts_a_new_run_instead_of_mixing_judges(voicebench_parquet, tmp_path):
    first = run(voicebench_parquet, tmp_path, judge(FixedScoreJudge(4), "judge-a"))
    second = run(voicebench_parquet, tmp_path, judge(FixedScoreJudge(2), "judge-b"), resume=True)
    assert first.path != second.path
    assert read_run(first.path)["metrics"]["rating"] == 4.0 and read_run(second.path)["metrics"]["rating"] == 2.0
    again = run(voicebench_parquet, tmp_path, judge(FixedScoreJudge(4), "judge-a"), resume=True)
    assert again.path == first.path  # the same judge resumes its own run


def test_retry_failed_judges_the_failed_judgments_again(voicebench_parquet, tmp_path):
    flaky = FixedScoreJudge(5, fail_first=100)
    first = run(voicebench_parquet, tmp_path, judge(flaky))
    assert read_run(first.path)["counts"]["judge_failed"] == 2 and "rating" not in read_run(first.path)["metrics"]
    flaky.fail_first = 0  # the judge is back
    again = run(voicebench_parquet, tmp_path, judge(flaky), resume=True, retry_failed=True)
    assert again.path == first.path
    result = read_run(again.path)
    assert result["counts"]["judge_failed"] == 0 and result["counts"]["judged"] == 2
    assert result["metrics"]["rating"] == 5.0 and len(read_jsonl(again.samples_file)) == 2


def test_an_error_while_judging_is_recorded_and_the_run_completes(voicebench_parquet, tmp_path):
    """The reference template needs a reference that VoiceBench's open subsets do not have."""
    result = run(voicebench_parquet, tmp_path, judge(FixedScoreJudge(3), template="reference"))
    record = read_run(result.path)
    assert record["status"] == "complete" and record["counts"]["judge_failed"] == 2
    for sample in read_jsonl(result.samples_file):
        assert sample["details"]["judge"]["error"] == (
            "judging failed: OmnievalError: judge template 'reference' needs reference"
        )
