"""Where a response states its answer: after reasoning, inside answer tags.

Reasoning models write `<think>...</think>` before the answer; the answer is what follows the
last `</think>`, and a response whose thinking never closed has no answer. Prompts such as
Video-Holmes' ask for `<answer>...</answer>`: the last such span is the answer.
"""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN = re.compile(r"[*_`#]+")
_MATH_DELIMITERS = re.compile(r"\\[()\[\]]|\$")
_WRAPPERS = re.compile(r"\\(?:text|textbf|mathrm|mathbf|fbox)\s*\{([^{}]*)\}")
_ANSWER_TAG = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.IGNORECASE | re.DOTALL)
_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)


#: vulgar fractions spaced from a preceding digit before NFKC folds them ("1½" is one and a half, not 11/2)
_VULGAR = {ch: " " + unicodedata.normalize("NFKC", ch) for ch in "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"}


def final_answer_region(response: str | None) -> str:
    """The part of a response that holds its final answer ("" when there is none)."""
    text = unicodedata.normalize("NFKC", "".join(_VULGAR.get(ch, ch) for ch in response or ""))
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    elif _THINK_OPEN.search(text):
        return ""  # the thinking was cut off before any answer
    tagged = _ANSWER_TAG.findall(text)
    if tagged:
        text = tagged[-1]
    return text.strip()


def strip_markup(text: str) -> str:
    """Markdown emphasis and LaTeX math delimiters removed, `\\text{B}` unwrapped: '**B**', '$B$',
    '\\(B\\)' and '\\[\\text{B}\\]' all read 'B'."""
    for _ in range(2):
        text = _WRAPPERS.sub(r"\1", text)
    return _MATH_DELIMITERS.sub(" ", _MARKDOWN.sub("", text)).strip()


def last_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{...}` (braces balanced), or None."""
    start = text.rfind("\\boxed")
    while start != -1:
        open_at = text.find("{", start)
        if open_at != -1 and not text[start + len("\\boxed") : open_at].strip():
            depth = 0
            for position in range(open_at, len(text)):
                depth += {"{": 1, "}": -1}.get(text[position], 0)
                if depth == 0:
                    return text[open_at + 1 : position]
        start = text.rfind("\\boxed", 0, start)
    return None
