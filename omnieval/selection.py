"""Which samples a run evaluates: all of them, or a deterministic, stratified draw of `--limit` rows.

A draw keeps a task's category mix: each stratum (a category, subject or subset) gets a share
of the limit proportional to its size (largest remainders round), and every stratum gets at
least one sample when the limit allows. Within a stratum rows are drawn with the seed; the
result is in row order, then cut into shards (`--shard i/n`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from omnieval.errors import OmnievalError

#: how `--limit` draws; a run folder records it so that `--resume` never mixes two kinds of draw
DRAW = "stratified-v1"


def quotas(sizes: dict[str, int], limit: int, rng: np.random.Generator | None = None) -> dict[str, int]:
    """How many rows each stratum gives to a draw of `limit` rows (limit < total): proportional shares
    rounded by largest remainder, then a row moved from the largest share to each empty stratum while
    the limit allows one per stratum. Ties (equal remainders) go to the larger stratum, then in an
    order `rng` shuffles (by name without one), so small draws do not favour early names."""
    total = sum(sizes.values())
    exact = {name: limit * size / total for name, size in sizes.items()}
    share = {name: int(value) for name, value in exact.items()}
    leftover = limit - sum(share.values())
    names = sorted(sizes)
    tiebreak = {name: i for i, name in enumerate(rng.permutation(names).tolist() if rng is not None else names)}
    for name in sorted(sizes, key=lambda n: (-(exact[n] - share[n]), -sizes[n], tiebreak[n]))[:leftover]:
        share[name] += 1
    if limit >= len(sizes):
        for empty in sorted(n for n in sizes if share[n] == 0):
            richest = max(sizes, key=lambda n: (share[n], sizes[n], n))
            share[richest] -= 1
            share[empty] += 1
    return share


def check_limit(limit: int | None) -> None:
    """A limit draws one sample or more: 0 or a negative number is a clear error, never an empty run."""
    if limit is not None and limit < 1:
        raise OmnievalError(f"--limit takes a number of samples, 1 or more, not {limit}")


def select_indices(
    total: int, limit: int | None, seed: int, shard: tuple[int, int] | None, strata: Sequence[str] | None = None
) -> list[int]:
    """Row indices to evaluate: `limit` rows drawn with `seed` (stratified by `strata`, one label per
    row, when given), kept in row order, then shard i of n."""
    check_limit(limit)
    if strata is not None and len(strata) != total:
        raise ValueError(f"{len(strata)} stratum labels for {total} rows")
    indices = list(range(total))
    if limit is not None and limit < total:
        rng = np.random.default_rng(seed)
        if strata is None:
            indices = sorted(rng.choice(total, size=limit, replace=False).tolist())
        else:
            members: dict[str, list[int]] = defaultdict(list)
            for index, label in enumerate(strata):
                members[str(label)].append(index)
            share = quotas({name: len(rows) for name, rows in members.items()}, limit, rng)
            indices = sorted(
                i
                for name in sorted(members)
                for i in rng.choice(members[name], size=share[name], replace=False).tolist()
            )
    if shard is not None:
        index, count = shard
        indices = indices[index::count]
    return indices
