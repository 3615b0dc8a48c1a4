"""`omnieval serve` as an attacker and a crowd meet it: a real server process on 127.0.0.1 serving
pocketsphinx, spoken to over raw HTTP."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import soundfile

from omnieval.errors import OmnievalError
from omnieval.media import encode_wav
from omnieval.registry import RUNNERS
from omnieval.serve import RunnerServer
from tests.conftest import run_cli

MODEL = "pocketsphinx-en"


class Served:
    """A `omnieval serve` process and the folders it could write to."""

    def __init__(self, home: Path, *options: str) -> None:
        self.home = home
        self.media = home / "media"
        env = {**os.environ, "OMNIEVAL_MEDIA_DIR": str(self.media)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "omnieval", "serve", "--model", MODEL, "--port", "0", *options],
            cwd=home,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line.startswith(f"serving {MODEL} at http://127.0.0.1:"), line + self.process.stderr.read()
        self.url = line.split(" at ")[1].strip()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("serve-home"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def short_wav(speech_rows) -> str:
    """A third of a second of real speech, base64: quick to transcribe, so the crowd tests time the server."""
    audio, rate = soundfile.read(io.BytesIO(speech_rows[0]["audio"]["bytes"]), dtype="float32")
    return base64.b64encode(encode_wav(audio[: rate // 3], rate)).decode()


def chat(audio_b64: str, fmt: str = "wav") -> dict:
    return {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": audio_b64, "format": fmt}}]}
        ],
    }


async def post(
    url: str, body: bytes | str, headers: dict[str, str] | None = None, session: aiohttp.ClientSession | None = None
) -> tuple[int, dict, dict[str, str]]:
    """POST raw bytes to the chat route: status, JSON answer, headers."""

    async def send(client: aiohttp.ClientSession):
        async with client.post(f"{url}/chat/completions", data=body, headers=headers or {}) as answer:
            return answer.status, await answer.json(content_type=None), dict(answer.headers)

    if session is not None:
        return await send(session)
    async with aiohttp.ClientSession() as client:
        return await send(client)


def post_json(url: str, payload, **headers: str) -> tuple[int, dict, dict[str, str]]:
    return asyncio.run(post(url, json.dumps(payload), {"Content-Type": "application/json", **headers}))


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_a_format_with_a_path_in_it_writes_nothing_anywhere(served, short_wav):
    before = files_under(served.home)
    for fmt in ("wav/../../../../escaped.txt", "../escaped", "wav\x00.txt", "/tmp/escaped"):
        status, answer, _ = post_json(served.url, chat(short_wav, fmt))
        assert status == 400 and "format" in answer["error"]["message"], (fmt, answer)
    image = {"type": "image_url", "image_url": {"url": "data:image/../../../escaped;base64,aGk="}}
    status, _, _ = post_json(served.url, {"model": MODEL, "messages": [{"role": "user", "content": [image]}]})
    assert status == 400
    assert files_under(served.home) == before
    assert not list(served.home.parent.rglob("escaped*"))


def test_stored_media_are_named_by_their_hash_inside_the_servers_folder(served, short_wav):
    status, answer, _ = post_json(served.url, chat(short_wav))
    assert status == 200 and answer["choices"][0]["message"]["content"]
    import hashlib

    digest = hashlib.sha256(base64.b64decode(short_wav)).hexdigest()
    stored = served.media / "served" / digest[:2] / f"{digest}.wav"
    assert stored.is_file() and all(p.is_relative_to(served.media / "served") for p in files_under(served.media))


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"Content-Type": "text/plain", "Origin": "http://attacker.example"}, 403),  # a web page's simple request
        ({"Content-Type": "application/json", "Origin": "http://attacker.example"}, 403),
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({}, 415),
    ],
)
def test_a_web_page_or_a_body_that_is_not_json_is_refused(served, short_wav, headers, status):
    before = files_under(served.home)
    code, answer, _ = asyncio.run(post(served.url, json.dumps(chat(short_wav)), headers))
    assert code == status and answer["error"]["message"]
    assert files_under(served.home) == before  # refused before anything is stored


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "[1, 2]",
        '"text"',
        "null",
        "{",
        "not json",
        b"\xff\xfe\x00",
        "{}",
        '{"model": "pocketsphinx-en", "messages": "hello"}',
        '{"model": "pocketsphinx-en", "messages": [{"role": "user", "content": 5}]}',
        '{"model": "pocketsphinx-en", "messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}',
        '{"model": "pocketsphinx-en", "messages": [{"role": "user", "content": [{"type": "input_audio", '
        '"input_audio": {"data": "@@@", "format": "wav"}}]}]}',
        '{"model": "pocketsphinx-en", "messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": "x"}]}]}',
        '{"model": "pocketsphinx-en", "messages": [{"role": "user", "content": "hi"}], "guided_choice": "yes"}',
        '{"model": "pocketsphinx-en", "messages": [{"role": "user", "content": "hi"}], "max_tokens": "lots"}',
        '{"model": "pocketsphinx-en", "messages": [{"role": "user", "content": "hi"}], "modalities": [[]]}',
    ],
)
def test_a_malformed_body_gets_a_400_and_the_server_goes_on(served, short_wav, body):
    code, answer, _ = asyncio.run(post(served.url, body, {"Content-Type": "application/json"}))
    assert 400 <= code < 500 and answer["error"]["message"], (body, code, answer)
    status, answer, _ = post_json(served.url, chat(short_wav))
    assert status == 200, answer


def test_guided_choice_must_list_strings(served):
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "guided_choice": "yes"}
    status, answer, _ = post_json(served.url, body)
    assert status == 400 and answer["error"]["message"] == "'guided_choice' must be a non-empty list of strings"


async def crowd(url: str, body: str, clients: int, each: int) -> list[int | str]:
    """`clients` connections at once, each sending `each` requests; a status or the error's name per request."""

    async def client(session: aiohttp.ClientSession) -> list[int | str]:
        results: list[int | str] = []
        for _ in range(each):
            try:
                status, _, headers = await post(url, body, {"Content-Type": "application/json"}, session)
                if status == 429:
                    assert int(headers["Retry-After"]) >= 1 and int(headers["retry-after-ms"]) > 0
                results.append(status)
            except aiohttp.ClientError as err:
                results.append(type(err).__name__)
        return results

    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) for _ in range(clients)]
    try:
        answers = await asyncio.gather(*(client(s) for s in sessions))
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    return [status for answer in answers for status in answer]


def test_64_simultaneous_clients_are_all_answered(served, short_wav):
    statuses = asyncio.run(crowd(served.url, json.dumps(chat(short_wav)), clients=64, each=2))
    assert statuses == [200] * 128


def test_beyond_max_inflight_the_answer_is_429_with_retry_after(tmp_path, short_wav):
    server = Served(tmp_path, "--max-inflight", "4")
    try:
        statuses = asyncio.run(crowd(server.url, json.dumps(chat(short_wav)), clients=64, each=2))
    finally:
        server.close()
    assert set(statuses) == {200, 429}, statuses  # no reset, no other error
    assert statuses.count(200) >= 4


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_in_the_middle_of_a_crowd_stops_the_server_cleanly(tmp_path, short_wav, signum):
    """The signal arrives while requests are being handled (where a raising handler was swallowed by
    asyncio, and the server served on): it stops within seconds and exits 0."""
    server = Served(tmp_path, "--max-inflight", "4")

    async def crowd_then_signal() -> None:
        crowding = asyncio.create_task(crowd(server.url, json.dumps(chat(short_wav)), clients=32, each=50))
        await asyncio.sleep(0.5)
        assert not crowding.done()
        server.process.send_signal(signum)
        await crowding  # refused or reset once the server stops: every error is recorded, none raised

    try:
        asyncio.run(crowd_then_signal())
        assert server.process.wait(timeout=20) == 0
    finally:
        server.process.kill()
    assert f"stopped by {signal.Signals(signum).name}" in server.process.stdout.read()


def test_another_address_needs_an_api_key():
    runner = RUNNERS.get("pocketsphinx")()
    with pytest.raises(OmnievalError, match="set an API key with --api-key-env"):
        RunnerServer(runner, MODEL, "0.0.0.0", 0)
    proc = run_cli("serve", "--model", MODEL, "--host", "0.0.0.0", "--port", "0", check=False, timeout=60)
    assert proc.returncode == 2 and "set an API key" in proc.stderr and "Traceback" not in proc.stderr
    with_key = RunnerServer(runner, MODEL, "0.0.0.0", 0, api_key="k")
    try:
        assert with_key.url.startswith("http://0.0.0.0:")
    finally:
        with_key.shutdown()


def test_the_key_is_required_when_set(tmp_path, short_wav):
    os.environ["SERVE_TEST_KEY"] = "s3cret"
    try:
        server = Served(tmp_path, "--api-key-env", "SERVE_TEST_KEY")
    finally:
        del os.environ["SERVE_TEST_KEY"]
    try:
        assert post_json(server.url, chat(short_wav))[0] == 401
        assert post_json(server.url, chat(short_wav), Authorization="Bearer wrong")[0] == 401
        assert post_json(server.url, chat(short_wav), Authorization="Bearer s3cret")[0] == 200
    finally:
        server.close()


def test_the_official_openai_client_gets_its_answer(served, short_wav):
    import openai

    client = openai.OpenAI(base_url=served.url, api_key="unused", max_retries=0)
    completion = client.chat.completions.create(model=MODEL, messages=chat(short_wav)["messages"])
    assert completion.object == "chat.completion" and completion.choices[0].message.content
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="another-model", messages=chat(short_wav)["messages"])
    assert [m.id for m in client.models.list()] == [MODEL]
