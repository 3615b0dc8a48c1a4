"""Multiple-choice answers: which option letter a free-form response chose.

Models answer "B", "(B)", "B.", "Answer: B", "The answer is B) cat", "**B. cat**",
"\\boxed{B}", "答案是B", "C is correct", the option's text without its letter, or a
paragraph with a letter somewhere in it. The reading goes from the most to the least
explicit form and stops at the first that decides:

1. the last `\\boxed{}` holds one letter;
2. the whole answer is one letter (with brackets, punctuation or "option");
3. the last explicit statement ("answer is/:", "correct option", "I choose", "答案是",
   "C is the correct answer", ...);
4. a letter that opens the answer ("B) ...", "C. because ..."), unless the answer goes
   through the options one by one;
5. the letters mentioned as options ("(C)", "option C", "so C.") are all the same;
6. exactly one option's text appears in the answer.

An answer that is exactly one option's text reads as that option before any letter rule (an
option may itself look like a letter: "B:maj7/1", "D"). Option texts are compared as the answer
is, markup removed from both, symbols kept ("F#m11", "125*a^2", "√{2}" is not "2"). Several
letters stated together ("A and C", "C or D", "A/C") or mentioned apart, or none at all, read as
no answer: it scores zero and is counted, never replaced by a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omnieval.judges.answer_region import final_answer_region, last_boxed, strip_markup
from omnieval.types import Score

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}")
_STATEMENT = (
    r"(?:(?:final|correct|right|best)\s+)?(?:answer|option|choice)(?:\s+(?:choice|option))?"
    r"(?:\s*(?:is\b|:|=|-|–|would\s+be|should\s+be|must\s+be|will\s+be|is\s+therefore|therefore\s+is))+"
    r"|(?:i\s+(?:would\s+)?|i'd\s+|i\s+will\s+|i'll\s+|let's\s+|we\s+)(?:choose|select|pick|go\s+with)"
    r"|(?:my|the)\s+(?:answer|choice|pick)\s+(?:is|would\s+be)"
    r"|(?:correct|right|best)\s+one\s+(?:is|would\s+be|must\s+be)"
    r"|答案\s*(?:是|为|選|选|:|：)?|正确(?:答案|选项)\s*(?:是|为|:|：)?|选择?|選擇?"
)
#: a letter followed by its verdict: "C is correct", "(B) is the right answer", "option D is true"
_VERDICT_AFTER = (
    r"(?:\s+(?:is|seems|would\s+be|must\s+be)\s+(?:the\s+)?|\s*[:\-–]\s*)(?:correct|right|best|true)"
    r"(?:\s+(?:answer|option|choice|one))?\b"
)


@dataclass(frozen=True)
class ChoiceReading:
    """The letter read from a response (None: no single letter), and which rule read it."""

    letter: str | None
    rule: str


def option_letters(options: Mapping[str, str] | Sequence[str] | int) -> str:
    """The letters of a question's options: from a letter -> text mapping, a list of texts, or a count."""
    if isinstance(options, Mapping):
        return "".join(str(letter).upper() for letter in options)
    count = options if isinstance(options, int) else len(options)
    return LETTERS[:count]


#: sentence punctuation around words; other symbols (#, ^, *, √, braces) belong to an option's text
_PUNCTUATION = re.compile(r"[.,;:!?\"'“”‘’()\[\]（）【】。，；：！？]+(?=\s|$)|(?:^|(?<=\s))[\"'“”‘’(\[（【]+")


def _normalized(text: str) -> str:
    """Lower case, markup removed as from the answer, sentence punctuation dropped, spaces collapsed."""
    return " ".join(_PUNCTUATION.sub(" ", strip_markup(str(text)).lower()).split())


class _Patterns:
    """The regular expressions for one set of option letters."""

    def __init__(self, letters: str) -> None:
        upper = f"[{letters}]"
        lower = f"[{letters.lower()}]"
        any_case = f"[{letters}{letters.lower()}]"
        bracketed = rf"[\(\[（【]?\s*({upper})\s*[\)\]）】]?"
        self.alone = re.compile(rf"^\W*(?:(?:option|choice|answer)\W*)?({any_case})\W*$", re.IGNORECASE)
        # a letter after a statement: upper case, or lower case closed by punctuation or the end
        letter = (
            rf"(?i:(?:option|choice)\s*)?[\(\[（【]?\s*(?i:(?:option|choice)\s+)?"
            rf"({upper}(?![A-Za-z])|{lower}(?=[\)\]）】.,:;]|\s*$))"
        )
        self.stated = re.compile(
            rf"(?i:{_STATEMENT})\s*{letter}|(?<![A-Za-z])(?i:(?:option|choice)\s+)?{bracketed}(?i:{_VERDICT_AFTER})"
        )
        # another letter right after the one stated ("A and C"), unless that one opens a clause ("B and D is wrong")
        self.several = re.compile(
            rf"^\s*[\)\]）】]?\s*(?:,|、|/|&|\band\b|\bor\b|和|或)\s*[\(\[（【]?\s*{upper}(?![A-Za-z])"
            rf"(?!\s*[\)\]）】]?\s*(?:is|are|was|were|seems)\b)"
        )
        self.leading = re.compile(rf"^[\(\[（【]?({upper})(?:[\)\]）】.:：]|\s*(?:\n|-\s|–|—))")
        self.listed = re.compile(rf"^\s*[\(\[（【]?({upper})[\)\]）】.:：]", re.MULTILINE)
        # letters offered together: "C or D", "A/C", "B and D", "either B or C"
        self.hedge = re.compile(rf"(?<![A-Za-z]){upper}\s*(?:/|&|,|\bor\b|\band\b|和|或)\s*{upper}(?![A-Za-z])")
        self.mention = re.compile(
            rf"[\(\[（【]({upper})[\)\]）】]"
            rf"|(?i:\b(?:option|choice|letter)\s+)({upper})\b"
            rf"|\b({upper})(?=\)|:|,|\.(?:\s|$)|\s*$)"
        )


_PATTERNS: dict[str, _Patterns] = {}


def _patterns(letters: str) -> _Patterns:
    if letters not in _PATTERNS:
        _PATTERNS[letters] = _Patterns(letters)
    return _PATTERNS[letters]


def read_choice(response: str | None, options: Mapping[str, str] | Sequence[str] | int) -> ChoiceReading:
    """The option letter a response chose; `options` maps letters to texts (or lists texts, or counts them)."""
    letters = option_letters(options)
    patterns = _patterns(letters)
    region = final_answer_region(response)
    boxed = last_boxed(region)
    if boxed is not None:
        alone = patterns.alone.match(strip_markup(boxed))
        if alone:
            return ChoiceReading(alone.group(1).upper(), "boxed")
    text = _BOXED.sub(r" \1 ", strip_markup(region)).strip()
    if not text:
        return ChoiceReading(None, "empty")
    if isinstance(options, Mapping):  # the whole answer is one option's text ("B:maj7/1", an option "D")
        exact = [str(letter).upper() for letter, option in options.items() if _normalized(option) == _normalized(text)]
        if len(exact) == 1:
            return ChoiceReading(exact[0], "option text")
    alone = patterns.alone.match(text)
    if alone:
        return ChoiceReading(alone.group(1).upper(), "alone")
    stated = list(patterns.stated.finditer(text))
    if stated:
        last = stated[-1]
        group, letter = next((i, found) for i, found in enumerate(last.groups(), 1) if found)
        if patterns.several.match(text[last.end(group) :]):
            return ChoiceReading(None, "several letters")
        return ChoiceReading(letter.upper(), "stated")
    leading = patterns.leading.match(text)
    listed = {match.group(1) for match in patterns.listed.finditer(text)}
    if leading and len(listed) <= 1:  # several lines opening with letters go through the options
        if patterns.several.match(text[leading.end(1) :]):
            return ChoiceReading(None, "several letters")
        return ChoiceReading(leading.group(1), "leading")
    if patterns.hedge.search(text):
        return ChoiceReading(None, "several letters")
    mentioned = {next(g for g in match.groups() if g) for match in patterns.mention.finditer(text)}
    if len(mentioned) == 1:
        return ChoiceReading(mentioned.pop(), "mentioned")
    if mentioned:
        return ChoiceReading(None, "several letters")
    if isinstance(options, Mapping):
        by_text = _by_option_text(text, options)
        if by_text is not None:
            return ChoiceReading(by_text, "option text")
    return ChoiceReading(None, "none")


def _by_option_text(text: str, options: Mapping[str, str]) -> str | None:
    """The one option whose text the answer contains (a text inside a longer found one does not count)."""
    answer = f" {_normalized(text)} "
    found = {}
    for letter, option in options.items():
        wanted = _normalized(str(option))
        if wanted and f" {wanted} " in answer:
            found[str(letter).upper()] = wanted
    if answer.strip() in found.values():
        return next(letter for letter, wanted in found.items() if wanted == answer.strip())
    longest = {
        letter: wanted
        for letter, wanted in found.items()
        if not any(wanted != other and wanted in other for other in found.values())
    }
    return next(iter(longest)) if len(longest) == 1 else None


def judge_choice(
    response: str | None, options: Mapping[str, str] | Sequence[str] | int, answer: str, name: str = "accuracy"
) -> Score:
    """1 when the response chose `answer`, else 0; the explanation is the letter read (None: unreadable)."""
    reading = read_choice(response, options)
    return Score(name=name, value=float(reading.letter == answer.strip().upper()), explanation=reading.letter)
