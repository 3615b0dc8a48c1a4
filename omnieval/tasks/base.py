"""The task protocol: how a benchmark's rows become samples, and how answers are scored.

A task declares its dataset (hub id, revision, split, fields), turns a row into a Sample
(id, target, metadata) and into chat Messages, scores one prediction, and aggregates the
scored records into run metrics. Variants (languages, subsets) are parameters of one
class, registered under their own names.
"""

from __future__ import annotations

import copy
from collections import Counter
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec, LoadedSplit, load_split
from omnieval.errors import OmnievalError
from omnieval.types import GenConfig, Message, Sample, SampleRecord


@dataclass
class Scored:
    """The scores of one prediction (name -> number) and what explains them."""

    scores: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)


class Task(ABC):
    name: str
    description: str
    family: str
    version: str = "1"
    dataset: DatasetSpec
    gen: GenConfig = GenConfig()
    #: metrics shown on the leaderboard, in order; each maps to True when lower is better
    headline_metrics: dict[str, bool] = {}
    #: user-settable parameters (`--task-arg key=value`) and their current values
    params: dict[str, Any] = {}
    #: the parameters that only change scoring, which `omnieval rescore` may change
    scoring_params: tuple[str, ...] = ()

    def with_params(self, **overrides: Any) -> Task:
        """A copy of this task with some parameters changed."""
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise OmnievalError(
                f"task '{self.name}' has no parameter {', '.join(unknown)}; it takes: {', '.join(self.params) or 'none'}"
            )
        clone = copy.copy(self)
        clone.params = {**self.params, **overrides}
        return clone

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        return load_split(self.dataset, dataset_path)

    def sample_ids(self, loaded: LoadedSplit) -> list[str]:
        """Sample ids in row order, read without touching media columns."""
        column = self.dataset.fields.get("id")
        if column is None:
            return [str(i) for i in range(len(loaded.rows))]
        seen: Counter[str] = Counter()
        ids = []
        for value in loaded.rows[column]:
            value = str(value)
            seen[value] += 1  # FLEURS repeats a sentence id for each of its speakers
            ids.append(value if seen[value] == 1 else f"{value}#{seen[value]}")
        return ids

    @abstractmethod
    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        """The sample without its messages: id, target, metadata. Must not touch media."""

    @abstractmethod
    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        """The chat messages for a row; raises MediaError when its media is unusable."""

    @abstractmethod
    def score(self, sample: Sample, prediction: str) -> Scored:
        """Score one prediction; a failed generation arrives as an empty prediction."""

    @abstractmethod
    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        """Run metrics from all scored records, given in sample order."""

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "family": self.family,
            "description": self.description,
            "dataset": self.dataset.hub_id,
            "config": self.dataset.config or self.dataset.data_files,
            "split": self.dataset.split,
            "metrics": list(self.headline_metrics),
        }
