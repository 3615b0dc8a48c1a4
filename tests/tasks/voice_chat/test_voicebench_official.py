"""VoiceBench's rule-based subsets score as its own evaluators (MatthewCYM/VoiceBench src/evaluator) do.

Each file in voicebench_cases/ holds rows in the release schema of hlt-lab/voicebench (synthetic texts,
no audio), answers in the forms spoken models write, and what the official evaluate.py, run unmodified
outside this repository, said of them: per answer its verdict, what it read and whether it had to draw a
random answer, and the figures it printed per answer form and over all answers together. Its "source"
names the repository, commit, script and command. The rows are loaded through each task from a local
copy, as `--dataset-path` loads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omnieval.judges.voicebench_official import (
    MCQ_TEMPLATES,
    REFUSAL_STRINGS,
    ifeval_response,
    is_refusal,
    read_bbh,
    read_mcq,
)
from omnieval.registry import TASKS
from omnieval.scoring import summarize
from tests.helpers import score_answers

CASES = Path(__file__).parent / "voicebench_cases"


def cases(name: str) -> dict:
    return json.loads((CASES / f"{name}.json").read_text())


def write_release(path: Path, rows: list[dict]) -> Path:
    """Rows as JSON lines with the release's audio column (a path: scoring never opens it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"audio": f"audio/{i}.wav", **row}) + "\n" for i, row in enumerate(rows)))
    return path


def every_form(case: dict, rows: list[int]) -> tuple[list[dict], list[str]]:
    """The given rows once per answer form (form after form) and the answers in the same order."""
    forms = len(case["forms"])
    return (
        [case["rows"][r] for _ in range(forms) for r in rows],
        [case["answers"][r][form] for form in range(forms) for r in rows],
    )


def per_form(case: dict, rows: list[int], records: list) -> list[tuple[int, list]]:
    return [(form, records[form * len(rows) : (form + 1) * len(rows)]) for form in range(len(case["forms"]))]


def metrics_of(task, records) -> dict[str, float]:
    return summarize(task, records, len(records)).metrics


def flat(case: dict, key: str, rows: list[int]) -> list:
    return [case[key][r][form] for form in range(len(case["forms"])) for r in rows]


def test_multiple_choice_verdicts_reads_and_guesses_equal_mcq_py(tmp_path):
    case = cases("mcq")
    everything = list(range(len(case["rows"])))
    rows, answers = every_form(case, everything)
    # openbookqa and mmsu are scored by the same mcq.py; a single file of every row is one run of it
    task, records, metrics = score_answers(
        "voicebench_openbookqa", write_release(tmp_path / "all.jsonl", rows), answers
    )
    assert [bool(r.scores["accuracy"]) for r in records] == flat(case, "verdicts", everything)
    assert [bool(r.scores["official_guessed"]) for r in records] == flat(case, "guessed", everything)
    assert [r.details["official_read"] for r in records] == flat(case, "extracted", everything)
    for form, scored in per_form(case, everything, records):
        official, name = case["forms"][form]["official"], case["forms"][form]["form"]
        figures = metrics_of(task, scored)
        assert figures["accuracy"] == pytest.approx(official["total"], abs=0.01), name
        # evaluate.py's `fail`: the answers it read no letter from, over all answers
        assert 100 * figures["official_guessed"] / len(scored) == pytest.approx(official["fail"], abs=0.01), name
    assert metrics["accuracy"] == pytest.approx(case["all_answers"]["total"], abs=0.01)
    assert 100 * metrics["official_guessed"] / len(records) == pytest.approx(case["all_answers"]["fail"], abs=0.01)
    # our reader beside it: "B", "\boxed{B}", "Answer: B" read B for us; "It's B, not A." reads B, not A
    assert metrics["accuracy_lenient"] > metrics["accuracy"]
    assert (
        metrics["readers_disagree"]
        == sum(bool(r.scores["accuracy"]) != bool(r.scores["accuracy_lenient"]) for r in records)
        > 0
    )
    source = task.scoring_info()["official_scorer"]
    assert (source["repository"], source["commit"], source["path"]) == (
        case["source"]["repo"],
        case["source"]["commit"],
        case["source"]["script"],
    )


@pytest.mark.parametrize("subset", ["openbookqa", "mmsu"])
def test_each_subset_as_its_own_release_gives_mcq_py_figures(subset, tmp_path):
    case = cases("mcq")
    mine = [r for r, name in enumerate(case["row_subset"]) if name.split("/")[0] == subset]
    rows, answers = every_form(case, mine)
    if subset == "openbookqa":
        path = write_release(tmp_path / "openbookqa" / "test.jsonl", rows)
    else:  # the hub's layout: one split per domain, each a folder; its rows form after form
        path = tmp_path / "mmsu"
        domain_of = {case["rows"][r]["prompt"]: case["row_subset"][r].split("/")[1] for r in mine}
        for domain in set(domain_of.values()):
            write_release(path / domain / "test.jsonl", [row for row in rows if domain_of[row["prompt"]] == domain])
    task = TASKS.get(f"voicebench_{subset}")
    # the answers in the order the task loads the rows (domain after domain), and each one's form
    pending: dict[str, list[tuple[int, str]]] = {}
    for i, (row, answer) in enumerate(zip(rows, answers, strict=True)):
        pending.setdefault(row["prompt"], []).append((i // len(mine), answer))
    ordered = [pending[prompt].pop(0) for prompt in task.load(str(path)).rows["prompt"]]
    _, records, metrics = score_answers(task.name, path, [answer for _, answer in ordered])
    for form in range(len(case["forms"])):
        scored = [record for record, (of, _) in zip(records, ordered, strict=True) if of == form]
        assert metrics_of(task, scored)["accuracy"] == pytest.approx(
            case["forms"][form]["official"][f"subset/{subset}"], abs=0.01
        ), case["forms"][form]["form"]
    assert metrics["accuracy"] == pytest.approx(case["all_answers"][f"subset/{subset}"], abs=0.01)
    if subset == "mmsu":
        assert {k for k in metrics if k.startswith("accuracy/domain/")} == {
            f"accuracy/domain/{case['row_subset'][r].split('/')[1]}" for r in mine
        }


_BBH_READS = {0: {"hyperbaton": "(a)"}, 1: {"hyperbaton": "(b)"}}


def _bbh_label(value: int | None, row_id: str) -> str | None:
    if value is None:
        return None
    return _BBH_READS[value].get("hyperbaton" if "hyperbaton" in row_id else "", ("no", "yes")[value])


def test_bbh_verdicts_reads_guesses_and_figures_equal_bbh_py(tmp_path):
    case = cases("bbh")
    everything = list(range(len(case["rows"])))
    rows, answers = every_form(case, everything)
    task, records, metrics = score_answers("voicebench_bbh", write_release(tmp_path / "bbh.jsonl", rows), answers)
    assert [bool(r.scores["accuracy"]) for r in records] == flat(case, "verdicts", everything)
    assert [bool(r.scores["official_guessed"]) for r in records] == flat(case, "guessed", everything)
    assert [r.details["official_read"] for r in records] == [
        _bbh_label(value, rows[i]["id"]) for i, value in enumerate(flat(case, "extracted", everything))
    ]
    for form, scored in per_form(case, everything, records):
        official, name = case["forms"][form]["official"], case["forms"][form]["form"]
        figures = metrics_of(task, scored)
        assert figures["accuracy"] == pytest.approx(official["total"], abs=0.01), name
        for key, value in official.items():
            if key.startswith("task/"):
                assert figures[f"accuracy/subtask/{key[5:]}"] == pytest.approx(value, abs=0.01), (name, key)
    assert metrics["accuracy"] == pytest.approx(case["all_answers"]["total"], abs=0.01)
    for key, value in case["all_answers"].items():
        if key.startswith("task/"):
            assert metrics[f"accuracy/subtask/{key[5:]}"] == pytest.approx(value, abs=0.01), key
    # our reader beside it: "B" on hyperbaton, "True.", "\boxed{yes}" read as meant
    assert metrics["accuracy_lenient"] > metrics["accuracy"] and metrics["readers_disagree"] > 0
    source = task.scoring_info()["official_scorer"]
    assert (source["commit"], source["path"]) == (case["source"]["commit"], case["source"]["script"])


def test_a_bbh_row_bbh_py_cannot_score_fails_its_sample(tmp_path):
    rows = [
        {"id": "hyperbaton_1", "prompt": "p", "reference": "(A)"},
        {"id": "date_understanding_4", "prompt": "p", "reference": "(A)"},  # bbh.py: NotImplementedError
        {"id": "navigate_2", "prompt": "p", "reference": "True"},
    ]  # bbh.py: KeyError
    _, records, metrics = score_answers(
        "voicebench_bbh", write_release(tmp_path / "bbh.jsonl", rows), ["The answer is (A).", "(A)", "True"]
    )
    assert [r.failed for r in records] == [False, True, True]
    assert metrics["accuracy"] == pytest.approx(100 / 3)


def test_advbench_refusals_equal_harm_py(tmp_path):
    case = cases("harm")
    everything = list(range(len(case["rows"])))
    rows, answers = every_form(case, everything)
    task, records, metrics = score_answers("voicebench_advbench", write_release(tmp_path / "adv.jsonl", rows), answers)
    assert [bool(r.scores["refused"]) for r in records] == flat(case, "verdicts", everything)
    # the refusal strings found, repeats of harm.py's list included; an empty answer is a refusal without one
    assert [r.details["refusal_phrases"] for r in records] == [
        found if found and not found[0].startswith("<empty") else [] for found in flat(case, "extracted", everything)
    ]
    for form, scored in per_form(case, everything, records):
        assert metrics_of(task, scored)["refusal_rate"] == pytest.approx(
            case["forms"][form]["official"]["total"], abs=0.01
        ), case["forms"][form]["form"]
    assert metrics == {"refusal_rate": pytest.approx(case["all_answers"]["total"], abs=0.01)}
    assert task.scoring_info()["official_scorer"]["path"] == case["source"]["script"]


_IFEVAL_FIGURES = {
    "strict/prompt": "prompt_strict",
    "strict/instruction": "instruction_strict",
    "loose/prompt": "prompt_loose",
    "loose/instruction": "instruction_loose",
}


def test_ifeval_checks_and_figures_equal_ifeval_py(tmp_path):
    case = cases("ifeval")
    everything = list(range(len(case["rows"])))
    rows, answers = every_form(case, everything)
    task, records, metrics = score_answers("voicebench_ifeval", write_release(tmp_path / "ifeval.jsonl", rows), answers)
    assert [bool(r.scores["prompt_strict"]) for r in records] == flat(case, "verdicts", everything)
    assert [bool(r.scores["prompt_loose"]) for r in records] == flat(case, "verdicts_loose", everything)
    assert [r.details["followed_strict"] for r in records] == flat(case, "instruction_results_strict", everything)
    assert [r.details["followed_loose"] for r in records] == flat(case, "instruction_results_loose", everything)
    assert [ifeval_response(answer) for answer in answers] == flat(case, "extracted", everything)
    for form, scored in per_form(case, everything, records):
        official, name = case["forms"][form]["official"], case["forms"][form]["form"]
        figures = metrics_of(task, scored)
        assert figures["accuracy"] == pytest.approx(official["total"], abs=0.01), name
        for key, ours in _IFEVAL_FIGURES.items():
            assert figures[ours] == pytest.approx(official[key], abs=0.01), (name, key)
    # every (row, form) pair pooled, as the official per-example functions and print_report give it
    assert metrics["accuracy"] == pytest.approx(case["all_answers"]["total"], abs=0.01)
    for key, ours in _IFEVAL_FIGURES.items():
        assert metrics[ours] == pytest.approx(case["all_answers"][key], abs=0.01), key
    assert task.scoring_info()["official_scorer"]["path"] == case["source"]["script"]


def test_the_official_scorers_are_named_and_the_changed_tasks_versioned():
    for name in ("voicebench_mmsu", "voicebench_openbookqa", "voicebench_bbh", "voicebench_ifeval"):
        task = TASKS.get(name)
        assert task.version == "2", name
        assert task.scoring_info()["official_scorer"]["repository"] == "MatthewCYM/VoiceBench"
    assert TASKS.get("voicebench_advbench").version == "1"  # harm.py's verdicts were ours already


def test_the_official_quirks_are_kept():
    """What the case files show, in words: plain substrings, template order, the hyperbaton "b", apostrophes."""
    assert len(MCQ_TEMPLATES) == 163 and MCQ_TEMPLATES[0] == "答案是[CHOICE]"
    assert read_mcq("The answer is actually C.") == "A"  # "the answer is a" is in it
    assert read_mcq("It's B, not A.") == "A"  # " [CHOICE]." is tried before " [CHOICE],"
    assert read_mcq("Option B") is None and read_mcq("<1> B") == "B"
    assert read_bbh("B", "hyperbaton") == 0 and read_bbh("b)", "hyperbaton") == 1
    assert read_bbh("Not sure, but I'd say yes.", "navigate") == 0  # opens with "no"
    assert read_bbh('The sentence "X scored." is not plausible.', "sports_understanding") == 1
    assert read_bbh("True.", "web_of_lies") is None and read_bbh("(B)", "hyperbaton") is None  # random draws
    assert len(REFUSAL_STRINGS) == 71 and "I' not comfortableI don' want" in REFUSAL_STRINGS
    assert is_refusal("I can't help with that.") and not is_refusal("I can’t help with that.")
    assert is_refusal("  ") and is_refusal("That is ILLEGAL.")
    assert ifeval_response("<2> hello <|user|>") == "hello"
