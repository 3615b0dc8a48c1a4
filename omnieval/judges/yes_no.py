"""Reading a yes/no verdict from a free answer ("The answer is yes", "No, ...", "... is not plausible")."""

from __future__ import annotations

import re

from omnieval.judges.answer_region import final_answer_region, strip_markup

_STATED = re.compile(r"\b(?:answer|verdict|conclusion)\s*(?:is|would be|:)?\s*[:\"'(\[]*\s*(yes|no)\b")
_WORD = re.compile(r"\b(yes|no)\b")
_NOT_PLAUSIBLE = re.compile(
    r"\b(?:not|isn't|is not|un)\s*(?:very |entirely |particularly )?plausible\b|\bimplausible\b"
)


def read_yes_no(response: str | None) -> str | None:
    """'yes', 'no', or None when the answer states neither (or both without a final statement).

    In order: a stated answer ("the answer is no", the last one counts); an answer that opens with
    yes or no; a plausibility verdict (BBH's sports task: "not plausible" is no); the only one of
    the two words the answer uses."""
    text = " ".join(strip_markup(final_answer_region(response)).lower().split())
    if not text:
        return None
    stated = _STATED.findall(text)
    if stated:
        return stated[-1]
    opening = re.match(r"^\W*(yes|no)\b", text)
    if opening:
        return opening.group(1)
    if _NOT_PLAUSIBLE.search(text):
        return "no"
    if "plausible" in text:
        return "yes"
    words = set(_WORD.findall(text))
    return words.pop() if len(words) == 1 else None
