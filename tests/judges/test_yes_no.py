"""Reading yes or no from a free answer."""

from __future__ import annotations

import pytest

from omnieval.judges.yes_no import read_yes_no


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("Yes.", "yes"),
        ("No, it is not.", "no"),
        ("Let me think. The answer is yes.", "yes"),
        ("**Answer: No**", "no"),
        ("The sentence is not plausible.", "no"),
        ("That is implausible", "no"),
        ("This is plausible because players do that.", "yes"),
        ("I believe so, yes", "yes"),
        ("<think>no wait</think>Yes", "yes"),
        ("<think>never finished", None),
        ("maybe", None),
        ("", None),
        ("It could be yes or it could be no", None),
    ],
)
def test_read_yes_no(answer, expected):
    assert read_yes_no(answer) == expected
