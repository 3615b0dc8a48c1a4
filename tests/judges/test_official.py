"""The headline of benchmarks with a published scorer equals that scorer's verdicts.

Each file in official_cases/ holds rows in the benchmark's release schema, answers in the forms
models write (a letter, "(B)", "B. text", the text, a wrong text, "The answer is C because...",
answer tags, \\boxed{}, a hedge, a refusal, empty, the text in a sentence) and what the official
script, run unmodified outside this repository, said of them: its verdict per answer and the
figures it printed per answer form. Its "source" names the repository, commit and command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omnieval.registry import TASKS
from tests.helpers import score_answers

CASES = Path(__file__).parent / "official_cases"
#: task -> how its release file is named, and the official script's breakdown names -> ours
RELEASES = {
    "mmau_test_mini": (
        "mmau-test-mini.json",
        {"task": "task", "difficulty": "difficulty", "sub_category": "sub_category"},
    ),
    "mmar": ("MMAR-meta.jsonl", {"modality": "modality", "category": "category", "sub_category": "sub_category"}),
}


def release_file(task_name: str, folder: Path) -> tuple[dict, Path]:
    """The case file, and its rows written as the benchmark publishes them (JSON list or JSON lines)."""
    cases = json.loads((CASES / f"{task_name}.json").read_text())
    path = folder / RELEASES[task_name][0]
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in cases["rows"]))
    else:
        path.write_text(json.dumps(cases["rows"]))
    return cases, path


@pytest.mark.parametrize("task_name", sorted(RELEASES))
def test_every_verdict_and_figure_equals_the_official_scripts(task_name, tmp_path):
    cases, path = release_file(task_name, tmp_path)
    forms = len(cases["answers"][0])
    for form in range(forms):
        answers = [row_answers[form] for row_answers in cases["answers"]]
        _, records, metrics = score_answers(task_name, path, answers)
        verdicts = [bool(r.scores["accuracy"]) for r in records]
        assert verdicts == [row[form] for row in cases["verdicts"]], (cases["forms"][form]["form"], answers)
        official = cases["forms"][form]["official"]
        assert metrics["accuracy"] == pytest.approx(official["total"], abs=0.01)
        for key, value in official.items():
            if key != "total":
                group, name = key.split("/", 1)
                ours = f"accuracy/{RELEASES[task_name][1][group]}/{name}"
                assert metrics[ours] == pytest.approx(value, abs=0.01), (key, cases["forms"][form]["form"])


@pytest.mark.parametrize("task_name", sorted(RELEASES))
def test_all_forms_together_and_our_reading_beside_it(task_name, tmp_path):
    cases, path = release_file(task_name, tmp_path)
    rows = json.loads(json.dumps(cases["rows"])) * len(cases["answers"][0])
    answers = [cases["answers"][r][form] for form in range(len(cases["answers"][0])) for r in range(len(cases["rows"]))]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) if path.suffix == ".jsonl" else json.dumps(rows))
    task, records, metrics = score_answers(task_name, path, answers)
    assert metrics["accuracy"] == pytest.approx(cases["all_answers"]["total"], abs=0.01)
    # a letter, "(A)", tags and \boxed{} read as the option for us, not for the official script
    assert metrics["accuracy_lenient"] > metrics["accuracy"]
    disagreements = sum(bool(r.scores["accuracy"]) != bool(r.scores["accuracy_lenient"]) for r in records)
    assert metrics["readers_disagree"] == disagreements > 0
    source = task.scoring_info()["official_scorer"]
    assert (source["repository"], source["commit"]) == (cases["source"]["repo"], cases["source"]["commit"])


def test_a_release_row_whose_answer_is_none_of_its_choices_is_scored_not_dropped(tmp_path):
    cases, path = release_file("mmar", tmp_path)
    rows = cases["rows"][:2]
    rows[1] = {**rows[1], "answer": "something else entirely"}
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    _, records, metrics = score_answers("mmar", path, [rows[0]["answer"], "something else entirely"])
    assert [r.failed for r in records] == [False, False]
    assert [r.scores["accuracy"] for r in records] == [1.0, 1.0]  # the official script matches the text given
    assert records[1].scores["accuracy_lenient"] == 0.0  # no option to read: ours counts it wrong
    assert metrics["accuracy"] == 100.0


def test_the_official_scorer_is_named_in_the_tasks():
    for name in RELEASES:
        task = TASKS.get(name)
        assert task.official.source.commit and task.version == "2"


def test_daily_omni_reads_the_letter_its_answer_opens_with_as_its_script_does(tmp_path):
    cases = json.loads((CASES / "dailyomni.json").read_text())
    rows, answers = cases["rows"], cases["answers"]
    forms = len(answers[0])
    (tmp_path / "qa.json").write_text(json.dumps(rows * forms))
    flat = [answers[r][form] for form in range(forms) for r in range(len(rows))]
    task, records, metrics = score_answers("dailyomni", tmp_path / "qa.json", flat)
    official = [cases["verdicts"][r][form] for form in range(forms) for r in range(len(rows))]
    assert [bool(r.scores["accuracy"]) for r in records] == official
    printed = cases["all_answers"]["printed"]
    assert metrics["accuracy"] == pytest.approx(printed["Overall Accuracy"], abs=0.01)
    for name, value in printed.items():
        if name == "Overall Accuracy":
            continue
        key = next(
            k
            for k in (
                f"accuracy/qa_type/{name}",
                f"accuracy/video_category/{name}",
                f"accuracy/video_duration/{name.removesuffix(' Duration')}",
            )
            if k in metrics
        )
        assert metrics[key] == pytest.approx(value, abs=0.01), name
    assert metrics["accuracy_lenient"] > metrics["accuracy"] and metrics["readers_disagree"] > 0
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def test_video_holmes_reads_its_answer_span_and_letters_as_evaluate_py_does(tmp_path):
    cases = json.loads((CASES / "videoholmes.json").read_text())
    rows, answers = cases["rows"], cases["answers"]
    forms = len(answers[0])
    (tmp_path / "test_Video-Holmes.json").write_text(
        json.dumps([{**row, "Question ID": f"{row['Question ID']}-{form}"} for form in range(forms) for row in rows])
    )
    flat = [answers[r][form] for form in range(forms) for r in range(len(rows))]
    task, records, metrics = score_answers("videoholmes", tmp_path / "test_Video-Holmes.json", flat)
    assert [bool(r.scores["accuracy"]) for r in records] == [
        cases["verdicts"][r][form] for form in range(forms) for r in range(len(rows))
    ]
    assert [r.details["official_read"] or "WRONG" for r in records] == [
        cases["extracted_letters"][r][form] for form in range(forms) for r in range(len(rows))
    ]
    csv = cases["all_answers"]["csv"]  # fractions at 2 decimals, as the script writes them
    assert metrics["accuracy"] / 100 == pytest.approx(float(csv["Overall Accuracy"]), abs=0.005)
    for question_type in ("SR", "IMC", "TCI", "TA", "MHR", "PAR", "CTI"):
        assert metrics[f"accuracy/question_type/{question_type}"] / 100 == pytest.approx(
            float(csv[question_type]), abs=0.005
        )
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def test_mlvu_checks_answers_as_choice_bench_does_and_averages_its_tasks(tmp_path):
    cases = json.loads((CASES / "mlvu_dev.json").read_text())
    rows, answers = cases["rows"], cases["answers"]
    forms = len(answers[0])
    release = tmp_path / "1_plotQA.json"  # a release file's layout: video, question_type, the answer as text
    release.write_text(json.dumps(rows * forms))
    flat = [answers[r][form] for form in range(forms) for r in range(len(rows))]
    task, records, metrics = score_answers("mlvu_dev", release, flat)
    assert [bool(r.scores["accuracy"]) for r in records] == [
        cases["verdicts"][r][form] for form in range(forms) for r in range(len(rows))
    ]
    assert [r.metadata["task_type"] for r in records[: len(rows)]] == cases["row_task_keys"]
    printed = cases["all_answers"]["printed"]
    for task_type, value in printed.items():
        ours = metrics["m_avg"] if task_type == "Avg" else metrics[f"accuracy/task_type/{task_type}"]
        assert ours == pytest.approx(value, abs=0.01), task_type
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]
    assert metrics["accuracy_lenient"] > metrics["accuracy"]


def test_rul_muchomusic_reads_answers_as_its_extract_answer_does(tmp_path):
    cases = json.loads((CASES / "rul_muchomusic.json").read_text())
    (tmp_path / "RUL-MuchoMusic.json").write_text(json.dumps(cases["release"]))
    answers, forms = cases["answers"], len(cases["answers"][0])
    for form in range(forms):
        task, records, metrics = score_answers("rul_muchomusic", tmp_path, [row[form] for row in answers])
        assert [bool(r.scores["accuracy"]) for r in records] == [row[form] for row in cases["verdicts"]], form
        assert [r.details["official_read"] or "" for r in records] == [row[form] for row in cases["extracted"]]
        passes = [row[form] for row in cases["verdicts"]]
        assert metrics["accuracy"] == pytest.approx(100 * sum(passes) / len(passes))
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def flat_cases(name: str) -> tuple[dict, list[dict], list[str], list[bool]]:
    """A case file's rows repeated once per answer form, with the answers, verdicts in the same order."""
    cases = json.loads((CASES / f"{name}.json").read_text())
    forms, count = len(cases["answers"][0]), len(cases["rows"])
    order = [(r, form) for form in range(forms) for r in range(count)]
    return (
        cases,
        [cases["rows"][r] for r, _ in order],
        [cases["answers"][r][f] for r, f in order],
        [cases["verdicts"][r][f] for r, f in order],
    )


def test_mmsu_reads_and_counts_answers_as_its_evaluation_script_does(tmp_path):
    cases, rows, answers, verdicts = flat_cases("mmsu")
    path = tmp_path / "mmsu.jsonl"
    path.write_text("".join(json.dumps({**row, "id": f"{row['id']}-{i}"}) + "\n" for i, row in enumerate(rows)))
    task, records, metrics = score_answers("mmsu", path, answers)
    assert [bool(r.scores["accuracy"]) for r in records] == verdicts
    counted = [cases["counted"][r][f] for f in range(len(cases["answers"][0])) for r in range(len(cases["rows"]))]
    assert [not r.scores["official_excluded"] for r in records] == counted
    printed = cases["printed"]
    assert metrics["official_excluded"] == len(records) - printed["total_count"]
    assert metrics["accuracy"] == pytest.approx(100 * printed["overall"], abs=0.01)
    for category, value in printed["category"].items():
        assert metrics[f"accuracy/category/{category}"] == pytest.approx(100 * value, abs=0.01)
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def test_video_mme_reads_the_first_capital_and_leaves_the_unread_out_as_its_script_does(tmp_path):
    cases, rows, answers, verdicts = flat_cases("videomme")
    path = tmp_path / "videomme.parquet"
    import pandas

    pandas.DataFrame([{**row, "question_id": f"{row['question_id']}-{i}"} for i, row in enumerate(rows)]).to_parquet(
        path
    )
    task, records, metrics = score_answers("videomme", path, answers)
    assert [bool(r.scores["accuracy"]) for r in records] == verdicts
    extracted = [cases["extracted"][r][f] for f in range(len(cases["answers"][0])) for r in range(len(cases["rows"]))]
    assert [r.details["official_read"] or "" for r in records] == extracted
    assert metrics["accuracy"] == pytest.approx(cases["printed"]["overall"], abs=0.05)  # printed at 1 decimal
    assert metrics["official_excluded"] == sum(not c for row in cases["counted"] for c in row)
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def assert_printed(metrics: dict, printed: dict, abs_tolerance: float = 0.01) -> None:
    """Each figure the official script printed ("total", or "<our breakdown key>/<value>") equals ours."""
    for key, value in printed.items():
        ours = metrics["accuracy"] if key == "total" else metrics[f"accuracy/{key}"]
        assert ours == pytest.approx(value, abs=abs_tolerance), key


def test_worldsense_reads_any_capital_and_takes_a_for_none_as_lmms_evals_scorer_does(tmp_path):
    cases, rows, answers, verdicts = flat_cases("worldsense")
    release = {f"{row['video_id']}-{i}": {**row, "video_id": f"{row['video_id']}-{i}"} for i, row in enumerate(rows)}
    (tmp_path / "worldsense_qa.json").write_text(json.dumps(release))
    task, records, metrics = score_answers("worldsense", tmp_path, answers)
    assert [bool(r.scores["accuracy"]) for r in records] == verdicts
    order = [(r, f) for f in range(len(cases["answers"][0])) for r in range(len(cases["rows"]))]
    assert [r.details["official_read"] for r in records] == [cases["extracted"][r][f] for r, f in order]
    # what it read nothing in is taken as "A" and counted, so that a user sees how many answers that was
    assert metrics["official_guessed"] == sum(cases["guessed"][r][f] for r, f in order) > 0
    assert_printed(metrics, cases["all_answers"]["printed"])
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def test_lvbench_polishes_then_compares_letters_as_its_repository_does(tmp_path):
    cases, rows, answers, verdicts = flat_cases("lvbench")
    forms = len(cases["answers"][0])
    path = tmp_path / "video_info.meta.jsonl"  # the release: one line per video, its questions in `qa`
    path.write_text(
        "".join(
            json.dumps(
                {
                    **row,
                    "key": f"{row['key']}-{i}",
                    "qa": [{**qa, "uid": qa["uid"] * 100 + i // len(cases["rows"])} for qa in row["qa"]],
                }
            )
            + "\n"
            for i, row in enumerate(rows)
        )
    )
    task, records, metrics = score_answers("lvbench", tmp_path, answers)
    assert [bool(r.scores["accuracy"]) for r in records] == verdicts
    order = [(r, f) for f in range(forms) for r in range(len(cases["rows"]))]
    assert [r.details["official_read"] or "" for r in records] == [cases["extracted"][r][f] for r, f in order]
    assert_printed(metrics, cases["all_answers"]["printed"])
    assert metrics["accuracy_lenient"] > metrics["accuracy"]
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def per_form(cases: dict):
    """Each answer form in turn: its index, the answers of every row in that form, and their verdicts."""
    for form in range(len(cases["answers"][0])):
        yield form, [row[form] for row in cases["answers"]], [row[form] for row in cases["verdicts"]]


def test_mmmu_reads_choices_and_open_answers_as_its_eval_utils_does(tmp_path):
    cases = json.loads((CASES / "mmmu_val.json").read_text())
    path = tmp_path / "validation.jsonl"  # the hub's columns, images left out (scoring reads none)
    path.write_text("".join(json.dumps(row) + "\n" for row in cases["rows"]))
    for form, answers, verdicts in per_form(cases):
        task, records, metrics = score_answers("mmmu_val", path, answers)
        assert [bool(r.scores["accuracy"]) for r in records] == verdicts, cases["forms"][form]["form"]
        assert [bool(r.scores["official_guessed"]) for r in records] == [row[form] for row in cases["guessed"]]
        assert metrics["accuracy"] == pytest.approx(100 * sum(verdicts) / len(verdicts))
        printed = cases["forms"][form]["official"]  # fractions at 3 decimals
        keys = {key: key.replace("domain/", "discipline/") for key in printed}
        assert_printed(metrics, {keys[k]: v for k, v in printed.items()}, abs_tolerance=0.05)
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]


def test_mmmu_pro_reads_its_answer_line_then_letters_as_its_evaluate_py_does(tmp_path):
    cases = json.loads((CASES / "mmmu_pro_standard.json").read_text())
    path = tmp_path / "test.jsonl"  # standard's columns, and the vision setting's screenshot beside them
    path.write_text("".join(json.dumps({**row, "image": row["image_1"]}) + "\n" for row in cases["rows"]))
    for form, answers, verdicts in per_form(cases):
        for setting in ("mmmu_pro_standard", "mmmu_pro_vision"):  # one parser for both settings
            task, records, metrics = score_answers(setting, path, answers)
            assert [bool(r.scores.get("accuracy")) for r in records] == verdicts, cases["forms"][form]["form"]
            assert metrics["accuracy"] == pytest.approx(cases["forms"][form]["official"]["total"], abs=0.01)
            guessed = [row[form] for row in cases["guessed"]]
            assert metrics["official_guessed"] == sum(g for g, r in zip(guessed, records, strict=False) if not r.failed)
    # the row whose options are a list inside the list fails alone, with its reason; the script can never
    # credit it (its gold B is no letter of its one option)
    nested = next(i for i, row in enumerate(cases["rows"]) if row["id"] == "validation_Accounting_29")
    assert records[nested].failed and "none of the options" in records[nested].error
    assert task.scoring_info()["official_scorer"]["path"] == "mmmu-pro/evaluate.py"


#: image tasks whose scorer another harness publishes: task -> (case file, headline metric, the scripts'
#: breakdown names -> ours)
IMAGE_SCORERS = {
    "mmstar": ("mmstar", "accuracy", {"l2-category": "l2_category", "category": "category"}),
    "ai2d": ("ai2d", "accuracy", {}),
    "realworldqa": ("realworldqa", "accuracy", {}),
    "countbench": ("countbench", "accuracy", {}),
    "chartqa": ("chartqa", "relaxed_accuracy", {"type": "type"}),
}


@pytest.mark.parametrize("task_name", sorted(IMAGE_SCORERS))
def test_image_tasks_score_as_the_harness_that_publishes_their_scorer(task_name, tmp_path):
    case_name, metric, groups = IMAGE_SCORERS[task_name]
    cases = json.loads((CASES / f"{case_name}.json").read_text())
    path = tmp_path / "test.jsonl"  # the hub's columns; the image is never read when scoring
    path.write_text("".join(json.dumps({**row, "image": {"path": "x.png"}}) + "\n" for row in cases["rows"]))
    for form, answers, verdicts in per_form(cases):
        task, records, metrics = score_answers(task_name, path, answers)
        assert [bool(r.scores[metric]) for r in records] == verdicts, (cases["forms"][form]["form"], answers)
        for key, value in cases["forms"][form]["official"].items():
            group, _, name = key.partition("/")
            ours = metrics[metric] if key == "total" else metrics[f"{metric}/{groups[group]}/{name}"]
            assert ours == pytest.approx(value, abs=0.01), key
    assert task.scoring_info()["official_scorer"]["commit"] == cases["source"]["commit"]
    every = [row[form] for form in range(len(cases["answers"][0])) for row in cases["answers"]]
    path.write_text(
        "".join(
            json.dumps({**row, "image": {"path": "x.png"}}) + "\n" for _ in cases["answers"][0] for row in cases["rows"]
        )
    )
    _, _, metrics = score_answers(task_name, path, every)
    assert metrics[metric] == pytest.approx(cases["all_answers"]["total"], abs=0.01)
    assert "accuracy_lenient" in metrics and "readers_disagree" in metrics


def test_mlvu_s_folder_of_files_loads_as_published_with_the_same_verdicts(tmp_path):
    cases, rows, answers, verdicts = flat_cases("mlvu_dev")
    data = tmp_path / "data"  # the repository's layout: its seven multiple-choice files side by side
    data.mkdir()
    names = {
        "plotQA": "1_plotQA",
        "findNeedle": "2_needle",
        "ego": "3_ego",
        "count": "4_count",
        "order": "5_order",
        "anomaly_reco": "6_anomaly_reco",
        "topic_reasoning": "7_topic_reasoning",
    }
    by_file: dict[str, list] = {}
    for i, row in enumerate(rows):
        by_file.setdefault(names[row["question_type"]], []).append((i, {**row, "video": f"{i}_{row['video']}"}))
    (data / "9_summary.json").write_text(json.dumps([{"video": "s.mp4", "question": "Summarize.", "answer": "x"}]))
    order = []
    for name in sorted(by_file):
        (data / f"{name}.json").write_text(json.dumps([row for _, row in by_file[name]]))
        order += [i for i, _ in by_file[name]]
    task, records, metrics = score_answers("mlvu_dev", tmp_path, [answers[i] for i in order])
    assert [bool(r.scores["accuracy"]) for r in records] == [verdicts[i] for i in order]
    assert metrics["m_avg"] == pytest.approx(cases["all_answers"]["printed"]["Avg"], abs=0.01)
    loaded = task.load(str(data))
    assert loaded.source["layout"] == "release" and len(loaded.rows) == len(rows)  # the open-ended file is left
    first = loaded.rows[0]
    video = tmp_path / "video" / sorted(by_file)[0] / first["video_name"]  # where the hub's archive unpacks it
    video.parent.mkdir(parents=True)
    video.write_bytes(b"not decoded here")
    assert task.media(first, loaded.base_dir)[0].path == str(video)


def test_a_failed_generation_is_wrong_even_where_the_script_would_take_an_empty_answer_as_a(tmp_path):
    cases, rows, _, _ = flat_cases("worldsense")
    gold_a = [row for row in cases["rows"] if row["task0"]["answer"] == "A"]
    (tmp_path / "worldsense_qa.json").write_text(json.dumps({row["video_id"]: row for row in gold_a}))
    _, records, metrics = score_answers("worldsense", tmp_path, [None] * len(gold_a))
    assert gold_a and all(r.failed for r in records)
    assert metrics["accuracy"] == 0.0 and metrics["official_guessed"] == 0
