"""Loading a benchmark split from the Hugging Face hub or from a local copy in the same schema.

Audio columns are read with decode=False ({"bytes", "path"}): omnieval.media decodes
them itself, so that a corrupt file fails one sample instead of the whole load, and no
FFmpeg-linked decoder is needed to read a dataset.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from omnieval.errors import OmnievalError, first_line

#: the column that names each row's subset when a task spans several configs
SUBSET_COLUMN = "_subset"


@dataclass(frozen=True)
class DatasetSpec:
    """Where a task's data lives on the hub and which fields it reads."""

    hub_id: str
    split: str
    config: str | None = None
    #: a file pattern inside the repo, for parquet-converted repos laid out <config>/<split>/*.parquet
    data_files: str | None = None
    revision: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # role -> column name
    media_fields: tuple[str, ...] = ()  # columns holding audio/image/video cells
    #: the configs (subsets) a task spans, loaded one by one into one split with a SUBSET_COLUMN;
    #: a `data_files` pattern may name each with {config}
    configs: tuple[str, ...] = ()
    #: or the splits of one config that a task spans (VoiceBench's MMSU domains, SD-QA accents)
    splits: tuple[str, ...] = ()
    #: hub column -> its name in the file the benchmark publishes in its own repository, so that a local
    #: copy in either layout loads as it is (MMAU test-mini's JSON names the hub's `instruction` `question`)
    release_columns: dict[str, str] = field(default_factory=dict)

    @property
    def subsets(self) -> tuple[str, ...]:
        return self.configs or self.splits

    def subset(self, name: str) -> DatasetSpec:
        """The spec of one subset: a config (with its data files), or a split."""
        if self.splits:
            return replace(self, split=name, splits=())
        files = self.data_files.format(config=name) if self.data_files and "{config}" in self.data_files else None
        return replace(self, config=None if files else name, data_files=files or self.data_files, configs=())

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "hub_id": self.hub_id,
            "config": self.config,
            "data_files": self.data_files,
            "split": self.split,
            "revision": self.revision,
        }
        if self.configs:
            described["configs"] = list(self.configs)
        if self.splits:
            described["splits"] = list(self.splits)
        return described


@dataclass
class LoadedSplit:
    rows: Any  # datasets.Dataset
    source: dict[str, Any]
    base_dir: Path | None  # where relative media paths resolve


def load_split(spec: DatasetSpec, dataset_path: str | None) -> LoadedSplit:
    """The split named by `spec`, from `dataset_path` if given, else from the hub.

    A task that spans several configs reads each from the hub, or from the folder of the same
    name under `dataset_path` (the hub's layout); a single file given for such a task is read
    as one subset, without a subset column.
    """
    import datasets

    if spec.subsets and not (dataset_path and Path(dataset_path).is_file()):
        rows, base_dir, source = _load_subsets(spec, dataset_path)
    else:
        rows, base_dir, source = _load_one(replace(spec, configs=(), splits=()), dataset_path)
    rows = _hub_names(spec, rows, source)
    _check_fields(spec, rows, source)
    for column in spec.media_fields:
        feature = rows.features.get(column)
        if isinstance(feature, (datasets.Audio, datasets.Image, datasets.Video)):
            rows = rows.cast_column(column, type(feature)(decode=False))
    source["fingerprint"] = getattr(rows, "_fingerprint", None)
    source["num_rows"] = len(rows)
    return LoadedSplit(rows=rows, source=source, base_dir=base_dir)


def data_stamp(spec: DatasetSpec, dataset_path: str | None) -> str | None:
    """What tells, without loading it again, that a split's rows are what they were: the names, sizes and
    modification times of every file of the local copy, or the hub commit the task pins; None where neither
    can tell (a hub branch moves)."""
    if dataset_path:
        root = Path(dataset_path)
        files = [root] if root.is_file() else sorted(path for path in root.rglob("*") if path.is_file())
        digest = hashlib.sha256()
        for file in files:
            stat = file.stat()
            digest.update(f"{file.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return f"files:{len(files)}:{digest.hexdigest()[:16]}"
    if spec.revision and re.fullmatch(r"[0-9a-f]{40}", spec.revision):
        return f"hub:{spec.revision}"
    return None


def _load_one(spec: DatasetSpec, dataset_path: str | None):
    import datasets

    if dataset_path:
        return _load_local(spec, Path(dataset_path))
    try:
        data_files = {spec.split: spec.data_files} if spec.data_files else None
        rows = datasets.load_dataset(
            spec.hub_id, spec.config, data_files=data_files, split=spec.split, revision=spec.revision
        )
    except Exception as err:  # noqa: BLE001 - network, auth, missing config: all need the same advice
        raise OmnievalError(
            f"cannot load {spec.hub_id} ({spec.config or spec.data_files or 'default'}, {spec.split}) from the hub: "
            f"{first_line(err)}; give a local copy with --dataset-path"
        ) from err
    return rows, None, {**spec.describe(), "origin": "hub"}


def _load_subsets(spec: DatasetSpec, dataset_path: str | None):
    """Each config of `spec` in turn, reduced to the fields the task reads, as one split."""
    import datasets

    if dataset_path:
        base = Path(dataset_path)
        if not base.is_dir():
            raise OmnievalError(f"dataset path not found: {base}")
        configs = [config for config in spec.subsets if (base / config).is_dir()]
        if not configs:
            raise OmnievalError(
                f"{base} holds none of the subset folders of {spec.hub_id} "
                f"(e.g. {base / spec.subsets[0]}/); or give a single file"
            )
    else:
        base, configs = None, list(spec.subsets)
    wanted = sorted(set(spec.fields.values()) | set(spec.media_fields))
    parts, features = [], None
    for config in configs:
        one = spec.subset(config)
        rows, _, source = _load_one(one, str(base / config) if base else None)
        _check_fields(one, rows, source)
        rows = rows.select_columns(wanted)
        if features is None:
            features = rows.features
        elif rows.features != features:
            rows = rows.cast(features)  # an all-empty column can come typed otherwise
        parts.append(rows.add_column(SUBSET_COLUMN, [config] * len(rows)))
    source = {**spec.describe(), "origin": "local" if base else "hub", "subsets": configs}
    if base:
        source["path"] = str(base.resolve())
        missing = [config for config in spec.subsets if config not in configs]
        if missing:  # a partial copy is allowed, and run.json says what it lacks
            source["missing_subsets"] = missing
    return datasets.concatenate_datasets(parts), base, source


_BUILDERS = {".parquet": "parquet", ".arrow": "arrow", ".jsonl": "json", ".json": "json", ".csv": "csv"}


def _load_local(spec: DatasetSpec, path: Path):
    import datasets

    if not path.exists():
        raise OmnievalError(f"dataset path not found: {path}")
    source = {**spec.describe(), "origin": "local", "path": str(path.resolve())}
    datasets.disable_progress_bars()  # a local read is instant; its bars are noise
    try:
        if path.is_dir() and any((path / name).exists() for name in ("dataset_dict.json", "state.json")):
            loaded = datasets.load_from_disk(str(path))
        elif path.is_file():
            if path.suffix not in _BUILDERS:
                raise OmnievalError(f"cannot read {path}: expected one of {', '.join(_BUILDERS)}")
            loaded = datasets.load_dataset(_BUILDERS[path.suffix], data_files=str(path))
        elif spec.data_files and Path(spec.data_files).suffix in _BUILDERS and any(path.glob(spec.data_files)):
            # a copy of the hub repo (its media beside the metadata): read the files the hub load reads
            loaded = datasets.load_dataset(
                _BUILDERS[Path(spec.data_files).suffix], data_files=str(path / spec.data_files)
            )
        else:
            loaded = datasets.load_dataset(str(path))
    except OmnievalError:
        raise
    except Exception as err:  # noqa: BLE001
        raise OmnievalError(f"cannot read the dataset at {path}: {first_line(err)}") from err
    finally:
        datasets.enable_progress_bars()
    base_dir = path if path.is_dir() else path.parent
    if isinstance(loaded, datasets.DatasetDict):
        if spec.split in loaded:
            return loaded[spec.split], base_dir, source
        if len(loaded) == 1:
            return next(iter(loaded.values())), base_dir, source
        raise OmnievalError(f"{path} has splits {', '.join(loaded)} but not '{spec.split}'")
    return loaded, base_dir, source


def _hub_names(spec: DatasetSpec, rows, source: dict):
    """A release file's columns under the hub's names (a copy in the hub's layout is left as it is)."""
    renames = {
        release: hub
        for hub, release in spec.release_columns.items()
        if hub not in rows.column_names and release in rows.column_names
    }
    if renames:
        rows = rows.rename_columns(renames)
        source["layout"] = "release"
    return rows


def _check_fields(spec: DatasetSpec, rows, source: dict) -> None:
    wanted = sorted(set(spec.fields.values()) | set(spec.media_fields))
    missing = [name for name in wanted if name not in rows.column_names]
    if missing:
        where = source.get("path") or spec.hub_id
        raise OmnievalError(
            f"dataset {where} lacks field(s) {', '.join(missing)} of the {spec.hub_id} schema; "
            f"it has: {', '.join(rows.column_names)}"
        )


def json_file_split(
    spec: DatasetSpec,
    dataset_path: str | None,
    file_name: str,
    to_rows: Callable[[Any, Path], list[dict[str, Any]]],
    how_to_get: str,
) -> LoadedSplit:
    """Rows that `to_rows(entries, folder)` makes of a benchmark's JSON file (or JSON lines: a list of
    entries), from a local copy: the folder holding `file_name` (and the media it names), or that file
    itself. `how_to_get` tells a user without one how to make it."""
    import datasets

    if not dataset_path:
        raise OmnievalError(f"{spec.hub_id} needs a local copy: {how_to_get}; pass it with --dataset-path")
    path = Path(dataset_path)
    folder = path.parent if path.is_file() else path
    data_file = path if path.is_file() else folder / file_name
    if not data_file.is_file():
        raise OmnievalError(f"{data_file} not found: {how_to_get}")
    try:
        text = data_file.read_text(encoding="utf-8")
        entries = (
            [json.loads(line) for line in text.splitlines() if line.strip()]
            if data_file.suffix == ".jsonl"
            else json.loads(text)
        )
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise OmnievalError(f"cannot read {data_file}: {err}") from err
    try:
        rows = datasets.Dataset.from_list(to_rows(entries, folder))
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise OmnievalError(f"{data_file} is not in the {spec.hub_id} schema: {first_line(err)}") from err
    from omnieval.media import sha256_file  # here: listing tasks need not import numpy

    source = {
        **spec.describe(),
        "origin": "local",
        "path": str(folder.resolve()),
        "data_file": data_file.name,
        "sha256": sha256_file(data_file),
        "entries": len(entries),
        "num_rows": len(rows),
    }
    return LoadedSplit(rows=rows, source=source, base_dir=folder)
