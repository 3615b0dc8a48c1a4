"""MathVista scored as its official extract_answer.py and calculate_score.py score it, on rows in its
release schema (tests/judges/official_cases/mathvista_*.json: the scripts' verdicts, run outside this
repository as each file's "source" says), from the hub's layout and from the repository's files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from omnieval.judges.mathvista import normalized_prediction, rule_extraction
from omnieval.judges.model_judge import ModelJudge
from omnieval.judges.templates import load_template
from omnieval.registry import TASKS
from omnieval.scoring import judge_records, summarize
from tests.helpers import score_answers
from tests.judges.judge_programs import ProgramJudge

CASES = Path(__file__).parents[2] / "judges" / "official_cases"


def cases(name: str) -> dict:
    return json.loads((CASES / f"{name}.json").read_text())


def hub_copy(rows: list[dict], folder: Path) -> Path:
    """The rows as the hub's split (its columns; the image a path, which scoring never reads)."""
    path = folder / "testmini.jsonl"
    path.write_text("".join(json.dumps({**row, "decoded_image": {"path": row["image"]}}) + "\n" for row in rows))
    return path


def release_copy(rows: list[dict], folder: Path) -> Path:
    """The rows as the repository publishes them: data/testmini.json (pid -> question, without its prompt,
    precision an integer) and data/query.json (pid -> prompt)."""
    data = folder / "data"
    data.mkdir()
    entries = {row["pid"]: {k: v for k, v in row.items() if k != "query"} for row in rows}
    for entry in entries.values():
        if entry["precision"] is not None:
            entry["precision"] = int(entry["precision"])
    (data / "testmini.json").write_text(json.dumps(entries))
    (data / "query.json").write_text(json.dumps({row["pid"]: row["query"] for row in rows}))
    return folder


@pytest.mark.parametrize("layout", [hub_copy, release_copy])
def test_answers_the_rules_decide_get_the_official_verdicts_and_the_rest_is_counted(layout, tmp_path):
    official = cases("mathvista_testmini")
    path = layout(official["rows"], tmp_path)
    forms = len(official["answers"][0])
    for form in range(forms):
        answers = [row[form] for row in official["answers"]]
        task, records, metrics = score_answers("mathvista_testmini", path, answers)
        needs_model = [row[form] for row in official["needs_model"]]
        assert [bool(r.scores["official_needs_model"]) for r in records] == needs_model, answers
        decided = [
            (bool(r.scores["accuracy"]), row[form])
            for r, row, model in zip(records, official["verdicts"], needs_model, strict=True)
            if not model
        ]
        assert [ours for ours, _ in decided] == [theirs for _, theirs in decided], answers
        assert metrics["official_needs_model"] == sum(needs_model)
    assert task.scoring_info()["official_scorer"]["commit"] == official["source"]["commit"]


def test_the_release_files_load_as_published_with_their_prompts(tmp_path):
    official = cases("mathvista_testmini")
    task, records, _ = score_answers(
        "mathvista_testmini", release_copy(official["rows"], tmp_path), ["" for _ in official["rows"]]
    )
    assert [r.id for r in records] == [row["pid"] for row in official["rows"]]
    assert [r.metadata["query"] for r in records] == [row["query"] for row in official["rows"]]
    (tmp_path / "data" / "query.json").unlink()
    with pytest.raises(Exception, match="query.json"):
        score_answers("mathvista_testmini", tmp_path, [""])


def test_extractions_normalize_as_calculate_score_does():
    official = cases("mathvista_model_extraction")
    fed = official["extraction_fed_to_calculate_score"]
    for row, extractions, predictions in zip(official["rows"], fed, official["extracted"], strict=True):
        question = {**row, "choices": row["choices"] or []}
        assert [normalized_prediction(e, question) for e in extractions] == predictions, row["pid"]


def test_the_rules_extract_only_what_extract_answer_takes_without_a_model():
    integer = {"question_type": "free_form", "answer_type": "integer", "choices": None}
    assert [rule_extraction(r, integer) for r in ("3", " 3\n", "1_000", "3.0", "3 objects", "")] == [
        "3",
        "3",
        "1000",
        None,
        None,
        "",
    ]
    choice = {"question_type": "multi_choice", "answer_type": "text", "choices": ["50°", "130°"]}
    assert [rule_extraction(r, choice) for r in ("50°", "A", " 50°")] == ["50°", None, None]


class ExtractorJudge(ProgramJudge):
    """Plays MathVista's extractor model: checks that it is asked MathVista's own prompt, byte for byte, and
    replies with the extraction the case gives for that prompt."""

    def __init__(self, extractions: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.extractions, self.prompts = extractions, []

    def reply(self, request) -> str:
        (message,) = request.messages
        prompt = message.content[-1].text
        self.prompts.append(prompt)
        return self.extractions[prompt]


def test_the_model_extraction_path_asks_the_official_prompt_and_scores_its_reply_as_calculate_score(tmp_path):
    official = cases("mathvista_model_extraction")
    rows, response = official["rows"], official["response"]
    task = TASKS.get("mathvista_testmini").with_params(extractor="judge")
    assert task.judge_template == "mathvista_extract" and TASKS.get("mathvista_testmini").judge_template is None
    path = hub_copy(rows, tmp_path)
    prompts = official["judge_prompts"]
    for form in range(len(official["answers"][0])):
        # the extractor's reply for this form, by the exact prompt each row's answer is sent with
        judge_model = ExtractorJudge({prompts[row["pid"]]: official["answers"][r][form] for r, row in enumerate(rows)})
        judge = ModelJudge("extractor", judge_model, load_template(task.judge_template))
        _, records, _ = score_answers(task, path, [response] * len(rows))
        assert all(r.scores["official_needs_model"] == 1.0 and "accuracy" not in r.scores for r in records)
        records = asyncio.run(judge_records(task, records, judge))
        assert sorted(judge_model.prompts)[: len(rows)] == sorted(prompts[row["pid"]] for row in rows)
        if not any(official["answers"][r][form] for r in range(len(rows))):
            # the official client asks again until the reply is not empty; so do we, then the judgment fails
            # (judge_failed, to be judged again) instead of scoring an extraction no model gave
            assert all("accuracy" not in r.scores and r.details["judge"]["error"] for r in records)
            continue
        assert [bool(r.scores["accuracy"]) for r in records] == [row[form] for row in official["verdicts"]], form
        assert [r.scores["official_guessed"] for r in records] == [float(row[form]) for row in official["guessed"]]
        metrics = summarize(task, records, len(records)).metrics
        assert_figures(metrics, official["forms"][form]["official"])
    # a rule-decided answer is never sent to the model
    judge_model = ExtractorJudge({})
    _, records, _ = score_answers(
        task, path, [row["answer"] if row["question_type"] == "multi_choice" else "" for row in rows]
    )
    records = asyncio.run(
        judge_records(task, records, ModelJudge("extractor", judge_model, load_template(task.judge_template)))
    )
    assert judge_model.calls == 0 and all(
        r.scores["accuracy"] == 1.0 for r in records if r.metadata["question_type"] == "multi_choice"
    )


def assert_figures(metrics: dict, printed: dict) -> None:
    """calculate_score's printed figures ("total", "<field>/<value>", 2 decimals) equal ours."""
    for key, value in printed.items():
        ours = metrics["accuracy"] if key == "total" else metrics[f"accuracy/{key}"]
        assert ours == pytest.approx(value, abs=0.01), key
