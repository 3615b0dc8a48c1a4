"""Arabic numerals in Chinese text written out as Chinese characters, before CER.

Qwen's ASR scorer (QwenLM/Qwen2-Audio eval_audio/evaluate_asr.py, copied by lmms-eval)
normalizes Chinese with SpeechIO's cn_tn TextNorm, so "3个" in a prediction matches "三个"
in a reference. This module is our implementation of the same rules, applied in the same
order (the first rule that claims a number decides how it is read):

1. dates       2019年3月5日 -> 二零一九年三月五日 (year digit by digit, month and day as numbers)
2. money       2000元 -> 两千元, 5块5 -> 五块五
3. mobile      13812345678 -> 一三八一二三四五六七八 (digit by digit)
4. landline    010-62345678 -> 零一零六二三四五六七八 (digit by digit, "-" dropped)
5. fractions   1/3 -> 三分之一
6. percentages 15.5% -> 百分之十五点五
7. quantities  3个 -> 三个, 2000个 -> 两千个 (a number before a measure word)
8. digit runs  2000 -> 二零零零 (four or more digits: codes, years without 年)
9. numbers     12 -> 十二, 0.5 -> 零点五, 200 -> 两百
10. letters    P2P stays P2P (a 2 between Latin letters is put back)

Numbers read as quantities use 两 for a leading 2 before 百/千/万/亿 and drop the 一 of a
leading 一十 (12 -> 十二). One deliberate difference: cn_tn replaces the first occurrence of
a matched string anywhere in the text; we replace at the match itself.
"""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
# (power of ten, character); the "mid" system: 万 = 1e4, 亿 = 1e8, 兆 = 1e12, 京 = 1e16
UNITS = ((16, "京"), (12, "兆"), (8, "亿"), (4, "万"), (3, "千"), (2, "百"), (1, "十"))
UNIT_CHARS = {char for _, char in UNITS}

# Measure words after which a number is read as a quantity (cn_tn's list).
MEASURE_WORDS = (
    "(匹|张|座|回|场|尾|条|个|首|阙|阵|网|炮|顶|丘|棵|只|支|袭|辆|挑|担|颗|壳|窠|曲|墙|群|腔|"
    "砣|客|贯|扎|捆|刀|令|打|手|罗|坡|山|岭|江|溪|钟|队|单|双|对|出|口|头|脚|板|跳|枝|件|贴|"
    "针|线|管|名|位|身|堂|课|本|页|家|户|层|丝|毫|厘|分|钱|两|斤|铢|石|钧|锱|忽|(千|毫|微)克|"
    "寸|尺|丈|里|寻|常|铺|程|(千|分|厘|毫|微)米|撮|勺|合|升|斗|盘|碗|碟|叠|桶|笼|盆|"
    "盒|杯|斛|锅|簋|篮|罐|瓶|壶|卮|盏|箩|箱|煲|啖|袋|钵|年|月|日|季|刻|时|周|天|秒|旬|"
    "纪|岁|世|更|夜|春|夏|秋|冬|代|伏|辈|丸|泡|粒|幢|堆|根|道|面|片|块)"
)
CURRENCY_UNITS = "((亿|千万|百万|万|千|百)|(亿|千万|百万|万|千|百|)元|(亿|千万|百万|万|千|百|)块|角|毛|分)"
NUMBER = r"\d+(?:\.\d+)?"

# Each rule: a pattern whose group "n" is the text to rewrite, and how to rewrite it.
DATE = re.compile(r"(?<=\D)(?P<n>(?:(?:[089]\d|(?:19|20)\d{2})年)?(?:\d{1,2}月(?:\d{1,2}[日号])?)?)")
MONEY = re.compile(rf"(?<=\D)(?P<n>{NUMBER}[多余几]?{CURRENCY_UNITS}(?:\d{CURRENCY_UNITS}?)?)")
MOBILE = re.compile(r"(?<=\D)(?P<n>(?:\+?86 ?)?1(?:[38]\d|5[0-35-9]|7[678]|9[89])\d{8})(?=\D)")
LANDLINE = re.compile(r"(?<=\D)(?P<n>(?:0(?:10|2[1-3]|[3-9]\d{2})-?)?[1-9]\d{6,7})(?=\D)")
FRACTION = re.compile(r"(?P<n>(?P<top>\d+)/(?P<bottom>\d+))")
PERCENT = re.compile(rf"(?P<n>(?P<value>{NUMBER})%)")
QUANTITY = re.compile(rf"(?P<n>{NUMBER})(?=[多余几]?{MEASURE_WORDS})")
DIGIT_RUN = re.compile(r"(?P<n>\d{4,32})")
PLAIN = re.compile(rf"(?P<n>{NUMBER})")
LETTER_TWO_LETTER = re.compile(r"(?<=[a-zA-Z])二(?=[a-zA-Z])")


def read_digits(text: str) -> str:
    """Every digit as its character, everything else dropped: 010-123 -> 零一零一二三."""
    return "".join(DIGITS[int(c)] for c in text if c.isdigit())


def _integer_symbols(digits: str) -> list[str]:
    """Characters of an integer read with units; a run of zeros inside becomes one 零."""
    significant = digits.lstrip("0")
    if not significant:
        return []
    if len(significant) == 1:
        leading_zeros = len(significant) != len(digits)
        return ([DIGITS[0]] if leading_zeros else []) + [DIGITS[int(significant)]]
    power, unit = next((p, u) for p, u in UNITS if p < len(significant))
    # both halves keep their leading zeros, which read as one 零: 1001 -> 一千零一, 10200 -> 一万零二百
    return _integer_symbols(digits[:-power]) + [unit] + _integer_symbols(significant[-power:])


def read_integer(digits: str) -> str:
    """An integer as a quantity: 200 -> 两百, 12 -> 十二, 10200 -> 一万零二百, 0 -> 零."""
    symbols = _integer_symbols(digits)
    if not symbols:
        return DIGITS[0]
    for i, symbol in enumerate(symbols):
        before = symbols[i - 1] if i > 0 else None
        after = symbols[i + 1] if i + 1 < len(symbols) else None
        if symbol == "二" and after in UNIT_CHARS - {"十"} and (before is None or before in UNIT_CHARS):
            symbols[i] = "两"
    text = "".join(symbols)
    return text[1:] if text.startswith("一十") else text


def read_number(number: str) -> str:
    """A number as a quantity, decimals digit by digit: 3.14 -> 三点一四."""
    integer, _, fraction = number.partition(".")
    return read_integer(integer) + ("点" + read_digits(fraction) if fraction else "")


def _read_date(date: str) -> str:
    year, _, rest = date.rpartition("年") if "年" in date else ("", "", date)
    spoken = read_digits(year) + "年" if year else ""
    return spoken + re.sub(r"\d+", lambda m: read_integer(m.group()), rest)


def _sub(pattern: re.Pattern, text: str, rewrite) -> str:
    def replace(match: re.Match) -> str:
        start, end = match.span("n")
        whole_start, whole_end = match.span()
        return text[whole_start:start] + rewrite(match) + text[end:whole_end]

    return pattern.sub(replace, text)


RULES = (
    (DATE, lambda m: _read_date(m.group("n"))),
    (MONEY, lambda m: re.sub(NUMBER, lambda n: read_number(n.group()), m.group("n"))),
    (MOBILE, lambda m: read_digits(m.group("n"))),
    (LANDLINE, lambda m: read_digits(m.group("n"))),
    (FRACTION, lambda m: read_integer(m.group("bottom")) + "分之" + read_integer(m.group("top"))),
    (PERCENT, lambda m: "百分之" + read_number(m.group("value"))),
    (QUANTITY, lambda m: read_number(m.group("n"))),
    (DIGIT_RUN, lambda m: read_digits(m.group("n"))),
    (PLAIN, lambda m: read_number(m.group("n"))),
)


def verbalize_numbers(text: str) -> str:
    """Every Arabic number in `text` written in Chinese characters, as cn_tn reads it."""
    # sentinels stand for cn_tn's ^...$ wrapping, so that rules needing a non-digit
    # neighbour also match at the edges of the text
    text = "\x02" + text.replace("％", "%") + "\x03"
    for pattern, rewrite in RULES:
        text = _sub(pattern, text, rewrite)
    return LETTER_TWO_LETTER.sub("2", text)[1:-1]
