"""How far a judge can be trusted: agreement with another judge or with human labels, and
position bias in pairwise judgments.

Labels are compared as categories for accuracy and Cohen's kappa (an averaged rating is
rounded to its nearest whole point, a pairwise tie stays 0.5; CORRECT/yes count as 1,
INCORRECT/no as 0) and as numbers for Spearman's
rank correlation (ties share their mean rank).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from omnieval.errors import OmnievalError
from omnieval.types import SampleRecord

_WORDS = {"correct": 1.0, "yes": 1.0, "true": 1.0, "incorrect": 0.0, "no": 0.0, "false": 0.0}


def as_number(label: object) -> float:
    """A label as a number: numbers as they are, CORRECT/yes/true as 1, INCORRECT/no/false as 0."""
    if isinstance(label, bool):
        return float(label)
    if isinstance(label, (int, float)):
        return float(label)
    text = str(label).strip().lower()
    if text in _WORDS:
        return _WORDS[text]
    try:
        return float(text)
    except ValueError:
        raise OmnievalError(f"label {label!r} is neither a number nor correct/incorrect/yes/no") from None


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation, ties sharing their mean rank (scipy); NaN when either side is constant."""
    from scipy.stats import spearmanr

    if len(set(a)) < 2 or len(set(b)) < 2:
        return math.nan
    return float(spearmanr(a, b).statistic)


def cohen_kappa(a: list[float], b: list[float]) -> float:
    """Cohen's kappa of two labellings (scikit-learn); NaN when chance agreement is total."""
    from sklearn.metrics import cohen_kappa_score

    if len(set(a) | set(b)) < 2:
        return math.nan
    return float(cohen_kappa_score([str(x) for x in a], [str(y) for y in b]))


def category(value: float) -> float:
    """A label as a category: whole and half points as they are (a pairwise tie is 0.5), an averaged
    rating rounded half up to its nearest whole point."""
    return float(value) if float(2 * value).is_integer() else float(math.floor(value + 0.5))


def agreement(a: list[float], b: list[float]) -> dict[str, float]:
    """Accuracy (share of equal labels), Cohen's kappa and Spearman's rho of paired labels."""
    if not a:
        raise OmnievalError("no sample has a label on both sides")
    categories_a, categories_b = [category(x) for x in a], [category(y) for y in b]
    return {
        "n": float(len(a)),
        "accuracy": sum(x == y for x, y in zip(categories_a, categories_b, strict=True)) / len(a),
        "cohen_kappa": cohen_kappa(categories_a, categories_b),
        "spearman": spearman(a, b),
    }


def agreement_report(records: list[SampleRecord], theirs: dict[str, float]) -> dict[str, float]:
    """Agreement of a run's judgments with other labels (id -> label), and for pairwise judgments
    the position bias (`pairwise_` measures)."""
    mine = judged_values(records)
    shared = [key for key in mine if key in theirs]
    report = agreement([mine[k] for k in shared], [theirs[k] for k in shared])
    report.update({f"pairwise_{k}": v for k, v in (position_bias(records) or {}).items()})
    return report


def judged_values(records: list[SampleRecord]) -> dict[str, float]:
    """id -> the judgment's value, for the records a judge scored."""
    values = {}
    for record in records:
        value = (record.details.get("judge") or {}).get("value")
        if value is not None:
            values[record.id] = float(value)
    return values


def read_labels(path: Path) -> dict[str, float]:
    """id -> label from a jsonl file of {"id", "label"} lines (human labels)."""
    if not path.is_file():
        raise OmnievalError(f"labels file not found: {path}")
    labels = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            labels[str(item["id"])] = as_number(item["label"])
        except (ValueError, KeyError, TypeError) as err:
            raise OmnievalError(f"{path}:{number}: expected a JSON object with 'id' and 'label' ({err})") from err
    return labels


def position_bias(records: list[SampleRecord]) -> dict[str, float] | None:
    """For pairwise judgments (both orders asked): how often the winner held in both orders, and of the
    pairs where it did not, how often the judge picked whatever came first (None: no pairwise judgments)."""
    pairs = [(record.details.get("judge") or {}) for record in records]
    pairs = [p for p in pairs if p.get("position_consistent") is not None]
    if not pairs:
        return None
    flipped = [p for p in pairs if not p["position_consistent"]]
    first = [p for p in flipped if p["verdicts"][:2] == ["A", "A"]]
    return {
        "pairs": float(len(pairs)),
        "position_consistency": 1 - len(flipped) / len(pairs),
        "first_position_preference": len(first) / len(flipped) if flipped else math.nan,
    }
