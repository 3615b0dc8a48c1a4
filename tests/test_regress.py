"""`omnieval regress`: exit 0 for the same model under other seeds, 1 for a real drop, 2 for runs that
cannot be compared; JUnit XML for CI systems."""

from __future__ import annotations

import itertools
import json
from xml.etree import ElementTree

import numpy as np
import pytest

from omnieval.errors import OmnievalError
from omnieval.paired import paired_differences
from omnieval.registry import TASKS
from omnieval.regress import compare
from omnieval.results import RunDir
from omnieval.stats import BootstrapSettings
from tests.conftest import only_run_dir, read_jsonl, run_cli

WIDE = {"COLUMNS": "200"}
POCKETSPHINX = ("run", "--task", "librispeech_test_clean", "--model", "pocketsphinx-en", "--no-cache", "--no-progress")


@pytest.fixture(scope="module")
def baseline(librispeech_parquet, tmp_path_factory):
    output = tmp_path_factory.mktemp("baseline")
    run_cli(*POCKETSPHINX, "--dataset-path", librispeech_parquet, "--output", output)
    return only_run_dir(output)


def _degraded(baseline, librispeech_parquet, tmp_path):
    """The baseline's transcripts with every second word dropped, scored as another model's run."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    predictions = tmp_path / "degraded.jsonl"
    lines = [
        {"id": r["id"], "prediction": " ".join(r["prediction"].split()[::2])}
        for r in read_jsonl(baseline / "samples.jsonl")
    ]
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    output = tmp_path / "candidate"
    run_cli(
        "score",
        "--task",
        "librispeech_test_clean",
        "--predictions",
        predictions,
        "--model-name",
        "degraded",
        "--dataset-path",
        librispeech_parquet,
        "--output",
        output,
    )
    return output


def test_the_same_model_under_other_seeds_passes(tiny_qwen25_omni, librispeech_parquet, tmp_path):
    outputs = []
    for seed in (1, 2):
        output = tmp_path / f"seed{seed}"
        run_cli(
            "run",
            "--task",
            "librispeech_test_clean",
            "--model",
            tiny_qwen25_omni,
            "--dataset-path",
            librispeech_parquet,
            "--output",
            output,
            "--no-cache",
            "--no-progress",
            "--gen",
            "temperature=1.0",
            "--gen",
            "max_new_tokens=6",
            "--gen",
            f"seed={seed}",
        )
        outputs.append(only_run_dir(output))
    first, second = ([r["prediction"] for r in read_jsonl(o / "samples.jsonl")] for o in outputs)
    assert first != second, "sampling with two seeds gave the same transcripts"
    junit = tmp_path / "regress.xml"
    proc = run_cli("regress", "--baseline", outputs[0], "--candidate", outputs[1], "--junit", junit, env=WIDE)
    assert "no significant change" in proc.stdout and "regression" not in proc.stdout
    # random weights emit no words, so both transcripts score 100% WER: the gate sees no difference
    assert compare(outputs[0], outputs[1]).comparisons[0].paired.p_value == 1.0
    suite = ElementTree.parse(junit).getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == "0"


def test_degraded_predictions_fail_the_gate_with_junit(baseline, librispeech_parquet, tmp_path):
    candidate = _degraded(baseline, librispeech_parquet, tmp_path)
    junit = tmp_path / "reports" / "regress.xml"
    proc = run_cli("regress", "--baseline", baseline, "--candidate", candidate, "--junit", junit, check=False, env=WIDE)
    assert proc.returncode == 1, proc.stderr
    assert "regression" in proc.stdout and "librispeech_test_clean wer" in proc.stderr
    suite = ElementTree.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("1", "1")
    case = suite.find("testcase")
    assert (case.get("classname"), case.get("name")) == ("librispeech_test_clean", "wer")
    assert "regression" in case.find("failure").text
    # the report's figures are the paired test on the stored records, computed independently here
    report = compare(baseline, candidate)
    records = [sorted(RunDir(d).read_records(), key=lambda r: r.index) for d in (baseline, only_run_dir(candidate))]
    direct = paired_differences(TASKS.get("librispeech_test_clean").aggregate, *records, metrics=["wer"])["wer"]
    assert report.comparisons[0].paired == direct
    # exact randomization by hand: corpus WER differences are sums of per-utterance error differences over
    # the same reference words, so each of the 2^8 swap patterns flips the signs of some of them
    errors = [
        np.array([r.scores["substitutions"] + r.scores["deletions"] + r.scores["insertions"] for r in side])
        for side in records
    ]
    gaps = errors[1] - errors[0]
    signs = np.array(list(itertools.product((1, -1), repeat=len(gaps))))
    expected = np.mean(np.abs(signs @ gaps) >= abs(gaps.sum()))
    assert direct.exact and direct.p_value == pytest.approx(expected) and direct.p_value < 0.05
    # a tolerance larger than the drop lets it pass
    assert (
        run_cli(
            "regress", "--baseline", baseline, "--candidate", candidate, "--tolerance", str(direct.difference + 1)
        ).returncode
        == 0
    )


def test_an_improvement_is_not_a_regression(baseline, librispeech_parquet, tmp_path):
    candidate = _degraded(baseline, librispeech_parquet, tmp_path)
    report = compare(only_run_dir(candidate), baseline)  # the degraded run as the baseline
    assert report.regressions == [] and report.comparisons[0].verdict == "improvement"


def test_the_gate_sums_the_declared_per_sample_columns_instead_of_re_running_the_aggregate(
    baseline, librispeech_parquet, tmp_path, monkeypatch
):
    from omnieval.tasks.asr.asr import AsrTask

    candidate = only_run_dir(_degraded(baseline, librispeech_parquet, tmp_path))
    expected = compare(baseline, candidate).comparisons[0].paired
    calls = []
    aggregate = AsrTask.aggregate

    def counted(self, records):
        calls.append(len(records))
        return aggregate(self, records)

    monkeypatch.setattr(AsrTask, "aggregate", counted)
    report = compare(baseline, candidate)
    assert calls == [8, 8]  # each run's observed metrics: every draw and swap summed the columns
    assert report.comparisons[0].paired == expected and report.regressions


def _one_line_error(proc, text):
    assert proc.returncode == 2, proc.stderr
    assert text in proc.stderr and "Traceback" not in proc.stderr


def test_runs_that_cannot_be_compared_are_refused(baseline, librispeech_parquet, tmp_path):
    fewer = tmp_path / "fewer"
    run_cli(*POCKETSPHINX, "--dataset-path", librispeech_parquet, "--output", fewer, "--limit", "5")
    _one_line_error(
        run_cli("regress", "--baseline", baseline, "--candidate", fewer, check=False),
        "the runs hold different samples (3 only in the baseline, 0 only in the candidate",
    )
    other_prompt = tmp_path / "prompt"
    run_cli(*POCKETSPHINX, "--dataset-path", librispeech_parquet, "--output", other_prompt, "-T", "prompt=Write it.")
    _one_line_error(
        run_cli("regress", "--baseline", baseline, "--candidate", other_prompt, check=False),
        "differ in task parameters (prompt:",
    )
    longer = tmp_path / "longer"
    run_cli(*POCKETSPHINX, "--dataset-path", librispeech_parquet, "--output", longer, "--gen", "max_new_tokens=99")
    _one_line_error(
        run_cli("regress", "--baseline", baseline, "--candidate", longer, check=False),
        "differ in generation settings (max_new_tokens:",
    )
    # another task beside it: the sides cover different tasks
    two_tasks = tmp_path / "two"
    run_cli(
        *POCKETSPHINX[:2],
        "librispeech_test_other",
        *POCKETSPHINX[3:],
        "--dataset-path",
        librispeech_parquet,
        "--output",
        two_tasks,
    )
    run_cli(*POCKETSPHINX, "--dataset-path", librispeech_parquet, "--output", two_tasks)
    _one_line_error(
        run_cli("regress", "--baseline", baseline.parent, "--candidate", two_tasks, check=False),
        "only the candidate has librispeech_test_other",
    )
    # a folder with two models' runs is ambiguous
    both = tmp_path / "both"
    for folder in (baseline, only_run_dir(_degraded(baseline, librispeech_parquet, tmp_path / "d"))):
        (both / folder.name).mkdir(parents=True)
        for name in ("run.json", "samples.jsonl"):
            (both / folder.name / name).write_bytes((folder / name).read_bytes())
    _one_line_error(
        run_cli("regress", "--baseline", both, "--candidate", baseline, check=False),
        "holds runs of several models (degraded, pocketsphinx-en)",
    )
    with pytest.raises(OmnievalError, match="tolerance"):
        compare(baseline, baseline, tolerance=-1)


def test_paired_settings_are_recorded_in_the_comparison(baseline):
    report = compare(baseline, baseline, settings=BootstrapSettings(resamples=50))
    only = report.comparisons[0]
    assert only.paired.difference == 0 and only.paired.p_value == 1.0 and only.verdict == "no significant change"


def _judged_run(root, name: str, ratings: list[float | None], judge: str = "judge-a", targets: str = "t"):
    """A complete voicebench_commoneval run folder; a rating of None is a failed judgment."""
    from omnieval.types import RunRecord, SampleRecord

    task = TASKS.get("voicebench_commoneval")
    records = []
    for i, rating in enumerate(ratings):
        judgment = {"value": rating, "error": None} if rating is not None else {"value": None, "error": "timeout"}
        scores = {"rating": rating} if rating is not None else {}
        records.append(
            SampleRecord(
                id=str(i),
                index=i,
                prediction="answer",
                target=f"{targets}{i}",
                scores=scores,
                details={"judge": judgment},
            )
        )
    run_dir = RunDir.create(root, name)
    run_dir.rewrite_records(records)
    run_dir.write_run(
        RunRecord(
            run_id=name,
            status="complete",
            task=task.name,
            task_version=task.version,
            model=name,
            runner={},
            gen_config=task.gen,
            dataset={},
            metrics=task.aggregate(records),
            config={
                "selection": {"task_params": task.params, "judge": {"name": judge}},
                "headline_metrics": task.headline_metrics,
            },
        )
    )
    return run_dir.path


def test_samples_whose_judgment_failed_on_either_side_are_left_out_of_both(tmp_path):
    baseline = _judged_run(tmp_path, "base", [1.0] * 20 + [5.0] * 20)
    candidate = _judged_run(tmp_path, "cand", [1.0] * 20 + [None] * 20)
    report = compare(baseline, candidate)
    only = report.comparisons[0]
    assert only.paired.n == 20 and only.paired.difference == 0 and report.regressions == []
    all_failed = _judged_run(tmp_path, "down", [None] * 40)
    with pytest.raises(OmnievalError, match="score cannot be computed on both runs"):
        compare(baseline, all_failed)


def test_another_judge_or_other_targets_are_refused(tmp_path):
    baseline = _judged_run(tmp_path, "base", [3.0] * 10)
    with pytest.raises(OmnievalError, match="differ in judge"):
        compare(baseline, _judged_run(tmp_path, "other-judge", [3.0] * 10, judge="judge-b"))
    with pytest.raises(OmnievalError, match="sample 0 has another target"):
        compare(baseline, _judged_run(tmp_path, "other-targets", [3.0] * 10, targets="u"))
