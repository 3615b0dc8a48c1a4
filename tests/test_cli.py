"""The `omnieval` command as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from omnieval.config import load_preset
from omnieval.errors import OmnievalError
from tests.conftest import REPO, only_run_dir, openai_preset, read_jsonl, read_run, run_cli

RUN = ("run", "--task", "librispeech_test_clean", "--model", "pocketsphinx-en", "--no-progress")


def _one_line_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_help_lists_every_command():
    out = run_cli("--help").stdout
    for command in ("run", "tasks", "models", "rescore", "score", "leaderboard", "regress", "merge", "serve"):
        assert command in out


HEAVY = ("torch", "transformers", "datasets", "pandas")


def test_help_and_the_task_list_start_without_heavy_libraries():
    """`omnieval --help` imports omnieval.cli; `omnieval tasks` also fills the task registry: neither loads the
    model, dataset or table libraries (nor the scoring ones, for the task list), which take seconds to import."""
    probe = (
        "import sys; import omnieval.cli; print(sorted(m for m in {heavy} if m in sys.modules)); "
        "from omnieval.registry import TASKS, DERIVED; TASKS.items(); DERIVED.items(); "
        "print(sorted(m for m in {heavier} if m in sys.modules))"
    ).format(heavy=HEAVY, heavier=(*HEAVY, "scipy", "sklearn", "jiwer", "rapidfuzz", "soundfile"))
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    assert proc.stdout.splitlines() == ["[]", "[]"], proc.stdout


def test_tasks_lists_the_asr_family():
    names = {t["name"] for t in json.loads(run_cli("tasks", "--format", "json").stdout)}
    assert {
        "librispeech_test_clean",
        "librispeech_test_other",
        "fleurs_en",
        "fleurs_zh",
        "commonvoice15_en",
        "commonvoice15_zh",
        "wenetspeech_test_net",
        "wenetspeech_test_meeting",
    } <= names
    assert "librispeech_test_clean" in run_cli("tasks", "--family", "asr").stdout
    _one_line_error(run_cli("tasks", "--family", "vision", check=False), 2, "no tasks in family 'vision'", "asr")


def test_tasks_lists_the_derived_scores_of_a_family_after_its_tasks():
    out = run_cli("tasks", "--family", "s2tt").stdout
    assert out.index("fleurs_s2tt_en_zh") < out.index("derived on the leaderboard") < out.index("fleurs_s2tt_en2xx")
    assert "voicebench_overall" not in out and "voicebench_overall" in run_cli("tasks").stdout


def test_models_lists_presets_and_runners():
    out = run_cli("models").stdout
    assert "pocketsphinx-en" in out and "openai" in out and "gpt-4o-audio" in out


def test_unknown_task_suggests_the_closest_names():
    proc = run_cli("run", "--task", "librispeech_clean", "--model", "pocketsphinx-en", check=False)
    _one_line_error(proc, 2, "unknown task 'librispeech_clean'", "librispeech_test_clean")


def test_unknown_model_suggests_the_closest_names():
    proc = run_cli("run", "--task", "fleurs_en", "--model", "pocketsphinx", check=False)
    _one_line_error(proc, 2, "unknown model 'pocketsphinx'", "pocketsphinx-en")


def test_missing_dataset_path(tmp_path):
    proc = run_cli(*RUN, "--dataset-path", tmp_path / "nothing.parquet", "--output", tmp_path, check=False)
    _one_line_error(proc, 2, "dataset path not found", "nothing.parquet")


def test_dataset_in_the_wrong_schema(fleurs_en_parquet, tmp_path):
    proc = run_cli(*RUN, "--dataset-path", fleurs_en_parquet, "--output", tmp_path, check=False)
    _one_line_error(proc, 2, "lacks field(s) text", "openslr/librispeech_asr", "transcription")


def test_bad_option_values_are_one_line_errors(librispeech_parquet, tmp_path):
    base = (*RUN, "--dataset-path", librispeech_parquet, "--output", tmp_path)
    _one_line_error(run_cli(*base, "--shard", "3/2", check=False), 2, "--shard 3/2")
    _one_line_error(run_cli(*base, "--task-arg", "promt=hi", check=False), 2, "no parameter promt", "prompt")
    _one_line_error(run_cli(*base, "--model-arg", "threads=2", check=False), 2, "no setting threads", "workers")
    _one_line_error(run_cli(*base, "--gen", "temperature=hot", check=False), 2, "temperature")
    _one_line_error(run_cli("run", "--model", "pocketsphinx-en", check=False), 2, "name a task")


def test_run_rescore_and_leaderboard(librispeech_parquet, tmp_path):
    out = run_cli(*RUN, "--dataset-path", librispeech_parquet, "--output", tmp_path, "--limit", "3").stdout
    assert "librispeech_test_clean" in out and "complete" in out
    run_dir = only_run_dir(tmp_path)
    run = read_run(run_dir)

    rescored = json.loads(run_cli("rescore", run_dir, "--format", "json").stdout)
    assert rescored == run["metrics"]
    raw = json.loads(run_cli("rescore", run_dir, "-T", "normalizer=none", "--format", "json").stdout)
    assert raw["wer"] > rescored["wer"]  # upper-case references against lower-case transcripts
    assert read_run(run_dir)["config"]["selection"]["task_params"]["normalizer"] == "none"
    back = json.loads(run_cli("rescore", run_dir, "-T", "normalizer=qwen_english", "--format", "json").stdout)
    assert back == rescored
    _one_line_error(run_cli("rescore", run_dir, "-T", "prompt=hi", check=False), 2, "prompt changes what the model")

    board = run_cli("leaderboard", tmp_path).stdout
    low, high = read_run(run_dir)["intervals"]["wer"]
    assert (
        f"| librispeech_test_clean | wer↓ | pocketsphinx-en | {run['metrics']['wer']:.2f} [{low:.2f}, {high:.2f}] "
        f"† | 3 | 1.22 (qwen3-omni-30b-a3b-instruct) |"
    ) in board  # †: 3 samples say little
    rows = list(csv.DictReader(io.StringIO(run_cli("leaderboard", tmp_path, "--format", "csv").stdout)))
    assert [(r["model"], r["task"], r["metric"]) for r in rows] == [
        ("pocketsphinx-en", "librispeech_test_clean", "wer")
    ]
    assert float(rows[0]["value"]) == pytest.approx(run["metrics"]["wer"]) and float(rows[0]["ci_low"]) == low


def test_score_predictions_made_elsewhere(librispeech_parquet, speech_rows, tmp_path):
    predictions = tmp_path / "predictions.jsonl"
    lines = [{"id": row["id"], "prediction": row["text"].lower()} for row in speech_rows[:7]]
    lines[0]["prediction"] = "completely wrong words"
    predictions.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    proc = run_cli(
        "score",
        "--task",
        "librispeech_test_clean",
        "--predictions",
        predictions,
        "--dataset-path",
        librispeech_parquet,
        "--output",
        tmp_path / "scored",
        "--format",
        "json",
    )
    metrics = json.loads(proc.stdout)
    # by hand: row 0 has 14 words, 3 predicted for them (3 substitutions, 11 deletions);
    # row 7 has no prediction (all its words deleted); the rest are exact
    words = [len(row["text"].split()) for row in speech_rows]
    assert metrics["wer"] == pytest.approx(100 * (words[0] + words[7]) / sum(words))
    assert "1 failed" in proc.stderr
    records = {r["id"]: r for r in read_jsonl(only_run_dir(tmp_path / "scored") / "samples.jsonl")}
    assert records[speech_rows[7]["id"]]["error"] == "no prediction for this sample"

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1000-100-0000", "prediction": "x"}\n{"id": "nope", "prediction": "y"}\n')
    _one_line_error(
        run_cli(
            "score",
            "--task",
            "librispeech_test_clean",
            "--predictions",
            bad,
            "--dataset-path",
            librispeech_parquet,
            "--output",
            tmp_path,
            check=False,
        ),
        2,
        "not in librispeech_test_clean",
        "nope",
    )
    bad.write_text('{"id": "1000-100-0000"}\n')
    _one_line_error(
        run_cli(
            "score",
            "--task",
            "librispeech_test_clean",
            "--predictions",
            bad,
            "--dataset-path",
            librispeech_parquet,
            "--output",
            tmp_path,
            check=False,
        ),
        2,
        "bad.jsonl:1",
    )


def test_corrupt_audio_fails_samples_not_the_run(broken_parquet, tmp_path):
    run_cli(*RUN, "--dataset-path", broken_parquet, "--output", tmp_path)
    run = read_run(only_run_dir(tmp_path))
    assert run["status"] == "complete" and run["counts"]["failed"] == 2 and run["counts"]["done"] == 6


def test_unreachable_server_exits_3_and_says_where(librispeech_parquet, tmp_path):
    preset = openai_preset(tmp_path, "http://127.0.0.1:9/v1", max_retries=0)
    proc = run_cli(
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        preset,
        "--dataset-path",
        librispeech_parquet,
        "--output",
        tmp_path,
        check=False,
        env={"LOCAL_KEY": "k"},
    )
    assert proc.returncode == 3
    assert "cannot reach the server at http://127.0.0.1:9/v1" in proc.stderr and "Traceback" not in proc.stderr


def test_shards_and_merge_from_the_command_line(librispeech_parquet, tmp_path):
    for index in range(2):
        run_cli(
            *RUN,
            "--dataset-path",
            librispeech_parquet,
            "--output",
            tmp_path / "shards",
            "--limit",
            "4",
            "--shard",
            f"{index}/2",
        )
    shard_dirs = sorted((tmp_path / "shards").iterdir())
    run_cli("merge", *shard_dirs, "--output", tmp_path / "merged")
    merged = read_run(only_run_dir(tmp_path / "merged"))
    assert merged["counts"]["done"] == 4 and merged["status"] == "complete"


def test_serve_then_run_against_it(librispeech_parquet, tmp_path):
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "omnieval",
            "serve",
            "--model",
            "pocketsphinx-en",
            "--port",
            "0",
            "--api-key-env",
            "SERVE_KEY",
        ],
        cwd=REPO,
        env={**os.environ, "SERVE_KEY": "s3cret"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("serving pocketsphinx-en at http://127.0.0.1:"), line + server.stderr.read()
        url = line.split(" at ")[1].strip()
        preset = openai_preset(tmp_path, url, api_key_env="SERVE_KEY")
        run_cli(
            "run",
            "--task",
            "librispeech_test_clean",
            "--model",
            preset,
            "--dataset-path",
            librispeech_parquet,
            "--output",
            tmp_path / "out",
            "--limit",
            "2",
            "--no-progress",
            env={"SERVE_KEY": "s3cret"},
        )
        run = read_run(only_run_dir(tmp_path / "out"))
        assert run["counts"]["done"] == 2 and run["counts"]["failed"] == 0
        proc = run_cli(
            "run",
            "--task",
            "librispeech_test_clean",
            "--model",
            preset,
            "--dataset-path",
            librispeech_parquet,
            "--output",
            tmp_path / "bad",
            "--limit",
            "2",
            check=False,
            env={"SERVE_KEY": "wrong"},
        )
        assert proc.returncode == 3 and "rejected the credentials ($SERVE_KEY): HTTP 401" in proc.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_suite_reads_the_local_copies_it_names_through_variables(librispeech_parquet, tmp_path):
    suite = tmp_path / "local.yaml"
    suite.write_text(
        "name: local\ntasks:\n  - task: librispeech_test_clean\n    limit: 2\n"
        "    dataset_path: ${LOCAL_DATA}/" + librispeech_parquet.name + "\n"
    )
    args = (
        "run",
        "--suite",
        str(suite),
        "--model",
        "pocketsphinx-en",
        "--output",
        str(tmp_path / "out"),
        "--no-cache",
        "--no-progress",
    )
    assert "LOCAL_DATA" not in os.environ
    unset = run_cli(*args, check=False)
    _one_line_error(unset, 2, "reads librispeech_test_clean from ${LOCAL_DATA}", "$LOCAL_DATA is not set")
    run_cli(*args, env={"LOCAL_DATA": str(librispeech_parquet.parent)})
    run = read_run(only_run_dir(tmp_path / "out"))
    assert run["counts"]["done"] == 2 and run["dataset"]["origin"] == "local"


def test_a_run_id_with_a_path_in_it_is_refused_before_anything_is_written(librispeech_parquet, tmp_path):
    for run_id in ("../escaped", "/tmp/escaped", "a/b"):
        proc = run_cli(
            "run",
            "--task",
            "librispeech_test_clean",
            "--model",
            "pocketsphinx-en",
            "--dataset-path",
            librispeech_parquet,
            "--output",
            tmp_path / "out",
            "--run-id",
            run_id,
            "--limit",
            "1",
            check=False,
        )
        assert proc.returncode == 2 and "a run id is one folder name" in proc.stderr, proc.stderr
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "out").exists()


def test_score_fails_the_sample_of_a_row_it_cannot_read_and_goes_on(tmp_path):
    cases = json.loads((REPO / "tests" / "judges" / "official_cases" / "mmar.json").read_text())
    rows = [cases["rows"][0], {**cases["rows"][1], "choices": None}]  # a row without its options
    release = tmp_path / "MMAR-meta.jsonl"
    release.write_text("".join(json.dumps(row) + "\n" for row in rows))
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(
        "".join(json.dumps({"id": row["id"], "prediction": row["answer"] or ""}) + "\n" for row in rows)
    )
    proc = run_cli(
        "score",
        "--task",
        "mmar",
        "--predictions",
        predictions,
        "--dataset-path",
        release,
        "--output",
        tmp_path / "out",
        "--format",
        "json",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    records = read_jsonl(only_run_dir(tmp_path / "out") / "samples.jsonl")
    assert [r["error"] is None for r in records] == [True, False]
    assert "the dataset row does not fit the task" in records[1]["error"]
    assert json.loads(proc.stdout)["accuracy"] == 50.0


def test_score_takes_predictions_by_row_number_and_a_release_file_without_its_media(tmp_path):
    cases = json.loads((REPO / "tests" / "judges" / "official_cases" / "worldsense.json").read_text())
    folder = tmp_path / "worldsense"  # worldsense_qa.json alone: no videos are needed to score
    folder.mkdir()
    (folder / "worldsense_qa.json").write_text(json.dumps({row["video_id"]: row for row in cases["rows"]}))
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(
        "".join(json.dumps({"index": i, "prediction": answers[0]}) + "\n" for i, answers in enumerate(cases["answers"]))
    )
    proc = run_cli(
        "score",
        "--task",
        "worldsense",
        "--predictions",
        predictions,
        "--dataset-path",
        folder,
        "--output",
        tmp_path / "out",
        "--format",
        "json",
    )
    records = read_jsonl(only_run_dir(tmp_path / "out") / "samples.jsonl")
    assert [r["id"] for r in records] == [f"{row['video_id']}/task0" for row in cases["rows"]]
    assert json.loads(proc.stdout)["accuracy"] == pytest.approx(
        100 * sum(row[0] for row in cases["verdicts"]) / len(cases["rows"])
    )
    predictions.write_text('{"index": 99, "prediction": "A"}\n')
    _one_line_error(
        run_cli(
            "score",
            "--task",
            "worldsense",
            "--predictions",
            predictions,
            "--dataset-path",
            folder,
            "--output",
            tmp_path,
            check=False,
        ),
        2,
        "'index', a row number from 0 to 7",
    )


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("leaderbord",), ("No such command 'leaderbord'", "Did you mean 'leaderboard'", "`omnieval --help`")),
        (("run", "--taks", "x", "--model", "m"), ("No such option: --taks", "--task", "`omnieval run --help`")),
        ((*RUN, "--limit", "abc"), ("Invalid value for '--limit'", "integer")),
        ((*RUN, "--seed", "1.5"), ("Invalid value for '--seed'",)),
        (("score", "--predictions", "p.jsonl"), ("Missing option '--task'", "`omnieval score --help`")),
        (("run", "--task"), ("Option '--task' requires an argument",)),
        (("leaderboard", "--format", "xml"), ("--format",)),
        (("regress", "--max-drop", "lots"), ("--max-drop",)),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2_never_an_internal_error(args, needles):
    line = _one_line_error(run_cli(*args, check=False), 2, *needles)
    assert "internal error" not in line


def test_tasks_separated_by_commas_run_like_repeated_task_options(librispeech_parquet, tmp_path):
    proc = run_cli(
        "run",
        "--tasks",
        "librispeech_test_clean,nope",
        "--model",
        "pocketsphinx-en",
        "--output",
        tmp_path / "out",
        check=False,
    )
    _one_line_error(proc, 2, "unknown task 'nope'")  # every name is checked before anything runs
    assert not (tmp_path / "out").exists()
    proc = run_cli(
        "run",
        "--tasks",
        "librispeech_test_clean",
        "--model",
        "pocketsphinx-en",
        "--no-progress",
        "--limit",
        "2",
        "--output",
        tmp_path / "out",
        "--dataset-path",
        librispeech_parquet,
    )
    assert read_run(only_run_dir(tmp_path / "out"))["counts"]["done"] == 2


def test_a_hugging_face_id_is_an_omni_model_and_a_known_one_keeps_its_preset():
    known = load_preset("Qwen/Qwen2.5-Omni-7B")
    assert known.name == "qwen2.5-omni-7b" and known.gen["system_prompt"]  # the preset's own settings
    other = load_preset("someone/SomeOmni-1B", {"dtype": "float32"})
    assert (other.runner, other.settings) == ("hf-omni", {"model": "someone/SomeOmni-1B", "dtype": "float32"})
    with pytest.raises(OmnievalError, match="unknown model 'qwen-omni'"):
        load_preset("qwen-omni")


def test_omnieval_alone_shows_its_help():
    proc = run_cli(check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: omnieval") and "run" in proc.stdout


def test_a_bad_executor_or_ray_setting_is_a_usage_error():
    base = ("run", "--task", "librispeech_test_clean", "--model", "pocketsphinx-en")
    _one_line_error(run_cli(*base, "--executor", "slurm", check=False), 2, "--executor takes local or ray, not 'slurm'")
    _one_line_error(
        run_cli(*base, "--executor", "ray", "--workers", "0", check=False),
        2,
        "--workers takes a number of model copies",
    )


def test_a_predictions_file_that_is_not_utf8_names_the_file_and_the_line(librispeech_parquet, speech_rows, tmp_path):
    predictions = tmp_path / "predictions.jsonl"
    first, second = (row["id"].encode() for row in speech_rows[:2])
    predictions.write_bytes(
        b'{"id": "%s", "prediction": "ok"}\n{"id": "%s", "prediction": "caf\xe9"}\n' % (first, second)
    )
    proc = run_cli(
        "score",
        "--task",
        "librispeech_test_clean",
        "--predictions",
        predictions,
        "--dataset-path",
        librispeech_parquet,
        "--output",
        tmp_path / "out",
        check=False,
    )
    _one_line_error(proc, 2, "predictions.jsonl:2: not UTF-8 text (byte b'\\xe9' at column", "UTF-8")
    assert not (tmp_path / "out").exists()


def test_a_dataset_whose_sample_ids_are_not_utf8_is_one_line(speech_rows, tmp_path):
    from omnieval.testing.sample_data import LIBRISPEECH_FEATURES
    from tests.conftest import write_parquet_not_utf8

    dataset = write_parquet_not_utf8(speech_rows[:2], LIBRISPEECH_FEATURES, tmp_path / "t.parquet", "id", 0, b"\xff")
    proc = run_cli(*RUN, "--dataset-path", dataset, "--output", tmp_path / "out", check=False)
    _one_line_error(proc, 2, "t.parquet names its samples in text that is not UTF-8")


@pytest.mark.parametrize(
    ("task", "model", "setting", "needle"),
    [
        ("seedtts_test_en", "espeak-ng", "workers=abc", "runner 'espeak-ng': setting workers takes a whole number"),
        ("librispeech_test_clean", "pocketsphinx-en", "workers=2.5", "setting workers takes a whole number, not 2.5"),
        ("librispeech_test_clean", "gpt-4o-audio", "timeout_s=soon", "setting timeout_s takes a number, not 'soon'"),
    ],
)
def test_a_runner_setting_of_the_wrong_type_is_named(task, model, setting, needle):
    _one_line_error(run_cli("run", "--task", task, "--model", model, "-M", setting, check=False), 2, needle)


def test_a_preset_field_of_the_wrong_type_is_named_with_its_file(tmp_path):
    slow = tmp_path / "slow.yaml"
    slow.write_text("runner: openai\nsettings:\n  model: m\n  timeout_s: soon\n")
    many = tmp_path / "many.yaml"
    many.write_text("runner: espeak-ng\nsettings:\n  workers: lots\n")
    for preset, needle in ((slow, "settings.timeout_s takes a number"), (many, "settings.workers takes a whole")):
        _one_line_error(run_cli(*RUN[:3], "--model", preset, check=False), 2, str(preset), needle)


def test_a_limit_below_one_is_a_usage_error(tmp_path):
    for limit in ("0", "-2"):
        proc = run_cli(*RUN, "--limit", limit, "--output", tmp_path, check=False)
        _one_line_error(proc, 2, f"--limit takes a number of samples, 1 or more, not {limit}")
    proc = run_cli(
        "score", "--task", "librispeech_test_clean", "--predictions", tmp_path / "p.jsonl", "--limit", "0", check=False
    )
    _one_line_error(proc, 2, "--limit takes a number of samples")
    assert not any(tmp_path.iterdir())


def test_a_read_only_output_folder_is_one_line(librispeech_parquet, read_only_dir):
    for output in (read_only_dir, read_only_dir / "results"):
        proc = run_cli(*RUN, "--dataset-path", librispeech_parquet, "--output", output, "--no-cache", check=False)
        _one_line_error(proc, 2, f"cannot make the run folder {output}/", "choose a writable folder with --output")


def test_a_response_cache_in_a_read_only_folder_is_one_line_before_anything_starts(
    librispeech_parquet, read_only_dir, tmp_path
):
    cache = read_only_dir / "responses.sqlite"
    proc = run_cli(
        *RUN, "--dataset-path", librispeech_parquet, "--output", tmp_path / "out", "--cache", cache, check=False
    )
    _one_line_error(proc, 2, f"cannot use the response cache {cache}", "--cache", "--no-cache")
    assert not (tmp_path / "out").exists()  # no run folder left behind


def test_a_damaged_response_cache_is_moved_aside_and_the_run_goes_on(librispeech_parquet, tmp_path):
    cache = tmp_path / "responses.sqlite"
    junk = os.urandom(16 * 1024)
    cache.write_bytes(junk)
    output = tmp_path / "out"
    proc = run_cli(*RUN, "--dataset-path", librispeech_parquet, "--output", output, "--limit", "2", "--cache", cache)
    assert f"the response cache {cache} is damaged (file is not a database); moved it to" in proc.stderr
    [aside] = tmp_path.glob("responses.sqlite.corrupt-*")
    assert aside.read_bytes() == junk
    run = read_run(only_run_dir(output))
    assert run["status"] == "complete" and run["counts"]["done"] == 2 and run["counts"]["cached"] == 0
    with sqlite3.connect(cache) as db:  # the new cache holds this run's answers
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 2


def test_resume_with_a_damaged_run_json_names_it_and_starts_nothing(librispeech_parquet, tmp_path):
    base = (*RUN, "--dataset-path", librispeech_parquet, "--output", tmp_path, "--limit", "2", "--no-cache")
    run_cli(*base, "--run-id", "r")
    run_file = tmp_path / "r" / "run.json"
    run_file.write_bytes(run_file.read_bytes()[:200])  # cut short: a full disk, a copy stopped midway
    _one_line_error(run_cli(*base, "--resume", check=False), 2, f"--resume: {run_file} is damaged")
    proc = run_cli(*base, "--resume", "--run-id", "r", check=False)
    _one_line_error(proc, 2, f"{run_file} is not a valid run record (Invalid JSON")
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no new run beside it


def test_a_full_disk_midway_stops_the_run_and_resume_finishes_it_elsewhere(librispeech_parquet, small_disk, tmp_path):
    base = (*RUN, "--dataset-path", librispeech_parquet, "--run-id", "r", "--no-cache")
    proc = run_cli(*base, "--output", small_disk, check=False)  # 16 KiB: run.json, run.log and some samples
    error = _one_line_error(proc, 3, "No space left on device; free some space", "kept; continue with --resume")
    kept = (small_disk / "r" / "samples.jsonl").read_bytes()
    assert kept.endswith(b"\n")  # whole lines only: the one being written when the disk filled was taken back
    finished = [json.loads(line) for line in kept.splitlines()]
    assert 0 < len(finished) < 8 or "run.json" in error
    shutil.copytree(small_disk / "r", tmp_path / "roomy" / "r")  # space found: the run moved where there is some
    run_cli(*base, "--output", tmp_path / "roomy", "--resume")
    samples = tmp_path / "roomy" / "r" / "samples.jsonl"
    assert samples.read_bytes().startswith(kept)  # every finished sample kept as it was
    ids = [r["id"] for r in read_jsonl(samples)]
    assert len(ids) == len(set(ids)) == 8
    run = read_run(tmp_path / "roomy" / "r")
    assert run["status"] == "complete" and run["counts"]["done"] == 8
