"""The transformers omni runner on tiny random checkpoints of both Qwen omni families (CPU)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
import soundfile
import torch

from omnieval.errors import OmnievalError
from omnieval.runners.hf_omni.runner import HfOmniRunner
from omnieval.types import Response, text_part
from tests.conftest import REPO
from tests.runners.hf_omni.conftest import file_part, generate, make_request, start, write_tone

QUESTION = text_part("What is in the media?")


def test_every_input_stream_reaches_the_model_and_is_recorded(tiny_checkpoints, family, media):
    runner = start(HfOmniRunner(model=str(tiny_checkpoints[family]), batch_size=4))
    requests = [
        make_request("audio", file_part("audio", media["speech"]), QUESTION),
        make_request("image", file_part("image", media["image"]), QUESTION),
        make_request("video", file_part("video", media["video"]), QUESTION),
        make_request("av", file_part("video", media["video"]), QUESTION, use_audio_in_video=True),
    ]
    audio, image, video, av = generate(runner, requests)
    for response in (audio, image, video, av):
        assert response.error is None, response.error
        assert response.output_tokens and response.input_tokens and response.latency_s > 0
        assert response.ttft_s is not None and response.tokens_per_s > 0
    seconds = soundfile.info(str(media["speech"])).duration
    assert abs(audio.inputs["audio_s"][0] - seconds) < 0.01
    assert image.inputs["images"] == [[112, 84]]  # 120x80 rounded to multiples of 28
    assert video.inputs["video_frames"] == [4] and video.inputs["use_audio_in_video"] is False
    assert "video_audio_s" not in video.inputs
    track = soundfile.info(str(media["video_track"])).duration
    assert av.inputs["use_audio_in_video"] is True and abs(av.inputs["video_audio_s"][0] - track) < 0.05
    # the video's sound adds audio tokens to the prompt
    assert av.input_tokens > video.input_tokens


def test_batched_greedy_output_equals_one_by_one(tiny_checkpoints, family, media):
    requests = [
        make_request("long", file_part("audio", media["speech_long"]), QUESTION, max_new_tokens=8),
        make_request("short", file_part("audio", media["speech"]), text_part("Say it."), max_new_tokens=8),
        make_request("image", file_part("image", media["image"]), QUESTION, max_new_tokens=8),
        make_request("text", text_part("Count to three."), max_new_tokens=8),
    ]
    batched = start(HfOmniRunner(model=str(tiny_checkpoints[family]), batch_size=4))
    single = start(HfOmniRunner(model=str(tiny_checkpoints[family]), batch_size=1))
    together = generate(batched, requests)
    alone = [generate(single, [request])[0] for request in requests]
    assert [r.error for r in together] == [None] * 4
    assert [r.text for r in together] == [r.text for r in alone]
    assert [r.output_tokens for r in together] == [r.output_tokens for r in alone]
    assert len({r.text for r in together}) > 1  # different inputs, different outputs: the rows did not mix


def test_speech_out_is_a_24khz_wav_in_the_media_folder(tiny_checkpoints, family, media, tmp_path):
    runner = start(HfOmniRunner(model=str(tiny_checkpoints[family]), talker=True, talker_max_new_tokens=24))
    runner.media_dir = tmp_path / "media"
    speaker = "Ethan" if family == "qwen3_omni_moe" else "Chelsie"
    request = make_request("utt/1", file_part("audio", media["speech"]), QUESTION, return_audio=True, speaker=speaker)
    (response,) = generate(runner, [request])
    assert response.error is None, response.error
    assert response.audio_path == str(tmp_path / "media" / "utt_1.wav")
    info = soundfile.info(response.audio_path)
    assert info.samplerate == 24000 and info.channels == 1
    assert abs(info.duration - response.audio_s) < 0.01 and response.audio_s > 0
    assert abs(response.rtf - response.latency_s / response.audio_s) < 1e-3
    assert response.text  # the thinker's answer comes with the speech


def test_generation_runs_without_cudnn_attention_and_restores_the_setting(tiny_checkpoints, family, media):
    """cuDNN's attention took about 25 ms a call while decoding on an H200 (omnieval.runners.attention): the
    thinker, with and without speech out, runs without it, and the process's setting is left as it was."""
    runner = start(HfOmniRunner(model=str(tiny_checkpoints[family]), talker=True, talker_max_new_tokens=8))
    speaker = "Ethan" if family == "qwen3_omni_moe" else "Chelsie"
    seen: list[bool] = []
    hook = runner.loaded.model.thinker.register_forward_pre_hook(
        lambda module, args: seen.append(torch.backends.cuda.cudnn_sdp_enabled())
    )
    before = torch.backends.cuda.cudnn_sdp_enabled()
    try:
        for speech in (False, True):
            request = make_request(
                "a",
                file_part("audio", media["speech"]),
                QUESTION,
                max_new_tokens=4,
                return_audio=speech,
                speaker=speaker if speech else None,
            )
            (response,) = generate(runner, [request])
            assert response.error is None, response.error
    finally:
        hook.remove()
    assert before is True and len(seen) >= 2 and not any(seen)
    assert torch.backends.cuda.cudnn_sdp_enabled() is True


def test_speech_needs_the_talker_and_a_known_speaker(tiny_checkpoints, family, media):
    question = (file_part("audio", media["speech"]), QUESTION)
    thinker_only = start(HfOmniRunner(model=str(tiny_checkpoints[family])))
    (no_talker,) = generate(thinker_only, [make_request("a", *question, return_audio=True)])
    assert "needs the talker" in no_talker.error
    with_talker = start(HfOmniRunner(model=str(tiny_checkpoints[family]), talker=True, talker_max_new_tokens=8))
    unknown, text = generate(
        with_talker, [make_request("b", *question, return_audio=True, speaker="Nobody"), make_request("c", *question)]
    )
    assert "speaker 'Nobody' is not offered" in unknown.error and "Ethan".lower() in unknown.error.lower()
    assert text.error is None and text.audio_path is None


def test_requests_with_different_settings_are_each_generated_with_their_own(tiny_checkpoints, family, media, tmp_path):
    runner = start(
        HfOmniRunner(model=str(tiny_checkpoints[family]), talker=True, talker_max_new_tokens=8, batch_size=4)
    )
    runner.media_dir = tmp_path
    question = (file_part("audio", media["speech"]), QUESTION)
    spoken, short, written = generate(
        runner,
        [
            make_request("spoken", *question, return_audio=True),
            make_request("short", *question, max_new_tokens=2),
            make_request("written", *question, max_new_tokens=6),
        ],
    )
    assert spoken.error is None and spoken.audio_path == str(tmp_path / "spoken.wav")
    assert short.audio_path is None and written.audio_path is None
    assert short.output_tokens <= 2 < written.output_tokens
    assert written.text == generate(runner, [make_request("written", *question, max_new_tokens=6)])[0].text


def test_dtype_and_attention_implementation_reach_the_model(tiny_checkpoints, family, media):
    question = (file_part("audio", media["speech"]), QUESTION)
    half = start(HfOmniRunner(model=str(tiny_checkpoints[family]), dtype="bfloat16", attn_implementation="eager"))
    assert {p.dtype for p in half.loaded.model.parameters()} == {torch.bfloat16}
    assert half.loaded.model.use_kernels is False  # the reference layers, none fetched from the hub
    assert half.loaded.model.config._attn_implementation == "eager"
    assert {k: half.describe()["resolved"][k] for k in ("dtype", "attn_implementation", "device")} == {
        "dtype": "bfloat16",
        "attn_implementation": "eager",
        "device": "cpu",
    }
    (answer,) = generate(half, [make_request("a", *question)])
    assert answer.error is None and answer.output_tokens
    # in full precision the attention kernels agree token for token
    eager, sdpa = (
        start(HfOmniRunner(model=str(tiny_checkpoints[family]), dtype="float32", attn_implementation=name))
        for name in ("eager", "sdpa")
    )
    request = make_request("b", *question, max_new_tokens=8)
    assert generate(eager, [request])[0].text == generate(sdpa, [request])[0].text
    with pytest.raises(OmnievalError, match="dtype must be one of"):
        asyncio.run(HfOmniRunner(model=str(tiny_checkpoints[family]), dtype="fp8").start())


def test_bad_media_fails_its_own_sample_and_the_batch_goes_on(tiny_checkpoints, media, tmp_path):
    runner = start(HfOmniRunner(model=str(tiny_checkpoints["qwen2_5_omni"]), batch_size=8))
    not_an_image = tmp_path / "fake.png"
    not_an_image.write_text("not a png")
    requests = [
        make_request("missing", file_part("audio", tmp_path / "gone.wav"), QUESTION),
        make_request("fake", file_part("image", not_an_image), QUESTION),
        make_request("broken", file_part("video", media["broken_video"]), QUESTION),
        make_request("silent", file_part("video", media["silent_video"]), QUESTION, use_audio_in_video=True),
        make_request("thin", file_part("image", _thin_image(tmp_path)), QUESTION),
        make_request("fine", file_part("audio", media["speech"]), QUESTION),
    ]
    missing, fake, broken, silent, thin, fine = generate(runner, requests)
    assert "not found" in missing.error
    assert "cannot decode image" in fake.error
    assert "video" in broken.error
    assert "no audio track" in silent.error
    assert "aspect ratio" in thin.error
    assert fine.error is None and fine.output_tokens


def test_a_request_the_processor_rejects_fails_alone(tiny_checkpoints, media):
    """A placeholder token with no audio behind it: the processor refuses the batch, which is then
    retried request by request so that only the request at fault fails."""
    runner = start(HfOmniRunner(model=str(tiny_checkpoints["qwen2_5_omni"]), batch_size=3))
    rejected = make_request("rejected", text_part("What does <|AUDIO|> say?"))
    fine = [
        make_request("fine", file_part("audio", media["speech"]), QUESTION),
        make_request("text", text_part("hi")),
    ]
    first, *others = generate(runner, [rejected, *fine])
    assert first.error.startswith("ValueError") and "audio" in first.error.lower()
    assert [r.error for r in others] == [None, None]
    assert [r.text for r in others] == [r.text for r in generate(runner, fine)]


def test_a_request_that_runs_out_of_memory_fails_alone(tiny_checkpoints, media, tmp_path):
    """Under a real cap on the process's memory (RLIMIT_AS, in a subprocess), ten minutes of audio
    cannot be encoded: that request fails as out of memory, and the request batched with it is answered."""
    long_audio = write_tone(tmp_path / "ten_minutes.wav", 600)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.runners.hf_omni.memory_limit",
            str(tiny_checkpoints["qwen3_omni_moe"]),
            "0.5",
            f"image:{media['image']}",
            f"audio:{long_audio}",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    big, small = (Response.model_validate_json(line) for line in proc.stdout.splitlines())
    assert big.error.startswith("out of memory (lower batch_size or the pixel and frame budgets): "), big.error
    assert big.inputs["audio_s"] == [600.0]  # the record says what was too big
    assert small.error is None and small.output_tokens and small.inputs["images"] == [[112, 84]]


def test_the_record_says_how_much_audio_the_model_heard(tiny_checkpoints, family, tmp_path):
    """Qwen2.5-Omni's processor keeps the first 30 s of an audio (Qwen3-Omni's keeps it all)."""
    runner = start(HfOmniRunner(model=str(tiny_checkpoints[family])))
    tone = write_tone(tmp_path / "tone.wav", 35)
    (response,) = generate(runner, [make_request("tone", file_part("audio", tone), QUESTION)])
    assert response.error is None, response.error
    if family == "qwen2_5_omni":
        assert response.inputs["audio_s"] == [30.0] and response.inputs["audio_s_cut_from"] == [35.0]
    else:
        assert response.inputs["audio_s"] == [35.0] and "audio_s_cut_from" not in response.inputs


def _thin_image(folder):
    from PIL import Image

    path = folder / "thin.png"
    Image.new("RGB", (1000, 2)).save(path)
    return path


def _with_generation_config(checkpoint, folder, settings: dict):
    """A copy of a checkpoint (files linked) whose generation_config.json holds `settings`."""
    folder.mkdir()
    for item in checkpoint.iterdir():
        if item.name != "generation_config.json":
            (folder / item.name).symlink_to(item)
    (folder / "generation_config.json").write_text(json.dumps(settings))
    return folder


def test_checkpoint_sampling_samples_with_the_checkpoints_generation_config(tiny_checkpoints, family, media, tmp_path):
    """transformers gives the checkpoint's generation config to the top-level model, not to the thinker
    that writes the text: the runner must pass it on (plain or thinker_-prefixed keys)."""
    prefix = "thinker_" if family == "qwen3_omni_moe" else ""
    sampling = {"do_sample": True, "temperature": 0.6, "top_p": 0.95, "top_k": 20}
    checkpoint = _with_generation_config(
        tiny_checkpoints[family], tmp_path / "thinking", {f"{prefix}{k}": v for k, v in sampling.items()}
    )
    runner = start(HfOmniRunner(model=str(checkpoint), checkpoint_sampling=True))
    request = make_request("a", file_part("audio", media["speech"]), QUESTION, max_new_tokens=8)
    assert {k: runner.thinker_kwargs(request.gen)[k] for k in sampling} == sampling
    assert runner.describe()["resolved"]["sampling"] == sampling

    def sampled(seed: int) -> str:
        (response,) = generate(
            runner, [request.model_copy(update={"gen": request.gen.model_copy(update={"seed": seed})})]
        )
        assert response.error is None, response.error
        return response.text

    assert sampled(0) == sampled(0)  # reproducible under one seed
    assert len({sampled(seed) for seed in range(4)}) > 1  # and really sampled


def test_checkpoint_sampling_without_settings_in_the_checkpoint_is_refused(tiny_checkpoints):
    runner = HfOmniRunner(model=str(tiny_checkpoints["qwen2_5_omni"]), checkpoint_sampling=True)
    with pytest.raises(OmnievalError, match="holds no sampling settings"):
        asyncio.run(runner.start())


def test_speech_with_nan_samples_fails_its_own_sample_not_the_batch(tiny_checkpoints, family, media, tmp_path):
    import torch

    runner = start(
        HfOmniRunner(model=str(tiny_checkpoints[family]), talker=True, talker_max_new_tokens=8, batch_size=2)
    )
    runner.media_dir = tmp_path / "media"
    model = runner.loaded.model
    vocoder = getattr(model, "token2wav", None) or model.code2wav  # Qwen2.5-Omni's, Qwen3-Omni's
    with torch.no_grad():
        for weight in vocoder.parameters():
            weight.fill_(float("nan"))  # a broken checkpoint: its vocoder speaks NaN
    question = (file_part("audio", media["speech"]), QUESTION)
    spoken, text = generate(runner, [make_request("s", *question, return_audio=True), make_request("t", *question)])
    assert spoken.error and "NaN or infinite" in spoken.error and spoken.audio_path is None, spoken
    assert not (tmp_path / "media").exists() or not list((tmp_path / "media").iterdir())
    assert text.error is None and text.text  # the other sample of the batch is answered
