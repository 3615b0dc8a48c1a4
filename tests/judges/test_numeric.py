"""Numeric answers read from responses as models write them, compared with tolerance."""

from __future__ import annotations

import pytest

from omnieval.judges.numeric import judge_numeric, numbers_match, read_number

# (response, the number it answers with, or None when it gives none)
CASES = [
    ("7", 7),
    ("7.", 7),
    ("-3", -3),
    ("+4", 4),
    ("−2.5", -2.5),
    ("3.14159", 3.14159),
    ("0.5", 0.5),
    (".75", 0.75),
    ("1,234", 1234),
    ("1,234,567.89", 1234567.89),
    ("There are 5 dogs in the picture.", 5),
    ("I count 12 people.", 12),
    ("The answer is 42.", 42),
    ("Answer: 17", 17),
    ("The final answer is $\\boxed{204}$.", 204),
    ("\\boxed{3/4}", 0.75),
    ("So the total is 3 + 4 = 7.", 7),
    ("First there were 3 birds, then 2 more came, so there are 5 birds now.", 5),
    ("Step 1: 12 * 3 = 36. Step 2: 36 - 6 = 30. Answer: 30", 30),
    ("We have 2 apples and 3 pears; in total 5 fruits.", 5),
    ("It costs $3.50.", 3.5),
    ("The price is €1,200.", 1200),
    ("The rope is 12 cm long.", 12),
    ("About 45 km/h.", 45),
    ("The temperature was -5 degrees.", -5),
    ("45%", 45),
    ("The growth rate is 12.5 percent.", 12.5),
    ("3/4", 0.75),
    ("1 1/2 cups", 1.5),
    ("-2 1/4", -2.25),
    ("1.2e3", 1200),
    ("6.02 × 10^23", 6.02e23),
    ("3 x 10^-2", 0.03),
    ("seven", 7),
    ("There are seven cats.", 7),
    ("twenty-one", 21),
    ("I see twelve birds on the wire.", 12),
    ("a dozen eggs", 12),
    ("one hundred and five", 105),
    ("There are three people and two dogs, so five living beings in total.", 5),
    ("答案是 15", 15),
    ("一共 8 个", 8),
    ("<think>3 plus 4 is 7, minus 2 is 5</think>\n5", 5),
    ("<think>Let me count: 1, 2, 3, 4</think>There are 4 chairs.", 4),
    ("<think>the area is 6 times 7", None),
    ("<answer>19</answer>", 19),
    ("Reasoning... <answer>The answer is 64</answer>", 64),
    ("", None),
    ("I cannot tell from the image.", None),
    ("None.", None),
    ("The answer is 2019.", 2019),
    ("In 2019 there were 35 members.", 35),
    ("The result is 1e-3", 0.001),
    ("x = 12", 12),
    ("The value equals 0.333", 0.333),
    ("Roughly 1,000 people attended.", 1000),
    ("**Answer:** 256", 256),
    ("The answer is 3 (three).", 3),
    ("Total: 99 items", 99),
    ("The length is 2.50 m", 2.5),
    ("The difference is −17.", -17),
    ("There is no one in the image.", None),
    ("Answer: ½", 0.5),
    ("Add 1½ cups of flour.", 1.5),
    ("one thousand two hundred", 1200),
    ("The answer is one hundred thousand", 100000),
    ("Answer: 2 million", 2e6),
    ("About 2.5 million people live there.", 2.5e6),
    ("I count: 1, 2, 3, 4, 5. So 5 birds.", 5),
    ("Final answer: 3 or 4", None),
    ("Answer: 12 - 15", None),
    ("The answer is 7, since 3 + 4 = 7.", 7),
    ("The answer is 10; note that 2 * 3 = 6.", 10),
]


@pytest.mark.parametrize(("response", "value"), CASES)
def test_reads_the_answer_number(response, value):
    reading = read_number(response)
    if value is None:
        assert reading.value is None, reading
    else:
        assert reading.value == pytest.approx(value), reading


def test_the_table_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("response", "target", "correct"),
    [
        ("The answer is 0.3333", 1 / 3, False),
        ("The answer is 0.3333", "1/3", False),
        ("45%", 0.45, True),
        ("45%", 45, True),
        ("0.45", 45, False),
        ("3.0", 3, True),
        ("2.9999999999", 3, True),
        ("The answer is 1,000", "1000", True),
        ("There are five", 5, True),
        ("The answer is 10", 11, False),
        ("0.45", "45%", True),
        ("45", "45%", True),
        ("0.46", "45%", False),
    ],
)
def test_compares_with_tolerance(response, target, correct):
    assert judge_numeric(response, target).value == float(correct)


def test_looser_tolerance_and_the_explanation():
    score = judge_numeric("Approximately 3.14 meters.", 3.14159, rel_tol=1e-2)
    assert score.value == 1.0 and score.explanation == "3.14"
    assert judge_numeric("no idea", 3).explanation is None
    assert not numbers_match(read_number("nothing"), 0)
