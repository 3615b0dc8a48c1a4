"""What every runner shares: its settings are checked when it is made, a number setting's type included, and its
generated speech is written out unless it is broken."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import soundfile

from omnieval.errors import OmnievalError
from omnieval.registry import RUNNERS
from omnieval.runners.base import NUMBER_SETTINGS, check_settings
from omnieval.runners.espeak import speak
from omnieval.types import Response


@pytest.mark.parametrize(
    ("runner", "settings", "problem"),
    [
        ("espeak-ng", {"workers": "abc"}, "workers takes a whole number, not 'abc'"),
        ("pocketsphinx", {"workers": 2.5}, "workers takes a whole number, not 2.5"),
        ("espeak-ng", {"rate": True}, "rate takes a whole number, not True"),
        ("openai", {"model": "m", "timeout_s": "soon"}, "timeout_s takes a number, not 'soon'"),
        ("openai", {"model": "m", "max_retries": [1]}, "max_retries takes a whole number, not [1]"),
    ],
)
def test_a_number_setting_given_something_else_is_refused_by_name(runner, settings, problem):
    with pytest.raises(OmnievalError, match=re.escape(f"runner '{runner}': setting {problem}")):
        RUNNERS.get(runner)(**settings)


def test_numbers_as_the_runners_read_them_pass():
    for settings in ({"workers": 4}, {"workers": "4"}, {"workers": 4.0}, {"workers": None}):
        assert check_settings(RUNNERS.get("espeak-ng"), settings) is None
    assert check_settings(RUNNERS.get("openai"), {"model": "m", "timeout_s": 12, "max_concurrency": "8"}) is None
    assert RUNNERS.get("espeak-ng")(workers="3").max_concurrency == 3


def test_every_number_setting_named_is_one_a_runner_takes():
    taken = set().union(*(runner.setting_names() for _, runner in RUNNERS.items()))
    assert set(NUMBER_SETTINGS) <= taken


def test_generated_speech_with_nan_or_infinite_samples_fails_its_sample_with_the_reason(tmp_path):
    runner = RUNNERS.get("espeak-ng")()
    runner.media_dir = tmp_path / "media"
    audio, rate = soundfile.read(io.BytesIO(speak("hello there")), dtype="float32")
    good = runner.with_waveform(Response(text="hi"), "good", audio, rate, 0.5)
    assert good.ok and good.audio_path == str(tmp_path / "media" / "good.wav") and good.audio_s > 0
    audio[::1000] = np.nan
    broken = runner.with_waveform(Response(text="hi"), "nan", audio, rate, 0.5)
    bad = audio[::1000].size
    assert broken.error == f"audio (generated speech) has {bad} samples that are NaN or infinite (of {audio.size})"
    assert broken.text == "hi" and broken.audio_path is None
    # a server's float WAV with infinity in it is refused as well (PCM cannot hold either)
    audio[::1000] = np.inf
    wav = io.BytesIO()
    soundfile.write(wav, audio, rate, format="WAV", subtype="FLOAT")
    served = runner.with_speech(Response(text="hi"), "inf", wav.getvalue(), 0.5)
    assert not served.ok and "NaN or infinite" in served.error and served.audio_path is None
    assert sorted(path.name for path in (tmp_path / "media").iterdir()) == ["good.wav"]
