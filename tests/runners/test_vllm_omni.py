"""vllm-omni runner: vLLM-Omni prompts built from real media and a real Qwen processor, and its outputs read.

vLLM-Omni is a GPU-only package and is not installed here. Its entry class is stood in for by
FakeOmni, which takes what `vllm_omni.entrypoints.omni.Omni` takes (`Omni(model=..., **kwargs)`,
`generate(prompts, sampling_params_list)`) and answers with dataclasses laid out as vLLM-Omni's
outputs are (OmniRequestOutput holding a vLLM RequestOutput, request ids "<i>_<uuid>", results in
completion order, speech as a tensor in `multimodal_output`), and fails as recent vLLM-Omni does
(generate() raises and shuts the engine down). What reaches `generate` is checked field by field.
"""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
import threading
import types
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import torch
from PIL import Image

from omnieval.config import load_preset
from omnieval.errors import FatalRunnerError, OmnievalError
from omnieval.registry import RUNNERS
from omnieval.runners.hf_omni.inputs import MediaOptions, prepare
from omnieval.runners.vllm_offline import to_vllm_prompt
from omnieval.runners.vllm_omni import (
    MISSING_VLLM_OMNI,
    NO_OUTPUT,
    NO_SPEECH,
    VllmOmniRunner,
    read_outputs,
    request_index,
)
from omnieval.testing.tiny import build_processor
from omnieval.types import GenConfig, MediaRef, Message, Part, Request, media_part, text_part
from tests.runners.test_vllm import FAMILY

SPEECH_RATE = 24000


# --- vLLM's and vLLM-Omni's output types, with their attribute layout -------------------------


@dataclass
class CompletionOutput:
    """vllm.outputs.CompletionOutput (the fields read)."""

    index: int
    text: str
    token_ids: list[int]


@dataclass
class RequestOutput:
    """vllm.outputs.RequestOutput as vLLM-Omni's stages return it (with `multimodal_output`)."""

    request_id: str
    prompt: str | None
    prompt_token_ids: list[int]
    outputs: list[CompletionOutput]
    finished: bool = True
    multimodal_output: dict[str, Any] = field(default_factory=dict)


@dataclass
class OmniRequestOutput:
    """vllm_omni.outputs.OmniRequestOutput."""

    request_id: str = ""
    finished: bool = True
    stage_id: int | None = None
    final_output_type: str = "text"
    request_output: Any = None
    multimodal_output: dict[str, Any] = field(default_factory=dict)


@dataclass
class SamplingParams:
    """vllm.SamplingParams (the fields set)."""

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    max_tokens: int | None = 16
    seed: int | None = None
    repetition_penalty: float = 1.0
    stop_token_ids: list[int] | None = None
    detokenize: bool = True


class EngineDeadError(RuntimeError):
    """Named as vLLM's (and vLLM-Omni's OmniEngineDeadError base): the engine is gone."""


def _tone(seconds: float, rate: int = SPEECH_RATE) -> torch.Tensor:
    t = torch.arange(int(seconds * rate), dtype=torch.float32) / rate
    return 0.5 * torch.sin(2 * torch.pi * 220 * t)


class FakeOmni:
    """Stands in for vllm_omni.entrypoints.omni.Omni: three stages, the last two only for speech.

    Text prompts steer it: FAIL makes generate() fail and shut the engine down (recent vLLM-Omni),
    DEAD raises an EngineDeadError, DROP returns nothing for that request, NOSPEECH returns its text
    but no speech, HANG blocks until released.
    """

    instances: list[FakeOmni] = []
    fail_start: Exception | None = None
    ready_stages: set[int] | None = None
    release = threading.Event()

    def __init__(self, model: str, **kwargs: Any) -> None:
        if FakeOmni.fail_start is not None:
            raise FakeOmni.fail_start
        self.model, self.kwargs = model, kwargs
        self.calls: list[tuple[list[dict], list[Any]]] = []
        self.closed = 0
        self._shutdown_called = False
        self.default_sampling_params_list = [
            SamplingParams(temperature=0.4, top_p=0.9, top_k=1, max_tokens=2048, seed=42, repetition_penalty=1.05),
            SamplingParams(temperature=0.9, top_k=50, max_tokens=4096, seed=42, stop_token_ids=[2150]),
            SamplingParams(temperature=0.0, max_tokens=65536, seed=42),
        ]
        if FakeOmni.ready_stages is not None:  # older vLLM-Omni: a stage list and the stages that reported ready
            self.stage_list = [object(), object(), object()]
            self._stages_ready = set(FakeOmni.ready_stages)
        FakeOmni.instances.append(self)

    def close(self) -> None:
        self.closed += 1
        self._shutdown_called = True

    def generate(self, prompts: list[dict], sampling_params_list: list[Any]) -> list[OmniRequestOutput]:
        assert not self._shutdown_called, "generate() on an engine that was shut down"
        self.calls.append((prompts, sampling_params_list))
        texts = [prompt["prompt"] for prompt in prompts]
        if any("DEAD" in text for text in texts):
            raise EngineDeadError("EngineCore encountered an issue")
        if any("FAIL" in text for text in texts):
            self.close()
            raise RuntimeError("Stage 0 failed: the processor rejected the prompt")
        if any("HANG" in text for text in texts):
            FakeOmni.release.wait(10)
            return []
        results = []
        for i, prompt in enumerate(prompts):
            rid = f"{i}_{uuid.uuid4()}"
            if "DROP" in prompt["prompt"]:
                continue
            answer = f"answer {i}: {len(prompt.get('multi_modal_data', {}).get('audio', []))} audio"
            text = RequestOutput(
                rid, prompt["prompt"], list(range(100 + i)), [CompletionOutput(0, answer, [7] * (3 + i))]
            )
            results.append(OmniRequestOutput(rid, stage_id=0, final_output_type="text", request_output=text))
            if "audio" in prompt["modalities"] and "NOSPEECH" not in prompt["prompt"]:
                speech = {"audio": _tone(0.5 + 0.25 * i), "sr": torch.tensor(SPEECH_RATE)}
                audio = RequestOutput(rid, None, [], [CompletionOutput(0, "", [])], multimodal_output=speech)
                results.append(
                    OmniRequestOutput(
                        rid, stage_id=2, final_output_type="audio", request_output=audio, multimodal_output=speech
                    )
                )
        return results[::-1]  # completion order, not prompt order


@pytest.fixture
def fake_vllm_omni(monkeypatch):
    """vllm_omni.entrypoints.omni and vllm importable, with FakeOmni and SamplingParams."""
    FakeOmni.instances = []
    FakeOmni.fail_start = None
    FakeOmni.ready_stages = None
    FakeOmni.release = threading.Event()
    omni_module = types.ModuleType("vllm_omni.entrypoints.omni")
    omni_module.Omni = FakeOmni
    vllm = types.ModuleType("vllm")
    vllm.SamplingParams = SamplingParams
    for name, module in (
        ("vllm_omni", types.ModuleType("vllm_omni")),
        ("vllm_omni.entrypoints", types.ModuleType("vllm_omni.entrypoints")),
        ("vllm_omni.entrypoints.omni", omni_module),
        ("vllm", vllm),
    ):
        monkeypatch.setitem(sys.modules, name, module)
    yield FakeOmni
    FakeOmni.release.set()


# --- media and checkpoints -------------------------------------------------------------------


def _sine(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    """speech.wav (300 Hz, 1.5 s at 22.05 kHz), picture.png (red left, blue right), and clip.mp4
    (2 s at 10 fps of colour bars, with a 440 Hz track)."""
    base = tmp_path_factory.mktemp("vllm-omni-media")
    soundfile.write(base / "speech.wav", _sine(300, 1.5, 22050), 22050)
    pixels = np.zeros((80, 100, 3), dtype=np.uint8)
    pixels[:, :50] = (255, 0, 0)
    pixels[:, 50:] = (0, 0, 255)
    Image.fromarray(pixels).save(base / "picture.png")
    subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10"),
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000"),
            *("-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"),
            str(base / "clip.mp4"),
        ],
        check=True,
    )
    return {path.stem: path for path in base.iterdir()}


@pytest.fixture(scope="module", params=sorted(FAMILY))
def checkpoint(request, tmp_path_factory) -> tuple[str, Path]:
    """(family, a folder with the family's real-layout processor: what the runner's start() loads)."""
    folder = tmp_path_factory.mktemp(request.param)
    build_processor(request.param).save_pretrained(folder)
    return request.param, folder


def _part(media: dict[str, Path], name: str) -> Part:
    kind = {".wav": "audio", ".png": "image", ".mp4": "video"}[media[name].suffix]
    return media_part(MediaRef(kind=kind, path=str(media[name]), name=media[name].name))


def _request(parts: list[Part], sample_id: str = "s", **gen: Any) -> Request:
    return Request(sample_id=sample_id, messages=[Message(role="user", content=parts)], gen=GenConfig(**gen))


def _started(folder: Path, tmp_path: Path, **settings: Any) -> VllmOmniRunner:
    runner = VllmOmniRunner(model=str(folder), **settings)
    asyncio.run(runner.start())
    runner.media_dir = tmp_path / "media"
    return runner


def _dominant_hz(audio: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.fft.rfftfreq(len(audio), 1 / rate)[spectrum.argmax()])


# --- what vLLM-Omni receives -----------------------------------------------------------------


def test_a_mixed_media_request_reaches_vllm_omni_as_the_vllm_prompt_with_modalities_and_speaker(
    media, checkpoint, tmp_path, fake_vllm_omni
):
    family, folder = checkpoint
    markers, patch = FAMILY[family]
    runner = _started(folder, tmp_path, image_patch_size=patch, stage_configs_path="/cfg/stages.yaml")
    [omni] = fake_vllm_omni.instances
    assert omni.model == str(folder) and omni.kwargs == {"stage_configs_path": "/cfg/stages.yaml"}

    parts = [
        _part(media, "speech"),
        _part(media, "picture"),
        _part(media, "clip"),
        text_part("What do you hear and see?"),
    ]
    spoken = _request(parts, "spoken", return_audio=True, speaker="ethan", max_new_tokens=64, seed=5)
    [response] = asyncio.run(runner.generate([spoken]))
    assert response.error is None

    [(prompts, params)] = omni.calls
    [inputs] = prompts
    assert set(inputs) == {"prompt", "multi_modal_data", "mm_processor_kwargs", "modalities", "additional_information"}
    # the same prompt dict as the vllm runner's, from the same decoded media
    reference = to_vllm_prompt(prepare(spoken, MediaOptions(image_patch_size=patch)), runner._template, False)
    assert inputs["prompt"] == reference["prompt"]
    prompt = inputs["prompt"]
    positions = [prompt.index(markers[kind]) for kind in ("audio", "image", "video")]
    assert positions == sorted(positions) and positions[-1] < prompt.index("What do you hear and see?")
    assert prompt.endswith("<|im_start|>assistant\n")

    data = inputs["multi_modal_data"]
    assert set(data) == {"audio", "image", "video"}
    [(audio, rate)] = data["audio"]
    assert rate == 16000 and audio.dtype == np.float32 and audio.shape == (24000,)  # 1.5 s resampled to 16 kHz
    assert abs(_dominant_hz(audio) - 300) < 2
    [image] = data["image"]
    assert isinstance(image, Image.Image) and image.mode == "RGB"
    assert image.width % (2 * patch) == 0 and image.height % (2 * patch) == 0
    left, right = np.asarray(image)[image.height // 2, 2], np.asarray(image)[image.height // 2, -3]
    assert left[0] > 200 and left[2] < 50 and right[2] > 200 and right[0] < 50
    [video] = data["video"]
    assert video.dtype == np.uint8 and video.ndim == 4 and video.shape[0] == 4 and video.shape[3] == 3
    assert video.std() > 20
    assert inputs["mm_processor_kwargs"] == {"fps": pytest.approx(2.0)}
    np.testing.assert_array_equal(video, reference["multi_modal_data"]["video"][0])

    # speech asked: the talker and code2wav run, in the voice asked for (vLLM-Omni's lower-case name)
    assert inputs["modalities"] == ["text", "audio"]
    assert inputs["additional_information"] == {"speaker": ["ethan"]}
    # the thinker samples as the request says; the talker and code2wav keep their stage defaults
    assert params[0] == SamplingParams(temperature=0.0, top_p=1.0, max_tokens=64, seed=5)
    assert params[1:] == omni.default_sampling_params_list[1:]
    assert response.inputs["audio_s"] == [1.5] and response.inputs["video_frames"] == [4]


def test_a_text_request_asks_for_text_only_and_keeps_the_system_prompt(checkpoint, tmp_path, fake_vllm_omni):
    family, folder = checkpoint
    runner = _started(folder, tmp_path)
    request = _request([text_part("Say hi.")], system_prompt="You are terse.", speaker="Ethan")
    [response] = asyncio.run(runner.generate([request]))
    [([inputs], _)] = fake_vllm_omni.instances[0].calls
    assert inputs["modalities"] == ["text"]
    assert "additional_information" not in inputs  # a voice matters only to speech
    assert inputs["multi_modal_data"] == {} and inputs["mm_processor_kwargs"] == {}
    assert inputs["prompt"].index("You are terse.") < inputs["prompt"].index("Say hi.")
    assert response.text == "answer 0: 0 audio" and response.audio_path is None and response.audio_s is None


def test_older_vllm_omni_stage_defaults_are_read_from_its_stages(checkpoint, tmp_path, fake_vllm_omni):
    """Before `default_sampling_params_list`, each stage held its YAML defaults (as a mapping)."""
    _, folder = checkpoint
    runner = _started(folder, tmp_path)
    omni = fake_vllm_omni.instances[0]
    del omni.default_sampling_params_list
    talker = {"temperature": 0.9, "top_k": 40, "max_tokens": 2048, "stop_token_ids": [8294]}
    omni.stage_list = [
        types.SimpleNamespace(default_sampling_params={"temperature": 0.0}),
        types.SimpleNamespace(default_sampling_params=talker),
        types.SimpleNamespace(default_sampling_params=None),
    ]
    asyncio.run(runner.generate([_request([text_part("hi")], max_new_tokens=9)]))
    [(_, params)] = omni.calls
    assert params == [
        SamplingParams(temperature=0.0, top_p=1.0, max_tokens=9, seed=0),
        SamplingParams(temperature=0.9, top_k=40, max_tokens=2048, stop_token_ids=[8294]),
        SamplingParams(),
    ]


# --- what comes back -------------------------------------------------------------------------


def test_outputs_are_read_per_prompt_in_both_layouts():
    """Recent vLLM-Omni: one RequestOutput per OmniRequestOutput, speech on the OmniRequestOutput.
    Older: a list of RequestOutputs, speech on each, possibly as streamed chunks."""
    recent_speech = {"audio": _tone(1.0), "sr": torch.tensor(SPEECH_RATE)}
    outputs = [
        OmniRequestOutput(
            "1_b", stage_id=2, final_output_type="audio", multimodal_output=recent_speech,
            request_output=RequestOutput("1_b", None, [], [CompletionOutput(0, "", [])]),
        ),
        OmniRequestOutput(
            "1_b", stage_id=0, final_output_type="text",
            request_output=RequestOutput("1_b", "p", [1] * 12, [CompletionOutput(0, "second", [5, 6])]),
        ),
        OmniRequestOutput(
            stage_id=0, final_output_type="text",
            request_output=[RequestOutput("0_a", "p", [1] * 7, [CompletionOutput(0, "first", [4, 4, 4])])],
        ),
        OmniRequestOutput(
            stage_id=2, final_output_type="audio",
            request_output=[
                RequestOutput(
                    "0_a", None, [], [], multimodal_output={"audio": [_tone(0.25), _tone(0.5)], "sr": [16000]}
                )
            ],
        ),
        OmniRequestOutput(  # an id that is no prompt of this call
            "9_z", stage_id=0, final_output_type="text",
            request_output=RequestOutput("9_z", "p", [1], [CompletionOutput(0, "stray", [1])]),
        ),
    ]  # fmt: skip
    first, second, third = read_outputs(outputs, 3)
    assert (first.text, first.input_tokens, first.output_tokens) == ("first", 7, 3)
    assert first.sample_rate == 16000 and first.audio is not None
    assert first.audio.dtype == np.float32 and first.audio.shape == (18000,)  # the chunks joined: 0.25 s + 0.5 s
    np.testing.assert_allclose(first.audio[:6000], _tone(0.25).numpy())
    assert (second.text, second.input_tokens, second.output_tokens) == ("second", 12, 2)
    assert second.sample_rate == SPEECH_RATE and second.audio is not None and second.audio.shape == (24000,)
    assert third.text is None and third.audio is None
    assert [request_index(rid) for rid in ("3_9f0c", "12", "x_1", "")] == [3, 12, None, None]


def test_spoken_answers_are_written_as_wav_with_their_length_and_rtf(checkpoint, media, tmp_path, fake_vllm_omni):
    _, folder = checkpoint
    runner = _started(folder, tmp_path)
    requests = [
        _request([_part(media, "speech"), text_part(f"Answer aloud {i}.")], f"q/{i}", return_audio=True)
        for i in range(3)
    ]
    responses = asyncio.run(runner.generate(requests))
    assert [r.error for r in responses] == [None, None, None]
    assert [r.text for r in responses] == ["answer 0: 1 audio", "answer 1: 1 audio", "answer 2: 1 audio"]
    assert [r.output_tokens for r in responses] == [3, 4, 5]
    assert [r.input_tokens for r in responses] == [100, 101, 102]
    for i, response in enumerate(responses):
        path = Path(response.audio_path or "")
        assert path == tmp_path / "media" / f"q_{i}.wav"
        info = soundfile.info(path)
        assert info.samplerate == SPEECH_RATE and info.channels == 1
        assert info.frames == int((0.5 + 0.25 * i) * SPEECH_RATE)  # the generated waveform, whole
        assert response.audio_s == pytest.approx(0.5 + 0.25 * i, abs=1e-3)
        assert response.rtf == pytest.approx(response.latency_s / response.audio_s, abs=3e-4)
        written, _ = soundfile.read(path, dtype="float32")
        np.testing.assert_allclose(written, _tone(0.5 + 0.25 * i).numpy(), atol=1e-4)
    # one batch: one generate() call for the three
    assert len(fake_vllm_omni.instances[0].calls) == 1


# --- failures --------------------------------------------------------------------------------


def test_a_failing_request_fails_alone_on_a_restarted_engine(checkpoint, tmp_path, fake_vllm_omni):
    _, folder = checkpoint
    runner = _started(folder, tmp_path)
    requests = [_request([text_part(word)], word) for word in ("one", "FAIL", "three")]
    responses = asyncio.run(runner.generate(requests))
    assert responses[0].text == "answer 0: 0 audio" and responses[2].text == "answer 0: 0 audio"
    assert responses[1].error == "RuntimeError: Stage 0 failed: the processor rejected the prompt"
    assert responses[0].error is None and responses[2].error is None
    # the batch failed and shut its engine down; alone, the failing request did so once more
    first, second, third = fake_vllm_omni.instances
    assert first.closed >= 1 and second.closed >= 1 and third.closed == 0
    assert runner._omni is third and runner._restarts == 2


def test_requests_without_output_or_speech_and_unknown_voices_fail(checkpoint, media, tmp_path, fake_vllm_omni):
    family, folder = checkpoint
    runner = _started(folder, tmp_path)
    responses = asyncio.run(
        runner.generate(
            [
                _request([text_part("DROP this")], "a"),
                _request([text_part("NOSPEECH please")], "b", return_audio=True),
                _request([text_part("hi")], "c", return_audio=True, speaker="Nobody"),
                _request([media_part(MediaRef(kind="audio", path=str(tmp_path / "gone.wav"), name="gone.wav"))], "d"),
            ]
        )
    )
    voices = "Chelsie, Ethan" if family == "qwen2_5_omni" else "Aiden, Chelsie, Ethan"
    assert [r.error for r in responses] == [
        NO_OUTPUT,
        NO_SPEECH,
        f"speaker 'Nobody' is not offered by this model; it has: {voices}",
        f"audio file not found: {tmp_path / 'gone.wav'}",
    ]
    assert responses[1].text == "answer 0: 0 audio" and responses[1].audio_path is None
    # only the first two reached the engine, each in its batch (they differ in return_audio)
    assert [[p["prompt"].count("DROP") for p in prompts] for prompts, _ in fake_vllm_omni.instances[0].calls] == [
        [1],
        [0],
    ]


def test_a_dead_engine_a_hang_and_too_many_restarts_stop_the_run(checkpoint, tmp_path, fake_vllm_omni):
    _, folder = checkpoint
    runner = _started(folder, tmp_path, max_engine_restarts=1, timeout_s=0.5)
    with pytest.raises(FatalRunnerError, match="the vLLM-Omni engine stopped: EngineDeadError: EngineCore"):
        asyncio.run(runner.generate([_request([text_part("DEAD")])]))
    with pytest.raises(FatalRunnerError, match=r"did not answer 1 requests in 0.5 s \(timeout_s\)"):
        asyncio.run(runner.generate([_request([text_part("HANG")])]))
    fake_vllm_omni.release.set()
    [failed] = asyncio.run(runner.generate([_request([text_part("FAIL")])]))
    assert failed.error is not None and failed.error.startswith("RuntimeError: Stage 0 failed")
    with pytest.raises(FatalRunnerError, match="shut its engine down after 1 restarts already"):
        asyncio.run(runner.generate([_request([text_part("FAIL again")])]))


def test_engine_start_up_failures_are_clear_errors(checkpoint, tmp_path, fake_vllm_omni):
    _, folder = checkpoint
    fake_vllm_omni.fail_start = RuntimeError("CUDA out of memory while loading stage 1\ntraceback...")
    with pytest.raises(OmnievalError) as caught:
        _started(folder, tmp_path)
    assert str(caught.value) == (
        f"vLLM-Omni could not start '{folder}': RuntimeError: CUDA out of memory while loading stage 1"
    )
    fake_vllm_omni.fail_start = None
    fake_vllm_omni.ready_stages = {0}
    with pytest.raises(OmnievalError, match=r"stages \[1, 2\] never became ready"):
        _started(folder, tmp_path)
    assert fake_vllm_omni.instances[-1].closed == 1


@pytest.mark.skipif(importlib.util.find_spec("vllm_omni") is not None, reason="vLLM-Omni is installed here")
def test_start_without_vllm_omni_says_how_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, "vllm_omni", raising=False)
    with pytest.raises(OmnievalError) as caught:
        asyncio.run(VllmOmniRunner(model="Qwen/Qwen2.5-Omni-7B").start())
    assert str(caught.value) == MISSING_VLLM_OMNI
    assert MISSING_VLLM_OMNI == "the vllm-omni runner needs vLLM-Omni: pip install vllm-omni (on a CUDA machine)"


def test_a_vllm_omni_without_the_offline_entry_point_is_not_taken_for_a_missing_one(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm_omni", types.ModuleType("vllm_omni"))  # a module, not the package
    for name in ("vllm_omni.entrypoints", "vllm_omni.entrypoints.omni"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(OmnievalError) as caught:
        asyncio.run(VllmOmniRunner(model="Qwen/Qwen2.5-Omni-7B").start())
    assert str(caught.value) == (
        "vLLM-Omni is installed but does not import: "
        "ModuleNotFoundError: No module named 'vllm_omni.entrypoints'; 'vllm_omni' is not a package"
    )


def test_registered_with_its_settings():
    runner = RUNNERS.get("vllm-omni")(model="Qwen/Qwen3-Omni-30B-A3B-Instruct", video_fps=1.0, timeout_s=60)
    assert isinstance(runner, VllmOmniRunner) and runner.speaks
    assert runner.max_batch_size == 16 and runner.media.video_fps == 1.0
    settings = runner.cache_identity()["settings"]
    assert settings == {"model": "Qwen/Qwen3-Omni-30B-A3B-Instruct", "video_fps": 1.0}
    with pytest.raises(OmnievalError, match="has no setting temperature"):
        VllmOmniRunner(model="x", temperature=0.5)
    with pytest.raises(OmnievalError, match="needs a checkpoint"):
        VllmOmniRunner()
    with pytest.raises(OmnievalError, match="after start"):
        asyncio.run(runner.generate([_request([text_part("hi")])]))


# --- presets ---------------------------------------------------------------------------------

QWEN25_SYSTEM_PROMPT = (
    "You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of "
    "perceiving auditory and visual inputs, as well as generating text and speech."
)


@pytest.mark.parametrize(
    ("name", "runner", "model"),
    [
        ("vllm-omni-qwen2.5-omni-7b", "vllm-omni", "Qwen/Qwen2.5-Omni-7B"),
        ("vllm-omni-qwen3-omni-30b-a3b-instruct", "vllm-omni", "Qwen/Qwen3-Omni-30B-A3B-Instruct"),
        ("vllm-omni-serve-qwen2.5-omni-7b", "openai", "Qwen/Qwen2.5-Omni-7B"),
        ("vllm-omni-serve-qwen3-omni-30b-a3b-instruct", "openai", "Qwen/Qwen3-Omni-30B-A3B-Instruct"),
    ],
)
def test_the_vllm_omni_presets_load(name, runner, model):
    preset = load_preset(name)
    assert (preset.name, preset.runner, preset.settings["model"]) == (name, runner, model)
    built = RUNNERS.get(preset.runner)(**preset.settings)
    assert built.speaks
    assert preset.gen["temperature"] == 0.0
    if runner == "openai":
        assert preset.settings["base_url"] == "http://127.0.0.1:8091/v1"
        assert f"vllm serve {model} --omni --port 8091" in " ".join(preset.description.split())
    else:
        assert preset.settings["video_fps"] == 2.0 and "pip install vllm-omni" in preset.description
    if "qwen2.5" in name:
        assert " ".join(preset.gen["system_prompt"].split()) == QWEN25_SYSTEM_PROMPT
    else:
        assert "system_prompt" not in preset.gen
