"""The leaderboard as one self-contained HTML page: no scripts, styles or fonts fetched from anywhere.

Sections: a per-family summary, a sortable table per family (measured with its interval,
reported, difference), a bar chart per task metric (measured bars with error bars beside the
published values), and a side-by-side table of all models like a report's. Clicking a column
heading sorts its table; numeric cells sort by their `data-value`.

The markup is templates/leaderboard.html.j2 (jinja2, autoescaped); this module prepares the values it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

import jinja2

from omnieval.leaderboard.board import Entry, Leaderboard, Row, family_name
from omnieval.leaderboard.text import intervals_note, number

TEMPLATE = "leaderboard.html.j2"
CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH, VALUE_WIDTH = 540, 18, 280, 60

#: (heading, numeric) of each table's columns
SUMMARY_HEADERS = [
    ("family", False),
    ("model", False),
    ("tasks", True),
    ("samples", True),
    ("with reported", True),
    ("mean Δ", True),
    ("beyond CI", True),
]
ENTRY_HEADERS = [
    ("task", False),
    ("metric", False),
    ("model", False),
    ("measured", True),
    ("CI low", True),
    ("CI high", True),
    ("n", True),
    ("reported", True),
    ("reported by", False),
    ("Δ", True),
]


@dataclass(frozen=True)
class Cell:
    """A table cell. A text cell has no `css`; a numeric one sorts by `value` (None: blank, sorted last)."""

    text: str
    value: float | None = None
    css: str | None = None
    title: str = ""
    href: str = ""


@dataclass(frozen=True)
class TableRow:
    cells: list[Cell]
    model: str | None = None  # the model of an entry's row


@dataclass(frozen=True)
class Table:
    id: str
    headers: list[tuple[str, bool]]
    rows: list[TableRow]


@dataclass(frozen=True)
class Bar:
    """One bar of a chart, in pixels: its row's top `y`, its span from `x`, where its value is written, and the
    ends of its error bar."""

    label: str
    title: str
    kind: str  # measured, reported, better or worse
    x: float
    y: int
    width: float
    value: str
    value_x: float
    errorbar: tuple[float, float] | None = None


@dataclass(frozen=True)
class Chart:
    caption: str
    height: int
    bars: list[Bar]
    task: str = ""
    metric: str = ""
    zero: float | None = None  # where zero is, on a chart of differences


@dataclass(frozen=True)
class Section:
    """A family: its overview chart (None without published values), its table and a chart per task metric."""

    family: str
    name: str
    overview: Chart | None
    table: Table
    charts: list[Chart]


def _pixels(value: float) -> str:
    """A coordinate as the charts write it: one decimal."""
    return f"{value:.1f}"


@cache
def _environment() -> jinja2.Environment:
    """The jinja2 environment of the templates beside this module, escaping every value it renders."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("omnieval.leaderboard", "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["px"] = _pixels
    environment.globals.update(chart_width=CHART_WIDTH, bar_height=BAR_HEIGHT, label_width=LABEL_WIDTH)
    return environment


def _number(value: float | None, text: str | None = None) -> Cell:
    """A numeric cell showing `text` (default: the value to two decimals)."""
    return Cell(number(value) if text is None else text, None if value is None else float(value), "num")


def _entry_row(e: Entry) -> TableRow:
    low, high = e.interval if e.interval else (None, None)
    cells = [
        Cell(e.row.task),
        Cell(e.row.label),
        _model_cell(e),
        _value_cell(e),
        _number(low),
        _number(high),
        _number(e.n, str(e.n)),
        _number(e.reported.value if e.reported else None),
        Cell(e.reported_by or "—"),
        _delta_cell(e),
    ]
    return TableRow(cells, e.model)


def _model_cell(e: Entry) -> Cell:
    """The model, linked to its run's run.json (relative to the folder the leaderboard was made from)."""
    if e.folder is None:  # a derived score has no run of its own
        return Cell(e.model)
    return Cell(e.model, href=f"{quote(e.folder)}/run.json")


def _value_cell(e: Entry) -> Cell:
    """The measured value, marked † with a title saying why where it is less sure than its interval says."""
    if not e.warnings:
        return _number(e.value)
    return Cell(f"{number(e.value)} †", float(e.value), "num warn", "; ".join(e.warnings))


def _delta_cell(e: Entry) -> Cell:
    """Δ (+ = better), flagged ⚠ where the published value lies outside the interval; its title cites the source."""
    text = number(e.delta, signed=True) + (" ⚠" if e.beyond_interval else "")
    return Cell(text, e.delta, "flag num" if e.beyond_interval else "num", e.citation or "")


def _summary_table(board: Leaderboard) -> Table:
    rows = [
        TableRow(
            [
                Cell(family_name(s.family)),
                Cell(s.model),
                _number(s.tasks, str(s.tasks)),
                _number(s.samples, str(s.samples)),
                _number(s.compared, str(s.compared)),
                _number(s.mean_delta, number(s.mean_delta, signed=True)),
                _number(s.beyond_interval, str(s.beyond_interval)),
            ]
        )
        for s in board.summaries()
    ]
    return Table("summary", SUMMARY_HEADERS, rows)


def _side_by_side(board: Leaderboard) -> Table:
    """Every task metric, with each model's measured value and each published one."""
    headers = (
        [("family", False), ("task", False), ("metric", False)]
        + [(m, True) for m in board.models]
        + [(f"{p.display} (reported)", True) for p in board.published]
    )
    rows = []
    for row in board.rows:
        cells = [Cell(family_name(row.family)), Cell(row.task), Cell(row.label)]
        entries = [board.entry(model, row) for model in board.models]
        scores = [published.score(row.task, row.metric) for published in board.published]
        cells += [_number(entry.value if entry else None) for entry in entries]
        cells += [_number(score.value if score else None) for score in scores]
        rows.append(TableRow(cells))
    return Table("side-by-side", headers, rows)


def _overview(board: Leaderboard, family: str) -> Chart | None:
    """Each model's mean Δ over the family's tasks with a published value: bars left (worse) or right (better)
    of zero."""
    summaries = [s for s in board.summaries() if s.family == family and s.mean_delta is not None]
    if not summaries:
        return None
    half = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / 2
    zero = LABEL_WIDTH + half
    scale = half / (max(abs(s.mean_delta or 0.0) for s in summaries) or 1.0)
    bars = []
    for i, s in enumerate(summaries):
        delta = s.mean_delta or 0.0
        x, width = (zero, delta * scale) if delta >= 0 else (zero + delta * scale, -delta * scale)
        signed = number(delta, signed=True)
        title = f"{s.model}: mean Δ {signed} over {s.compared} tasks"
        kind = "better" if delta >= 0 else "worse"
        bars.append(Bar(s.model, title, kind, x, 4 + i * BAR_HEIGHT, width, signed, zero + half + 4))
    caption = f"{family_name(family)} · mean Δ from the published values (+ = better)"
    return Chart(caption, BAR_HEIGHT * len(bars) + 8, bars, zero=zero)


def _chart_values(board: Leaderboard, row: Row) -> list[tuple[str, float, tuple[float, float] | None, str]]:
    """(label, value, interval, kind) of each bar of a task metric's chart: the measured values, then the
    published ones."""
    values: list[tuple[str, float, tuple[float, float] | None, str]] = []
    for model in board.models:
        entry = board.entry(model, row)
        if entry is not None:
            values.append((model, entry.value, entry.interval, "measured"))
    for published in board.published:
        score = published.score(row.task, row.metric)
        if score is not None:
            values.append((f"{published.display} (reported)", score.value, None, "reported"))
    return values


def _chart(board: Leaderboard, row: Row) -> Chart:
    """Horizontal bars: each model's measured value with its interval, then each published value."""
    values = _chart_values(board, row)
    top = max([value for _, value, _, _ in values] + [ci[1] for _, _, ci, _ in values if ci] + [1e-9])
    scale = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / (top * 1.05)
    bars = []
    for i, (label, value, interval, kind) in enumerate(values):
        width = max(value, 0) * scale
        errorbar = (LABEL_WIDTH + interval[0] * scale, LABEL_WIDTH + interval[1] * scale) if interval else None
        right = LABEL_WIDTH + max(width, interval[1] * scale if interval else 0) + 4
        title = f"{label}: {number(value)}"
        bars.append(Bar(label, title, kind, LABEL_WIDTH, 4 + i * BAR_HEIGHT, width, number(value), right, errorbar))
    return Chart(f"{row.task} · {row.label}", BAR_HEIGHT * len(bars) + 8, bars, row.task, row.metric)


def _section(board: Leaderboard, family: str) -> Section:
    rows = [_entry_row(e) for e in board.family_entries(family)]
    charts = [_chart(board, row) for row in board.rows if row.family == family]
    table = Table(f"family-{family}", ENTRY_HEADERS, rows)
    return Section(family, family_name(family), _overview(board, family), table, charts)


def to_html(board: Leaderboard) -> str:
    """The page of `board`."""
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            runs=board.runs,
            note=intervals_note(board),
            reported=[p.display for p in board.published],
            summary=_summary_table(board),
            sections=[_section(board, family) for family in board.families],
            side_by_side=_side_by_side(board),
        )
    )
