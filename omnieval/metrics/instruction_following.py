"""IFEval's rule-based instruction checks (Google's checkers, as packaged in lm-eval), strict and loose.

VoiceBench scores its ifeval subset with the same checkers and reports the mean of four
accuracies: prompt-level and instruction-level, each strict (the response as written) and
loose (also with its first line, last line or both removed, and with `*` removed). The checkers
VoiceBench vendors (src/evaluator/instruction_following_eval at 533815410e3f) check as lm-eval's do:
the two differ only in a helper of a checker no instruction id names.

Two checkers (sentence counts, capital-word counts) split sentences with nltk's Punkt English
model. When its data (`punkt_tab`) is not installed, nltk's untrained Punkt splitter stands in
(it differs only on abbreviations) and `sentence_splitter` in run.json says so; nothing is
downloaded while scoring.
"""

from __future__ import annotations

import contextlib
import io
from functools import cache, partial
from types import SimpleNamespace
from typing import Any


def _has_punkt() -> bool:
    import nltk

    try:
        nltk.data.find("tokenizers/punkt_tab/english/")
        return True
    except LookupError:
        return False


@cache
def _registry():
    import nltk

    if not _has_punkt():
        # lm-eval downloads punkt at import when it is missing; offline that only prints an error
        download, nltk.download = nltk.download, lambda *args, **kwargs: False
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # it also prints that it downloaded
                from lm_eval.tasks.ifeval import instructions_registry, instructions_util
        finally:
            nltk.download = download
        untrained = nltk.tokenize.PunktSentenceTokenizer()
        instructions_util._get_sentence_tokenizer = lambda: untrained
        # the checkers reach nltk through this module's global; only theirs changes, not nltk's
        instructions_util.nltk = SimpleNamespace(
            tokenize=nltk.tokenize, data=nltk.data, word_tokenize=partial(nltk.word_tokenize, preserve_line=True)
        )
    else:
        from lm_eval.tasks.ifeval import instructions_registry
    return instructions_registry.INSTRUCTION_DICT


def sentence_splitter() -> str:
    return "punkt english (nltk data)" if _has_punkt() else "punkt untrained (no nltk punkt_tab data)"


def _loose_variants(response: str) -> list[str]:
    lines = response.split("\n")
    trimmed = [response, "\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
    return trimmed + [text.replace("*", "") for text in trimmed]


def check_instructions(
    response: str, prompt: str, instruction_ids: list[str], kwargs: list[dict[str, Any] | None]
) -> tuple[list[bool], list[bool]]:
    """Whether `response` follows each instruction: strictly, and loosely."""
    registry = _registry()
    strict, loose = [], []
    for instruction_id, arguments in zip(instruction_ids, kwargs, strict=True):
        checker = registry[instruction_id](instruction_id)
        # as VoiceBench's ifeval.py: a falsy value (None, 0, "", []) is left unset
        checker.build_description(**{k: v for k, v in (arguments or {}).items() if v})
        if "prompt" in (checker.get_instruction_args() or {}):
            checker.build_description(prompt=prompt)
        strict.append(bool(response.strip()) and bool(checker.check_following(response)))
        loose.append(any(text.strip() and checker.check_following(text) for text in _loose_variants(response)))
    return strict, loose
