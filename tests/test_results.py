"""The results layout: append-only samples.jsonl that survives a torn last line, atomic run.json."""

from __future__ import annotations

import os

import pytest

from omnieval.errors import OmnievalError, RunStopped, StorageError
from omnieval.results import RunDir, find_resumable, make_run_id
from omnieval.types import GenConfig, RunRecord, SampleRecord


def _record(n: int) -> SampleRecord:
    return SampleRecord(id=f"s{n}", index=n, prediction=f"text {n}", target="t", scores={"wer": float(n)})


def test_appended_records_read_back_and_a_torn_last_line_is_cut(tmp_path):
    run_dir = RunDir.create(tmp_path, "run")
    for n in range(3):
        run_dir.append(_record(n))
    run_dir.close()
    with open(run_dir.samples_file, "ab") as handle:
        handle.write(b'{"id": "s3", "index": 3, "predic')  # a writer killed mid-line
    assert [r.id for r in run_dir.read_records()] == ["s0", "s1", "s2"]
    assert run_dir.samples_file.read_bytes().endswith(b"}\n")  # the torn bytes are gone
    run_dir.append(_record(3))
    run_dir.close()
    assert [r.id for r in run_dir.read_records()] == ["s0", "s1", "s2", "s3"]


def test_a_corrupt_line_inside_the_file_is_an_error_not_silently_skipped(tmp_path):
    run_dir = RunDir.create(tmp_path, "run")
    run_dir.append(_record(0))
    run_dir.close()
    with open(run_dir.samples_file, "ab") as handle:
        handle.write(b"garbage\n")
    run_dir.append(_record(1))
    run_dir.close()
    with pytest.raises(OmnievalError, match="corrupt line at byte"):
        run_dir.read_records()


def test_run_json_is_replaced_atomically_and_folders_never_clash(tmp_path):
    record = RunRecord(
        run_id="r", task="t", task_version="1", model="m", runner={}, gen_config=GenConfig(), config={}, dataset={}
    )
    run_dir = RunDir.create(tmp_path, "r")
    run_dir.write_run(record)
    run_dir.write_run(record.model_copy(update={"status": "complete"}))
    assert run_dir.read_run().status == "complete"
    assert [p.name for p in run_dir.path.iterdir()] == ["run.json"]  # no temporary files left
    assert RunDir.create(tmp_path, "r").path.name == "r-2"
    (run_dir.path / "run.json").write_text("{not json")
    with pytest.raises(OmnievalError, match="not a valid run record"):
        run_dir.read_run()
    with pytest.raises(OmnievalError, match="not a run folder"):
        RunDir(tmp_path / "elsewhere").read_run()


def test_run_ids_are_readable():
    run_id = make_run_id("fleurs_zh", "Qwen/Qwen3-Omni 30B", (1, 4))
    assert run_id.startswith("fleurs_zh__Qwen-Qwen3-Omni-30B__") and run_id.endswith("__shard1of4")


def test_one_writer_per_run_folder_and_the_lock_goes_with_it(tmp_path):
    import subprocess
    import sys

    run_dir = RunDir.create(tmp_path, "r").lock()
    holder = "import sys; from omnieval.results import RunDir; RunDir(sys.argv[1]).lock()"
    other = subprocess.run([sys.executable, "-c", holder, str(run_dir.path)], capture_output=True, text=True)
    assert other.returncode != 0 and f"is in use by process {os.getpid()}" in other.stderr
    run_dir.rewrite_records([_record(0)])  # rewriting keeps the lock
    assert subprocess.run([sys.executable, "-c", holder, str(run_dir.path)], capture_output=True).returncode != 0
    run_dir.close()
    assert subprocess.run([sys.executable, "-c", holder, str(run_dir.path)], capture_output=True).returncode == 0


def test_folders_made_at_once_by_many_processes_never_clash(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        made = list(pool.map(_create, [tmp_path] * 8))
    assert sorted(made) == sorted(["same"] + [f"same-{n}" for n in range(2, 9)])


def _create(root) -> str:
    return RunDir.create(root, "same").path.name


def test_a_sample_written_twice_counts_once_and_is_reported(tmp_path, caplog):
    run_dir = RunDir.create(tmp_path, "run")
    for line, n in enumerate((0, 1, 0, 2, 1)):
        run_dir.append(_record(n).model_copy(update={"prediction": f"line {line}"}))
    run_dir.close()
    with caplog.at_level("WARNING"):
        records = run_dir.read_records()
    assert [r.id for r in records] == ["s0", "s2", "s1"]  # each id once, at its last line
    assert run_dir.duplicates == 2 and "2 repeated line(s)" in caplog.text
    assert [r.prediction for r in records] == ["line 2", "line 3", "line 4"]


@pytest.mark.parametrize("run_id", ["../x", "a/b", "/tmp/x", "..", ".", "", "x\ny", ".hidden"])
def test_a_run_id_never_leads_out_of_the_output_folder(tmp_path, run_id):
    from omnieval.results import check_run_id

    with pytest.raises(OmnievalError, match="a run id is one folder name"):
        check_run_id(run_id)
    with pytest.raises(OmnievalError):
        RunDir.create(tmp_path / "out", run_id)
    assert not (tmp_path / "x").exists() and not (tmp_path / "out").exists()


def test_a_write_the_disk_refuses_stops_the_run_with_a_clear_error(tmp_path):
    run_dir = RunDir.create(tmp_path, "run")
    run_dir.samples_file.symlink_to("/dev/full")  # a device every write to which fails: no space left
    with pytest.raises(StorageError, match=r"cannot write .*samples.jsonl: No space left on device; free some space"):
        run_dir.append(_record(0))
    assert isinstance(StorageError("x"), RunStopped)  # the CLI's exit 3: finished samples kept, --resume


def test_a_line_the_disk_cuts_short_is_taken_back(small_disk):
    run_dir = RunDir.create(small_disk, "run")
    appended = 0
    with pytest.raises(StorageError, match="No space left"):
        while True:  # lines of 3 KB into 16 KiB: the one that meets the end is written in part, then refused
            run_dir.append(SampleRecord(id=f"s{appended}", index=appended, prediction="x" * 3000))
            appended += 1
    run_dir.close()
    assert run_dir.samples_file.read_bytes().endswith(b"}\n")  # no torn line left behind
    assert [r.id for r in run_dir.read_records()] == [f"s{n}" for n in range(appended)]


def test_a_failed_run_json_write_leaves_the_old_file_and_no_temporary_one(small_disk):
    run_dir = RunDir.create(small_disk, "run")
    record = RunRecord(
        run_id="run", task="t", task_version="1", model="m", runner={}, gen_config=GenConfig(), config={}, dataset={}
    )
    run_dir.write_run(record)
    before = run_dir.run_file.read_bytes()
    filler = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)  # the rest of the disk
    with pytest.raises(OSError, match="No space left"):
        while True:
            os.write(filler, b"x" * 4096)
    os.close(filler)
    with pytest.raises(StorageError, match=r"run\.json: No space left on device; free some space"):
        run_dir.write_run(record.model_copy(update={"status": "complete"}))
    assert run_dir.run_file.read_bytes() == before and sorted(os.listdir(run_dir.path)) == ["run.json"]
    os.unlink(small_disk / "filler")


def test_resume_refuses_a_damaged_run_json_rather_than_starting_a_new_run(tmp_path):
    run_dir = RunDir.create(tmp_path, "run")
    run_dir.run_file.write_text('{"run_id": "run", "task": "t", "sta')  # cut short
    with pytest.raises(OmnievalError, match=r"--resume: .*run\.json is damaged .*repair it, or move its folder"):
        find_resumable(tmp_path, "t", "m", {})
    with pytest.raises(OmnievalError, match=r"run\.json is not a valid run record \(Invalid JSON"):
        run_dir.read_run()
