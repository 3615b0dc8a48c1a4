"""Numeric answers: the number a response gives, compared with tolerance.

The number is taken from, in order: the last `\\boxed{}` answer, the last "answer is" /
"答案是" statement, the last "total", "equals" or "=", a number before "in total", the last
"there are", else the last number in the answer. A statement followed by a hedge ("3 or 4",
"12-15") gives no number. Numbers may be written with thousands separators, a sign and a
decimal point, as a fraction (also "½") or mixed number, in scientific notation ("1.2e3",
"1.2 × 10^3"), with a scale ("2 million"), in words ("seven", "twenty-one", "one thousand
two hundred") and with units or currency around them ("12 cm", "$3.50", "45%"). A
percentage matches its number or its fraction (45% matches 45 and 0.45), whichever side
the percentage is on. "no one" is no number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from omnieval.judges.answer_region import final_answer_region, last_boxed
from omnieval.types import Score

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "hundred", "a dozen", "dozen"], key=len, reverse=True))
_NUMBER_WORDS = re.compile(rf"(?<!\bno )(?<!\bno-)\b(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:{_WORD}))*\b", re.IGNORECASE)

_SIGNED = r"[-+−]?"
_PLAIN = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_NUMBER = re.compile(
    rf"(?P<mixed>{_SIGNED}\d+\s+\d+\s*[/⁄]\s*\d+)"
    rf"|(?P<fraction>{_SIGNED}\d+\s*[/⁄]\s*\d+)(?![\d.])"
    rf"|(?P<sci>{_SIGNED}(?:{_PLAIN})\s*(?:[eE][-+]?\d+|(?:×|x|\*|\\times)\s*10\s*\^\s*\{{?[-+−]?\d+\}}?))"
    rf"|(?P<plain>{_SIGNED}(?:{_PLAIN}))(?P<scale>\s+(?:thousand|million|billion)\b)?"
    rf"(?P<percent>\s*(?:%|\\%|percent\b))?",
    re.IGNORECASE,
)
# what introduces the answer, strongest first; a "total" phrase follows its number
_ANSWERED = re.compile(r"(?i:(?:final\s+)?answer\s*(?:is\b|:|=|would\s+be|should\s+be)?)|答案\s*(?:是|为|:|：)?")
_COMPUTED = re.compile(r"(?i:total(?:\s+is)?\s*:?|equals|result\s+is|count\s+is|comes\s+to)|=")
_TOTAL_AFTER = re.compile(r"(?i:in\s+total|altogether|in\s+all)")
_INTRODUCED = re.compile(r"(?i:there\s+(?:are|is|were|was))|共(?:有)?|一共")
#: a second number right after the stated one: a hedge or a range, not an answer
_HEDGE = re.compile(r"^\s*(?:or|to|-|–|~|/)\s*[-+−]?\d")


@dataclass(frozen=True)
class NumberReading:
    """The number read (None: none found), the text it was read from, and whether it was a percentage."""

    value: float | None
    text: str | None = None
    percent: bool = False

    def candidates(self) -> list[float]:
        """The values it may stand for: a percentage, its number and its fraction."""
        if self.value is None or math.isnan(self.value):
            return []
        return [self.value] + ([self.value / 100] if self.percent else [])


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    reading: NumberReading


def _words_to_number(words: str) -> float | None:
    total, current = 0.0, 0.0
    for word in re.split(r"[\s-]+", words.lower()):
        if word in ("and", "a", ""):
            continue
        if word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        else:
            return None
    return total + current


def _parse(match: re.Match) -> NumberReading:
    kind = next(k for k in ("mixed", "fraction", "sci", "plain") if match.group(k))
    text = match.group(kind).replace("−", "-").replace("⁄", "/")
    if kind == "mixed":
        whole, fraction = text.split(maxsplit=1)
        numerator, denominator = (part.strip() for part in fraction.split("/"))
        sign = -1 if whole.startswith("-") else 1
        value = sign * (abs(float(whole)) + float(numerator) / float(denominator))
    elif kind == "fraction":
        numerator, denominator = (part.strip() for part in text.split("/"))
        value = float(numerator) / float(denominator) if float(denominator) else math.nan
    elif kind == "sci":
        parts = re.split(r"\s*(?:[eE]|(?:×|x|\*|\\times)\s*10\s*\^)\s*", text, maxsplit=1)
        mantissa, exponent = parts[0], parts[1].strip("{}").replace("−", "-")
        value = float(mantissa.replace(",", "")) * 10 ** int(exponent)
    else:
        value = float(text.replace(",", ""))
        if match.group("scale"):
            value *= _SCALES[match.group("scale").strip().lower()]
    return NumberReading(value, match.group(0).strip(), bool(match.group("percent")))


def _numbers(text: str) -> list[_Found]:
    """Every number in a text, in order, digits and words alike."""
    found = [_Found(m.start(), m.end(), _parse(m)) for m in _NUMBER.finditer(text)]
    digits = [(f.start, f.end) for f in found]
    for m in _NUMBER_WORDS.finditer(text):
        if any(start < m.end() and m.start() < end for start, end in digits):
            continue  # the scale word of "2 million"
        value = _words_to_number(m.group(0))
        if value is not None:
            found.append(_Found(m.start(), m.end(), NumberReading(value, m.group(0))))
    return sorted(found, key=lambda item: item.start)


def _after(text: str, statements: re.Pattern) -> NumberReading | None:
    """The number after the last statement that has one (no number when it is hedged)."""
    for statement in reversed(list(statements.finditer(text))):
        window = text[statement.end() : statement.end() + 80]
        numbers = _numbers(window)
        if numbers:
            first = numbers[0]
            return NumberReading(None, first.reading.text) if _HEDGE.match(window[first.end :]) else first.reading
    return None


def read_number(response: str | None) -> NumberReading:
    """The number a response answers with."""
    text = final_answer_region(response)
    boxed = last_boxed(text)
    if boxed is not None:
        numbers = _numbers(boxed)
        if numbers:
            return numbers[0].reading
    for statements in (_ANSWERED, _COMPUTED):
        reading = _after(text, statements)
        if reading is not None:
            return reading
    for total in reversed(list(_TOTAL_AFTER.finditer(text))):
        numbers = _numbers(text[max(0, total.start() - 60) : total.start()])
        if numbers:
            return numbers[-1].reading
    reading = _after(text, _INTRODUCED)
    if reading is not None:
        return reading
    numbers = _numbers(text)
    return numbers[-1].reading if numbers else NumberReading(None)


def numbers_match(
    reading: NumberReading, target: float | NumberReading, rel_tol: float = 1e-6, abs_tol: float = 1e-9
) -> bool:
    """Whether the number read equals `target` within tolerance (a percentage may match its fraction)."""
    wanted = target.candidates() if isinstance(target, NumberReading) else [float(target)]
    return any(
        math.isclose(value, goal, rel_tol=rel_tol, abs_tol=abs_tol) for value in reading.candidates() for goal in wanted
    )


def judge_numeric(
    response: str | None, target: float | str, name: str = "accuracy", rel_tol: float = 1e-6, abs_tol: float = 1e-9
) -> Score:
    """1 when the response's number equals `target` within tolerance; the explanation is the number read."""
    reading = read_number(response)
    reference = read_number(target) if isinstance(target, str) else float(target)
    correct = numbers_match(reading, reference, rel_tol, abs_tol)
    return Score(name=name, value=float(correct), explanation=reading.text if reading.value is not None else None)
