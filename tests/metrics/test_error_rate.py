"""WER/CER against an independent computation: openai-whisper's own normalizers and jiwer."""

from __future__ import annotations

import re
import unicodedata

import jiwer
import pytest
from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

from omnieval.metrics.error_rate import Edits, corpus_rate, count_edits, utterance_edits
from omnieval.metrics.normalizers import get_normalizer
from omnieval.registry import TASKS
from omnieval.tasks.asr.asr import AsrTask
from omnieval.types import Sample, SampleRecord

# (reference, prediction): numbers, contractions, British spellings, punctuation, casing, fillers, currency
ENGLISH_CASES = [
    ("I've got twenty-five colours, Mr. Smith!", "i have got 25 colors mister smith"),
    ("It's nineteen ninety-nine; we can't wait.", "it is 1999 we can not wait"),
    ("The theatre's organisation centre", "the theater's organization center"),
    ("He paid $20.50 for two hundred and three apples", "he paid twenty dollars fifty for 203 apples"),
    ("Uhm, well... I'd say it's OK", "well i would say it is okay"),
    ("HELLO WORLD", "Hello, world."),
    ("first place was won by the 3rd team", "1st place was won by the third team"),
    ("She's gonna travel to the U.S.A.", "she is going to travel to the usa"),
    ("A completely different sentence here", ""),
    ("Doctor Who met St. John", "dr who met saint john"),
]


def _independent_english(ref: str, hyp: str) -> tuple[str, str]:
    english, basic = EnglishTextNormalizer(), BasicTextNormalizer()
    return basic(english(ref)), basic(english(hyp))


def _score_all(task_name: str, pairs: list[tuple[str, str]]) -> dict[str, float]:
    task = TASKS.get(task_name)
    records = []
    for index, (ref, hyp) in enumerate(pairs):
        sample = Sample(id=str(index), index=index, target=ref)
        scored = task.score(sample, hyp)
        records.append(SampleRecord(id=str(index), index=index, prediction=hyp, target=ref, scores=scored.scores))
    return task.aggregate(records)


def test_english_wer_equals_whisper_normalizer_and_jiwer():
    refs, hyps = zip(*(_independent_english(r, h) for r, h in ENGLISH_CASES), strict=False)
    expected = 100 * jiwer.wer(list(refs), [h if h.strip() else "" for h in hyps])
    metrics = _score_all("librispeech_test_clean", ENGLISH_CASES)
    assert metrics["wer"] == pytest.approx(expected, abs=1e-9)
    per_utterance = [100 * jiwer.wer(r, h) for r, h in zip(refs, hyps, strict=False)]
    assert metrics["wer_utterance_mean"] == pytest.approx(sum(per_utterance) / len(per_utterance), abs=1e-9)


def test_hard_english_cases_normalize_to_zero_errors():
    for ref, hyp in ENGLISH_CASES[:3] + ENGLISH_CASES[5:6]:
        edits, ref_norm, hyp_norm = utterance_edits(ref, hyp, "qwen_english", "word")
        assert edits.errors == 0, (ref_norm, hyp_norm)


def test_whisper_normalizer_package_matches_openai_whisper():
    texts = [t for pair in ENGLISH_CASES for t in pair] + ["Ça coûte 5 € — très cher!", "[noise] (laughs) okay"]
    english, basic = EnglishTextNormalizer(), BasicTextNormalizer()
    for text in texts:
        assert get_normalizer("whisper_english")(text) == english(text)
        assert get_normalizer("whisper_basic")(text) == basic(text)


def _independent_cer_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(c for c in text if not unicodedata.category(c).startswith(("P", "S")))
    return re.sub(r"\s+", "", text)


CHINESE_CASES = [
    ("你好，世界！", "你好世界"),
    ("今天天气很好。我们去公园吧？", "今天天气很好我们去公园"),
    ("“北京”是中国的首都；", "北京是中国首都"),
    ("他买了三个苹果", "他买了３个苹果"),  # full-width digit, read as 三 like cn_tn does
    ("我喜欢Python编程", "我喜欢python编成"),
    ("完全不同的句子", ""),
]


def test_chinese_cer_equals_independent_jiwer_cer():
    refs = [_independent_cer_text(r) for r, _ in CHINESE_CASES]
    hyps = [_independent_cer_text(h.replace("３", "三")) for _, h in CHINESE_CASES]
    expected = 100 * jiwer.cer(refs, hyps)
    metrics = _score_all("fleurs_zh", CHINESE_CASES)
    assert metrics["cer"] == pytest.approx(expected, abs=1e-9)
    # by hand: 吧 and 的 deleted, 程 -> 成 substituted, and the 7 characters of the empty prediction
    total_chars = sum(len(r) for r in refs)
    assert metrics["cer"] == pytest.approx(100 * (1 + 1 + 1 + 7) / total_chars)


def test_cantonese_is_scored_in_simplified_characters():
    edits, ref_norm, hyp_norm = utterance_edits("我們說廣東話。", "我们说广东话", "chars_simplified", "char")
    assert edits.errors == 0 and ref_norm == hyp_norm == "我们说广东话"


def test_corpus_rate_differs_from_utterance_mean():
    edits = [Edits(1, 0, 0, 1), Edits(0, 0, 0, 9)]
    rates = corpus_rate(edits)
    assert rates["corpus"] == pytest.approx(10.0)
    assert rates["utterance_mean"] == pytest.approx(50.0)


def test_empty_prediction_is_all_deletions_and_empty_reference_all_insertions():
    assert count_edits(["a", "b", "c"], []) == Edits(0, 3, 0, 3)
    assert count_edits([], ["a", "b"]) == Edits(0, 0, 2, 0)
    assert count_edits(["a", "b", "c"], ["a", "x", "c", "d"]) == Edits(1, 0, 1, 3)


def test_thai_keeps_vowel_signs():
    # the basic normalizer would replace the combining vowel signs with spaces and hide this error
    edits, _, _ = utterance_edits("กิน", "กน", "chars", "char")
    assert edits.errors == 1 and edits.ref_len == 3


def test_unknown_normalizer_names_the_known_ones():
    with pytest.raises(Exception, match="whisper_english"):
        get_normalizer("whisper_englsh")


def test_special_tokens_are_stripped_from_predictions():
    task = TASKS.get("librispeech_test_clean")
    assert isinstance(task, AsrTask)
    scored = task.score(Sample(id="a", index=0, target="HELLO THERE"), "<|en|>hello there<|endoftext|>")
    assert scored.scores["wer"] == 0.0
