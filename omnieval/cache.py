"""A response cache in SQLite, keyed by the request hash.

The hash covers what decides a response: the runner's identity (model, settings that
change outputs), the generation settings and the messages, with media by sha256 rather
than by path. WAL mode and a busy timeout let several processes (shards) share one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from omnieval.types import Request, Response


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses ("
            " key TEXT PRIMARY KEY, model TEXT, created REAL, response TEXT NOT NULL)"
        )

    def get(self, key: str) -> Response | None:
        """The stored response; a miss too when the speech it points to is gone (its run folder deleted)."""
        row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        response = Response.model_validate_json(row[0]) if row else None
        return None if response is None or response.speech_gone else response

    def put(self, key: str, model: str, response: Response) -> None:
        if not response.ok:
            return  # failures are retried, never remembered
        self._db.execute(
            "INSERT OR REPLACE INTO responses (key, model, created, response) VALUES (?, ?, ?, ?)",
            (key, model, time.time(), response.model_dump_json()),
        )

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()
