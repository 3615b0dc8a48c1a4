"""The leaderboard as one self-contained HTML page: no scripts, styles or fonts fetched from anywhere.

Sections: a per-family summary, a sortable table per family (measured with its interval,
reported, difference), a bar chart per task metric (measured bars with error bars beside the
published values), and a side-by-side table of all models like a report's. Clicking a column
heading sorts its table; numeric cells sort by their `data-value`.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from omnieval.leaderboard.board import Entry, Leaderboard, Row, family_name
from omnieval.leaderboard.text import intervals_note, number

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d1d1f}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th{cursor:pointer;user-select:none;background:#f5f5f7}
th[aria-sort=ascending]::after{content:" ▲"} th[aria-sort=descending]::after{content:" ▼"}
td.flag{color:#b3261e;font-weight:600}
td.warn{color:#8a6d00}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0} figcaption{font-weight:600;margin-bottom:.2rem}
rect.measured{fill:#3b6fd8} rect.reported{fill:#b9bcc4} line.errorbar{stroke:#111;stroke-width:1.5}
rect.better{fill:#2e7d32} rect.worse{fill:#c62828} line.zero{stroke:#555}
text{font:11px system-ui,sans-serif}
"""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (heading, column) {
    heading.addEventListener("click", function () {
      var ascending = heading.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[column];
        var value = cell.getAttribute("data-value");
        return value === null ? cell.textContent.trim() : (value === "" ? null : parseFloat(value));
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }  // blanks last
        var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH, VALUE_WIDTH = 540, 18, 280, 60


def _cell(text: str, value: float | None = None, css: str = "num") -> str:
    if value is None and css != "num":
        return f"<td>{escape(text)}</td>"
    data = "" if value is None else repr(float(value))
    return f'<td class="{css}" data-value="{data}">{escape(text)}</td>'


def _table(headers: list[tuple[str, bool]], rows: list[str], table_id: str) -> str:
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if numeric else f"<th>{escape(h)}</th>" for h, numeric in headers
    )
    return (
        f'<table class="sortable" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _entry_row(e: Entry) -> str:
    low, high = e.interval if e.interval else (None, None)
    cells = [
        _cell(e.row.task, css="text"),
        _cell(e.row.label, css="text"),
        _model_cell(e),
        _value_cell(e),
        _cell(number(low), low),
        _cell(number(high), high),
        _cell(str(e.n), e.n),
        _cell(number(e.reported.value) if e.reported else "—", e.reported.value if e.reported else None),
        _cell(e.reported_by or "—", css="text"),
        _delta_cell(e),
    ]
    return f'<tr data-model="{escape(e.model)}">{"".join(cells)}</tr>'


def _model_cell(e: Entry) -> str:
    """The model, linked to its run's run.json (relative to the folder the leaderboard was made from)."""
    if e.folder is None:  # a derived score has no run of its own
        return _cell(e.model, css="text")
    return f'<td><a href="{escape(quote(e.folder))}/run.json">{escape(e.model)}</a></td>'


def _overview(board: Leaderboard, family: str) -> str:
    """Each model's mean Δ over the family's tasks with a published value: bars left (worse) or right (better)
    of zero."""
    summaries = [s for s in board.summaries() if s.family == family and s.mean_delta is not None]
    if not summaries:
        return ""
    half = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / 2
    zero = LABEL_WIDTH + half
    scale = half / (max(abs(s.mean_delta or 0.0) for s in summaries) or 1.0)
    parts = []
    for i, s in enumerate(summaries):
        delta, y = s.mean_delta or 0.0, 4 + i * BAR_HEIGHT
        x, width = (zero, delta * scale) if delta >= 0 else (zero + delta * scale, -delta * scale)
        css = "better" if delta >= 0 else "worse"
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">{escape(s.model)}</text>')
        parts.append(
            f'<rect class="bar {css}" x="{x:.1f}" y="{y + 2}" width="{width:.1f}" height="{BAR_HEIGHT - 5}">'
            f"<title>{escape(s.model)}: mean Δ {number(delta, signed=True)} over {s.compared} tasks</title></rect>"
        )
        parts.append(f'<text x="{zero + half + 4:.1f}" y="{y + 12}">{number(delta, signed=True)}</text>')
    height = BAR_HEIGHT * len(summaries) + 8
    parts.append(f'<line class="zero" x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height}"/>')
    caption = f"{family_name(family)} · mean Δ from the published values (+ = better)"
    return (
        f'<figure class="chart overview" data-family="{escape(family)}"><figcaption>{escape(caption)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(caption)}">{"".join(parts)}</svg></figure>'
    )


def _value_cell(e: Entry) -> str:
    """The measured value, marked † with a title saying why where it is less sure than its interval says."""
    if not e.warnings:
        return _cell(number(e.value), e.value)
    why = escape("; ".join(e.warnings))
    return f'<td class="num warn" data-value="{float(e.value)!r}" title="{why}">{escape(number(e.value))} †</td>'


def _delta_cell(e: Entry) -> str:
    css = "flag num" if e.beyond_interval else "num"
    data = "" if e.delta is None else repr(e.delta)
    title = f' title="{escape(e.citation)}"' if e.citation else ""
    flag = " ⚠" if e.beyond_interval else ""
    return f'<td class="{css}" data-value="{data}"{title}>{escape(number(e.delta, signed=True))}{flag}</td>'


def _chart(board: Leaderboard, row: Row) -> str:
    """Horizontal bars: each model's measured value with its interval, then each published value."""
    bars: list[tuple[str, float, tuple[float, float] | None, str]] = []
    for model in board.models:
        entry = board.entry(model, row)
        if entry is not None:
            bars.append((model, entry.value, entry.interval, "measured"))
    for published in board.published:
        score = published.score(row.task, row.metric)
        if score is not None:
            bars.append((f"{published.display} (reported)", score.value, None, "reported"))
    top = max([value for _, value, _, _ in bars] + [hi for _, _, ci, _ in bars if ci for hi in ci[1:]] + [1e-9])
    scale = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / (top * 1.05)
    height = BAR_HEIGHT * len(bars) + 8
    parts = []
    for i, (label, value, interval, kind) in enumerate(bars):
        y = 4 + i * BAR_HEIGHT
        width = max(value, 0) * scale
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<rect class="bar {kind}" x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT - 5}"><title>{escape(label)}: {number(value)}</title></rect>'
        )
        if interval is not None:
            x0, x1, mid = LABEL_WIDTH + interval[0] * scale, LABEL_WIDTH + interval[1] * scale, y + BAR_HEIGHT / 2
            parts.append(f'<line class="errorbar" x1="{x0:.1f}" x2="{x1:.1f}" y1="{mid:.1f}" y2="{mid:.1f}"/>')
            for x in (x0, x1):
                parts.append(
                    f'<line class="errorbar" x1="{x:.1f}" x2="{x:.1f}" y1="{mid - 4:.1f}" y2="{mid + 4:.1f}"/>'
                )
        right = LABEL_WIDTH + max(width, interval[1] * scale if interval else 0) + 4
        parts.append(f'<text x="{right:.1f}" y="{y + 12}">{number(value)}</text>')
    caption = f"{row.task} · {row.label}"
    return (
        f'<figure class="chart" data-task="{escape(row.task)}" data-metric="{escape(row.metric)}">'
        f"<figcaption>{escape(caption)}</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(caption)}">{"".join(parts)}</svg></figure>'
    )


def to_html(board: Leaderboard) -> str:
    sections = []
    summary_rows = [
        "<tr>"
        + _cell(family_name(s.family), css="text")
        + _cell(s.model, css="text")
        + _cell(str(s.tasks), s.tasks)
        + _cell(str(s.samples), s.samples)
        + _cell(str(s.compared), s.compared)
        + _cell(number(s.mean_delta, signed=True), s.mean_delta)
        + _cell(str(s.beyond_interval), s.beyond_interval)
        + "</tr>"
        for s in board.summaries()
    ]
    sections.append(
        "<h2>By family</h2>"
        + _table(
            [
                ("family", False),
                ("model", False),
                ("tasks", True),
                ("samples", True),
                ("with reported", True),
                ("mean Δ", True),
                ("beyond CI", True),
            ],
            summary_rows,
            "summary",
        )
    )
    entry_headers = [
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
    for family in board.families:
        rows = [_entry_row(e) for e in board.family_entries(family)]
        charts = "".join(_chart(board, row) for row in board.rows if row.family == family)
        sections.append(
            f'<section class="family" data-family="{escape(family)}"><h2>{escape(family_name(family))}'
            f"</h2>{_overview(board, family)}{_table(entry_headers, rows, escape(f'family-{family}'))}"
            f'<div class="charts">{charts}</div></section>'
        )
    side_headers = (
        [("family", False), ("task", False), ("metric", False)]
        + [(m, True) for m in board.models]
        + [(f"{p.display} (reported)", True) for p in board.published]
    )
    side_rows = []
    for row in board.rows:
        cells = [_cell(family_name(row.family), css="text"), _cell(row.task, css="text"), _cell(row.label, css="text")]
        for model in board.models:
            entry = board.entry(model, row)
            cells.append(_cell(number(entry.value) if entry else "—", entry.value if entry else None))
        for published in board.published:
            score = published.score(row.task, row.metric)
            cells.append(_cell(number(score.value) if score else "—", score.value if score else None))
        side_rows.append(f"<tr>{''.join(cells)}</tr>")
    sections.append("<h2>Side by side</h2>" + _table(side_headers, side_rows, "side-by-side"))
    reported = (
        (
            "<p>Reported: " + escape(", ".join(p.display for p in board.published)) + " (configs/reference); "
            "hover a Δ for its source.</p>"
        )
        if board.published
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>omnieval leaderboard</title>'
        f"<style>{STYLE}</style></head><body><h1>Leaderboard</h1>"
        f"<p>{board.runs} runs. {escape(intervals_note(board))}</p>{reported}{''.join(sections)}"
        f"<script>{SORT_SCRIPT}</script></body></html>\n"
    )
