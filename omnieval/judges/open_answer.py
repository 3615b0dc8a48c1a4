"""Short free-form answers about images: MMMU's open questions, ChartQA's relaxed accuracy, counts.

- MMMU open questions follow the benchmark's own rule (MMMU eval_utils: parse_open_response
  and eval_open): the answer is read as the shortest tail after an indicator ("is ", "so ",
  "therefore ", "answer ", "=" in the last sentence...) of each sentence, plus every number in
  those tails; a gold string is found when it is a substring of one of them, a gold number when
  one of the numbers equals it (both rounded to 2 decimals).
- ChartQA's relaxed accuracy (pix2struct, as lmms-eval and VLMEvalKit compute it): a numeric
  answer within 5% of a non-zero numeric target ("12%" is 0.12), else case-insensitive equality.
  The answer is the short answer the response states (omnieval.judges.exact), a trailing full
  stop removed.
"""

from __future__ import annotations

import re

from omnieval.judges.answer_region import final_answer_region
from omnieval.judges.exact import read_short_answer
from omnieval.judges.official import mmmu_normalized
from omnieval.types import Score

_INDICATORS = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ")
_NUMBER_FORMS = (
    re.compile(r"-?\b\d{1,3}(?:,\d{3})+\b"),
    re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+"),
    re.compile(r"-?(?:\d+\.\d+|\.\d+|\d+)(?![eE][+-]?\d+)(?![,\d])"),
)


def _numbers(text: str) -> list[float]:
    """Numbers with thousands separators, in scientific notation, and plain ones (MMMU's three forms)."""
    found = []
    for form in _NUMBER_FORMS:
        for match in form.findall(text):
            try:
                found.append(float(match.replace(",", "")))
            except ValueError:
                continue
    return found


def _normalized(value: str | float) -> list[str | float]:
    """A number rounded to 2 decimals; a string as MMMU normalizes it (omnieval.judges.official)."""
    return [round(value, 2)] if isinstance(value, float) else mmmu_normalized(value)


def open_candidates(response: str | None) -> list[str | float]:
    """What an open answer may be, by MMMU's rule (nothing when the response has no answer)."""
    text = final_answer_region(response).strip().strip(".").lower()
    if not text:
        return []
    sentences = re.split(r"\.\s(?=[A-Z])|\n", text)
    tails = []
    for position, sentence in enumerate(sentences):
        indicators = _INDICATORS + (("=",) if position == len(sentences) - 1 else ())
        found = [sentence.split(indicator)[-1].strip() for indicator in indicators if indicator in sentence]
        found = [tail for tail in found if tail]
        if found:
            shortest = min(found, key=len)
            if shortest not in (":", ",", ".", "!", "?", ";", "'"):
                tails.append(shortest)
    tails = tails or [text]
    candidates: list[str | float] = [*tails, *(n for tail in tails for n in _numbers(tail))]
    return list(dict.fromkeys(value for candidate in candidates for value in _normalized(candidate)))


def judge_open(response: str | None, answer: str | list[str], name: str = "accuracy") -> Score:
    """1 when an MMMU open answer matches the gold answer (or one of several)."""
    golds = [g for a in (answer if isinstance(answer, list) else [answer]) for g in _normalized(str(a))]
    candidates = open_candidates(response)
    correct = any(
        (isinstance(c, str) and isinstance(g, str) and g in c) or (isinstance(c, float) and c == g)
        for c in candidates
        for g in golds
    )
    return Score(name=name, value=float(correct), explanation=str(candidates[0]) if candidates else None)


def _as_float(text: str) -> float | None:
    try:
        return float(text.rstrip("%")) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        return None


def judge_relaxed(response: str | None, target: str, tolerance: float = 0.05, name: str = "relaxed_accuracy") -> Score:
    """ChartQA's relaxed accuracy of the stated answer."""
    answer = read_short_answer(response)
    if answer is None:
        return Score(name=name, value=0.0, explanation=None)
    answer = answer.strip().rstrip(".")
    predicted, wanted = _as_float(answer), _as_float(target.strip())
    if predicted is not None and wanted:
        correct = abs(predicted - wanted) / abs(wanted) <= tolerance
    else:
        correct = answer.lower() == target.strip().lower()
    return Score(name=name, value=float(correct), explanation=answer)
