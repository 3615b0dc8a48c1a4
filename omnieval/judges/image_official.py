"""The official answer readers of the image benchmarks that publish none of their own.

MMStar, AI2D and ChartQA are scored as VLMEvalKit scores them (the harness MMStar's authors name
and the Qwen reports use), CountBench as its question set's author scores it (moondream's
countbenchqa.py), RealWorldQA as lmms-eval scores the copy it publishes (its MCQ extractor for
letter answers, a plain comparison for the others). Each is written anew from the script named in
its ScorerSource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omnieval.judges.official import RAW_OPTIONS, OfficialVerdict, ScorerSource

VLMEVALKIT = ("open-compass/VLMEvalKit", "e8e78f05f3080fe28154f2130321f17951c3be94")

#: replies VLMEvalKit reads as a refusal (the letter Z, never right)
_REFUSALS = (
    "Sorry, I can't help with images of people yet.",
    "I can't process this file.",
    "I'm sorry, but without the image provided",
    "Cannot determine the answer",
)
_VERBOSE_ANSWER = re.compile(r"(?i)(?:correct\s+)?answer\s+is\s+\**([ABCD])\**")


def _option_letter(answer: str, letters: list[str]) -> str | None:
    """VLMEvalKit's can_infer_option: one letter written as a whole word (after . ( ) [ ] , : ; ! * # { } become
    spaces), among the last five words; "Z" for a refusal or a lone Z; then "answer is X" in any case."""
    if "Failed to obtain answer via API" in answer:
        return None
    if any(refusal in answer for refusal in _REFUSALS):
        return "Z"
    words = re.sub(r"[.()\[\],:;!*#{}]", " ", answer).split()
    named = [x for x in letters if x in words]
    if len(named) == 1 and words.index(named[0]) > len(words) - 5:
        return named[0]
    if not named and "Z" in words:
        return "Z"
    stated = _VERBOSE_ANSWER.search(answer)
    if stated and stated.group(1).upper() in letters:
        return stated.group(1).upper()
    return None


def _option_text(answer: str, options: Mapping[str, Any]) -> str | None:
    """VLMEvalKit's can_infer_text: the one option whose text (lower case) lies in the reply, unless the reply is
    longer than twice the options' texts together."""
    lowered = answer.lower()
    if len(lowered) > 2 * sum(len(str(text)) for text in options.values()):
        return None
    found = [letter for letter, text in options.items() if str(text).lower() in lowered]
    return found[0] if len(found) == 1 else None


def can_infer(answer: str, options: Mapping[str, Any]) -> str:
    """VLMEvalKit's exact matching (can_infer, then "Z"): the letter it reads, "Z" when none."""
    return _option_letter(answer, list(options)) or _option_text(answer, options) or "Z"


@dataclass(frozen=True)
class VLMEvalKitMatch:
    """VLMEvalKit's multiple-choice scoring with `--judge exact_matching` (ImageMCQDataset.evaluate): the letter
    can_infer reads must be the answer; nothing read is "Z", wrong; nothing is guessed or left out."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        read = can_infer(response or "", question.get(RAW_OPTIONS) or question["options"])
        return OfficialVerdict(read == answer, None if read == "Z" else read)


_ANSWER_PHRASES = (
    "the answer is",
    "answer is",
    "the correct answer is",
    "correct answer is",
    "the best answer is",
    "best answer is",
    "the correct option is",
    "correct option is",
    "the best option is",
    "best option is",
    "the choice is",
    "choice is",
    "the correct choice is",
    "correct choice is",
    "i choose",
    "i select",
    "i pick",
    "my answer is",
    "my choice is",
    "옵션",
    "정답은",
    "답은",
    "답:",
    "答案是",
    "答案为",
    "选",
    "答えは",
)
#: lmms-eval's candidate forms, by priority: the more certain first
_WRITTEN = (
    ("parentheses", "({})", 6),
    ("period", "{}.", 5),
    ("colon", "{}:", 4),
    ("right_paren", "{})", 3),
    ("space", "{} ", 2),
)


def lmms_mcq_letter(response: str, letters: tuple[str, ...] = ("A", "B", "C", "D")) -> str:
    """lmms-eval's extract_mcq_answer (tasks/_task_utils/mcq_extract.py): every letter written as "(X)", "X.",
    "X:", "X)", "X ", after an answer phrase, at the start or at the end of the reply (stripped of , . ! ? ; : ' "
    and padded) is a candidate; the most certain form wins, then the latest position; with none, any capital
    letter anywhere (the latest); "" when none."""
    if not response or not response.strip():
        return ""
    text = response.strip()
    for char in ",.!?;:'\"":
        text = text.strip(char)
    text = f" {text} "
    candidates: list[tuple[int, int, str]] = []  # (priority, position, letter), in the order the script adds them
    for _, form, priority in _WRITTEN:
        candidates += [(priority, text.rfind(form.format(x)), x) for x in letters if form.format(x) in text]
    lowered = text.lower()
    for phrase in _ANSWER_PHRASES:
        start = lowered.find(phrase)
        if start != -1:
            after = start + len(phrase)
            candidates += [(7, text.find(x, after), x) for x in letters if text.find(x, after) != -1]
    stripped = text.strip()
    candidates += [
        (10, 0, x) for x in letters if stripped.startswith(x) and (len(stripped) == 1 or not stripped[1].isalpha())
    ]
    candidates += [
        (9, len(text) - 1, x)
        for x in letters
        if stripped.endswith(x) and (len(stripped) == 1 or not stripped[-2].isalpha())
    ]
    if not candidates:
        candidates = [(0, text.rfind(x), x) for x in letters if x in text]
    if not candidates:
        return ""
    best = max(candidate[:2] for candidate in candidates)
    return next(letter for priority, position, letter in candidates if (priority, position) == best)


@dataclass(frozen=True)
class LmmsRealWorldQA:
    """lmms-eval's realworldqa_process_results: a letter answer (A-D) is read by its MCQ extractor; any other
    answer must equal the reply lower-cased, stripped and without a final full stop ("two" is not "2")."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        truth = str(answer).strip()
        if truth.upper() in ("A", "B", "C", "D"):
            read = lmms_mcq_letter(response or "")
            return OfficialVerdict(read == truth.upper(), read or None)
        said = (response or "").lower().strip().rstrip(".")
        return OfficialVerdict(said == truth.lower(), said or None)


@dataclass(frozen=True)
class ExactCount:
    """moondream's countbenchqa.py: the reply stripped and in lower case must be the count as written ("4" and
    " 4\\n" count; "4.", "four", "4 puppies" do not)."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        said = (response or "").strip().lower()
        return OfficialVerdict(said == str(answer).strip().lower(), said or None)


def _as_number(text: str) -> float | None:
    """pix2struct's _to_float, as VLMEvalKit keeps it: a trailing % divides by 100."""
    try:
        return float(text.rstrip("%")) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        return None


def relaxed_correct(target: str, prediction: str, max_relative_change: float = 0.05) -> bool:
    """ChartQA's relaxed correctness (pix2struct, VLMEvalKit since its 2025-09 fix): within 5% of a non-zero
    numeric target, else equal ignoring case."""
    number, wanted = _as_number(prediction), _as_number(target)
    if number is not None and wanted:
        return abs(number - wanted) / abs(wanted) <= max_relative_change
    return prediction.lower() == target.lower()


@dataclass(frozen=True)
class VLMEvalKitRelaxed:
    """VLMEvalKit's ChartQA scoring (ImageVQADataset, vqa_eval.py process_line 'relaxed_accuracy'): the reply
    stripped (an empty one is read as "nan"), relaxed_correct against the answer."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        said = (response or "").strip() or "nan"
        return OfficialVerdict(relaxed_correct(str(answer), said), said)
