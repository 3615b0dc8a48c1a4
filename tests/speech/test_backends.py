"""The embedded speech-scoring backends, on real espeak-ng speech: Resemblyzer tells voices apart,
DNSMOS hears noise, pocketsphinx refuses languages it does not know."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
import soxr

from omnieval.errors import OmnievalError
from omnieval.speech.backends import RATE, quality, similarity, transcriber
from omnieval.testing.sample_data import speak


def voice(text: str, name: str) -> np.ndarray:
    audio, rate = soundfile.read(io.BytesIO(speak(text, name)), dtype="float32")
    return soxr.resample(audio, rate, RATE).astype(np.float32)


@pytest.fixture(scope="module")
def clips():
    return {
        "m3_a": voice("the quick brown fox jumps over the lazy dog", "en-us+m3"),
        "m3_b": voice("a completely different sentence is spoken here", "en-us+m3"),
        "f3_b": voice("a completely different sentence is spoken here", "en-us+f3"),
    }


def test_same_voice_pairs_are_more_similar_than_different_voice_pairs(clips):
    sim = similarity("resemblyzer")
    same, different = sim(clips["m3_a"], clips["m3_b"]), sim(clips["m3_a"], clips["f3_b"])
    assert same > different and -1.0 <= different < same <= 1.0
    assert sim(clips["m3_a"], clips["m3_a"]) == pytest.approx(1.0, abs=1e-5)


def test_silence_has_no_speaker_embedding(clips):
    with pytest.raises(OmnievalError, match="no voiced audio"):
        similarity("resemblyzer")(np.zeros(RATE, np.float32), clips["m3_a"])


def test_dnsmos_scores_clean_speech_above_the_same_speech_in_noise(clips):
    clean = clips["m3_a"]
    noisy = np.clip(clean + 0.3 * np.random.default_rng(0).standard_normal(len(clean)).astype(np.float32), -1, 1)
    scores, noisy_scores = quality("dnsmos")(clean), quality("dnsmos")(noisy)
    assert set(scores) == {"dnsmos", "dnsmos_sig", "dnsmos_bak"} and 1.0 <= scores["dnsmos"] <= 5.0
    assert scores["dnsmos_bak"] > noisy_scores["dnsmos_bak"] and scores["dnsmos"] > noisy_scores["dnsmos"]


def test_pocketsphinx_transcribes_english_only(clips):
    assert transcriber("pocketsphinx")(clips["m3_a"], "en").strip()
    with pytest.raises(OmnievalError, match="English only"):
        transcriber("pocketsphinx")(clips["m3_a"], "zh")


def test_unknown_backends_name_the_known_ones():
    with pytest.raises(OmnievalError, match="resemblyzer"):
        similarity("xvector")
    with pytest.raises(OmnievalError, match="pocketsphinx"):
        transcriber("kaldi")
