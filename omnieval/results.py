"""The results layout: results/<run_id>/{run.json, samples.jsonl, media/}.

samples.jsonl is append-only: each finished sample is one line, written and flushed as
soon as it is scored, so a killed process (kill -9 included) loses at most the line it
was writing. On reading, a torn last line is cut off; run.json is replaced atomically.
A write that fails (a full disk) takes back its part of a line and stops the run
(StorageError): every finished sample stays, and `--resume` continues.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from omnieval.errors import OmnievalError, StorageError, write_failure
from omnieval.types import RunRecord, SampleRecord

RUN_FILE = "run.json"
SAMPLES_FILE = "samples.jsonl"
LOCK_FILE = ".lock"
#: a run id is one plain folder name: it never leads out of the output folder
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]{0,199}")

log = logging.getLogger(__name__)


def check_run_id(run_id: str) -> str:
    """`run_id` if it is a plain folder name (letters, digits, . _ + = -); else a clear error."""
    if not _RUN_ID.fullmatch(run_id) or run_id in (".", ".."):
        raise OmnievalError(
            f"--run-id {run_id[:80]!r}: a run id is one folder name of letters, digits and "
            "'._+=-' (no '/', no '..'), made inside the output folder"
        )
    return run_id


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def make_run_id(task: str, model: str, shard: tuple[int, int] | None = None) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = f"__shard{shard[0]}of{shard[1]}" if shard else ""
    return f"{slug(task)}__{slug(model)}__{stamp}{suffix}"


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` at once: readers see the old file or the new one, never a part; a write that
    fails (a full disk) leaves the old file and no temporary one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class RunDir:
    """One run's folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        #: samples.jsonl, open for appending
        self._samples: int | None = None
        self._lock: int | None = None
        #: how many lines of samples.jsonl the last read_records() set aside as repeats of a sample id
        self.duplicates = 0

    @classmethod
    def create(cls, output_dir: str | Path, run_id: str) -> RunDir:
        """A new, empty run folder `output_dir/run_id` (`-2`, `-3`... appended when taken)."""
        check_run_id(run_id)
        n = 1
        while True:
            path = Path(output_dir) / (run_id if n == 1 else f"{run_id}-{n}")
            try:
                Path(output_dir).mkdir(parents=True, exist_ok=True)
                path.mkdir()  # atomic: of two processes creating the same name, one gets the next
            except FileExistsError:
                n += 1
                continue
            except OSError as err:
                raise OmnievalError(
                    f"cannot make the run folder {path}: {err.strerror or err}; choose a writable folder with --output"
                ) from err
            return cls(path)

    def lock(self) -> RunDir:
        """Become this run's only writer until close(); another process holding it is a clear error."""
        if self._lock is not None:
            return self
        try:
            fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise OmnievalError(
                f"cannot write in the run folder {self.path}: {err.strerror or err}; a run folder must be writable "
                "(copy it elsewhere to continue it there)"
            ) from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise OmnievalError(
                f"{self.path} is in use by process {holder}; wait for it to finish (one process writes a run at a time)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock = fd
        return self

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
            return RunRecord.model_validate_json(self.run_file.read_text(encoding="utf-8"))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise OmnievalError(
                f"{self.run_file} is not a valid run record ({where + ': ' if where else ''}{first['msg']}); "
                "repair it, or move the folder away"
            ) from err
        except ValueError as err:  # not UTF-8
            raise OmnievalError(f"{self.run_file} is not a valid run record: {str(err).splitlines()[0]}") from err

    def write_run(self, record: RunRecord) -> None:
        try:
            write_atomic(self.run_file, record.model_dump_json(indent=2) + "\n")
        except OSError as err:
            raise StorageError(write_failure(err, self.run_file)) from err

    def read_records(self) -> list[SampleRecord]:
        """The sample records, one per sample id (the last written where the file holds an id more than
        once, which is logged); a torn final line (from a killed writer) is removed from the file."""
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
            except (ValidationError, ValueError) as err:
                record = None
                if complete and position < len(data):
                    raise OmnievalError(f"{self.samples_file}: corrupt line at byte {position - len(line)}") from err
                complete = False
            if not complete:
                break
            if record is not None:
                records.append(record)
            good_end = position
        if good_end < len(data):
            with open(self.samples_file, "r+b") as handle:
                handle.truncate(good_end)
        unique = {record.id: record for record in records}
        self.duplicates = len(records) - len(unique)
        if self.duplicates:
            log.warning(
                "%s holds %d repeated line(s) of sample ids; each sample is counted once (its last line)",
                self.samples_file,
                self.duplicates,
            )
            kept = {id(record) for record in unique.values()}
            records = [record for record in records if id(record) in kept]
        return records

    def append(self, record: SampleRecord) -> None:
        """One more line, in the kernel when this returns (it survives the death of this process). A write
        that fails (a full disk) takes back what it wrote of the line and raises StorageError."""
        line = (record.model_dump_json() + "\n").encode()
        written = 0
        try:
            if self._samples is None:
                self._samples = os.open(self.samples_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            while written < len(line):
                written += os.write(self._samples, line[written:])
        except OSError as err:
            if written and self._samples is not None:
                with contextlib.suppress(OSError):  # no torn line left behind (this run's lock: the only writer)
                    os.ftruncate(self._samples, os.fstat(self._samples).st_size - written)
            raise StorageError(write_failure(err, self.samples_file)) from err

    def rewrite_records(self, records: Iterable[SampleRecord]) -> None:
        self._close_samples()
        try:
            write_atomic(self.samples_file, "".join(r.model_dump_json() + "\n" for r in records))
        except OSError as err:
            raise StorageError(write_failure(err, self.samples_file)) from err

    def flush(self) -> None:
        """Make what was appended durable (the writer's lock stays)."""
        self._close_samples()

    def _close_samples(self) -> None:
        if self._samples is not None:
            fd, self._samples = self._samples, None
            try:
                os.fsync(fd)
            except OSError as err:
                raise StorageError(write_failure(err, self.samples_file)) from err
            finally:
                os.close(fd)

    def close(self) -> None:
        """Flush what was appended and give up the writer's lock."""
        try:
            self._close_samples()
        except StorageError as err:  # the lines are in the kernel already; whatever stopped the run says more
            log.warning("%s", err)
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = None


def iter_run_dirs(root: str | Path) -> Iterator[RunDir]:
    """Every run folder below `root` (root itself included)."""
    root = Path(root)
    if not root.exists():
        raise OmnievalError(f"no such folder: {root}")
    for run_file in sorted(root.rglob(RUN_FILE)):
        yield RunDir(run_file.parent)


def find_resumable(output_dir: str | Path, task: str, model: str, selection: dict) -> RunDir | None:
    """The newest run of this task and model with the same selection settings, if any. A run.json that
    cannot be read is an error naming it: it may be the run to continue, and a new run instead would be
    a silent mistake."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return None
    candidates = []
    for run_file in output_dir.glob(f"*/{RUN_FILE}"):
        try:
            record = json.loads(run_file.read_text(encoding="utf-8"))
            if not isinstance(record, dict):
                raise ValueError(f"a JSON {type(record).__name__}, not an object")
        except (OSError, ValueError) as err:
            why = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise OmnievalError(
                f"--resume: {run_file} is damaged ({why}); it may be the run to continue, so none was started: "
                f"repair it, or move its folder out of {output_dir}"
            ) from err
        config = record.get("config") or {}
        if record.get("task") == task and record.get("model") == model and config.get("selection") == selection:
            candidates.append((run_file.stat().st_mtime, run_file.parent))
    return RunDir(max(candidates)[1]) if candidates else None
