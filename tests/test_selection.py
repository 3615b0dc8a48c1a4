"""Deterministic, stratified `--limit` draws and shards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import datasets
import pytest

from omnieval.data import SUBSET_COLUMN, LoadedSplit
from omnieval.errors import OmnievalError
from omnieval.registry import TASKS
from omnieval.selection import quotas, select_indices


def test_limit_draws_a_deterministic_subset_in_row_order():
    first = select_indices(100, 10, seed=0, shard=None)
    assert first == select_indices(100, 10, seed=0, shard=None)
    assert first == sorted(set(first)) and len(first) == 10
    assert first != select_indices(100, 10, seed=1, shard=None)
    assert select_indices(5, 10, seed=0, shard=None) == [0, 1, 2, 3, 4]
    shards = [select_indices(100, 10, seed=0, shard=(i, 3)) for i in range(3)]
    assert sorted(sum(shards, [])) == first
    with pytest.raises(OmnievalError):
        select_indices(10, -1, seed=0, shard=None)


def test_a_stratified_draw_keeps_the_category_mix():
    strata = ["a"] * 500 + ["b"] * 300 + ["c"] * 200
    chosen = select_indices(len(strata), 10, seed=3, shard=None, strata=strata)
    assert Counter(strata[i] for i in chosen) == {"a": 5, "b": 3, "c": 2}
    assert chosen == sorted(chosen) and len(set(chosen)) == 10
    assert chosen == select_indices(len(strata), 10, seed=3, shard=None, strata=strata)
    assert chosen != select_indices(len(strata), 10, seed=4, shard=None, strata=strata)


def test_every_category_is_drawn_when_the_limit_allows():
    strata = ["big"] * 97 + ["rare"] * 3
    chosen = select_indices(100, 5, seed=0, shard=None, strata=strata)
    assert Counter(strata[i] for i in chosen) == {"big": 4, "rare": 1}
    # fewer samples than categories: the largest categories come first
    assert quotas({"x": 50, "y": 30, "z": 20}, 2) == {"x": 1, "y": 1, "z": 0}


@pytest.mark.parametrize("limit", [1, 3, 7, 11, 19])
def test_quotas_add_up_and_never_exceed_a_stratum(limit):
    sizes = {"a": 9, "b": 1, "c": 5, "d": 5}
    share = quotas(sizes, limit)
    assert sum(share.values()) == limit
    assert all(0 <= share[name] <= sizes[name] for name in sizes)


def test_a_task_spanning_subsets_is_stratified_by_subset():
    task = TASKS.get("mmlu_redux")
    rows = datasets.Dataset.from_dict({SUBSET_COLUMN: ["anatomy"] * 80 + ["virology"] * 20, "question": ["q"] * 100})
    loaded = LoadedSplit(rows, {}, Path("."))
    chosen = task.select(loaded, limit=10, seed=0)
    assert Counter(rows[SUBSET_COLUMN][i] for i in chosen) == {"anatomy": 8, "virology": 2}
    assert task.select(loaded, limit=None, seed=0) == list(range(100))


def test_a_missing_stratum_column_is_a_clear_error():
    task = TASKS.get("gpqa_diamond")  # stratified by its "High-level domain" column
    loaded = LoadedSplit(datasets.Dataset.from_dict({"Question": ["q"] * 4}), {}, Path("."))
    with pytest.raises(OmnievalError, match="High-level domain"):
        task.select(loaded, limit=2, seed=0)


def test_small_draws_over_many_equal_categories_follow_the_seed():
    strata = [f"s{i:02d}" for i in range(57) for _ in range(100)]
    drawn = {
        seed: {strata[i] for i in select_indices(len(strata), 20, seed=seed, shard=None, strata=strata)}
        for seed in (0, 1, 2)
    }
    assert all(len(categories) == 20 for categories in drawn.values())  # one sample from each of 20 subjects
    assert drawn[0] != drawn[1] != drawn[2] and drawn[0] != {f"s{i:02d}" for i in range(20)}


@pytest.mark.parametrize("limit", [0, -1, -50])
def test_a_limit_below_one_is_an_error_not_an_empty_run(limit):
    with pytest.raises(OmnievalError, match=f"--limit takes a number of samples, 1 or more, not {limit}"):
        select_indices(100, limit, seed=0, shard=None)
