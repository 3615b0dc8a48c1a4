"""GTZAN, MELD, VocalSound and MuChoMusic: the headline equals what each benchmark's published scorer gives.

Each file in audio_label_cases/ holds rows in the schema of the copy the task loads (TwinkStart/GTZAN,
TwinkStart/MELD, lmms-lab-audio/vocalsound, lmms-lab-audio/muchomusic; MuChoMusic's also in its authors'
muchomusic.csv), answers in the forms models write, and what the official scorer, run unmodified outside
this repository, said of them: its verdict and reading per answer and the figures it gives per answer form
and over all answers. Its "source" names the repository, commit, script and command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omnieval.registry import TASKS
from tests.helpers import score_answers

CASES = Path(__file__).parent / "audio_label_cases"
TASK_NAMES = ("gtzan", "meld_emotion", "vocalsound", "muchomusic")
#: the official figures' names -> ours (a name not here is one of MuChoMusic's categories, below)
FIGURES = {
    "total": "accuracy",
    "total_unrounded": "accuracy",
    "IFR": "instruction_following_rate",
    "knowledge/overall": "accuracy/knowledge",
    "reasoning/overall": "accuracy/reasoning",
    "logged/male_accuracy": "accuracy/gender/male",
    "logged/female_accuracy": "accuracy/gender/female",
    "logged/age_18_25_accuracy": "accuracy/age/18-25",
    "logged/age_26_48_accuracy": "accuracy/age/26-48",
    "logged/age_49_80_accuracy": "accuracy/age/49-80",
}


def cases_of(task_name: str) -> dict:
    return json.loads((CASES / f"{task_name}.json").read_text())


def hub_rows(cases: dict, categories: bool = False) -> list[dict]:
    """The rows as the hub copy holds them; with `categories`, MuChoMusic's rows also carry the authors' category
    and genre columns from muchomusic.csv (the hub copy has none)."""
    rows = json.loads(json.dumps(cases["rows"]))
    if categories:
        for row, authors in zip(rows, cases["rows_authors_csv"], strict=True):
            row.update({key: authors[key] for key in ("music_knowledge", "music_reasoning", "genre")})
    return rows


def scored(task_name: str, rows: list[dict], answers: list[str | None], folder: Path):
    path = folder / "test.json"
    path.write_text(json.dumps(rows))
    return score_answers(task_name, path, answers)


def assert_figures(metrics: dict, official: dict, task_name: str, what: str) -> None:
    """Each official figure equals ours: within 0.01 (percent) where the scorer gives it unrounded or at
    5 decimals of a fraction; where MuChoMusic's evaluate.py prints a fraction at 2 decimals, ours rounds to it."""
    for name, value in official.items():
        ours = metrics[FIGURES.get(name) or f"accuracy/{name}"]
        if task_name == "muchomusic" and name != "total_unrounded":
            assert round(ours / 100, 2) == pytest.approx(value / 100, abs=1e-9), (what, name, ours, value)
        else:
            assert ours == pytest.approx(value, abs=0.01), (what, name, ours, value)


@pytest.mark.parametrize("task_name", TASK_NAMES)
def test_every_verdict_reading_and_figure_equals_the_official_scorers(task_name, tmp_path):
    cases = cases_of(task_name)
    categories = task_name == "muchomusic"  # its breakdowns need the authors' columns
    rows = hub_rows(cases, categories)
    for form, described in enumerate(cases["forms"]):
        answers = [row_answers[form] for row_answers in cases["answers"]]
        _, records, metrics = scored(task_name, rows, answers, tmp_path)
        assert [bool(r.scores["accuracy"]) for r in records] == [row[form] for row in cases["verdicts"]], (
            described["form"],
            answers,
        )
        # what the script read: the answer cut to the label's length (UltraEval-Audio), the class (lmms-eval),
        # the letter (MuChoMusic); nothing read is None, an empty cut ""
        assert [r.details["official_read"] for r in records] == [row[form] or None for row in cases["extracted"]], (
            described["form"]
        )
        assert_figures(metrics, described["official"], task_name, described["form"])


@pytest.mark.parametrize("task_name", TASK_NAMES)
def test_all_answers_together_with_our_reading_beside_the_official_one(task_name, tmp_path):
    cases = cases_of(task_name)
    forms = len(cases["forms"])
    rows = hub_rows(cases, categories=task_name == "muchomusic") * forms
    answers = [cases["answers"][r][form] for form in range(forms) for r in range(len(cases["rows"]))]
    task, records, metrics = scored(task_name, rows, answers, tmp_path)
    assert [bool(r.scores["accuracy"]) for r in records] == [
        cases["verdicts"][r][form] for form in range(forms) for r in range(len(cases["rows"]))
    ]
    assert_figures(metrics, cases["all_answers"], task_name, "all answers")
    disagreements = sum(bool(r.scores["accuracy"]) != bool(r.scores["accuracy_lenient"]) for r in records)
    assert metrics["readers_disagree"] == disagreements > 0
    assert metrics["official_guessed"] == metrics["official_excluded"] == 0  # none of these scripts guesses or drops
    assert metrics["accuracy_lenient"] != metrics["accuracy"]
    source = task.scoring_info()["official_scorer"]
    assert (source["repository"], source["commit"]) == (cases["source"]["repo"], cases["source"]["commit"])
    assert task.version == "2"


def test_the_hub_rows_give_the_correct_answers_the_official_runs_used(tmp_path):
    for task_name, column in (("gtzan", "label"), ("meld_emotion", "Emotion"), ("vocalsound", "answer")):
        cases = cases_of(task_name)
        _, records, _ = scored(task_name, cases["rows"], [""] * len(cases["rows"]), tmp_path)
        assert [r.target for r in records] == [row[column] for row in cases["rows"]]
    cases = cases_of("muchomusic")
    _, records, _ = scored("muchomusic", cases["rows"], [""] * len(cases["rows"]), tmp_path)
    # evaluate.py's answer_orders: the correct option (0) sits at the letter the hub copy's answer names
    assert [r.target for r in records] == ["ABCD"[order.index(0)] for order in cases["answer_orders"]]


def test_muchomusic_from_the_hub_copy_has_accuracy_and_its_instruction_following_rate_only(tmp_path):
    cases = cases_of("muchomusic")
    forms = len(cases["forms"])
    answers = [cases["answers"][r][form] for form in range(forms) for r in range(len(cases["rows"]))]
    _, records, metrics = scored("muchomusic", hub_rows(cases) * forms, answers, tmp_path)
    assert metrics["accuracy"] == pytest.approx(cases["all_answers"]["total_unrounded"], abs=0.01)
    assert round(metrics["instruction_following_rate"] / 100, 2) == cases["all_answers"]["IFR"] / 100
    assert not [
        name for name in metrics if name.startswith(("accuracy/knowledge", "accuracy/reasoning", "accuracy/genre"))
    ]


def test_muchomusic_counts_a_failed_generation_wrong_and_unanswered(tmp_path):
    cases = cases_of("muchomusic")
    rows = hub_rows(cases)[:2]
    _, records, metrics = scored("muchomusic", rows, ["A", None], tmp_path)
    assert records[1].failed and metrics["accuracy"] == 50.0 and metrics["instruction_following_rate"] == 50.0
    assert metrics["readers_disagree"] == 0


def test_vocalsound_reads_class_names_in_its_scripts_order():
    task = TASKS.get("vocalsound")
    cough = task.describe_row({"answer": "Cough", "spk_id": "f0003", "age_group": 2}, 0, "0")
    assert cough.metadata["gender"] == "female" and cough.metadata["age"] == "26-48"
    # "Sneeze or Cough": Cough comes before Sneeze in lmms-eval's order, so it is read, whatever the text's order
    both = task.score(cough, "Sneeze or Cough")
    assert both.scores["accuracy"] == 1.0 and both.details["official_read"] == "Cough"
    assert both.details["extracted"] == "Sneeze"  # ours: the first named
    coughing = task.score(cough, "The speaker is coughing.")
    assert coughing.scores["accuracy"] == 1.0 and coughing.details["extracted"] is None


def test_the_prompts_are_ultraeval_audios_as_its_registry_writes_them():
    prompts = {name: TASKS.get(name).params["prompt"] for name in ("gtzan", "meld_emotion", "vocalsound")}
    assert prompts == {
        "gtzan": "Listen to the provided music clip and identify the genre. the answer must be one of [blues,classical,"
        "country,disco,hiphop,jazz,metal,pop,reggae,rock], answer without explain",
        "meld_emotion": "listen the audio and judge the emotion of the speaker, the answer must be one of [surprise,"
        "anger,neutral,joy,sadness,fear,disgust], answer without explain",
        "vocalsound": "listen the audio and judge the vocal sound, the answer must be one of [Cough,Sigh,"
        "Throat clearing,Sneeze,Laughter,Sniff], answer without explain",
    }
