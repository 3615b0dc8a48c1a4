"""Audio checks: each problem gets its named flag, and normal speech none."""

from __future__ import annotations

import io

import numpy as np
import soundfile

from omnieval.speech.checks import audio_flags
from omnieval.testing.sample_data import speak


def speech() -> tuple[np.ndarray, int]:
    audio, rate = soundfile.read(io.BytesIO(speak("the quick brown fox jumps over the lazy dog")), dtype="float32")
    return audio, rate


def test_normal_speech_has_no_flag():
    audio, rate = speech()
    assert audio_flags(audio, rate, "The quick brown fox jumps over the lazy dog.", by_character=False) == []


def test_each_problem_has_its_flag():
    audio, rate = speech()
    text = "The quick brown fox jumps over the lazy dog."
    assert audio_flags(np.zeros(0, np.float32), rate, text, False) == ["empty"]
    assert audio_flags(audio[: int(0.05 * rate)], rate, text, False) == ["empty"]
    assert audio_flags(np.zeros(rate, np.float32) + 1e-4, rate, text, False) == ["silent"]
    assert audio_flags(np.clip(audio * 50, -1, 1), rate, text, False) == ["clipped"]
    narrow = audio[::3]
    assert audio_flags(narrow, rate // 3, text, False) == ["low_sample_rate"]
    looped = np.tile(audio, 12)  # 40 s of speech for a 9-word text
    assert audio_flags(looped, rate, text, False) == ["too_long"]
    assert audio_flags(looped, rate, "很" * 200, by_character=True) == []  # 200 characters take that long
