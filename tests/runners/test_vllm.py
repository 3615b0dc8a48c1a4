"""vllm runner: vLLM prompt dicts built from real media and a real Qwen chat template.

vLLM itself is not installed in the test environment; what reaches `llm.generate` is checked
here, and the runner's start says clearly that vLLM is missing.
"""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from omnieval.errors import MediaError, OmnievalError
from omnieval.registry import RUNNERS
from omnieval.runners.hf_omni.inputs import MediaOptions, prepare
from omnieval.runners.vllm_offline import MISSING_VLLM, NO_SPEECH, VllmRunner, sampling_kwargs, to_vllm_prompt
from omnieval.testing.tiny_tokenizer import build_tokenizer
from omnieval.types import GenConfig, MediaRef, Message, Part, Request, media_part, text_part

#: per family: media markers of its chat template, and its vision patch size
FAMILY = {
    "qwen2_5_omni": (
        {
            "audio": "<|audio_bos|><|AUDIO|><|audio_eos|>",
            "image": "<|vision_bos|><|IMAGE|><|vision_eos|>",
            "video": "<|vision_bos|><|VIDEO|><|vision_eos|>",
        },
        14,
    ),
    "qwen3_omni_moe": (
        {
            "audio": "<|audio_start|><|audio_pad|><|audio_end|>",
            "image": "<|vision_start|><|image_pad|><|vision_end|>",
            "video": "<|vision_start|><|video_pad|><|vision_end|>",
        },
        16,
    ),
}


def _sine(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    """speech.wav (300 Hz, 1.5 s at 22.05 kHz), tone.wav (660 Hz, 0.5 s), a PNG, and mp4 clips:
    clip.mp4 (2 s at 10 fps, 440 Hz track), long.mp4 (2.5 s, 880 Hz track), silent.mp4 (no track)."""
    base = tmp_path_factory.mktemp("vllm-media")
    soundfile.write(base / "speech.wav", _sine(300, 1.5, 22050), 22050)
    soundfile.write(base / "tone.wav", _sine(660, 0.5, 16000), 16000)
    pixels = np.zeros((80, 100, 3), dtype=np.uint8)
    pixels[:, :50] = (255, 0, 0)
    pixels[:, 50:] = (0, 0, 255)
    Image.fromarray(pixels).save(base / "picture.png")
    for name, seconds, freq in (("clip", "2", 440), ("long", "2.5", 880)):
        _ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=10",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={freq}:sample_rate=16000",
            "-t",
            seconds,
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(base / f"{name}.mp4"),
        )
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-an",
        str(base / "silent.mp4"),
    )
    return {path.stem: path for path in base.iterdir()}


@pytest.fixture(scope="module", params=sorted(FAMILY))
def family(request):
    """(family name, its real-layout tokenizer with the chat template)."""
    return request.param, build_tokenizer(request.param)


def _part(media: dict[str, Path], name: str) -> Part:
    kind = {".wav": "audio", ".png": "image", ".mp4": "video"}[media[name].suffix]
    return media_part(MediaRef(kind=kind, path=str(media[name]), name=media[name].name))


def _request(parts: list[Part], **gen) -> Request:
    return Request(sample_id="s", messages=[Message(role="user", content=parts)], gen=GenConfig(**gen))


def _dominant_hz(audio: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.fft.rfftfreq(len(audio), 1 / rate)[spectrum.argmax()])


def test_mixed_media_prompt_markers_and_payloads(media, family):
    name, tokenizer = family
    markers, patch = FAMILY[name]
    request = _request(
        [
            _part(media, "speech"),
            _part(media, "picture"),
            _part(media, "clip"),
            text_part("What do you hear and see?"),
        ]
    )
    prepared = prepare(request, MediaOptions(image_patch_size=patch))
    inputs = to_vllm_prompt(prepared, tokenizer, use_audio_in_video=False)

    prompt = inputs["prompt"]
    positions = [
        prompt.index(markers["audio"]),
        prompt.index(markers["image"]),
        prompt.index(markers["video"]),
        prompt.index("What do you hear and see?"),
    ]
    assert positions == sorted(positions)
    assert prompt.endswith("<|im_start|>assistant\n")
    assert set(inputs) == {"prompt", "multi_modal_data", "mm_processor_kwargs"}

    data = inputs["multi_modal_data"]
    assert set(data) == {"audio", "image", "video"}
    # one item each, still in a list (the convention of to_vllm_prompt)
    [(audio, rate)] = data["audio"]
    assert rate == 16000 and audio.dtype == np.float32 and audio.shape == (24000,)  # 1.5 s resampled to 16 kHz
    assert abs(_dominant_hz(audio) - 300) < 2

    [image] = data["image"]
    assert isinstance(image, Image.Image) and image.mode == "RGB"
    assert image.width % (2 * patch) == 0 and image.height % (2 * patch) == 0
    left, right = np.asarray(image)[image.height // 2, 2], np.asarray(image)[image.height // 2, -3]
    assert left[0] > 200 and left[2] < 50 and right[2] > 200 and right[0] < 50  # red left, blue right

    [video] = data["video"]
    frames, (width, height) = prepared.streams["video_frames"][0], prepared.streams["video_size"][0]
    assert video.dtype == np.uint8 and video.shape == (frames, height, width, 3)
    assert frames == 4 and width % (2 * patch) == 0 and height % (2 * patch) == 0
    source = prepared.videos[0].permute(0, 2, 3, 1).numpy()
    assert np.abs(video.astype(np.float32) - np.clip(source, 0, 255)).max() <= 0.5
    assert video.std() > 20  # testsrc colour bars, not a blank frame

    # 4 frames out of 20 at 10 fps: sampled at 2 fps, one number for the processor
    assert inputs["mm_processor_kwargs"] == {"fps": pytest.approx(2.0)}


@pytest.mark.parametrize("order", [("tone", "clip"), ("clip", "tone")])
def test_audio_in_video_goes_into_audio_in_prompt_order(media, family, order):
    name, tokenizer = family
    markers, patch = FAMILY[name]
    request = _request(
        [_part(media, order[0]), _part(media, order[1]), text_part("Describe.")], use_audio_in_video=True
    )
    prepared = prepare(request, MediaOptions(image_patch_size=patch))
    inputs = to_vllm_prompt(prepared, tokenizer, use_audio_in_video=True)

    # the video's track has no marker of its own: vLLM expands the video marker into both
    assert inputs["prompt"].count(markers["audio"]) == 1 and inputs["prompt"].count(markers["video"]) == 1
    audios = inputs["multi_modal_data"]["audio"]
    assert [rate for _, rate in audios] == [16000, 16000]
    heard = [round(_dominant_hz(audio), -1) for audio, _ in audios]
    expected = {"tone": 660.0, "clip": 440.0}
    assert heard == [expected[item] for item in order]
    track = audios[order.index("clip")][0]
    assert track.dtype == np.float32 and 31000 <= len(track) <= 33500  # the clip's 2 s of sound
    assert inputs["mm_processor_kwargs"] == {"fps": pytest.approx(2.0), "use_audio_in_video": True}
    assert len(inputs["multi_modal_data"]["video"]) == 1

    # without the flag the same video is sent silent
    plain = to_vllm_prompt(
        prepare(_request(request.messages[0].content), MediaOptions(image_patch_size=patch)),
        tokenizer,
        use_audio_in_video=False,
    )
    assert [round(_dominant_hz(a), -1) for a, _ in plain["multi_modal_data"]["audio"]] == [660.0]
    assert "use_audio_in_video" not in plain["mm_processor_kwargs"]
    # inputs prepared with the track but sent without the flag leave the track out
    dropped = to_vllm_prompt(prepared, tokenizer, use_audio_in_video=False)
    assert [round(_dominant_hz(a), -1) for a, _ in dropped["multi_modal_data"]["audio"]] == [660.0]


def test_video_without_audio_track_is_a_media_error_with_use_audio_in_video(media):
    request = _request([_part(media, "silent"), text_part("What is said?")], use_audio_in_video=True)
    with pytest.raises(MediaError, match="has no audio track"):
        prepare(request, MediaOptions())
    # without the flag the same video is fine
    prepared = prepare(_request(request.messages[0].content), MediaOptions())
    assert prepared.audios == [] and len(prepared.videos) == 1


def test_videos_share_one_fps_or_fail(media, family):
    name, tokenizer = family
    _, patch = FAMILY[name]
    options = MediaOptions(image_patch_size=patch)
    same = to_vllm_prompt(prepare(_request([_part(media, "clip"), _part(media, "clip")]), options), tokenizer, False)
    assert len(same["multi_modal_data"]["video"]) == 2 and same["mm_processor_kwargs"]["fps"] == pytest.approx(2.0)
    # 2.5 s at 10 fps: 4 of 25 frames, sampled at 1.6 fps against the other clip's 2
    mixed = prepare(_request([_part(media, "clip"), _part(media, "long")]), options)
    assert mixed.video_fps == pytest.approx([2.0, 1.6])
    with pytest.raises(MediaError, match="different rates"):
        to_vllm_prompt(mixed, tokenizer, False)


def test_text_only_request_has_no_media_and_keeps_the_system_prompt(family):
    _, tokenizer = family
    prepared = prepare(_request([text_part("Say hi.")], system_prompt="You are terse."), MediaOptions())
    inputs = to_vllm_prompt(prepared, tokenizer, use_audio_in_video=True)
    assert inputs["multi_modal_data"] == {} and inputs["mm_processor_kwargs"] == {}
    assert inputs["prompt"].index("You are terse.") < inputs["prompt"].index("Say hi.")


def test_sampling_follows_gen_config():
    assert sampling_kwargs(GenConfig(temperature=0.0, top_p=0.8, max_new_tokens=7, seed=3)) == {
        "temperature": 0.0,
        "top_p": 0.8,
        "max_tokens": 7,
        "seed": 3,
    }


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_start_without_vllm_says_how_to_install():
    with pytest.raises(OmnievalError) as caught:
        asyncio.run(VllmRunner(model="x").start())
    assert str(caught.value) == "the vllm runner needs vLLM: pip install 'omnieval[vllm]' (on a CUDA machine)"
    assert str(caught.value) == MISSING_VLLM and "\n" not in MISSING_VLLM


def test_registered_with_settings_and_per_request_errors(media):
    runner = RUNNERS.get("vllm")(
        model="Qwen/Qwen3-Omni-30B-A3B-Instruct", limit_mm_per_prompt={"video": 1}, image_patch_size=16, video_fps=1.0
    )
    assert runner.max_batch_size == 32 and runner.media.image_patch_size == 16 and runner.media.video_fps == 1.0
    assert "max_batch_size" not in runner.cache_identity()["settings"]
    with pytest.raises(OmnievalError, match="has no setting temperature"):
        VllmRunner(model="x", temperature=0.5)
    with pytest.raises(OmnievalError, match="needs a checkpoint"):
        VllmRunner()

    # requests that fail before the engine is reached fail alone, in order
    missing = media_part(MediaRef(kind="audio", path=str(media["tone"].with_name("gone.wav")), name="gone.wav"))
    responses = asyncio.run(
        runner.generate(
            [
                _request([_part(media, "tone")], return_audio=True),
                _request([missing]),
                _request([_part(media, "silent")], use_audio_in_video=True),
            ]
        )
    )
    assert [r.error for r in responses] == [
        NO_SPEECH,
        f"audio file not found: {missing.media.path}",
        "video silent.mp4 has no audio track, and this request uses the video's audio",
    ]
    with pytest.raises(OmnievalError, match="after start"):
        asyncio.run(runner.generate([_request([text_part("hi")])]))
