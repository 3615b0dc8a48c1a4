"""Name -> plugin registries for tasks, derived scores and runners, extended by third-party entry points.

The built-in ones are found, not listed: every module of `omnieval.tasks` (tasks and derived scores) and
of `omnieval.runners` is imported once, on first use, and registers what it defines.

A third-party package adds tasks by declaring an entry point in the group
`omnieval.tasks` (runners: `omnieval.runners`, derived scores: `omnieval.derived`) whose
object is a module (importing it registers) or a callable returning Task instances / runner classes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from omnieval.errors import unknown_name

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of plugins, filled lazily from the modules of built-in packages and entry points."""

    def __init__(
        self, kind: str, builtin_packages: Iterable[str], entry_point_group: str, name_of: Callable[[T], str]
    ) -> None:
        self.kind = kind
        self._builtin_packages = tuple(builtin_packages)
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
        for package in self._builtin_packages:
            root = importlib.import_module(package)
            for module in pkgutil.walk_packages(root.__path__, f"{package}."):
                importlib.import_module(module.name)
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


TASKS: Registry = Registry("task", ["omnieval.tasks"], "omnieval.tasks", _task_name)
#: scores the leaderboard makes from other tasks' scores (omnieval.tasks.derived)
DERIVED: Registry = Registry("derived score", ["omnieval.tasks"], "omnieval.derived", _derived_name)
RUNNERS: Registry = Registry("runner", ["omnieval.runners"], "omnieval.runners", _runner_name)
