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
from collections.abc import Mapping
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

    source: ScorerSource

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
            predicted = predicted[close - 1:close] if close else ""
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
_VIDEOMME_PREFIXES = ("The best answer is", "The correct answer is", "The answer is", "The answer",
                      "The best option isThe correct option is,", "Best answer:Best option:", "Answer:", "Option:",
                      "The correct answer", "The correct option")
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
    """MMMU's parse_multi_choice_response, and the copies other scorers made of it (lmms-eval's WorldSense).

    The reply loses the characters , . ! ? ; : ' at its ends (one after the other, in that order) and is padded
    with a space. Letters are the options' letters in order; each letter written as `bracketed` ("(A)" for MMMU;
    a bare capital anywhere for WorldSense's copy, so "Anger" reads A) is a candidate; failing those, each
    written " A "; failing those, and only in a reply of more than five words, each option whose text appears in
    it (ignoring case). Of several candidates the one written last wins (the last "(X)" for bracketed letters,
    the last " X " for spaced ones, the last text for texts; candidates found as bare letters have no "(X)" and
    the first in letter order wins). When none is read the script picks `default` (WorldSense's "A", scored as
    the script scores it) or, with no default, a random letter: that answer is scored wrong and counted as
    guessed."""

    source: ScorerSource
    bracketed: str = "({letter})"
    default: str | None = None

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        read, guessed = self.parse(response or "", question.get(RAW_OPTIONS) or question["options"])
        if read is None:
            return OfficialVerdict(False, None, guessed=True)
        return OfficialVerdict(read == answer, read, guessed=guessed)

    def parse(self, response: str, options: Mapping[str, str]) -> tuple[str | None, bool]:
        """The letter read (None: a random draw) and whether the script chose it itself, from the options' texts
        as the script sees them (RAW_OPTIONS where it cuts them otherwise than we do)."""
        for char in _END_PUNCTUATION:
            response = response.strip(char)
        response = f" {response} "
        letters = list(options)
        written = [x for x in letters if self.bracketed.format(letter=x) in response]
        if written:
            return self._last(written, lambda x: response.rfind(f"({x})")), False
        spaced = [x for x in letters if f" {x} " in response]
        if spaced:
            return self._last(spaced, lambda x: response.rfind(f" {x} ")), False
        if len(response.split()) > 5:
            lowered = response.lower()
            texts = [x for x in letters if str(options[x]).lower() in lowered]
            if texts:
                return self._last(texts, lambda x: lowered.rfind(str(options[x]).lower())), False
        return self.default, True

    @staticmethod
    def _last(candidates: list[str], position: Any) -> str:
        """The candidate with the greatest position, the first of equals (numpy's argmax)."""
        if len(candidates) == 1:
            return candidates[0]
        positions = [position(x) for x in candidates]
        return candidates[positions.index(max(positions))]


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
