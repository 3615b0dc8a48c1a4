"""RUL-MuchoMusic: four folds per question (one distractor left out each), [[Letter]] answers, accuracy
as the mean over folds and by majority vote."""

from __future__ import annotations

import json

import pytest

from omnieval.errors import OmnievalError
from omnieval.registry import TASKS
from omnieval.scoring import summarize, unreadable_row_record
from omnieval.testing.sample_understanding import rul_muchomusic_sample
from tests.helpers import score_answers


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return rul_muchomusic_sample(tmp_path_factory.mktemp("rul"))


def test_each_question_is_asked_four_times_leaving_out_each_distractor_once(folder):
    task = TASKS.get("rul_muchomusic")
    loaded = task.load(str(folder))
    entries = json.loads((folder / "RUL-MuchoMusic.json").read_text())
    assert len(loaded.rows) == 4 * len(entries) and loaded.source["entries"] == 2
    rows = [row for row in loaded.rows if row["question_id"] == "1740"]
    distractors = entries["1740"]["distractors"]
    for fold, row in enumerate(rows):
        assert sorted(row["options"]) == sorted(["A piano"] + [d for i, d in enumerate(distractors) if i != fold])
        assert row["options"][ord(row["answer"]) - ord("A")] == "A piano"
    assert [row["options"] for row in task.load(str(folder)).rows] == list(loaded.rows["options"])  # seeded


def test_the_prompt_is_the_official_one_with_options_on_one_line(folder):
    task = TASKS.get("rul_muchomusic")
    loaded = task.load(str(folder))
    audio, text = task.build_messages(loaded.rows[0], loaded.base_dir)[0].content
    options = " ".join(f"({chr(65 + i)}) {o}" for i, o in enumerate(loaded.rows[0]["options"]))
    assert audio.media.name == "audio/1740.mp3"
    assert text.text == (
        "Provide your best guess of this question. Think step by step.\n\nQuestion: What instrument "
        f"plays the tune?\n\nOptions: {options}\n\nWrite out your guess in the format of [[Letter]], "
        "such as [[A]], [[B]], [[C]], [[D]]."
    )


def test_accuracy_is_the_mean_over_folds_and_the_majority_vote_is_reported_beside_it(folder):
    task = TASKS.get("rul_muchomusic")
    rows = {row["id"]: row for row in task.load(str(folder)).rows}
    right = {key: row["answer"] for key, row in rows.items()}
    wrong = {key: next(chr(65 + i) for i in range(4) if chr(65 + i) != row["answer"]) for key, row in rows.items()}

    def letter_of(key: str, text: str) -> str:
        return chr(65 + rows[key]["options"].index(text))

    instrumental = "No, it is instrumental"  # question 12's first distractor: an option in folds 1-3
    answers = [
        # 1740: right in folds 0-2 (fold 1 after a change of mind: the last [[X]] counts), unreadable in fold 3
        f"[[{right['1740/0']}]]",
        f"[[{wrong['1740/1']}]] no, [[{right['1740/1']}]]",
        f"The answer is {right['1740/2']}.",
        "I am not sure.",
        # 12: right in fold 0, then "instrumental" twice: the vote is wrong
        f"[[{right['12/0']}]]",
        f"[[{letter_of('12/1', instrumental)}]]",
        f"[[{letter_of('12/2', instrumental)}]]",
        None,
    ]
    _, records, metrics = score_answers("rul_muchomusic", folder, answers)
    assert [r.details.get("official_read") for r in records][:4] == [
        right["1740/0"],
        right["1740/1"],
        right["1740/2"],
        None,
    ]
    assert metrics["accuracy"] == pytest.approx(100 * 4 / 8)
    assert metrics["accuracy/fold/0"] == 100.0 and metrics["accuracy/fold/3"] == 0.0
    # our reader reads "[[X]] no, [[Y]]" as two letters: two of seven generated answers unread by it
    assert metrics["extraction_failure_rate"] == pytest.approx(200 / 7) and metrics["accuracy_lenient"] == 300 / 8
    assert metrics["majority_accuracy"] == 50.0

    # a tie (right once, "instrumental" once) goes to the earliest fold's choice, as the official Counter does
    answers[6] = "no idea"
    _, _, metrics = score_answers("rul_muchomusic", folder, answers)
    assert metrics["majority_accuracy"] == 100.0
    answers[4] = f"[[{letter_of('12/0', 'Only humming')}]]"  # now the earliest choice is wrong
    _, _, metrics = score_answers("rul_muchomusic", folder, answers)
    assert metrics["majority_accuracy"] == 50.0


def test_without_a_local_copy_or_its_json_the_error_says_what_the_folder_must_hold(tmp_path):
    task = TASKS.get("rul_muchomusic")
    with pytest.raises(OmnievalError, match="audio is not published"):
        task.load(None)
    with pytest.raises(OmnievalError, match="RUL-MuchoMusic.json not found"):
        task.load(str(tmp_path))


def test_a_bracketed_letter_that_is_no_option_is_wrong_as_officially(folder):
    _, records, metrics = score_answers("rul_muchomusic", folder, ["[[E]] or maybe A piano"] + ["[[A]]"] * 7)
    assert records[0].details["official_read"] == "E" and records[0].scores["accuracy"] == 0.0
    assert "majority_accuracy" in metrics  # an invalid choice takes no part in the vote


def test_limit_draws_whole_questions_with_their_four_folds(folder):
    task = TASKS.get("rul_muchomusic")
    loaded = task.load(str(folder))
    chosen = task.select(loaded, limit=3, seed=0)
    assert len(chosen) == 4 and len({loaded.rows[i]["question_id"] for i in chosen}) == 1
    assert sorted(loaded.rows[i]["fold"] for i in chosen) == [0, 1, 2, 3]
    assert len(task.select(loaded, limit=5, seed=0)) == 8 and len(task.select(loaded, None, seed=0)) == 8


def test_passes_without_scores_choose_nothing_and_a_run_of_only_failures_finishes(folder):
    task = TASKS.get("rul_muchomusic")
    rows = task.load(str(folder)).rows
    task, records, _ = score_answers(task, folder, [f"[[{answer}]]" for answer in rows["answer"]])
    # question 12's passes failed without scores (their scorer crashed), its last row unreadable
    failed = [r.model_copy(update={"scores": {}, "details": {}, "error": "scoring failed: x"}) for r in records]
    twelve = [i for i, r in enumerate(records) if r.metadata["question_id"] == "12"]
    mixed = [failed[i] if i in twelve else r for i, r in enumerate(records)]
    mixed[twelve[-1]] = unreadable_row_record(records[twelve[-1]].id, twelve[-1], KeyError("answer"))
    summary = summarize(task, mixed, 8)
    assert summary.metrics["majority_accuracy"] == 50.0 and summary.metrics["accuracy"] == 50.0
    assert summary.counts["failed"] == 4

    summary = summarize(task, failed, 8)
    assert summary.metrics["majority_accuracy"] == 0.0 and summary.metrics["accuracy"] == 0.0
    assert summary.counts == {"selected": 8, "done": 8, "failed": 8, "cached": 0, "pending": 0}
