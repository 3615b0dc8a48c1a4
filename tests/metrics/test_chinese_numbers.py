"""Chinese number reading, pinned to what SpeechIO's cn_tn (Qwen's Chinese normalizer) outputs."""

from __future__ import annotations

import pytest

from omnieval.metrics.chinese_numbers import read_integer, read_number, verbalize_numbers
from omnieval.metrics.error_rate import utterance_edits

# input -> cn_tn's output (each produced by running cn_tn.TextNorm's number pass)
CN_TN_OUTPUTS = [
    ("2019年3月5日", "二零一九年三月五日"),
    ("98年", "九八年"),
    ("2000元", "两千元"),
    ("5块5", "五块五"),
    ("13812345678", "一三八一二三四五六七八"),
    ("1/3", "三分之一"),
    ("15.5%", "百分之十五点五"),
    ("15％", "百分之十五"),
    ("3个", "三个"),
    ("有2000个", "有两千个"),
    ("100多个", "一百多个"),
    ("2000", "二零零零"),
    ("共12345人", "共一二三四五人"),
    ("12", "十二"),
    ("0.5", "零点五"),
    ("3.14", "三点一四"),
    ("P2P", "P2P"),
    ("200", "两百"),
    ("22", "二十二"),
    ("10", "十"),
    ("9:30", "九:三十"),
    ("2024-01-01", "二零二四-零一-零一"),
    ("5G", "五G"),
]


@pytest.mark.parametrize(("text", "expected"), CN_TN_OUTPUTS)
def test_numbers_read_as_cn_tn_reads_them(text, expected):
    assert verbalize_numbers(text) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("1200", "一千两百"),
        ("10200", "一万零二百"),
        ("1001", "一千零一"),
        ("1010", "一千零一十"),
        ("110", "一百一十"),
        ("100100", "十万零一百"),
        ("20000", "两万"),
        ("150000", "十五万"),
        ("10001000", "一千万一千"),
        ("100000001", "一亿零一"),
        ("1000000000000", "一兆"),
        ("0", "零"),
        ("01", "零一"),
    ],
)
def test_integers_read_with_units_and_zeros(digits, expected):
    assert read_integer(digits) == expected


def test_quantities_of_four_digits_and_more_read_as_numbers_only_before_a_measure_word():
    assert verbalize_numbers("1200个") == "一千两百个"
    assert verbalize_numbers("1200次") == "一二零零次"  # 次 is not one of cn_tn's measure words
    assert read_number("2.05") == "二点零五"


def test_a_prediction_in_digits_matches_a_reference_in_characters():
    edits, ref, hyp = utterance_edits("他买了三个苹果，花了两千元。", "他买了3个苹果花了2000元", "chinese", "char")
    assert edits.errors == 0 and ref == hyp == "他买了三个苹果花了两千元"
