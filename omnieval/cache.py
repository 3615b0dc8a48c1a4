"""A response cache in SQLite, keyed by the request hash.

The hash covers what decides a response: the runner's identity (model, settings that
change outputs), the generation settings and the messages, with media by sha256 rather
than by path. WAL mode and a busy timeout let several processes (shards) share one file.

A cache is never trusted blindly: a file that is not a database, or one whose pages are damaged
(found when it is opened, by SQLite's quick check, or when a damaged page is read later), is moved
aside to `<name>.corrupt-<timestamp>` with a warning and a new, empty cache takes its place: the run
goes on and generates what it cannot look up. A cache that cannot be written (a read-only folder) is
a clear error; a full disk stops the run like a full results folder (StorageError).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from omnieval.errors import OmnievalError, StorageError
from omnieval.types import Request, Response

log = logging.getLogger(__name__)

#: SQLite's answers for a file that is damaged or not a database at all
_DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
#: the files SQLite keeps beside a database in WAL mode
_COMPANIONS = ("-wal", "-shm")
#: how long opening the cache waits for another process's lock (SQLite's own busy timeout too)
_LOCK_WAIT_S = 60.0


class _Damaged(Exception):
    """The cache file is damaged: what SQLite said."""


def _is_damaged(err: sqlite3.Error) -> bool:
    return getattr(err, "sqlite_errorcode", None) in _DAMAGED


def _switch_to_wal(db: sqlite3.Connection) -> None:
    """Put the database in WAL mode, waiting out another connection's lock.

    While a connection that has the file in rollback mode holds a write lock (as shards opening a new
    cache at once do), SQLite answers the switch with SQLITE_BUSY at once, without its busy handler."""
    deadline = time.monotonic() + _LOCK_WAIT_S
    pause = 0.005
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            busy = getattr(err, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def default_cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "omnieval"
    return Path(os.environ.get("OMNIEVAL_CACHE", base / "responses.sqlite"))


def request_hash(runner_identity: dict[str, Any], request: Request) -> str:
    """A stable hash of everything that determines the response to `request`."""
    messages = request.model_dump(mode="json", exclude_none=True)["messages"]
    for message in messages:
        for part in message["content"]:
            if part["type"] != "text":
                part["type"] = "media"  # as parts were written before each kind had its own: old caches still hit
            media = part.get("media")
            if media and media.get("sha256"):
                media.pop("path", None)  # the same bytes anywhere, under any name, are the same input
                media.pop("name", None)
    payload = {"runner": runner_identity, "gen": request.gen.model_dump(mode="json"), "messages": messages}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    """Successful responses by request hash; safe for concurrent writers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise self._unusable(err.strerror or str(err)) from err
        #: the file this connection opened (another process may move a damaged cache aside and make a new one)
        self._inode = 0
        self._db = self._open()

    def _unusable(self, reason: str) -> OmnievalError:
        return OmnievalError(
            f"cannot use the response cache {self.path}: {reason}; give a file in a writable folder with --cache, "
            "or run with --no-cache"
        )

    def _connect(self) -> sqlite3.Connection:
        """The open, checked cache; _Damaged when the file is not a sound database."""
        try:
            db = sqlite3.connect(self.path, timeout=_LOCK_WAIT_S, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as err:
            raise self._unusable(str(err)) from err
        try:
            _switch_to_wal(db)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, model TEXT, created REAL, response TEXT NOT NULL)"
            )
            check = db.execute("PRAGMA quick_check").fetchall()
            if check != [("ok",)]:
                raise _Damaged("; ".join(str(row[0]) for row in check[:3]))
        except sqlite3.Error as err:
            db.close()
            if _is_damaged(err):
                raise _Damaged(str(err)) from err
            if getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                raise StorageError(f"cannot write the response cache {self.path}: {err}; free some space") from err
            raise self._unusable(str(err)) from err
        except BaseException:
            db.close()
            raise
        self._inode = os.stat(self.path).st_ino
        return db

    def _open(self) -> sqlite3.Connection:
        """The cache, a new one in place of a damaged file."""
        try:
            return self._connect()
        except _Damaged as damaged:
            self._move_aside(str(damaged), None)
            return self._connect()

    def _move_aside(self, reason: str, opened: int | None) -> None:
        """Move the damaged cache file (the one this process `opened`, by inode; None: the file there now) and
        its WAL files to `<name>.corrupt-<timestamp>`, unless another process has done so already."""
        try:
            current = os.stat(self.path).st_ino
        except FileNotFoundError:
            return
        if opened is not None and current != opened:
            return  # another process moved it aside: the file there now is its new cache
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            for suffix in ("", *_COMPANIONS):
                if Path(f"{self.path}{suffix}").exists():
                    os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
        except OSError as err:
            raise self._unusable(f"it is damaged ({reason}) and cannot be moved aside: {err.strerror}") from err
        log.warning(
            "the response cache %s is damaged (%s); moved it to %s and started an empty one", self.path, reason, aside
        )

    def _rebuild(self, err: sqlite3.Error) -> None:
        """A damaged page found in use: move the file aside, and go on with a new one."""
        self._db.close()
        self._move_aside(str(err), self._inode)
        self._db = self._open()

    def get(self, key: str) -> Response | None:
        """The stored response; a miss too when the speech it points to is gone (its run folder deleted), and
        when the cache is damaged (it is then replaced) or holds something that is not a response."""
        try:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as err:
            if not _is_damaged(err):
                raise
            self._rebuild(err)
            return None
        try:
            response = Response.model_validate_json(row[0]) if row else None
        except (ValidationError, ValueError, TypeError):
            log.warning("the response cache %s holds an unreadable entry for %s; generating it again", self.path, key)
            return None
        return None if response is None or response.speech_gone else response

    def put(self, key: str, model: str, response: Response) -> None:
        if not response.ok:
            return  # failures are retried, never remembered
        row = (key, model, time.time(), response.model_dump_json())
        for attempt in range(2):
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO responses (key, model, created, response) VALUES (?, ?, ?, ?)", row
                )
                return
            except sqlite3.DatabaseError as err:
                if getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                    raise StorageError(f"cannot write the response cache {self.path}: {err}; free some space") from err
                if not _is_damaged(err) or attempt:
                    raise
                self._rebuild(err)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()
