"""The HTML leaderboard in a real headless Chromium (Debian's chromium, driven by playwright): it
renders, fetches nothing, its tables sort on click and its charts are drawn."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright import sync_api as playwright

from omnieval.leaderboard import make_leaderboard, to_html
from tests.conftest import run_cli
from tests.leaderboard.runs import three_model_results, write_run


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium package is missing (make install puts it there)"
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, tmp_path):
    three_model_results(tmp_path / "results")
    path = tmp_path / "board.html"
    run_cli(
        "leaderboard",
        tmp_path / "results",
        "--format",
        "html",
        "--output",
        path,
        "-r",
        "qwen3-omni-30b-a3b-instruct",
        "-r",
        "gemini-2.5-pro",
    )
    opened = browser.new_page()
    problems, requests = [], []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    opened.on("request", lambda request: requests.append(request.url))
    opened.goto(path.as_uri())
    yield opened
    assert problems == [], f"the page raised: {problems}"
    assert requests == [path.as_uri()], f"the page fetched more than itself: {requests}"
    opened.close()


def _column(page, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent)")


def test_the_page_renders_every_family_and_view(page):
    assert page.title() == "omnieval leaderboard"
    families = page.eval_on_selector_all("section.family h2", "hs => hs.map(h => h.textContent)")
    assert families == ["ASR", "Voice chat", "Text"]
    assert page.locator("#summary tbody tr").count() == 6  # (family, model) pairs
    heads = page.eval_on_selector_all("#side-by-side thead th", "hs => hs.map(h => h.textContent)")
    assert heads[3:] == [
        "audio-model",
        "qwen3-omni-30b-a3b-instruct",
        "text-model",
        "Qwen3-Omni-30B-A3B-Instruct (reported)",
        "Gemini-2.5-Pro (reported)",
    ]
    flagged = page.eval_on_selector_all("td.flag", "cells => cells.map(c => c.textContent)")
    assert "-0.28 ⚠" in flagged  # measured WER 1.50 [1.30, 1.70], published 1.22: worse, so negative


def test_clicking_a_heading_sorts_the_table(page):
    measured = 3
    before = _column(page, "family-text", measured)
    page.click("#family-text thead th:nth-child(4)")
    assert page.get_attribute("#family-text thead th:nth-child(4)", "aria-sort") == "ascending"
    assert _column(page, "family-text", measured) == ["80.00", "84.00"]
    page.click("#family-text thead th:nth-child(4)")
    assert page.get_attribute("#family-text thead th:nth-child(4)", "aria-sort") == "descending"
    assert _column(page, "family-text", measured) == ["84.00", "80.00"] and sorted(before) == ["80.00", "84.00"]
    # the side-by-side table sorts by a model column, blanks last
    page.click("#side-by-side thead th:nth-child(4)")  # audio-model: 2.00 (ASR), 70.00 (voice), — (text)
    assert _column(page, "side-by-side", 3) == ["2.00", "70.00", "—"]
    page.click("#side-by-side thead th:nth-child(4)")
    assert _column(page, "side-by-side", 3) == ["70.00", "2.00", "—"]


def test_the_charts_are_drawn_with_error_bars(page):
    charts = page.locator("figure.chart[data-task]")  # one per task metric
    assert charts.count() == 3
    # and one overview per family: each model's mean difference from the published values
    overviews = page.locator("figure.overview")
    assert overviews.count() == 3 and overviews.locator("rect.bar").count() == 6
    assert all(w > 0 for w in overviews.locator("rect.bar").evaluate_all("rs => rs.map(r => r.getBBox().width)"))
    asr = page.locator('figure.chart[data-task="librispeech_test_clean"]')
    bars = asr.locator("rect.bar")
    # two measured models, then the published Qwen3-Omni and Gemini values
    assert bars.count() == 4 and asr.locator("rect.measured").count() == 2
    widths = bars.evaluate_all("rects => rects.map(r => r.getBBox().width)")
    assert all(w > 0 for w in widths)
    # bar lengths are proportional to the values: 2.00, 1.50, then 1.22 and Gemini's
    assert widths[0] / widths[1] == pytest.approx(2.0 / 1.5, rel=0.02)
    assert widths[2] / widths[1] == pytest.approx(1.22 / 1.5, rel=0.02)
    error_bars = asr.locator("line.errorbar").evaluate_all("lines => lines.map(l => l.getBBox().width)")
    assert len(error_bars) == 6 and max(error_bars) > 0  # a span and two whiskers per measured bar
    visible = asr.evaluate("figure => figure.getBoundingClientRect().height")
    assert visible > 50


def test_the_html_is_self_contained(tmp_path):
    three_model_results(tmp_path)
    html = to_html(make_leaderboard(tmp_path))
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert html.startswith("<!doctype html>") and "<script>" in html and "<style>" in html


def test_a_value_with_html_special_characters_is_shown_as_written(browser, tmp_path):
    """Model, family and folder names are text on the page, in elements and in attributes alike: never markup."""
    name, family = """<b>x</b> & "q" 'a'""", "odd<i>family</i>"
    write_run(tmp_path / "results", "r+1", "librispeech_test_clean", name, {"wer": 1.5}, {"wer": [1.3, 1.7]}, family)
    path = tmp_path / "board.html"
    path.write_text(to_html(make_leaderboard(tmp_path / "results")))
    page = browser.new_page()
    page.goto(path.as_uri())
    assert page.locator("b, i").count() == 0
    assert page.get_attribute("#summary ~ section tbody tr", "data-model") == name
    assert page.get_attribute("section.family", "data-family") == family
    link = page.locator("section.family tbody td a")
    assert link.text_content() == name and link.get_attribute("href") == "r%2B1/run.json"
    assert page.locator("section.family h2").text_content() == "Odd<i>family</i>"
    assert name in page.locator("#side-by-side thead").text_content()
    assert page.locator("figure.chart[data-task] svg text").first.text_content() == name
    page.close()
