"""The official answer readers of the audio classification benchmarks (GTZAN, MELD emotions, VocalSound)
and of MuChoMusic: what their published scorers count correct.

GTZAN and MELD are scored as UltraEval-Audio scores the hub copies it publishes (TwinkStart/GTZAN,
TwinkStart/MELD: its prefix-match evaluator with its acc aggregator), VocalSound as lmms-eval scores
lmms-lab-audio/vocalsound (its tasks/vocalsound), MuChoMusic as its authors' evaluate.py does. Each is
written anew from the script named in its ScorerSource; each takes a sample's metadata and its correct
label (or letter) as omnieval.judges.official's scorers do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omnieval.judges.official import RAW_ANSWER, RAW_OPTIONS, OfficialVerdict, ScorerSource


@dataclass(frozen=True)
class PrefixMatch:
    """UltraEval-Audio's PrefixMatch (ignore_case, its default): the answer in lower case without white space at its
    ends must open with the label (lower case, stripped); what follows is ignored ("Rock." and "rock or blues" are
    rock, "surprised" is surprise; "The genre is rock.", "**Rock**", "(J) rock" and answer tags are wrong). Where the
    label holds a space and the answer none, the label without its spaces is tried, against the answer cut to the
    label's full length. No letter is read, nothing is guessed or left out. `read` is what the script compares: the
    answer cut to the label's length (None when that is empty). The label is the row's as written (RAW_ANSWER)."""

    source: ScorerSource

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        said = (response or "").lower().strip()
        label = str(question.get(RAW_ANSWER, answer)).lower().strip()
        cut = said[: len(label)]
        correct = cut == label
        if not correct and " " in label and " " not in said:
            correct = cut == label.replace(" ", "")
        return OfficialVerdict(correct, cut or None)


@dataclass(frozen=True)
class FirstClassNamed:
    """lmms-eval's VocalSound get_answer: the first of its class names, in its fixed order (`names`: Laughter, Sniff,
    Throat, Cough, Sigh, Sneeze), that lies anywhere in the answer, ignoring case ("coughing", "(A) Cough" and
    "The vocal sound is Cough." read Cough; "Sneeze or Cough" reads Cough, earlier in that order; "Throat" reads
    "Throat clearing"; "laughing" and "sneezing" read nothing). Correct when what it reads equals the row's answer
    exactly (RAW_ANSWER); an answer it cannot read counts wrong, in the denominator."""

    source: ScorerSource
    #: the name looked for -> the class it reads as, in the order the script tries them
    names: tuple[tuple[str, str], ...] = (
        ("Laughter", "Laughter"),
        ("Sniff", "Sniff"),
        ("Throat", "Throat clearing"),
        ("Cough", "Cough"),
        ("Sigh", "Sigh"),
        ("Sneeze", "Sneeze"),
    )

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        said = (response or "").strip().lower()
        read = next((label for name, label in self.names if name.lower() in said), None)
        return OfficialVerdict(read is not None and read == question.get(RAW_ANSWER, answer), read)


#: what MuChoMusic's prompt ends with; the answer is read after its last occurrence
MUCHOMUSIC_PREFIX = "The correct answer is:"


@dataclass(frozen=True)
class OneCapitalLetter:
    """MuChoMusic's extract_responses (muchomusic_eval/scoring.py): the answer after its last "The correct answer
    is:", without white space at its ends; if exactly one of the capitals A-D occurs in it as a character, anywhere,
    that is the letter ("A", "(A)", "\\boxed{A}", "The answer is A because..."; "Bossa nova" reads B, "Answer: C"
    holds A and C); otherwise the first option, in letter order, whose text (lower case, stripped) lies in the
    answer (lower case); else nothing: unanswered, counted wrong and in the denominator. The options' texts as the
    question shows them (RAW_OPTIONS, else `options`)."""

    source: ScorerSource
    letters: str = "ABCD"

    def verdict(self, response: str, question: Mapping[str, Any], answer: str) -> OfficialVerdict:
        read = self.read(response or "", question.get(RAW_OPTIONS) or question["options"])
        return OfficialVerdict(read is not None and read == answer, read)

    def read(self, response: str, options: Mapping[str, str]) -> str | None:
        said = response.split(MUCHOMUSIC_PREFIX)[-1].strip()
        named = set(self.letters) & set(said)
        if len(named) == 1:
            return named.pop()
        lowered = said.lower().strip()
        return next((letter for letter, text in options.items() if str(text).lower().strip() in lowered), None)


ULTRAEVAL_AUDIO = ("OpenBMB/UltraEval-Audio", "9b69da645d53cbc90b30179339a1dce7f0117b42")
#: GTZAN (UltraEval-Audio's dataset GTZAN: TwinkStart/GTZAN, ref_col label, prefix-match, acc)
GTZAN_SCORER = PrefixMatch(
    ScorerSource(
        *ULTRAEVAL_AUDIO,
        "audio_evals/evaluator/base.py",
        "PrefixMatch (registry: dataset GTZAN, evaluator prefix-match, agg acc)",
    )
)
#: MELD emotions (UltraEval-Audio's dataset meld-emo: TwinkStart/MELD, ref_col Emotion, prefix-match, acc)
MELD_SCORER = PrefixMatch(
    ScorerSource(
        *ULTRAEVAL_AUDIO,
        "audio_evals/evaluator/base.py",
        "PrefixMatch (registry: dataset meld-emo, evaluator prefix-match, agg acc)",
    )
)
#: VocalSound (lmms-eval's vocalsound_test on lmms-lab-audio/vocalsound)
VOCALSOUND_SCORER = FirstClassNamed(
    ScorerSource(
        "EvolvingLMMs-Lab/lmms-eval", "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3", "lmms_eval/tasks/vocalsound/utils.py"
    )
)
#: MuChoMusic (its authors' evaluate.py with muchomusic_eval/scoring.py)
MUCHOMUSIC_SCORER = OneCapitalLetter(
    ScorerSource(
        "mulab-mir/muchomusic",
        "d3c9a423d006c545b86472c0c1cfacce7058cfc5",
        "evaluate.py",
        "muchomusic_eval/scoring.py extract_responses",
    )
)
