"""MathVista's official scoring (lupantech/MathVista evaluation/extract_answer.py and calculate_score.py).

The official pipeline extracts an answer from each reply, by rules where they decide and else by a
model (GPT) given the extraction prompt below, then normalizes the extraction and compares it
with the answer as text:

- rules (extract_answer): an empty reply extracts nothing; a multiple-choice reply that is exactly
  one option's text is that text; an integer question's reply that Python's int() takes, or a
  float question's that float() takes, is that number. Anything else goes to the model.
- normalization (normalize_extracted_answer): multiple choice: the first "(x)" anywhere becomes
  that letter upper-cased; a letter of the options becomes its option's text; anything else
  (nothing extracted included) becomes the option nearest by Levenshtein distance, the first of
  equals. Integers: int(float(x)) (truncating: "3.4" is 3). Floats: rounded to the question's
  precision. Lists: the extraction's text. The prediction must equal the answer as text.

Written anew from the published scripts; nothing there is random, nothing is left out of the
count. Every figure is micro: correct over all questions, overall and per metadata value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from omnieval.judges.official import OfficialVerdict, ScorerSource

SOURCE = ScorerSource(
    "lupantech/MathVista",
    "53d525874bdde205128e6b160b7357a88277d479",
    "evaluation/extract_answer.py, evaluation/calculate_score.py",
)
_PAREN_LETTER = re.compile(r"\(([a-zA-Z])\)")


def rule_extraction(response: str, question: Mapping[str, Any]) -> str | None:
    """What extract_answer takes without a model (None: the reply needs the model)."""
    if response == "":
        return ""
    if question["question_type"] == "multi_choice" and response in (question.get("choices") or []):
        return response
    for kind, read in (("integer", int), ("float", float)):
        if question["answer_type"] == kind:
            try:
                return str(read(response))
            except (ValueError, OverflowError):
                pass
    return None


def normalized_prediction(extraction: str, question: Mapping[str, Any]) -> str | None:
    """calculate_score's normalize_extracted_answer: the prediction compared with the answer (None: none)."""
    choices = list(question.get("choices") or [])
    if question["question_type"] == "multi_choice":
        text = extraction.strip()
        letters = _PAREN_LETTER.findall(text)
        if letters:
            text = letters[0].upper()
        letters_of_options = [chr(ord("A") + i) for i in range(len(choices))]
        if text in letters_of_options:
            return choices[letters_of_options.index(text)]
        from rapidfuzz.distance import Levenshtein

        distances = [Levenshtein.distance(text, str(choice)) for choice in choices]
        return choices[distances.index(min(distances))] if choices else None
    try:
        if question["answer_type"] == "integer":
            return str(int(float(extraction)))
        if question["answer_type"] == "float":
            return str(round(float(extraction), int(question["precision"])))
    except (ValueError, OverflowError, TypeError):
        return None
    return extraction if question["answer_type"] == "list" else None


def verdict(extraction: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
    """calculate_score's verdict on an extraction; `guessed` marks a multiple-choice extraction that is empty
    (the nearest option to nothing, the shortest, stands in for it, as the script does)."""
    prediction = normalized_prediction(extraction, question)
    guessed = question["question_type"] == "multi_choice" and not extraction.strip()
    return OfficialVerdict(prediction is not None and prediction == answer, prediction, guessed=guessed)
