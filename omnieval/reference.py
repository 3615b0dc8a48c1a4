"""Published scores (configs/reference/<model>.yaml): what a model's report says it reached.

Each file holds one published model: its name as the source prints it, the sources (a title
and a URL pinned to a commit or a paper version), and its scores, each naming our task, our
metric (in our units: percent, or VoiceBench's 1-5 rating x20), the split, the source and the
table it comes from. A task may have several entries from different sources; the first is
the primary one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omnieval.config import named_configs, read_yaml, validated
from omnieval.errors import unknown_name


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    url: str


class ReportedScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str
    metric: str
    value: float
    split: str
    source: str
    table: str
    note: str | None = None


class PublishedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    display: str
    sources: dict[str, Source]
    scores: list[ReportedScore] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sources_are_named(self) -> PublishedModel:
        for score in self.scores:
            if score.source not in self.sources:
                raise ValueError(f"{score.task}/{score.metric} cites unknown source '{score.source}'")
        return self

    def score(self, task: str, metric: str) -> ReportedScore | None:
        """The primary reported score of a task's metric, if the sources give one."""
        return next((s for s in self.scores if s.task == task and s.metric == metric), None)

    def citation(self, score: ReportedScore) -> str:
        source = self.sources[score.source]
        return f"{source.title}, {score.table} ({source.url})"


def published_models() -> dict[str, PublishedModel]:
    """Every published model on the config search path, by name."""
    models = {}
    for name, path in named_configs("reference").items():
        data = read_yaml(path)
        data.setdefault("model", name)
        models[name] = validated(PublishedModel, data, path)
    return models


def choose(models: dict[str, PublishedModel], names: list[str]) -> list[PublishedModel]:
    """The named published models, in order; an unknown name is a clear error."""
    for name in names:
        if name not in models:
            raise unknown_name("published model", name, models)
    return [models[name] for name in names]
