"""Short answers by normalized exact match, on responses as models write them."""

from __future__ import annotations

import pytest

from omnieval.judges.exact import judge_exact, normalize_answer, read_short_answer

# (response, references, matches?)
CASES = [
    ("Paris", "Paris", True),
    ("paris", "Paris", True),
    ("Paris.", "Paris", True),
    ("PARIS!", "Paris", True),
    ("  Paris  ", "Paris", True),
    ("The answer is Paris.", "Paris", True),
    ("Answer: Paris", "Paris", True),
    ("**Answer:** Paris", "Paris", True),
    ("Final answer: Paris", "Paris", True),
    ('The answer is: "Paris"', "Paris", True),
    ("the Eiffel Tower", "Eiffel Tower", True),
    ("An apple", "apple", True),
    ("a red apple", "red apple", True),
    ("Red apple", "red apple", True),
    ("red apples", "red apple", False),
    ("Lyon", "Paris", False),
    ("Paris, France", "Paris", False),
    ("Paris", ["Paris", "Paris, France"], True),
    ("Paris, France", ["Paris", "Paris, France"], True),
    ("New York City", ["NYC", "New York City"], True),
    ("new-york", "newyork", True),
    ("new-york", "new york", False),  # SQuAD deletes punctuation
    ("U.S.A.", "USA", True),
    ("U.S.", "United States", False),
    ("blue", "blue", True),
    ("It's blue.", "blue", False),
    ("The answer is blue. The sky looks blue because of Rayleigh scattering.", "blue", True),
    ("Answer: blue\nThe sky scatters short wavelengths.", "blue", True),
    ("blue\nBecause of Rayleigh scattering.", "blue", True),
    ("yes", "Yes", True),
    ("Yes.", "yes", True),
    ("No", "yes", False),
    ("Yes, it is.", "yes", False),
    ("The answer is yes.", "yes", True),
    ("3.14", "3.14", True),
    ("The answer is 3.14.", "3.14", True),
    ("1,000", "1000", True),  # SQuAD deletes punctuation
    ("42", "42", True),
    ("forty-two", "42", False),
    ("Mount Everest", "mount everest", True),
    ("MOUNT EVEREST.", "Mount Everest", True),
    ("Everest", "Mount Everest", False),
    ("`print`", "print", True),
    ("Ｐａｒｉｓ", "Paris", True),
    ("Café", "café", True),
    ("Cafe", "café", False),
    ("北京", "北京", True),
    ("北京。", "北京", True),
    ("答案是北京", "北京", True),
    ("答案：上海", "北京", False),
    ("《红楼梦》", "红楼梦", True),
    ("<think>Capital of France... Paris.</think>Paris", "Paris", True),
    ("<think>It could be Lyon</think>\nThe answer is Paris.", "Paris", True),
    ("<think>The capital of France is", "Paris", False),
    ("<answer>Paris</answer>", "Paris", True),
    ("Some thoughts.\n<answer>the Louvre</answer>", "Louvre", True),
    ("", "Paris", False),
    ("I don't know.", "Paris", False),
    ("Paris or Lyon", "Paris", False),
    ("'Hamlet'", "Hamlet", True),
    ("The answer is the 'Mona Lisa'.", "Mona Lisa", True),
    ("Answer: Dr. Smith", "Dr Smith", True),
    ("The answer is 3.", "3", True),
    ("The answer isn't obvious, but it is Paris.", "Paris", False),
    ("The answer is: Paris", "Paris", True),
    ("The answer is $\\text{Paris}$.", "Paris", True),
]


@pytest.mark.parametrize(("response", "references", "matches"), CASES)
def test_normalized_exact_match(response, references, matches):
    score = judge_exact(response, references)
    assert score.value == float(matches), score


def test_the_table_is_large_enough():
    assert len(CASES) >= 60


def test_normalization_and_the_answer_read():
    assert normalize_answer("The  Quick, brown FOX!") == "quick brown fox"
    assert read_short_answer("The answer is Paris. It is in France.") == "Paris"
    assert read_short_answer("<think>unfinished") is None
    assert judge_exact("", "x").explanation is None
