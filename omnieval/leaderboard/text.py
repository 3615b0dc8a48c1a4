"""The leaderboard as markdown (for people and pull requests) and csv (for spreadsheets and scripts)."""

from __future__ import annotations

import csv
import html
import io
import re

from omnieval.leaderboard.board import SMALL_SAMPLE, Entry, Leaderboard, family_name

#: the one sign convention of every Δ on the leaderboard
DELTA_NOTE = "Δ: measured minus reported, signed so that + is better (for a metric where lower is better too)."


def number(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def measured(entry: Entry) -> str:
    flag = " †" if entry.warnings else ""
    if entry.interval is None:
        return number(entry.value) + flag
    return f"{number(entry.value)} [{number(entry.interval[0])}, {number(entry.interval[1])}]{flag}"


def delta(entry: Entry) -> str:
    return number(entry.delta, signed=True) + (" ⚠" if entry.beyond_interval else "")


def intervals_note(board: Leaderboard) -> str:
    stats = board.statistics
    if not stats:
        return f"No run holds confidence intervals. {DELTA_NOTE}"
    return (
        f"Intervals: {100 * stats['confidence']:.0f}% {stats['method']} ({stats['resamples']} resamples). "
        f"{DELTA_NOTE} ⚠: the reported value lies outside the interval. †: fewer than {SMALL_SAMPLE} samples or "
        "an interval of zero width, so the interval says little."
    )


def md_cell(text: str) -> str:
    """A markdown table cell showing `text` as written: no HTML, no column break, one line."""
    return re.sub(r"[\r\n]+", " ", html.escape(text, quote=False)).replace("|", "\\|")


#: what a spreadsheet reads as the start of a formula (OWASP's CSV injection guidance)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a text starting like a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _table(header: list[str], rows: list[list[str]], numeric_from: int) -> list[str]:
    align = ["---" if i < numeric_from else "---:" for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(md_cell(c) for c in cells) + " |"

    return [line(header), "|" + "|".join(align) + "|"] + [line(r) for r in rows]


def to_markdown(board: Leaderboard) -> str:
    lines = ["# Leaderboard", "", f"{board.runs} runs. {intervals_note(board)}"]
    if board.published:
        lines.append("Reported: " + ", ".join(p.display for p in board.published) + " (configs/reference).")
    for family in board.families:
        lines += ["", f"## {family_name(family)}", ""]
        rows = [
            [
                e.row.task,
                e.row.label,
                e.model,
                measured(e),
                str(e.n),
                f"{number(e.reported.value)} ({e.reported_by})" if e.reported else "—",
                delta(e),
            ]
            for e in board.family_entries(family)
        ]
        lines += _table(["task", "metric", "model", "measured [CI]", "n", "reported", "Δ"], rows, numeric_from=3)
    lines += ["", "## Side by side", ""]
    header = ["family", "task", "metric"] + board.models + [f"{p.display} (reported)" for p in board.published]
    body = []
    for row in board.rows:
        cells = [family_name(row.family), row.task, row.label]
        for model in board.models:
            entry = board.entry(model, row)
            cells.append(measured(entry) if entry else "—")
        for published in board.published:
            score = published.score(row.task, row.metric)
            cells.append(number(score.value) if score else "—")
        body.append(cells)
    lines += _table(header, body, numeric_from=3)
    lines += ["", "## By family", ""]
    rows = [
        [
            family_name(s.family),
            s.model,
            str(s.tasks),
            str(s.samples),
            str(s.compared),
            number(s.mean_delta, signed=True),
            str(s.beyond_interval),
        ]
        for s in board.summaries()
    ]
    lines += _table(
        ["family", "model", "tasks", "samples", "with reported", "mean Δ", "beyond CI"], rows, numeric_from=2
    )
    return "\n".join(lines) + "\n"


CSV_COLUMNS = [
    "family",
    "task",
    "metric",
    "lower_is_better",
    "model",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "reported",
    "reported_by",
    "delta",
    "beyond_interval",
    "source",
    "run_id",
    "accuracy_lenient",
    "readers_disagree",
]


def to_csv(board: Leaderboard) -> str:
    """One line per model and task metric, full precision."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for family in board.families:
        for e in board.family_entries(family):
            low, high = e.interval if e.interval else ("", "")
            writer.writerow(
                [
                    csv_cell(cell)
                    for cell in (
                        e.row.family,
                        e.row.task,
                        e.row.metric,
                        e.row.lower_is_better,
                        e.model,
                        e.value,
                        low,
                        high,
                        e.n,
                        "" if e.reported is None else e.reported.value,
                        e.reported_by or "",
                        "" if e.delta is None else e.delta,
                        e.beyond_interval,
                        e.citation or "",
                        e.run_id,
                        "" if e.lenient is None else e.lenient,
                        "" if e.readers_disagree is None else int(e.readers_disagree),
                    )
                ]
            )
    return buffer.getvalue()
