"""The pipeline on real speech and a real recognizer: records, selection, shards, failures, cache."""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
from pathlib import Path

import jiwer
import pytest
from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

from omnieval.errors import OmnievalError
from omnieval.offline import merge_shards
from omnieval.registry import TASKS
from omnieval.results import RunDir
from omnieval.selection import select_indices
from tests.conftest import read_jsonl, read_run
from tests.helpers import evaluate


def _normalize(text: str) -> str:
    return BasicTextNormalizer()(EnglishTextNormalizer()(text))


def test_run_writes_one_record_per_sample_and_a_run_record(librispeech_parquet, speech_rows, tmp_path):
    run_dir = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path)
    records = read_jsonl(run_dir.samples_file)
    assert sorted(r["id"] for r in records) == sorted(row["id"] for row in speech_rows)
    for record in records:
        assert {"id", "prediction", "target", "scores"} <= set(record)
        assert record["target"] == next(row["text"] for row in speech_rows if row["id"] == record["id"])
        assert record["prediction"].strip(), "pocketsphinx heard nothing"
    run = read_run(run_dir.path)
    assert {"run_id", "task", "model", "metrics", "counts", "config", "versions"} <= set(run)
    assert run["status"] == "complete"
    assert run["counts"] == {"selected": 8, "done": 8, "failed": 0, "cached": 0, "pending": 0}
    # the corpus WER equals an independent computation over the stored predictions
    refs = [_normalize(r["target"]) for r in records]
    hyps = [_normalize(r["prediction"]) for r in records]
    assert run["metrics"]["wer"] == pytest.approx(100 * jiwer.wer(refs, hyps))
    assert 0 < run["metrics"]["wer"] < 100
    assert run["versions"]["pocketsphinx"] and run["versions"]["jiwer"]


def test_limit_runs_only_the_drawn_samples(librispeech_parquet, speech_rows, tmp_path):
    run_dir = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, limit=3, seed=7)
    expected = {speech_rows[i]["id"] for i in select_indices(len(speech_rows), 3, seed=7, shard=None)}
    assert {r["id"] for r in read_jsonl(run_dir.samples_file)} == expected
    assert read_run(run_dir.path)["counts"]["selected"] == 3


def test_shards_merge_into_the_single_process_run(librispeech_parquet, tmp_path):
    single = read_run(evaluate("librispeech_test_clean", librispeech_parquet, tmp_path / "single").path)
    shards = [
        evaluate("librispeech_test_clean", librispeech_parquet, tmp_path / "shards", shard=(i, 3)) for i in range(3)
    ]
    merged = merge_shards(shards, tmp_path / "merged")
    merged_run = read_run(merged.path)
    assert merged_run["metrics"] == single["metrics"]
    assert merged_run["counts"] == single["counts"]
    assert merged_run["config"]["selection"] == single["config"]["selection"]
    assert [r["index"] for r in read_jsonl(merged.samples_file)] == list(range(8))
    with pytest.raises(OmnievalError, match="expected each of 0..2"):
        merge_shards(shards[:2], tmp_path / "merged")


def test_failing_samples_are_recorded_and_the_run_goes_on(broken_parquet, tmp_path):
    run_dir = evaluate("librispeech_test_clean", broken_parquet, tmp_path)
    records = {r["id"]: r for r in read_jsonl(run_dir.samples_file)}
    assert len(records) == 6
    failed = [r for r in records.values() if r["error"]]
    assert len(failed) == 2
    errors = " | ".join(sorted(r["error"] for r in failed))
    assert "cannot decode audio corrupt.wav" in errors
    assert "audio file not found: no/such/file.flac" in errors
    for record in failed:  # a failed transcript counts as all deletions, never dropped
        assert record["prediction"] == ""
        assert record["scores"]["deletions"] == record["scores"]["ref_tokens"] > 0
    run = read_run(run_dir.path)
    assert run["status"] == "complete"
    assert run["counts"]["failed"] == 2 and run["counts"]["done"] == 6
    total_ref = sum(r["scores"]["ref_tokens"] for r in records.values())
    assert run["metrics"]["reference_tokens"] == total_ref


def test_cache_lets_a_new_run_skip_known_responses(librispeech_parquet, tmp_path):
    cache = tmp_path / "cache.sqlite"
    first = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path / "a", cache_path=cache, limit=4)
    second = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path / "b", cache_path=cache, limit=4)
    first_records = {r["id"]: r for r in read_jsonl(first.samples_file)}
    second_records = read_jsonl(second.samples_file)
    assert all(r["cached"] for r in second_records)
    assert all(r["prediction"] == first_records[r["id"]]["prediction"] for r in second_records)
    assert read_run(second.path)["counts"]["cached"] == 4


def test_resume_generates_only_what_is_missing(librispeech_parquet, tmp_path):
    full = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, run_id="r1")
    lines = full.samples_file.read_bytes().splitlines(keepends=True)
    # as after a kill: three finished lines and half of a fourth
    full.samples_file.write_bytes(b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    resumed = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, run_id="r1", resume=True)
    data = resumed.samples_file.read_bytes()
    assert data.startswith(b"".join(lines[:3]))  # finished lines untouched
    ids = [r["id"] for r in read_jsonl(resumed.samples_file)]
    assert len(ids) == len(set(ids)) == 8
    assert read_run(resumed.path)["status"] == "complete"


def _garbled_in_place(path: Path) -> None:
    """Other bytes of the same size under the same modification time: what a stamp cannot tell apart."""
    stat = path.stat()
    path.write_bytes(bytes(stat.st_size))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_resuming_a_complete_run_reads_its_data_again_only_when_its_stamp_changed(librispeech_parquet, tmp_path):
    data = tmp_path / "data.parquet"
    shutil.copy(librispeech_parquet, data)
    first = evaluate("librispeech_test_clean", data, tmp_path, run_id="r1", limit=3)
    before, finished = read_run(first.path), first.samples_file.read_bytes()
    _garbled_in_place(data)  # the data cannot be read now: a resume that read it would fail

    resumed = evaluate("librispeech_test_clean", data, tmp_path, run_id="r1", limit=3, resume=True)
    after = read_run(resumed.path)
    assert resumed.samples_file.read_bytes() == finished
    assert after["status"] == "complete" and after["metrics"] == before["metrics"]
    assert after["counts"] == before["counts"] and after["dataset"] == before["dataset"]
    assert "it is not loaded again" in (resumed.path / "run.log").read_text()

    os.utime(data)  # the data changed since, as far as its stamp can tell: it is read again
    with pytest.raises(OmnievalError, match="cannot read the dataset"):
        evaluate("librispeech_test_clean", data, tmp_path, run_id="r1", limit=3, resume=True)


def test_a_complete_run_of_another_task_version_reads_its_data_again(librispeech_parquet, tmp_path):
    run_dir = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, run_id="r1", limit=2)
    newer = copy.copy(TASKS.get("librispeech_test_clean"))
    newer.version = "2"
    evaluate(newer, librispeech_parquet, tmp_path, run_id="r1", limit=2, resume=True)
    assert "it is not loaded again" not in (run_dir.path / "run.log").read_text()
    evaluate(newer, librispeech_parquet, tmp_path, run_id="r1", limit=2, resume=True)  # now completed as version 2
    assert (run_dir.path / "run.log").read_text().count("it is not loaded again") == 1


def test_resume_refuses_a_run_made_with_other_settings(librispeech_parquet, tmp_path):
    evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, run_id="r1", limit=2)
    with pytest.raises(OmnievalError, match="other settings"):
        evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, run_id="r1", limit=3, resume=True)
    with pytest.raises(OmnievalError, match="add --resume"):
        evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, run_id="r1", limit=2)


def test_retry_failed_generates_failed_samples_again(broken_parquet, tmp_path):
    evaluate("librispeech_test_clean", broken_parquet, tmp_path, run_id="r1")
    run_dir = evaluate("librispeech_test_clean", broken_parquet, tmp_path, run_id="r1", resume=True, retry_failed=True)
    records = read_jsonl(run_dir.samples_file)
    assert len(records) == len({r["id"] for r in records}) == 6
    assert sum(1 for r in records if r["error"]) == 2
    assert all(r["error"] for r in records[-2:])  # the two failures, generated again and appended


def test_retry_failed_does_not_generate_a_sample_without_a_reference_again(speech_rows, tmp_path):
    from omnieval.config import ModelPreset
    from omnieval.pipeline import Evaluation, RunOptions
    from omnieval.registry import TASKS
    from omnieval.scoring import NO_REFERENCE
    from omnieval.testing.sample_data import LIBRISPEECH_FEATURES, write_parquet
    from omnieval.testing.wait_runner import FixedWaitRunner

    rows = [dict(row) for row in speech_rows[:3]]
    rows[1]["text"] = None
    rows[2]["audio"] = {"bytes": None, "path": "no/such/file.flac"}  # a failure a retry may fix
    dataset = write_parquet(rows, LIBRISPEECH_FEATURES, tmp_path / "t.parquet")
    log = tmp_path / "generated.txt"
    preset = ModelPreset(name="fixed-wait", runner="fixed-wait", settings={"log": str(log)})

    def run(**options) -> list[dict]:
        chosen = RunOptions(
            output_dir=tmp_path / "out", dataset_path=str(dataset), run_id="r", show_progress=False, **options
        )
        evaluation = Evaluation(TASKS.get("librispeech_test_clean"), FixedWaitRunner(**preset.settings), preset, chosen)
        return read_jsonl(asyncio.run(evaluation.run()).samples_file)

    first = {r["id"]: r for r in run()}
    generated = sorted([rows[0]["id"], rows[1]["id"]])
    assert sorted(log.read_text().split()) == generated  # the missing file never reaches the model
    records = run(resume=True, retry_failed=True)
    assert sorted(log.read_text().split()) == generated  # nothing generated again
    assert records[-1]["id"] == rows[2]["id"] and records[-1]["error"]  # only the missing file redone, appended
    kept = {r["id"]: r for r in records[:-1]}
    assert kept[rows[1]["id"]] == first[rows[1]["id"]] and kept[rows[1]["id"]]["error"] == NO_REFERENCE
    assert kept[rows[1]["id"]]["response"]["text"] == f"answer to {rows[1]['id']}"


def test_run_dir_reads_back_what_the_run_wrote(librispeech_parquet, tmp_path):
    run_dir = evaluate("librispeech_test_clean", librispeech_parquet, tmp_path, limit=2)
    reread = RunDir(run_dir.path)
    assert len(reread.read_records()) == 2
    assert reread.read_run().task == "librispeech_test_clean"


def test_a_row_the_task_cannot_read_fails_its_sample_and_the_run_goes_on(tmp_path):
    import asyncio
    import json

    from omnieval.offline import rescore_run
    from omnieval.testing.sample_av import dailyomni_sample

    dataset = dailyomni_sample(tmp_path / "dailyomni")
    entries = json.loads((dataset / "qa.json").read_text())
    entries[1]["Answer"] = "Z"  # none of the options
    (dataset / "qa.json").write_text(json.dumps(entries))
    run_dir = evaluate("dailyomni", dataset, tmp_path / "out", run_id="r")
    run = read_run(run_dir.path)
    records = {r["id"]: r for r in read_jsonl(run_dir.path / "samples.jsonl")}
    assert run["status"] == "complete" and run["counts"]["done"] == 3
    assert records["do_green#2"]["error"].startswith("the dataset row does not fit the task: ValueError: answer 'Z'")
    assert records["do_green#2"]["scores"] == {} and "accuracy" in run["metrics"]
    rescored = asyncio.run(rescore_run(RunDir(run_dir.path)))
    assert rescored.counts["failed"] == run["counts"]["failed"]


def test_a_row_whose_text_is_not_utf8_fails_its_sample_and_the_run_goes_on(speech_rows, tmp_path):
    from omnieval.testing.sample_data import LIBRISPEECH_FEATURES
    from tests.conftest import write_parquet_not_utf8

    rows = speech_rows[:3]
    dataset = write_parquet_not_utf8(rows, LIBRISPEECH_FEATURES, tmp_path / "t.parquet", "text", 1, b"caf\xe9 \xff")
    run_dir = evaluate("librispeech_test_clean", dataset, tmp_path / "out")  # once an ExceptionGroup: exit 4
    run = read_run(run_dir.path)
    records = {r["id"]: r for r in read_jsonl(run_dir.samples_file)}
    assert run["status"] == "complete" and run["counts"]["done"] == 3 and run["counts"]["failed"] == 1
    bad = records[rows[1]["id"]]
    assert bad["error"] == "the dataset row holds text that is not UTF-8 (byte b'\\xe9')" and bad["scores"] == {}
    good = [records[rows[i]["id"]] for i in (0, 2)]
    reference_words = sum(len(_normalize(r["target"]).split()) for r in good)
    assert run["metrics"]["reference_tokens"] == reference_words  # the two good rows, and nothing of the bad one


def test_sample_ids_that_are_not_utf8_are_a_clear_error(speech_rows, tmp_path):
    from omnieval.registry import TASKS
    from omnieval.testing.sample_data import LIBRISPEECH_FEATURES
    from tests.conftest import write_parquet_not_utf8

    dataset = write_parquet_not_utf8(speech_rows[:2], LIBRISPEECH_FEATURES, tmp_path / "t.parquet", "id", 0, b"\xff1")
    task = TASKS.get("librispeech_test_clean")
    with pytest.raises(OmnievalError, match=r"t\.parquet names its samples in text that is not UTF-8"):
        task.sample_ids(task.load(str(dataset)))


def test_a_sample_without_a_reference_fails_instead_of_being_scored_against_nothing(speech_rows, tmp_path):
    from omnieval.scoring import NO_REFERENCE, rescore, sample_of
    from omnieval.testing.sample_data import LIBRISPEECH_FEATURES, write_parquet
    from tests.helpers import score_answers

    rows = [dict(row) for row in speech_rows[:3]]
    heard = [row["text"].lower() for row in rows]
    rows[1]["text"] = None
    dataset = write_parquet(rows, LIBRISPEECH_FEATURES, tmp_path / "t.parquet")
    task, records, metrics = score_answers("librispeech_test_clean", dataset, heard)
    assert [r.error for r in records] == [None, NO_REFERENCE, None]
    assert records[1].response is not None and records[1].response.text == heard[1]  # the answer is kept
    # scored against an empty reference, the answer's words would be insertions, and the WER above 0
    assert task.score(sample_of(records[1]), heard[1]).scores["insertions"] > 0
    assert metrics["wer"] == 0.0 and metrics["insertions"] == 0.0
    assert [r.error for r in rescore(task, records)] == [None, NO_REFERENCE, None]
    # rescoring a record made before (scored against nothing) fails it the same way
    before = records[1].model_copy(update={"error": None, "prediction": heard[1], "scores": {"insertions": 6.0}})
    assert rescore(task, [before])[0].error == NO_REFERENCE


def test_tasks_without_references_by_design_score_samples_without_one():
    from omnieval.registry import TASKS

    for name in ("voicebench_alpacaeval", "voicebench_ifeval", "voicebench_advbench"):
        assert TASKS.get(name).needs_reference is False
    assert TASKS.get("librispeech_test_clean").needs_reference is True
