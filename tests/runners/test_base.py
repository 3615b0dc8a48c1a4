"""What every runner shares: its settings are checked when it is made, a number setting's type included."""

from __future__ import annotations

import re

import pytest

from omnieval.errors import OmnievalError
from omnieval.registry import RUNNERS
from omnieval.runners.base import NUMBER_SETTINGS, check_settings


@pytest.mark.parametrize(
    ("runner", "settings", "problem"),
    [
        ("espeak-ng", {"workers": "abc"}, "workers takes a whole number, not 'abc'"),
        ("pocketsphinx", {"workers": 2.5}, "workers takes a whole number, not 2.5"),
        ("espeak-ng", {"rate": True}, "rate takes a whole number, not True"),
        ("openai", {"model": "m", "timeout_s": "soon"}, "timeout_s takes a number, not 'soon'"),
        ("openai", {"model": "m", "max_retries": [1]}, "max_retries takes a whole number, not [1]"),
    ],
)
def test_a_number_setting_given_something_else_is_refused_by_name(runner, settings, problem):
    with pytest.raises(OmnievalError, match=re.escape(f"runner '{runner}': setting {problem}")):
        RUNNERS.get(runner)(**settings)


def test_numbers_as_the_runners_read_them_pass():
    for settings in ({"workers": 4}, {"workers": "4"}, {"workers": 4.0}, {"workers": None}):
        assert check_settings(RUNNERS.get("espeak-ng"), settings) is None
    assert check_settings(RUNNERS.get("openai"), {"model": "m", "timeout_s": 12, "max_concurrency": "8"}) is None
    assert RUNNERS.get("espeak-ng")(workers="3").max_concurrency == 3


def test_every_number_setting_named_is_one_a_runner_takes():
    taken = set().union(*(runner.setting_names() for _, runner in RUNNERS.items()))
    assert set(NUMBER_SETTINGS) <= taken
