"""Shared fixtures: real synthesized speech in the LibriSpeech schema, isolated caches, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from omnieval.sample_data import LIBRISPEECH_FEATURES, SENTENCES, librispeech_rows, write_parquet

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def isolated_dirs(tmp_path_factory):
    """Media store and response cache of the tests live in a temporary folder."""
    base = tmp_path_factory.mktemp("omnieval-home")
    os.environ["OMNIEVAL_MEDIA_DIR"] = str(base / "media")
    os.environ["OMNIEVAL_CACHE"] = str(base / "cache.sqlite")
    return base


@pytest.fixture(scope="session")
def speech_rows():
    """Eight LibriSpeech-schema rows of espeak-ng speech (bytes in memory)."""
    return librispeech_rows(SENTENCES[:8])


@pytest.fixture(scope="session")
def librispeech_parquet(tmp_path_factory, speech_rows) -> Path:
    return write_parquet(speech_rows, LIBRISPEECH_FEATURES, tmp_path_factory.mktemp("ls") / "test.parquet")


def run_cli(*args: str, check: bool = True, env: dict | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """`omnieval ARGS` in a subprocess, as a user runs it."""
    proc = subprocess.run([sys.executable, "-m", "omnieval", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd or REPO, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"omnieval {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def only_run_dir(output: Path) -> Path:
    dirs = [p for p in output.iterdir() if (p / "run.json").exists()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
