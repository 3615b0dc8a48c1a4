"""Short answers by normalized exact match.

The answer is the phrase after the last explicit statement ("the answer is Paris.",
"Answer: blue", "答案是北京"), else the first line of the answer. Answer and references are
normalized as SQuAD's scorer does (lower case, punctuation and the articles a/an/the
removed, whitespace collapsed: "U.S.A." is "usa"), after Unicode NFKC folding; the answer matches when it
equals any reference.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence

from omnieval.judges.answer_region import final_answer_region, strip_markup
from omnieval.types import Score

_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "vs", "etc", "prof", "mt", "no", "e.g", "i.e"}
_STATED = re.compile(r"(?i:(?:final\s+)?answer\s*(?:is\b\s*:?|:|=)|the\s+answer\s+would\s+be)|答案\s*(?:是|为|:|：)")
_PUNCTUATION = set(string.punctuation) | {
    "。",
    "，",
    "、",
    "！",
    "？",
    "：",
    "；",
    "“",
    "”",
    "‘",
    "’",
    "《",
    "》",
    "（",
    "）",
}


def normalize_answer(text: str) -> str:
    """SQuAD-style normalization: lower case, no punctuation, no articles, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = re.sub(r"\b(?:a|an|the)\b", " ", text)
    return " ".join(text.split())


def read_short_answer(response: str | None) -> str | None:
    """The short answer a response gives (None: it gives none)."""
    text = strip_markup(final_answer_region(response))
    stated = list(_STATED.finditer(text))
    if stated:
        text = _first_sentence(text[stated[-1].end() :].strip().split("\n", 1)[0])
    else:
        text = text.strip().split("\n", 1)[0]
    text = text.strip().strip("\"'“”‘’「」").strip()
    return text or None


def _first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not "Dr.", "U.S." or "3.14")."""
    for stop in re.finditer(r"[.。](?=\s|$)", text):
        word = text[: stop.start()].rsplit(" ", 1)[-1].lower()
        if stop.group() == "。" or (word not in _ABBREVIATIONS and not re.fullmatch(r"(?:\w\.)*\w", word)):
            return text[: stop.start()]
    return text


def judge_exact(response: str | None, references: str | Sequence[str], name: str = "exact_match") -> Score:
    """1 when the normalized answer equals a normalized reference; the explanation is the answer read."""
    answer = read_short_answer(response)
    wanted = [references] if isinstance(references, str) else list(references)
    correct = answer is not None and normalize_answer(answer) in {normalize_answer(r) for r in wanted}
    return Score(name=name, value=float(correct), explanation=answer)
