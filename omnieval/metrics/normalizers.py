"""Named text normalizers applied to references and predictions before error rates.

- `whisper_english`: openai-whisper's EnglishTextNormalizer (numbers to digits, British to
  American spelling, contractions expanded, fillers and punctuation removed).
- `qwen_english`: `whisper_english` followed by `whisper_basic`, which is what the Qwen
  audio scorer does to English (QwenLM/Qwen2-Audio eval_audio/evaluate_asr.py, copied by
  lmms-eval's asr_wer_utils.py); the second pass removes leftover symbols such as "$".
- `whisper_basic`: openai-whisper's BasicTextNormalizer (lowercase, bracketed text, symbols
  and punctuation removed) for other space-delimited languages.
- `chars`: for character error rate in scripts written without spaces (Chinese, Japanese,
  Korean, Thai ...): NFKC (full-width to half-width), lowercase, Unicode punctuation and
  symbols removed, whitespace removed. Combining marks are kept (the basic normalizer
  would turn Thai vowel signs into spaces).
- `chinese`: `chars` with Arabic numerals first written in Chinese characters as Qwen's
  scorer does with cn_tn ("3个" -> "三个", "2019年" -> "二零一九年"; see chinese_numbers).
- `chars_simplified`: traditional Chinese converted to simplified (OpenCC t2s), then
  `chars`; Qwen's scorer converts Cantonese to simplified before scoring.
- `seedtts`, `seedtts_english`: seed-tts-eval's (BytedanceSpeech/seed-tts-eval run_wer.py): the
  Chinese punctuation of `zhon.hanzi` and ASCII punctuation removed except the apostrophe, no
  number normalization; `seedtts_english` lowercases too (its English branch).
- `none`: the text as it is, whitespace collapsed.

The whisper normalizers come from the `whisper-normalizer` package, a copy of
openai-whisper's module without whisper's torch dependency; tests check it against
openai-whisper itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from omnieval.errors import unknown_name
from omnieval.metrics.chinese_numbers import verbalize_numbers

Normalizer = Callable[[str], str]

NORMALIZERS = (
    "whisper_english",
    "qwen_english",
    "whisper_basic",
    "chars",
    "chinese",
    "chars_simplified",
    "seedtts",
    "seedtts_english",
    "none",
)


def _fold(text: str) -> str:
    """Full-width forms to their plain equivalents (NFKC), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _drop_punctuation_and_spaces(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PSZ" and not c.isspace())


def _chars(text: str) -> str:
    return _drop_punctuation_and_spaces(_fold(text))


def _chinese(text: str) -> str:
    # numbers first: their "." "%" "/" are read before punctuation goes
    return _drop_punctuation_and_spaces(verbalize_numbers(_fold(text)))


def _collapse_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _chain(*normalizers: Normalizer) -> Normalizer:
    def apply(text: str) -> str:
        for normalize in normalizers:
            text = normalize(text)
        return text

    return apply


@cache
def _seedtts_punctuation() -> re.Pattern[str]:
    import string

    from zhon.hanzi import punctuation

    return re.compile("[" + re.escape("".join(sorted(set(punctuation + string.punctuation) - {"'"}))) + "]")


def _seedtts(text: str) -> str:
    return _collapse_whitespace(_seedtts_punctuation().sub("", text))


@cache
def get_normalizer(name: str) -> Normalizer:
    """The normalizer registered under `name`."""
    if name == "whisper_english":
        from whisper_normalizer.english import EnglishTextNormalizer

        return EnglishTextNormalizer()
    if name == "whisper_basic":
        from whisper_normalizer.basic import BasicTextNormalizer

        return BasicTextNormalizer()
    if name == "qwen_english":
        return _chain(get_normalizer("whisper_english"), get_normalizer("whisper_basic"))
    if name == "chars":
        return _chars
    if name == "chinese":
        return _chinese
    if name == "chars_simplified":
        from opencc import OpenCC

        return _chain(OpenCC("t2s").convert, _chars)
    if name == "seedtts":
        return _seedtts
    if name == "seedtts_english":
        return lambda text: _seedtts(text).lower()
    if name == "none":
        return _collapse_whitespace
    raise unknown_name("normalizer", name, NORMALIZERS)
