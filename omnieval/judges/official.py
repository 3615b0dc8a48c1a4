"""Benchmarks' own answer readers: what their official scoring scripts count correct.

A benchmark's headline number is what its official scorer gives on the same answers, so
that it can stand beside the benchmark's own leaderboard. Each scorer here is written anew
from the benchmark's published script (named with repository, commit and path in `source`,
which run.json records); omnieval's own, more careful reader (omnieval.judges.choice) is
kept beside it as the lenient metric, and the answers on which the two disagree are counted.

Where an official script guesses a random letter when it reads none, the answer is scored
wrong and counted as guessed; where it is unseeded, it is seeded and says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ScorerSource:
    """Where an official scorer is published."""

    repo: str
    commit: str
    path: str
    note: str = ""

    def describe(self) -> dict[str, str]:
        described = {"repository": self.repo, "commit": self.commit, "path": self.path}
        return {**described, "note": self.note} if self.note else described


@dataclass(frozen=True)
class OfficialVerdict:
    """An official scorer's verdict on one answer: whether it counts correct, what it read (None: nothing),
    whether the official script chose an answer itself because it read none (a random draw is scored wrong
    by us; a fixed default, WorldSense's "A", as the script scores it), and whether it leaves the answer out
    of its denominator (an answer it cannot read, for MMSU and Video-MME)."""

    correct: bool
    read: str | None
    guessed: bool = False
    excluded: bool = False


class OfficialChoiceScorer(Protocol):
    """An official reader of multiple-choice answers."""

    @property
    def source(self) -> ScorerSource:
        """Where the scorer is published (frozen dataclasses hold it as a read-only field)."""

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        """The verdict on `response` for a question (a sample's metadata: its `options`, letter -> text, and
        what the benchmark's own row says where a scorer reads it raw) whose correct letter is `answer`."""


_WORD = re.compile(r"\b\w+\b")


def _word_set(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


#: a question's metadata keys for the benchmark's row as written: its choices (a list, or by letter) and its
#: answer's text
RAW_CHOICES, RAW_OPTIONS, RAW_ANSWER = "choices", "choices_by_letter", "answer_text"


@dataclass(frozen=True)
class OptionWordMatch:
    """MMAU's `string_match`, which MMAR's evaluation reuses: an answer is correct when it holds every word
    of the row's answer text and no word that only a wrong choice has (words: `\\b\\w+\\b` in lower
    case, as sets). It reads texts, never letters: "B" alone holds no word of an option. It reads the
    row's `choices` and `answer` as written (RAW_CHOICES, RAW_ANSWER), so an answer that is none of the
    choices is scored as the script scores it."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        said = _word_set(response)
        if not said:
            return OfficialVerdict(False, None)
        options = question["options"]
        choices = question.get(RAW_CHOICES) or list(options.values())
        answer_text = question.get(RAW_ANSWER) or options[answer]
        wanted = _word_set(answer_text)
        others: set[str] = set()
        for text in choices:
            words = _word_set(text)
            if words != wanted:
                others |= words - wanted
        correct = wanted <= said and said.isdisjoint(others)
        return OfficialVerdict(correct, answer_text if correct else None)


_OPENING_LETTER = re.compile(r"\s*([A-D])", re.IGNORECASE)


@dataclass(frozen=True)
class OpeningLetter:
    """Daily-Omni's reading (its test scripts): the letter A-D, either case, that the answer opens with
    after any spaces; anything else ("(B)", "The answer is B", answer tags) is wrong. An option's text
    alone is judged by its first letter, as the script does ("Carpenter" reads C)."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        opening = _OPENING_LETTER.match(response or "")
        read = opening.group(1).upper() if opening else None
        return OfficialVerdict(read is not None and read == answer.strip().upper(), read)


_ANSWER_SPAN = re.compile(r"<answer>\s*(.*?)\s*</answer>", re.DOTALL)


@dataclass(frozen=True)
class HolmesLetter:
    """Video-Holmes' evaluate.py: within the last closed `<answer>` span (else the whole reply), the first of
    A..F written as "X ", "X:" or "[X"; failing that, the first of A..F that appears anywhere (case
    sensitive: "Father and daughter" reads F, "b" reads nothing)."""

    source: ScorerSource
    letters: str = "ABCDEF"

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        spans = _ANSWER_SPAN.findall(response or "")
        choice = spans[-1].strip() if spans else (response or "")
        read = next((x for x in self.letters if f"{x} " in choice or f"{x}:" in choice or f"[{x}" in choice), None)
        if read is None:
            read = next((x for x in self.letters if x in choice), None)
        return OfficialVerdict(read is not None and read == answer.strip().upper(), read)


@dataclass(frozen=True)
class ParenLetter:
    """MLVU's check_ans (choice_bench.py): where the answer holds a ")", the one character right before the
    first ")" is the prediction, else the whole answer; it must equal the letter exactly ("B", "(B)", "B) x"
    count; "B. x", "b", " B" do not). A row whose answer is none of its candidates is never correct."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        predicted = response or ""
        if ")" in predicted:
            close = predicted.index(")")
            predicted = predicted[close - 1 : close] if close else ""
        return OfficialVerdict(bool(answer) and predicted == answer, predicted or None)


_DOUBLE_BRACKETED = re.compile(r"\[\[([A-E])\]\]")
_CHOSE = re.compile(r"(?:answer is|chose|choose|select|guess is|I choose|I select|I guess) ([A-E])\b", re.IGNORECASE)


@dataclass(frozen=True)
class RulExtract:
    """RUL-MuchoMusic's extract_answer (ExampleAudioEval/qwen_2_audio.py), on the whole reply: the last
    `[[X]]` (A-E, upper case); else the last "answer is / chose / choose / select / guess is X"; else the
    first of A-E written "option X", "Option X" or "(X)"; else the first option (in letter order) whose
    text appears in the reply, ignoring case. Correct when the letter's option text is the correct one
    (a letter that is no option, such as [[E]] of four, is wrong)."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        options, text = question["options"], response or ""
        read = self._letter(text, options)
        correct = read is not None and read in options and options[read] == options[answer]
        return OfficialVerdict(correct, read)

    @staticmethod
    def _letter(text: str, options: Mapping[str, str]) -> str | None:
        bracketed = _DOUBLE_BRACKETED.findall(text)
        if bracketed:
            return bracketed[-1]
        chose = _CHOSE.findall(text)
        if chose:
            return chose[-1].upper()
        for letter in "ABCDE":
            if f"option {letter}" in text or f"Option {letter}" in text or f"({letter})" in text:
                return letter
        lowered = text.lower()
        return next((letter for letter, option in options.items() if option and option.lower() in lowered), None)


@dataclass(frozen=True)
class MMSULetter:
    """MMSU's mmsu_evaluation.py: the reply without spaces at its ends and without newlines; its first character
    if that is A-D, else its second-to-last if that is A-D ("(B)", "...is B."); a reply read neither way is
    left out of the count ("Wrong format response"), while an empty one counts as wrong. Correct when the
    letter's choice text is exactly the row's `answer_gt` (RAW_OPTIONS, RAW_ANSWER)."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        said = (response or "").strip().replace("\n", "")
        if not said or said == "None":
            return OfficialVerdict(False, None)
        if said[0] in "ABCD":
            read = said[0]
        elif len(said) > 1 and said[-2] in "ABCD":
            read = said[-2]
        else:
            return OfficialVerdict(False, None, excluded=True)
        choices = question.get(RAW_OPTIONS) or question["options"]
        truth = question.get(RAW_ANSWER) or question["options"][answer]
        return OfficialVerdict(choices.get(read, "") == truth, read)


#: Video-MME's answer prefixes, as its eval_your_results.py applies them in order: two of its list items lack
#: a comma, so Python joined them ("The best option isThe correct option is,", "Best answer:Best option:")
_VIDEOMME_PREFIXES = (
    "The best answer is",
    "The correct answer is",
    "The answer is",
    "The answer",
    "The best option isThe correct option is,",
    "Best answer:Best option:",
    "Answer:",
    "Option:",
    "The correct answer",
    "The correct option",
)
_CAPITAL_ABCD = re.compile(r"[ABCD]")


@dataclass(frozen=True)
class VideoMMELetter:
    """Video-MME's extract_characters_regex (eval_your_results.py): the answer prefixes removed, the first capital
    A-D anywhere ("Anger" reads A, "b" nothing); an answer with none is left out of the count."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        text = (response or "").strip()
        for prefix in _VIDEOMME_PREFIXES:
            text = text.replace(prefix, "")
        found = _CAPITAL_ABCD.search(text)
        if found is None:
            return OfficialVerdict(False, None, excluded=True)
        return OfficialVerdict(found.group(0) == answer, found.group(0))


_END_PUNCTUATION = (",", ".", "!", "?", ";", ":", "'")


@dataclass(frozen=True)
class MultiChoiceParse:
    """MMMU's parse_multi_choice_response, and the variants other scorers made of it (MMMU-Pro's evaluate.py,
    lmms-eval's WorldSense).

    With `answer_line` (MMMU-Pro), the text after the reply's last "Answer:" is read first: a letter found in it
    (as a capital anywhere) is the answer when it is the only one. Then the reply loses the characters
    , . ! ? ; : ' at its ends (one after the other, in that order) and is padded with a space, and the letters
    (the options' letters in order) are looked for as each of `letter_forms` in turn ("(A)", then " A " for
    MMMU; a bare capital anywhere first for WorldSense's copy, so "Anger" reads A; "(A)", "A " and "A." for
    MMMU-Pro): the first form that finds any gives the candidates. Failing all, and only in a reply of more than
    five words, each option whose text appears in it (ignoring case) is one. Of several candidates the one
    written last wins: the last "(X)" when the first form found them, else the last " X " (a letter found
    otherwise counts as never written, and the first of equals wins, as numpy's argmax), or the last text. When
    none is read the script picks `default` (WorldSense's "A", scored as the script scores it) or, with no
    default, a random letter: that answer is scored wrong and counted as guessed. An option that is no text (a
    list inside MMMU-Pro's options) stops the script at the text step: such an answer is scored wrong."""

    source: ScorerSource
    letter_forms: tuple[str, ...] = ("({letter})", " {letter} ")
    default: str | None = None
    answer_line: bool = False

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        try:
            read, guessed = self.parse(response or "", question.get(RAW_OPTIONS) or question["options"])
        except _NotText:
            return OfficialVerdict(False, None)
        if read is None:
            return OfficialVerdict(False, None, guessed=True)
        return OfficialVerdict(read == answer, read, guessed=guessed)

    def parse(self, response: str, options: Mapping[str, Any]) -> tuple[str | None, bool]:
        """The letter read (None: a random draw) and whether the script chose it itself, from the options' texts
        as the script sees them (RAW_OPTIONS where it cuts them otherwise than we do)."""
        letters = list(options)
        if self.answer_line and "Answer:" in response:
            stated = response[response.rfind("Answer:") + len("Answer:") :].strip()
            named = [x for x in letters if x in stated]
            if len(named) == 1:
                return named[0], False
        for char in _END_PUNCTUATION:
            response = response.strip(char)
        response = f" {response} "
        for stage, form in enumerate(self.letter_forms):
            found = [x for x in letters if form.format(letter=x) in response]
            if found:
                mark = "({})" if stage == 0 else " {} "

                def position(x: str, mark: str = mark) -> int:
                    return response.rfind(mark.format(x))

                return self._last(found, position), False
        if len(response.split()) > 5:
            if not all(isinstance(text, str) for text in options.values()):
                raise _NotText
            lowered = response.lower()
            texts = [x for x in letters if options[x].lower() in lowered]
            if texts:
                return self._last(texts, lambda x: lowered.rfind(options[x].lower())), False
        return self.default, True

    @staticmethod
    def _last(candidates: list[str], position: Callable[[str], int]) -> str:
        """The candidate with the greatest position, the first of equals (numpy's argmax)."""
        positions = [position(x) for x in candidates]
        return candidates[positions.index(max(positions))]


class _NotText(Exception):
    """An option the official script cannot lower-case: it stops there."""


@dataclass(frozen=True)
class LeadingToken:
    """LVBench's polish_answer (lvbench/utils/answer_util.py) before compute_accuracy's exact comparison: the reply
    stripped, cut at its first ")", then after its first "(" if any, then at its first space; its first character
    ("(B)", "B. text", "B or C" read B; "The answer is B" reads T; "b" is wrong)."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        text = (response or "").strip().split(")")[0].strip()
        if "(" in text:
            text = text.split("(")[1].strip()
        read = text.split(" ")[0][:1]
        return OfficialVerdict(read == answer, read or None)


_MMMU_INDICATORS = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ")
#: MMMU's three number forms: with thousands separators, in scientific notation, plain
_MMMU_NUMBERS = (
    re.compile(r"-?\b\d{1,3}(?:,\d{3})+\b"),
    re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+"),
    re.compile(r"-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])"),
)


def mmmu_normalized(text: str) -> list[str | float]:
    """MMMU's normalize_str: a text Python's float() takes (commas removed) as that number rounded to 2
    decimals; else the text in lower case, a single character padded with a space on either side."""
    text = text.strip()
    try:
        return [round(float(text.replace(",", "")), 2)]
    except ValueError:
        text = text.lower()
        return [" " + text, text + " "] if len(text) == 1 else [text]


def _mmmu_key_tails(response: str) -> list[str]:
    """MMMU's get_key_subresponses: per line of the reply (lower case, without spaces and full stops at its
    ends), the shortest tail after an indicator ("is ", "so ", ...; "=" too on the last line), as the script
    keeps it (a first empty tail gives way to any later one); the whole reply when no line has one."""
    text = response.strip().strip(".").lower()
    lines = re.split(r"\.\s(?=[A-Z])|\n", text)
    tails = []
    for position, line in enumerate(lines):
        indicators = _MMMU_INDICATORS + (("=",) if position == len(lines) - 1 else ())
        shortest: str | None = None
        for indicator in indicators:
            if indicator in line:
                tail = line.split(indicator)[-1].strip()
                if not shortest or len(tail) < len(shortest):
                    shortest = tail
        if shortest and shortest.strip() not in (":", ",", ".", "!", "?", ";", "'"):
            tails.append(shortest)
    return tails or [text]


def mmmu_open_predictions(response: str) -> list[str | float]:
    """MMMU's parse_open_response: the key tails and every number in them, each normalized."""
    tails = _mmmu_key_tails(response)
    found = [*tails, *(n for tail in tails for form in _MMMU_NUMBERS for n in form.findall(tail))]
    return list(dict.fromkeys(value for each in found for value in mmmu_normalized(each)))


@dataclass(frozen=True)
class MMMUOpenMatch:
    """MMMU's open questions (eval_utils.py parse_open_response and eval_open): correct when a number read equals
    a gold number (both rounded to 2 decimals), or a gold text (lower case) lies inside a text read. The gold is
    the row's answer, or each of a list of answers (RAW_ANSWER: the list MMMU stores as its Python text)."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        golds = question.get(RAW_ANSWER) or answer
        wanted = [g for each in (golds if isinstance(golds, list) else [golds]) for g in mmmu_normalized(str(each))]
        predictions = mmmu_open_predictions(response or "")
        correct = any(
            isinstance(p, str)
            and any(isinstance(g, str) and g in p for g in wanted)
            or not isinstance(p, str)
            and p in wanted
            for p in predictions
        )
        return OfficialVerdict(correct, str(predictions[0]) if predictions else None)
