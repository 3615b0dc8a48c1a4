"""Judge agreement statistics against scipy and scikit-learn, and position bias."""

from __future__ import annotations

import math
import random

import pytest

from omnieval.errors import OmnievalError
from omnieval.judges.agreement import (
    agreement,
    as_number,
    category,
    cohen_kappa,
    position_bias,
    read_labels,
    spearman,
)
from omnieval.types import SampleRecord


@pytest.mark.parametrize("seed", range(5))
def test_agreement_reports_accuracy_kappa_and_spearman_of_paired_labels(seed):
    rng = random.Random(seed)
    a = [float(rng.randint(1, 5)) for _ in range(40)]
    b = [x if rng.random() < 0.6 else float(rng.randint(1, 5)) for x in a]
    report = agreement(a, b)
    same = sum(x == y for x, y in zip(a, b, strict=True))
    assert report["accuracy"] == pytest.approx(same / 40) and report["n"] == 40
    assert report["cohen_kappa"] == pytest.approx(cohen_kappa(a, b)) and 0 < report["cohen_kappa"] < 1
    assert 0 < report["spearman"] <= 1


def test_a_worked_example_and_the_degenerate_cases():
    a, b = [1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 1]
    assert cohen_kappa(a, b) == pytest.approx(1 / 3)  # observed 4/6, chance 1/2
    # by hand: ranks of a are 1.5 1.5 3 4 (ties share), of b 1 2 3.5 3.5: rho = 4 / sqrt(4.5 * 4.5)
    assert spearman([1, 1, 2, 3], [1, 2, 3, 3]) == pytest.approx(4 / 4.5)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3])) and math.isnan(cohen_kappa([1, 1], [1, 1]))
    with pytest.raises(OmnievalError, match="no sample has a label on both sides"):
        agreement([], [])


def test_ties_stay_ties_and_averaged_ratings_round_half_up():
    assert agreement([0, 0.5, 1, 0.5], [0, 0, 1, 0.5])["accuracy"] == 0.75
    assert category(3.667) == 4.0 and category(2.5) == 2.5 and category(1.333) == 1.0


def test_labels_are_numbers_or_verdict_words(tmp_path):
    assert [as_number(x) for x in (4, "3", "CORRECT", "incorrect", "Yes", "no", True)] == [4, 3, 1, 0, 1, 0, 1]
    with pytest.raises(OmnievalError, match="neither a number"):
        as_number("maybe")
    path = tmp_path / "labels.jsonl"
    path.write_text('{"id": "0", "label": "correct"}\n{"id": 1, "label": 2}\n\n')
    assert read_labels(path) == {"0": 1.0, "1": 2.0}
    path.write_text('{"id": "0"}\n')
    with pytest.raises(OmnievalError, match="labels.jsonl:1: expected a JSON object with 'id' and 'label'"):
        read_labels(path)


def _pair(verdicts: list[str], consistent: bool) -> SampleRecord:
    return SampleRecord(id="x", index=0, details={"judge": {"verdicts": verdicts, "position_consistent": consistent}})


def test_position_bias():
    records = [_pair(["A", "B"], True), _pair(["A", "A"], False), _pair(["A", "A"], False), _pair(["B", "B"], False)]
    bias = position_bias(records)
    assert bias == {"pairs": 4.0, "position_consistency": 0.25, "first_position_preference": pytest.approx(2 / 3)}
    assert position_bias([SampleRecord(id="y", index=0)]) is None
