"""YAML configuration: model presets (configs/models) and suites (configs/suites).

Configs select, code defines: a preset names a registered runner and its settings; a
suite lists registered tasks with limits. Search path: $OMNIEVAL_CONFIG_PATH
(colon-separated), ./configs, then the configs/ folder of this checkout.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omnieval.errors import OmnievalError, unknown_name


class ModelPreset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    runner: str
    settings: dict[str, Any] = Field(default_factory=dict)
    gen: dict[str, Any] = Field(default_factory=dict)
    #: what one model copy takes on a Ray cluster (`--executor ray`): gpus_per_worker, cpus_per_worker,
    #: resources ({name: amount}), chunk_size, in_flight
    ray: dict[str, Any] = Field(default_factory=dict)


class SuiteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str
    limit: int | None = None
    #: a local copy of the task's data (`$VARIABLES` are expanded): tasks whose media the hub does not serve
    dataset_path: str | None = None

    def local_copy(self) -> str | None:
        """`dataset_path` with its variables expanded; a variable that is not set is a clear error."""
        if self.dataset_path is None:
            return None
        expanded = os.path.expandvars(self.dataset_path)
        unset = re.findall(r"\$\{?(\w+)", expanded)
        if unset:
            raise OmnievalError(
                f"the suite reads {self.task} from {self.dataset_path}, but ${unset[0]} is not set: "
                f"set it to the folder holding your local copies"
            )
        return expanded


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    tasks: list[SuiteEntry]


def config_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("OMNIEVAL_CONFIG_PATH", "").split(os.pathsep) if p]
    dirs += [Path.cwd() / "configs", Path(__file__).resolve().parent.parent / "configs"]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise OmnievalError(f"cannot read {path}: {err}") from err
    if not isinstance(data, dict):
        raise OmnievalError(f"{path} must hold a YAML mapping")
    return data


def validated(model: type[BaseModel], data: dict, path: Path):
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise OmnievalError(f"{path}: {where}: {first['msg']}") from err


def named_configs(sub: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for base in config_dirs():
        for path in sorted((base / sub).glob("*.yaml")):
            found.setdefault(path.stem, path)
    return found


def list_presets() -> dict[str, ModelPreset]:
    return {name: load_preset(name) for name in named_configs("models")}


#: a Hugging Face model id: owner/name
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def _hub_model_preset(model_id: str, presets: dict[str, Path], overrides: dict[str, Any] | None) -> ModelPreset:
    """A Hugging Face id (owner/name) as a model: the transformers preset that loads it (with its system prompt and
    settings), else the omni runner on that id."""
    for name in sorted(presets):
        data = read_yaml(presets[name])
        if data.get("runner") == "hf-omni" and (data.get("settings") or {}).get("model") == model_id:
            return load_preset(name, overrides)
    return ModelPreset(
        name=model_id.split("/")[1],
        runner="hf-omni",
        settings={"model": model_id, **(overrides or {})},
        description=f"{model_id} from the Hugging Face hub",
    )


def load_preset(name_or_path: str, overrides: dict[str, Any] | None = None) -> ModelPreset:
    """A model preset by registered name or YAML path, with settings overridden by `overrides`."""
    path = Path(name_or_path)
    if path.is_dir() and (path / "config.json").is_file():
        # a local transformers checkpoint: the omni runner, which says so if it is not an omni model
        preset = ModelPreset(
            name=path.resolve().name,
            runner="hf-omni",
            settings={"model": str(path)},
            description=f"transformers checkpoint in {path}",
        )
        return preset.model_copy(update={"settings": {**preset.settings, **(overrides or {})}})
    if not (path.suffix in (".yaml", ".yml") and path.is_file()):
        presets = named_configs("models")
        if name_or_path not in presets:
            if path.suffix in (".yaml", ".yml"):
                raise OmnievalError(f"model preset file not found: {name_or_path}")
            if _HUB_ID.fullmatch(name_or_path) and not path.exists():
                return _hub_model_preset(name_or_path, presets, overrides)
            raise unknown_name("model", name_or_path, presets)
        path = presets[name_or_path]
    data = read_yaml(path)
    data.setdefault("name", path.stem)
    preset = validated(ModelPreset, data, path)
    _check_settings(preset, path)
    if overrides:
        preset = preset.model_copy(update={"settings": {**preset.settings, **overrides}})
    return preset


def _check_settings(preset: ModelPreset, path: Path) -> None:
    """A setting in the preset file that its runner reads as a number but that is none is an error naming the
    file and the field (settings overridden with -M are checked when the runner is made)."""
    from omnieval.registry import RUNNERS
    from omnieval.runners.base import check_settings

    try:
        runner = RUNNERS.get(preset.runner)
    except OmnievalError:
        return  # an unknown runner: making it says so, with the names it could be
    problem = check_settings(runner, preset.settings)
    if problem is not None:
        raise OmnievalError(f"{path}: settings.{problem}")


def load_suite(name_or_path: str) -> Suite:
    path = Path(name_or_path)
    if not path.is_file():
        suites = named_configs("suites")
        if name_or_path not in suites:
            raise unknown_name("suite", name_or_path, suites)
        path = suites[name_or_path]
    data = read_yaml(path)
    data.setdefault("name", path.stem)
    return validated(Suite, data, path)


def parse_assignments(items: list[str] | None, what: str) -> dict[str, Any]:
    """`key=value` pairs from the command line; values are parsed as YAML scalars."""
    parsed: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise OmnievalError(f"{what} must look like key=value, got '{item}'")
        parsed[key.strip()] = yaml.safe_load(value) if value else ""
    return parsed
