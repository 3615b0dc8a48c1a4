"""The task protocol: how a benchmark's rows become samples, and how answers are scored.

A task declares its dataset (hub id, revision, split, fields), turns a row into a Sample
(id, target, metadata) and into chat Messages, scores one prediction, and aggregates the
scored records into run metrics. Variants (languages, subsets) are parameters of one
class, registered under their own names.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.data import SUBSET_COLUMN, DatasetSpec, LoadedSplit, load_split
from omnieval.errors import OmnievalError
from omnieval.types import GenConfig, MediaRef, Message, Response, Sample, SampleRecord, media_part, text_part

if TYPE_CHECKING:
    from omnieval.judges.model_judge import Judgment
    from omnieval.stats import MetricColumns


@dataclass
class Scored:
    """The scores of one prediction (name -> number) and what explains them."""

    scores: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)


def audio_then_text(audio: MediaRef, prompt: str = "") -> list[Message]:
    """One user turn: the audio, then the prompt (none when empty), the order the Qwen omni reports use."""
    return [Message(role="user", content=[media_part(audio)] + ([text_part(prompt)] if prompt else []))]


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
    #: model-judged tasks: their judge template (omnieval/judges/prompts), and the model preset
    #: that judges unless `--judge` names another
    judge_template: str | None = None
    default_judge: str | None = None
    #: the dataset column whose values `--limit` draws keep in proportion (default: the subset of a
    #: task spanning several, else none)
    stratify_by: str | None = None
    #: the language answers are given in (a code such as "en"): what transcribes a spoken answer
    answer_language: str = "en"
    #: the task scores generated speech itself (speech generation); other tasks asked for speech
    #: score it as spoken answers (omnieval.speech.spoken)
    scores_speech: bool = False
    #: whether scoring compares an answer with the sample's reference (its target): a sample whose target is
    #: None then fails with "no reference" instead of being scored against nothing. False for tasks whose
    #: rows have no reference by design (judged open answers, instruction following, refusals)
    needs_reference: bool = True

    def with_params(self, **overrides: Any) -> Task:
        """A copy of this task with some parameters changed."""
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise OmnievalError(
                f"task '{self.name}' has no parameter {', '.join(unknown)}; "
                f"it takes: {', '.join(self.params) or 'none'}"
            )
        clone = copy.copy(self)
        clone.params = {**self.params, **overrides}
        return clone

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        return load_split(self.dataset, dataset_path)

    def prepare_scoring(self) -> None:
        """Check and load what scoring needs beyond the answers (speech models), before anything is
        generated or scored; raises OmnievalError when something is missing."""

    def sample_ids(self, loaded: LoadedSplit) -> list[str]:
        """Sample ids in row order, read without touching media columns: the dataset's id field, else
        the row index, prefixed by the subset where a task spans several (`anatomy/12`)."""
        try:
            return self._sample_ids(loaded)
        except UnicodeDecodeError as err:  # no sample can be told apart: a clear error, not one failed sample
            where = loaded.source.get("path") or self.dataset.hub_id
            raise OmnievalError(f"the dataset {where} names its samples in text that is not UTF-8: {err}") from err

    def _sample_ids(self, loaded: LoadedSplit) -> list[str]:
        column = self.dataset.fields.get("id")
        if column is None:
            if SUBSET_COLUMN not in loaded.rows.column_names:
                return [str(i) for i in range(len(loaded.rows))]
            rows_seen: Counter[str] = Counter()
            ids = []
            for subset in loaded.rows[SUBSET_COLUMN]:
                ids.append(f"{subset}/{rows_seen[subset]}")
                rows_seen[subset] += 1
            return ids
        seen: Counter[str] = Counter()
        ids = []
        for value in loaded.rows[column]:
            value = str(value)
            seen[value] += 1  # FLEURS repeats a sentence id for each of its speakers
            ids.append(value if seen[value] == 1 else f"{value}#{seen[value]}")
        return ids

    def strata_column(self, loaded: LoadedSplit) -> str | None:
        if self.stratify_by is not None:
            return self.stratify_by
        return SUBSET_COLUMN if SUBSET_COLUMN in loaded.rows.column_names else None

    def select(
        self, loaded: LoadedSplit, limit: int | None, seed: int, shard: tuple[int, int] | None = None
    ) -> list[int]:
        """The rows a run evaluates: all, or a `limit` draw that keeps the mix of `strata_column`."""
        column = self.strata_column(loaded) if limit is not None else None
        if column is not None and column not in loaded.rows.column_names:
            raise OmnievalError(f"task {self.name} stratifies by column '{column}', which {self.dataset.hub_id} lacks")
        strata = [str(v) for v in loaded.rows[column]] if column is not None else None
        from omnieval.selection import select_indices

        return select_indices(len(loaded.rows), limit, seed, shard, strata)

    @abstractmethod
    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        """The sample without its messages: id, target, metadata. Must not touch media."""

    @abstractmethod
    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        """The chat messages for a row; raises MediaError when its media is unusable."""

    @abstractmethod
    def score(self, sample: Sample, prediction: str) -> Scored:
        """Score one prediction; a failed generation arrives as an empty prediction."""

    def score_response(self, sample: Sample, response: Response | None) -> Scored:
        """Score one generation (None when it failed): its text, unless the task scores more of it (speech)."""
        return self.score(sample, response.text if response is not None else "")

    @abstractmethod
    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        """Run metrics from all scored records, given in sample order."""

    def metric_columns(self, records: list[SampleRecord]) -> MetricColumns | None:
        """How `aggregate`'s metrics are built from per-sample values (omnieval.stats.MetricColumns: a mean of a
        score, a ratio of two sums), so that their bootstrap intervals resample sums instead of re-running
        `aggregate` a thousand times. None (the default): every interval re-runs `aggregate`; so do those of the
        metrics a declaration leaves out. A class that declares it describes its own `aggregate`."""
        return None

    def interval_columns(self, records: list[SampleRecord]) -> MetricColumns | None:
        """`metric_columns`, where they describe the `aggregate` this task runs: not where a subclass (or a mixin,
        such as spoken answers) overrides `aggregate` below the class that declares them."""
        mro = type(self).__mro__
        declaring = next(cls for cls in mro if "metric_columns" in cls.__dict__)
        aggregating = next(cls for cls in mro if "aggregate" in cls.__dict__)
        return self.metric_columns(records) if issubclass(declaring, aggregating) else None

    def judge_fields(self, sample: Sample, prediction: str) -> dict[str, str]:
        """The judge template's fields for one answer ({question}, {answer}, ...): model-judged tasks only."""
        raise NotImplementedError(f"task {self.name} is not judged by a model")

    def needs_judgment(self, record: SampleRecord) -> bool:
        """Whether the judge is asked about this generated answer (all of them, unless a task's own rules
        decide some)."""
        return True

    def judged_scores(self, judgment: Judgment, record: SampleRecord) -> dict[str, float]:
        """The scores a judgment of `record`'s answer gives (none when the judgment failed): model-judged tasks
        only."""
        raise NotImplementedError(f"task {self.name} is not judged by a model")

    def scoring_info(self) -> dict[str, Any]:
        """How the metrics are made beyond `params`, for run.json (e.g. sacrebleu's signatures)."""
        return {}

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "family": self.family,
            "description": self.description,
            "dataset": self.dataset.hub_id,
            "config": self.dataset.config
            or self.dataset.data_files
            or (f"{len(self.dataset.subsets)} subsets" if self.dataset.subsets else None),
            "split": self.dataset.split,
            "metrics": list(self.headline_metrics),
            "judge": self.judge_template and f"{self.default_judge} ({self.judge_template})",
        }
