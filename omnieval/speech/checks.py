"""Checks of generated audio before it is scored, each a named flag in samples.jsonl.

- `empty`: no audio, or under 0.1 s;
- `silent`: its loudest 50 ms window is below -50 dBFS RMS (no speech to transcribe);
- `clipped`: over 0.1% of its samples at full scale;
- `low_sample_rate`: recorded below 16 kHz, the rate the ASR and speaker models expect (upsampling
  cannot restore what was lost);
- `too_long`: over three times (plus 5 s) the duration its text needs at a slow speaking rate
  (2.5 words or 4 characters a second): babbling, loops, or speech that never stops.

A flag never stops a run: empty audio is not transcribed or compared (it scores as all words
missed); the other flags are scored as they are, and counted.
"""

from __future__ import annotations

import numpy as np

FLAGS = ("empty", "silent", "clipped", "low_sample_rate", "too_long")
MIN_SECONDS = 0.1
SILENCE_DBFS = -50.0
CLIPPED_SHARE = 0.001
MIN_RATE = 16000


def expected_seconds(text: str, by_character: bool) -> float:
    """How long `text` takes at a slow speaking rate."""
    units = len([c for c in text if not c.isspace()]) if by_character else len(text.split())
    return units / (4.0 if by_character else 2.5)


def audio_flags(audio: np.ndarray, rate: int, text: str, by_character: bool) -> list[str]:
    """The flags of one generated waveform (mono float in [-1, 1], at its own `rate`)."""
    seconds = len(audio) / rate if rate else 0.0
    if seconds < MIN_SECONDS:
        return ["empty"]
    flags = []
    window = max(1, int(0.05 * rate))
    frames = audio[: len(audio) // window * window].reshape(-1, window) if len(audio) >= window else audio[None, :]
    loudest = float(np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1)).max())
    if loudest <= 10 ** (SILENCE_DBFS / 20):
        flags.append("silent")
    if float(np.mean(np.abs(audio) >= 0.999)) > CLIPPED_SHARE:
        flags.append("clipped")
    if rate < MIN_RATE:
        flags.append("low_sample_rate")
    if seconds > 3 * expected_seconds(text, by_character) + 5:
        flags.append("too_long")
    return flags
