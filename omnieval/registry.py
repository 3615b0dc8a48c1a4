"""Name -> plugin registries for tasks, derived scores and runners, extended by third-party entry points.

A third-party package adds tasks by declaring an entry point in the group
`omnieval.tasks` (runners: `omnieval.runners`, derived scores: `omnieval.derived`) whose
object is a module (importing it registers) or a callable returning Task instances / runner classes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from omnieval.errors import unknown_name

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of plugins, filled lazily from built-in modules and entry points."""

    def __init__(
        self, kind: str, builtin_modules: Iterable[str], entry_point_group: str, name_of: Callable[[T], str]
    ) -> None:
        self.kind = kind
        self._builtin_modules = tuple(builtin_modules)
        self._group = entry_point_group
        self._name_of = name_of
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, item: T) -> T:
        name = self._name_of(item)
        if name in self._items and self._items[name] is not item:
            raise ValueError(f"{self.kind} '{name}' is registered twice")
        self._items[name] = item
        return item

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in self._builtin_modules:
            importlib.import_module(module)
        for entry in entry_points(group=self._group):
            loaded = entry.load()
            if callable(loaded):
                for item in loaded() or ():
                    self.register(item)

    def get(self, name: str) -> T:
        self._load()
        if name not in self._items:
            raise unknown_name(self.kind, name, self._items)
        return self._items[name]

    def names(self) -> list[str]:
        self._load()
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        self._load()
        return sorted(self._items.items())


def _task_name(task) -> str:
    return task.name


def _runner_name(runner_cls) -> str:
    return runner_cls.name


def _derived_name(derived) -> str:
    return derived.task


TASKS: Registry = Registry(
    "task",
    [
        "omnieval.tasks.asr",
        "omnieval.tasks.text",
        "omnieval.tasks.voicebench",
        "omnieval.tasks.translation",
        "omnieval.tasks.voicebench_closed",
        "omnieval.tasks.audio_choice",
        "omnieval.tasks.music_tagging",
        "omnieval.tasks.rul_muchomusic",
        "omnieval.tasks.captioning",
        "omnieval.tasks.acoustic_scenes",
        "omnieval.tasks.tts_sets",
        "omnieval.tasks.audio_visual",
        "omnieval.tasks.video",
        "omnieval.tasks.image_sets",
        "omnieval.tasks.mathvista",
    ],
    "omnieval.tasks",
    _task_name,
)
#: scores the leaderboard makes from other tasks' scores (omnieval.tasks.derived)
DERIVED: Registry = Registry(
    "derived score",
    [
        "omnieval.tasks.voicebench_overall",
        "omnieval.tasks.translation",
        "omnieval.tasks.asr",
        "omnieval.tasks.image_sets",
    ],
    "omnieval.derived",
    _derived_name,
)
RUNNERS: Registry = Registry(
    "runner",
    [
        "omnieval.runners.pocketsphinx",
        "omnieval.runners.openai_compat",
        "omnieval.runners.hf_omni.runner",
        "omnieval.runners.vllm_offline",
        "omnieval.runners.hf_text",
        "omnieval.runners.espeak",
        "omnieval.runners.openai_speech",
    ],
    "omnieval.runners",
    _runner_name,
)
