"""The results layout: results/<run_id>/{run.json, samples.jsonl, media/}.

samples.jsonl is append-only: each finished sample is one line, written and flushed as
soon as it is scored, so a killed process (kill -9 included) loses at most the line it
was writing. On reading, a torn last line is cut off; run.json is replaced atomically.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from omnieval.errors import OmnievalError
from omnieval.types import RunRecord, SampleRecord

RUN_FILE = "run.json"
SAMPLES_FILE = "samples.jsonl"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def make_run_id(task: str, model: str, shard: tuple[int, int] | None = None) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    suffix = f"__shard{shard[0]}of{shard[1]}" if shard else ""
    return f"{slug(task)}__{slug(model)}__{stamp}{suffix}"


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class RunDir:
    """One run's folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._handle = None

    @classmethod
    def create(cls, output_dir: str | Path, run_id: str) -> RunDir:
        path = Path(output_dir) / run_id
        n = 1
        while path.exists():
            n += 1
            path = Path(output_dir) / f"{run_id}-{n}"
        path.mkdir(parents=True)
        return cls(path)

    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def samples_file(self) -> Path:
        return self.path / SAMPLES_FILE

    @property
    def media_dir(self) -> Path:
        return self.path / "media"

    def read_run(self) -> RunRecord:
        if not self.run_file.is_file():
            raise OmnievalError(f"{self.path} is not a run folder (no {RUN_FILE})")
        try:
            return RunRecord.model_validate_json(self.run_file.read_text())
        except (ValidationError, ValueError) as err:
            raise OmnievalError(f"{self.run_file} is not a valid run record: {str(err).splitlines()[0]}") from err

    def write_run(self, record: RunRecord) -> None:
        write_atomic(self.run_file, record.model_dump_json(indent=2) + "\n")

    def read_records(self) -> list[SampleRecord]:
        """All sample records; a torn final line (from a killed writer) is removed from the file."""
        if not self.samples_file.exists():
            return []
        data = self.samples_file.read_bytes()
        records: list[SampleRecord] = []
        good_end = 0
        position = 0
        for line in data.splitlines(keepends=True):
            position += len(line)
            complete = line.endswith(b"\n")
            try:
                record = SampleRecord.model_validate_json(line) if line.strip() else None
            except (ValidationError, ValueError):
                record = None
                if complete and position < len(data):
                    raise OmnievalError(f"{self.samples_file}: corrupt line at byte {position - len(line)}")
                complete = False
            if not complete:
                break
            if record is not None:
                records.append(record)
            good_end = position
        if good_end < len(data):
            with open(self.samples_file, "r+b") as handle:
                handle.truncate(good_end)
        return records

    def append(self, record: SampleRecord) -> None:
        if self._handle is None:
            self._handle = open(self.samples_file, "a", encoding="utf-8")
        self._handle.write(record.model_dump_json() + "\n")
        self._handle.flush()  # in the kernel now: survives the death of this process

    def rewrite_records(self, records: Iterable[SampleRecord]) -> None:
        self.close()
        write_atomic(self.samples_file, "".join(r.model_dump_json() + "\n" for r in records))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None


def iter_run_dirs(root: str | Path) -> Iterator[RunDir]:
    """Every run folder below `root` (root itself included)."""
    root = Path(root)
    if not root.exists():
        raise OmnievalError(f"no such folder: {root}")
    for run_file in sorted(root.rglob(RUN_FILE)):
        yield RunDir(run_file.parent)


def find_resumable(output_dir: str | Path, task: str, model: str, selection: dict) -> RunDir | None:
    """The newest run of this task and model with the same selection settings, if any."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return None
    candidates = []
    for run_file in output_dir.glob(f"*/{RUN_FILE}"):
        try:
            record = json.loads(run_file.read_text())
        except (OSError, ValueError):
            continue
        config = record.get("config", {})
        if record.get("task") == task and record.get("model") == model and config.get("selection") == selection:
            candidates.append((run_file.stat().st_mtime, run_file.parent))
    return RunDir(max(candidates)[1]) if candidates else None
