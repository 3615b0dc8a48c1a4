"""Running generation beyond one process: a pool of Ray actors (ray_pool)."""

from __future__ import annotations

from typing import Any

from omnieval.config import ModelPreset
from omnieval.registry import RUNNERS
from omnieval.runners.base import Runner


def runner_for(preset: ModelPreset, ray: dict[str, Any] | None = None) -> Runner:
    """The preset's runner in this process, or with `ray` (the Ray options given: address, workers, ...;
    None where not given) a pool of Ray actors each holding one."""
    runner_cls = RUNNERS.get(preset.runner)
    if ray is None:
        return runner_cls(**preset.settings)
    from omnieval.scaleout.ray_pool import RayPool, ray_options

    return RayPool(runner_cls, preset.settings, ray_options(preset.ray, ray))
