"""Versions of omnieval and the libraries that decide a run's numbers, for run.json."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version

CORE_PACKAGES = ("omnieval", "datasets", "jiwer", "whisper-normalizer", "numpy", "soundfile", "soxr")


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Installed versions of the named distributions; absent ones are left out."""
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def run_versions(extra: Iterable[str] = ()) -> dict[str, str]:
    return {"python": platform.python_version(), **package_versions([*CORE_PACKAGES, *extra])}
