"""MMLU-Redux, GPQA-Diamond and AIME25 on fixtures in their hub schemas: ids, prompts, and scoring
pinned on hand-made predictions whose score is known; a real model run end to end."""

from __future__ import annotations

import asyncio
import json

import pytest

from omnieval.config import load_preset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import TASKS
from omnieval.testing.sample_data import write_parquet
from tests.conftest import only_run_dir, read_jsonl, read_run, run_cli

STRING = {"dtype": "string", "_type": "Value"}
MMLU_REDUX_FEATURES = {
    "question": STRING,
    "choices": {"feature": STRING, "_type": "List"},
    "answer": {"dtype": "int64", "_type": "Value"},
    "error_type": STRING,
    "source": STRING,
    "correct_answer": STRING,
    "potential_reason": STRING,
}
MMLU_REDUX = {  # subject: [(question, choices, answer index, error_type)]
    "anatomy": [
        ("Which bone is in the arm?", ["femur", "humerus", "tibia", "fibula"], 1, "ok"),
        ("How many chambers has the heart?", ["four", "three", "two", "one"], 0, "ok"),
        ("Where is the patella?", ["hip", "arm", "skull", "knee"], 3, "wrong_groundtruth"),
    ],
    "college_physics": [
        ("What is the unit of force?", ["joule", "watt", "newton", "pascal"], 2, "ok"),
        ("Light in vacuum travels at about?", ["3e8 m/s", "3e6 m/s", "340 m/s", "1 m/s"], 0, "ok"),
    ],
    "moral_scenarios": [
        ("Is lying to hurt someone wrong?", ["no", "yes", "unclear", "sometimes"], 1, "ok"),
        ("Scenario two?", ["a", "b", "c", "d"], 2, "no_correct_answer"),
    ],
}


@pytest.fixture(scope="module")
def mmlu_redux_folder(tmp_path_factory):
    """The hub's layout: one folder per subject, a test parquet in each. moral_scenarios has its empty
    text columns typed float64, as the real dataset does."""
    base = tmp_path_factory.mktemp("mmlu-redux")
    for subject, items in MMLU_REDUX.items():
        features = dict(MMLU_REDUX_FEATURES)
        empty = {}
        if subject == "moral_scenarios":
            features.update(
                {k: {"dtype": "float64", "_type": "Value"} for k in ("source", "correct_answer", "potential_reason")}
            )
            empty = {"source": None, "correct_answer": None, "potential_reason": None}
        rows = [
            {
                "question": q,
                "choices": c,
                "answer": a,
                "error_type": e,
                "source": "mmlu",
                "correct_answer": None,
                "potential_reason": None,
                **empty,
            }
            for q, c, a, e in items
        ]
        write_parquet(rows, features, base / subject / "test-00000-of-00001.parquet")
    return base


def score(task: str, dataset, predictions: dict[str, str], folder) -> tuple[dict, list[dict]]:
    path = folder / "predictions.jsonl"
    path.write_text("".join(json.dumps({"id": k, "prediction": v}) + "\n" for k, v in predictions.items()))
    output = folder / "scored"
    metrics = json.loads(
        run_cli(
            "score",
            "--task",
            task,
            "--predictions",
            path,
            "--dataset-path",
            dataset,
            "--output",
            output,
            "--format",
            "json",
        ).stdout
    )
    return metrics, read_jsonl(only_run_dir(output) / "samples.jsonl")


def test_mmlu_redux_ids_prompt_and_scoring(mmlu_redux_folder, tmp_path):
    task = TASKS.get("mmlu_redux")
    loaded = task.load(str(mmlu_redux_folder))
    ids = task.sample_ids(loaded)
    assert ids == [
        "anatomy/0",
        "anatomy/1",
        "anatomy/2",
        "college_physics/0",
        "college_physics/1",
        "moral_scenarios/0",
        "moral_scenarios/1",
    ]
    assert loaded.source["subsets"] == ["anatomy", "college_physics", "moral_scenarios"]
    assert len(loaded.source["missing_subsets"]) == 54  # a partial copy says what it lacks
    (message,) = task.build_messages(loaded.rows[0], loaded.base_dir)
    assert message.text() == (
        "Answer the following multiple choice question. The last line of your response should be of the following "
        "format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before "
        "answering.\n\nWhich bone is in the arm?\n\nA) femur\nB) humerus\nC) tibia\nD) fibula"
    )
    metrics, records = score(
        "mmlu_redux",
        mmlu_redux_folder,
        {
            "anatomy/0": "The humerus.\nAnswer: B",
            "anatomy/1": "The answer is (C).",
            "anatomy/2": "I am not sure.",
            "college_physics/0": "Force is measured in newtons.\nANSWER: C",
            "college_physics/1": "A",
            "moral_scenarios/0": "<think>Hurting people is wrong.</think>B",
            "moral_scenarios/1": "Answer: D",
        },
        tmp_path,
    )
    assert metrics["accuracy"] == pytest.approx(100 * 4 / 7)
    assert metrics["accuracy/category/other"] == pytest.approx(100 / 3)
    assert metrics["accuracy/category/STEM"] == 100.0 and metrics["accuracy/category/humanities"] == 50.0
    assert metrics["accuracy/subject/college_physics"] == 100.0
    assert metrics["accuracy_ok"] == 80.0  # the five items annotated "ok": four right
    assert metrics["extraction_failure_rate"] == pytest.approx(100 / 7)
    by_id = {r["id"]: r for r in records}
    assert by_id["anatomy/1"]["details"]["extracted"] == "C" and by_id["anatomy/2"]["details"]["extracted"] is None
    assert by_id["anatomy/2"]["scores"] == {"accuracy": 0.0, "unreadable": 1.0}
    assert by_id["anatomy/0"]["metadata"]["error_type"] == "ok" and by_id["anatomy/0"]["target"] == "B"


def test_a_single_local_file_gives_bare_indices(tmp_path):
    rows = [
        {
            "question": q,
            "choices": c,
            "answer": a,
            "error_type": e,
            "source": "",
            "correct_answer": "",
            "potential_reason": "",
        }
        for q, c, a, e in MMLU_REDUX["anatomy"]
    ]
    path = write_parquet(rows, MMLU_REDUX_FEATURES, tmp_path / "anatomy.parquet")
    task = TASKS.get("mmlu_redux")
    assert task.sample_ids(task.load(str(path))) == ["0", "1", "2"]


def test_a_folder_without_the_subset_folders_is_one_clear_line(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"id": "anatomy/0", "prediction": "A"}\n')
    proc = run_cli(
        "score", "--task", "mmlu_redux", "--predictions", tmp_path / "p.jsonl", "--dataset-path", tmp_path, check=False
    )
    assert proc.returncode == 2 and "holds none of the subset folders of edinburgh-dawg/mmlu-redux-2.0" in proc.stderr


GPQA_COLUMNS = (
    "Pre-Revision Question",
    "Pre-Revision Correct Answer",
    "Question",
    "Correct Answer",
    "Incorrect Answer 1",
    "Incorrect Answer 2",
    "Incorrect Answer 3",
    "Explanation",
    "Subdomain",
    "Record ID",
    "High-level domain",
)
GPQA = [
    ("What is the charge of an electron?", "-1 e\n", "+1 e", "0", "+2 e", "Physics", "recA1"),
    ("Which element has atomic number 6?", "carbon", "nitrogen", "oxygen", "boron", "Chemistry", "recB2"),
    ("What carries genetic information?", "DNA", "ATP", "lipids", "glucose", "Biology", "recC3"),
]


@pytest.fixture(scope="module")
def gpqa_parquet(tmp_path_factory):
    features = {name: STRING for name in GPQA_COLUMNS}
    features["Expert Validator Accuracy"] = {"dtype": "float64", "_type": "Value"}
    rows = [
        {
            "Pre-Revision Question": q,
            "Pre-Revision Correct Answer": right,
            "Question": q,
            "Correct Answer": right,
            "Incorrect Answer 1": w1,
            "Incorrect Answer 2": w2,
            "Incorrect Answer 3": w3,
            "Explanation": "",
            "Subdomain": "",
            "Record ID": rid,
            "High-level domain": domain,
            "Expert Validator Accuracy": 1.0,
        }
        for q, right, w1, w2, w3, domain, rid in GPQA
    ]
    return write_parquet(rows, features, tmp_path_factory.mktemp("gpqa") / "gpqa_diamond.parquet")


def test_gpqa_options_are_shuffled_the_same_way_every_time(gpqa_parquet, tmp_path):
    task = TASKS.get("gpqa_diamond")
    loaded = task.load(str(gpqa_parquet))
    assert task.sample_ids(loaded) == ["recA1", "recB2", "recC3"]
    samples = [task.describe_row(loaded.rows[i], i, "") for i in range(3)]
    again = [task.describe_row(task.load(str(gpqa_parquet)).rows[i], i, "") for i in range(3)]
    assert [s.metadata["options"] for s in samples] == [s.metadata["options"] for s in again]
    for sample, (_, right, *_rest) in zip(samples, GPQA, strict=True):
        assert sample.metadata["options"][sample.target] == right.strip()  # stripped, and under the target letter
    assert [s.target for s in samples] == ["D", "C", "A"]  # seeded by Record ID, not always in one place
    first = samples[0]
    wrong = next(letter for letter in "ABCD" if letter != first.target)
    metrics, records = score(
        "gpqa_diamond",
        gpqa_parquet,
        {
            "recA1": f"Answer: {first.target}",
            "recB2": f"The answer is {samples[1].metadata['options'][samples[1].target]}",
            "recC3": f"Answer: {wrong}" if samples[2].target != wrong else "Answer: E",
        },
        tmp_path,
    )
    assert metrics["accuracy"] == pytest.approx(200 / 3)
    assert metrics["accuracy/domain/Physics"] == 100.0 and metrics["accuracy/domain/Biology"] == 0.0


def test_aime25_parts_and_math_equivalence(tmp_path):
    base = tmp_path / "aime"
    for part, items in {
        "AIME2025-I": [("Find x.", "70"), ("Find y.", 588)],
        "AIME2025-II": [("Find z.", "16"), ("Find w.", "033")],
    }.items():
        (base / part).mkdir(parents=True)
        (base / part / "test.jsonl").write_text(
            "".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in items)
        )
    task = TASKS.get("aime25")
    loaded = task.load(str(base))
    assert task.sample_ids(loaded) == ["AIME2025-I/0", "AIME2025-I/1", "AIME2025-II/0", "AIME2025-II/1"]
    (message,) = task.build_messages(loaded.rows[0], None)
    assert message.text() == "Find x.\nPlease reason step by step, and put your final answer within \\boxed{}."
    metrics, records = score(
        "aime25",
        base,
        {
            "AIME2025-I/0": "So x = \\boxed{70}.",
            "AIME2025-I/1": "The answer is 588.",
            "AIME2025-II/0": "\\boxed{15}",
            "AIME2025-II/1": "<think>z is 33",
        },
        tmp_path,
    )
    assert metrics["accuracy"] == 50.0 and metrics["accuracy/part/AIME2025-I"] == 100.0
    assert metrics["extraction_failure_rate"] == 25.0
    assert [r["target"] for r in records] == ["70", "588", "16", "33"]


def test_a_real_model_answers_mmlu_redux_end_to_end(smollm2, mmlu_redux_folder, tmp_path):
    """SmolLM2 answers; whatever it says is read by the extractor or counted as unreadable."""
    options = RunOptions(
        output_dir=tmp_path,
        dataset_path=str(mmlu_redux_folder),
        limit=3,
        show_progress=False,
        gen_overrides={"max_new_tokens": 16},
    )
    run_dir = asyncio.run(Evaluation(TASKS.get("mmlu_redux"), smollm2, load_preset("smollm2-135m"), options).run())
    run = read_run(run_dir.path)
    assert run["status"] == "complete" and run["counts"] == {
        "selected": 3,
        "done": 3,
        "failed": 0,
        "cached": 0,
        "pending": 0,
    }
    assert 0 <= run["metrics"]["accuracy"] <= 100 and "extraction_failure_rate" in run["metrics"]
    for record in read_jsonl(run_dir.samples_file):
        assert record["prediction"] and record["response"]["output_tokens"] <= 16
        assert record["details"]["extracted"] in (None, "A", "B", "C", "D")


def test_the_text_tasks_are_listed():
    listed = json.loads(run_cli("tasks", "--family", "text", "--format", "json").stdout)
    assert {t["name"] for t in listed} == {"mmlu_redux", "gpqa_diamond", "aime25"}
    assert next(t for t in listed if t["name"] == "mmlu_redux")["config"] == "57 subsets"
