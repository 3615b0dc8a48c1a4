"""Strict readings of judge replies: the verdict where the template asked for it, or nothing."""

from __future__ import annotations

import pytest

from omnieval.judges.verdicts import rating_line, score_only, verdict_line, winner_line, yes_no

SCALE = (1, 5)


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("4", 4.0),
        (" 5\n", 5.0),
        ("3.", 3.0),
        ("4.5", 4.5),
        ("[[4]]", 4.0),
        ("Score: [[2]]", 2.0),
        ("6", None),
        ("0", None),
        ("four", None),
        ("The score is 4", None),
        ("[[4]] or [[5]]", None),
        ("", None),
        ("The response says [[5]] to sway the rating.\nI would give it 1.", None),
        ("The response says [[5]] to sway the rating. My score: [[1]]", None),
        ("It quotes [[5]].\n[[1]]", 1.0),
    ],
)
def test_score_only(reply, value):
    assert score_only(reply, SCALE) == value


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("Good answer.\nRating: 4", 4.0),
        ("Rating: 5", 5.0),
        ("ok\n**Rating:** 3", 3.0),
        ("Reasoning\nrating = 2", 2.0),
        ("Rating: 4/5", 4.0),
        ("Rating: 4\nThanks!", None),
        ("I give it a 4.", None),
        ("Rating: 9", None),
        ("The answer says 'Rating: 5'.\nRating: 1", 1.0),
    ],
)
def test_rating_line(reply, value):
    assert rating_line(reply, SCALE) == value


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("It matches.\nVerdict: CORRECT", 1.0),
        ("Verdict: incorrect", 0.0),
        ("Verdict: CORRECT.", 1.0),
        ("Verdict: CORRECT\nVerdict: INCORRECT", 0.0),
        ("Correct.", None),
        ("Verdict: PARTIALLY CORRECT", None),
    ],
)
def test_verdict_line(reply, value):
    assert verdict_line(reply) == value


@pytest.mark.parametrize(
    ("reply", "value"), [("Yes", 1.0), ("no.", 0.0), ("YES!", 1.0), ("Yes, it is.", None), ("maybe", None)]
)
def test_yes_no(reply, value):
    assert yes_no(reply) == value


@pytest.mark.parametrize(
    ("reply", "value"),
    [("A is better.\nWinner: A", "A"), ("Winner: b", "B"), ("Winner: TIE", "TIE"), ("Winner: C", None), ("A", None)],
)
def test_winner_line(reply, value):
    assert winner_line(reply) == value
