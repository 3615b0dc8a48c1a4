"""Benchmark cards (omnieval/cards.py): every task has one, each is complete, and the catalogue shows each once."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import pytest

from omnieval import cards
from omnieval.cards import CARDS, Card, card_for, card_of
from omnieval.catalogue import anchor, benchmark_lines, benchmarks_heading, card_row, catalogue_markdown
from omnieval.leaderboard.board import FAMILIES
from omnieval.registry import TASKS


def test_every_registered_task_has_a_card():
    missing = [name for name, task in TASKS.items() if card_for(task) is None]
    assert not missing, f"tasks without a card in omnieval/cards.py: {missing}"


def test_every_card_is_complete():
    for card in CARDS:
        assert card.name.strip() and card.paper.strip(), card
        assert card.paper_url.startswith("https://") and " " not in card.paper_url, card.name
        assert card.licence.strip(), card.name
        assert card.how_to_get.strip(), card.name
        assert card.hub_ids and all(hub_id.strip() for hub_id in card.hub_ids), card.name


def test_every_card_belongs_to_a_registered_task():
    """A card whose dataset id no task reads is a typo or a leftover."""
    read = {task.dataset.hub_id for _, task in TASKS.items()}
    for card in CARDS:
        assert set(card.hub_ids) <= read, (card.name, sorted(set(card.hub_ids) - read))


def test_cards_are_told_apart():
    names = [card.name for card in CARDS]
    urls = [card.paper_url for card in CARDS]
    assert len(set(names)) == len(names)
    assert len(set(urls)) == len(urls)


def test_a_dataset_has_one_card():
    one = Card("One", ("example/data",), "A paper", "https://example.org/a", "MIT", "hub")
    two = Card("Two", ("example/other", "example/data"), "B paper", "https://example.org/b", "MIT", "hub")
    with pytest.raises(ValueError, match="example/data has two cards: One and Two"):
        cards._index((one, two))
    assert cards._index((one,)) == {"example/data": one}


def test_a_task_finds_its_card_by_its_dataset_id():
    fleurs = next(task for name, task in TASKS.items() if name.startswith("fleurs_s2tt_"))
    assert card_for(fleurs) is card_of("google/fleurs") is not None
    assert card_for(SimpleNamespace(dataset=SimpleNamespace(hub_id="example/unknown"))) is None
    for card in CARDS:
        assert all(card_of(hub_id) is card for hub_id in card.hub_ids)


def test_the_catalogue_shows_each_card_once():
    made = catalogue_markdown()
    for card in CARDS:
        assert made.count(card_row(card)) == 1, card.name
        assert made.count(f"]({card.paper_url})") == 1, card.name


def test_a_card_shared_by_families_is_shown_under_the_first_and_named_under_the_others():
    families: dict[str, set[str]] = defaultdict(set)
    for _, task in TASKS.items():
        families[card_for(task).name].add(task.family)
    made = catalogue_markdown()
    order = sorted({f for fs in families.values() for f in fs}, key=lambda f: (list(FAMILIES) + [f]).index(f))
    shared = {name: sorted(fs, key=order.index) for name, fs in families.items() if len(fs) > 1}
    assert shared, "no benchmark spans two families any more: this test needs another case"

    def section(family: str) -> str:
        return made[made.index(f"### {benchmarks_heading(family)}") :].split("\n## ", 1)[0]

    for name, (first, *others) in shared.items():
        heading = benchmarks_heading(first)
        card = next(card for card in CARDS if card.name == name)
        assert card_row(card) in section(first)
        for family in others:
            assert card_row(card) not in section(family)
            assert f"{name}: its card is under [{heading}](#{anchor(heading)})." in section(family)


def test_a_task_without_a_card_is_named():
    task = SimpleNamespace(name="plugin_task", dataset=SimpleNamespace(hub_id="example/no-card"))
    lines = benchmark_lines("asr", [task], {})
    assert "Without a card: `plugin_task`." in lines
    assert not any(line.startswith("| benchmark |") for line in lines)


def test_anchor_is_the_one_github_gives():
    assert anchor("Audio-visual benchmarks") == "audio-visual-benchmarks"
    assert anchor("Speech translation benchmarks") == "speech-translation-benchmarks"
