"""Strict readings of a judge's reply: a verdict in the form the template asked for, or None.

None means the reply cannot be read; the judge is then asked again (never guessed). Each
parser reads only what the template told the judge to write, in the place it said:

- score_only: the whole reply is a number on the scale, or its last line ends with one `[[N]]`
  (VoiceBench's fallback);
- rating_line: the last line is `Rating: N`, N on the scale;
- verdict_line: the last line is `Verdict: CORRECT` or `Verdict: INCORRECT` (1 or 0);
- yes_no: the whole reply is yes or no (1 or 0);
- winner_line: the last line is `Winner: A`, `Winner: B` or `Winner: TIE`;
- extraction: the reply itself, its ends stripped, is what the judge extracted from the answer
  (MathVista's answer extraction); an empty reply is asked again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from omnieval.judges.answer_region import strip_markup

Verdict = float | str


def _last_line(reply: str) -> str:
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    return strip_markup(lines[-1]) if lines else ""


def _on_scale(value: float, scale: tuple[int, int] | None) -> float | None:
    return value if scale is None or scale[0] <= value <= scale[1] else None


def score_only(reply: str, scale: tuple[int, int] | None = None) -> Verdict | None:
    text = reply.strip().rstrip(".")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _on_scale(float(text), scale)
    # VoiceBench's fallback form, read only where the judge ends (not from an answer it quotes)
    last = _last_line(reply)
    bracketed = re.findall(r"\[\[(\d+(?:\.\d+)?)\]\]", last)
    if len(bracketed) == 1 and re.search(r"\]\]\W*$", last):
        return _on_scale(float(bracketed[0]), scale)
    return None


def rating_line(reply: str, scale: tuple[int, int] | None = None) -> Verdict | None:
    match = re.fullmatch(r"(?i:rating)\s*[:=]\s*(\d+(?:\.\d+)?)\s*(?:/\s*\d+)?\.?", _last_line(reply))
    return _on_scale(float(match.group(1)), scale) if match else None


def verdict_line(reply: str, scale: tuple[int, int] | None = None) -> Verdict | None:
    match = re.fullmatch(r"(?i:verdict)\s*:\s*(CORRECT|INCORRECT)\.?", _last_line(reply), re.IGNORECASE)
    return None if not match else float(match.group(1).upper() == "CORRECT")


def yes_no(reply: str, scale: tuple[int, int] | None = None) -> Verdict | None:
    text = reply.strip().strip(".!").strip().lower()
    return {"yes": 1.0, "no": 0.0}.get(text)


def winner_line(reply: str, scale: tuple[int, int] | None = None) -> Verdict | None:
    match = re.fullmatch(r"(?i:winner)\s*:\s*(A|B|TIE)\.?", _last_line(reply), re.IGNORECASE)
    return match.group(1).upper() if match else None


def extraction(reply: str, scale: tuple[int, int] | None = None) -> Verdict | None:
    return reply.strip() or None


PARSERS: dict[str, Callable[[str, tuple[int, int] | None], Verdict | None]] = {
    "score_only": score_only,
    "rating_line": rating_line,
    "verdict_line": verdict_line,
    "yes_no": yes_no,
    "winner_line": winner_line,
    "extraction": extraction,
}
