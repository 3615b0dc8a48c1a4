"""Audio by reference: the content store, decoding of real codecs, resampling, and clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from omnieval.errors import MediaError
from omnieval.media import audio_ref_from_hf, encode_wav, first_seconds, load_audio, store_bytes, to_pcm16
from omnieval.testing.sample_data import speak, transcode
from omnieval.types import MediaRef


@pytest.fixture(scope="module")
def wav_bytes() -> bytes:
    return speak("the quick brown fox", "en-us+f5")


def test_store_is_content_addressed_and_idempotent(wav_bytes):
    first, digest = store_bytes(wav_bytes, ".wav")
    again, digest_again = store_bytes(wav_bytes, ".wav")
    assert first == again and digest == digest_again and first.read_bytes() == wav_bytes
    assert digest in first.name


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3", ".opus"])
def test_real_codecs_decode_to_16k_mono(wav_bytes, suffix):
    data = wav_bytes if suffix == ".wav" else transcode(wav_bytes, suffix)
    ref = audio_ref_from_hf({"bytes": data, "path": f"clip{suffix}"})
    audio, rate = load_audio(ref, 16000)
    original, original_rate = soundfile.read(io.BytesIO(wav_bytes), dtype="float32")
    assert rate == 16000 and audio.ndim == 1 and audio.dtype == np.float32
    # the same duration within a codec's padding (mp3/opus add up to ~60 ms)
    assert abs(len(audio) / 16000 - len(original) / original_rate) < 0.08


def test_a_format_libsndfile_cannot_read_falls_back_to_ffmpeg(wav_bytes, tmp_path):
    import subprocess

    m4a = tmp_path / "clip.m4a"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "wav", "-i", "pipe:", "-c:a", "aac", str(m4a)], input=wav_bytes, check=True
    )
    audio, rate = load_audio(audio_ref_from_hf({"bytes": m4a.read_bytes(), "path": "clip.m4a"}), 16000)
    assert rate == 16000 and len(audio) > 16000


def test_corrupt_empty_and_missing_audio_are_media_errors(tmp_path):
    with pytest.raises(MediaError, match="cannot decode audio broken.wav"):
        load_audio(audio_ref_from_hf({"bytes": b"RIFF junk that is no audio", "path": "broken.wav"}))
    with pytest.raises(MediaError, match="no audio"):
        audio_ref_from_hf({"bytes": None, "path": None})
    with pytest.raises(MediaError, match="audio file not found: gone.flac"):
        audio_ref_from_hf({"bytes": None, "path": "gone.flac"}, base_dir=tmp_path)
    silent = io.BytesIO()
    soundfile.write(silent, np.zeros(0, dtype=np.float32), 16000, format="WAV")
    with pytest.raises(MediaError, match="empty.wav is empty"):
        load_audio(audio_ref_from_hf({"bytes": silent.getvalue(), "path": "empty.wav"}))


def test_relative_paths_resolve_against_the_dataset_folder(wav_bytes, tmp_path):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "a.wav").write_bytes(wav_bytes)
    ref = audio_ref_from_hf({"bytes": None, "path": "clips/a.wav"}, base_dir=tmp_path)
    assert ref.name == "clips/a.wav" and load_audio(ref)[0].size > 0


def test_pcm16_round_trips_16_bit_audio_exactly():
    samples = np.array([-32768, -12345, -1, 0, 1, 12345, 32767], dtype=np.int16)
    assert np.array_equal(to_pcm16(samples.astype(np.float32) / 32768), samples)
    decoded, _ = soundfile.read(io.BytesIO(encode_wav(samples.astype(np.float32) / 32768, 16000)), dtype="int16")
    assert np.array_equal(decoded, samples)
    assert to_pcm16(np.array([2.0, -2.0], dtype=np.float32)).tolist() == [32767, -32768]


def test_encoded_wav_is_the_file_libsndfile_writes(wav_bytes):
    audio, rate = soundfile.read(io.BytesIO(wav_bytes), dtype="float32")
    written = io.BytesIO()
    soundfile.write(written, to_pcm16(audio), rate, format="WAV", subtype="PCM_16")
    assert encode_wav(audio, rate) == written.getvalue()
    assert soundfile.info(io.BytesIO(encode_wav(audio, 8000))).samplerate == 8000


@pytest.mark.parametrize("broken", [np.nan, np.inf, -np.inf])
def test_a_waveform_with_nan_or_infinite_samples_is_a_media_error_not_noise(wav_bytes, broken):
    audio, rate = soundfile.read(io.BytesIO(wav_bytes), dtype="float32")
    audio[100:103] = broken
    with pytest.raises(MediaError, match=r"audio \(speech\) has 3 samples that are NaN or infinite"):
        encode_wav(audio, rate, "(speech)")
    with pytest.raises(MediaError, match="NaN or infinite"):
        to_pcm16(audio)


def test_first_seconds_cuts_longer_audio_at_its_own_rate_and_keeps_shorter_audio(tmp_path):
    rate = 44100
    path = tmp_path / "track.flac"
    soundfile.write(str(path), np.linspace(-0.5, 0.5, 3 * rate, dtype=np.float32), rate)
    track = audio_ref_from_hf({"bytes": None, "path": "track.flac"}, tmp_path)
    cut = first_seconds(track, 2.0)
    audio, cut_rate = load_audio(cut, sample_rate=None)
    whole, _ = load_audio(track, sample_rate=None)
    assert cut_rate == rate and len(audio) == 2 * rate and cut.duration_s == 2.0
    assert np.abs(audio - whole[: 2 * rate]).max() < 1e-4 and cut.name.endswith("track.flac (first 2 s)")
    assert first_seconds(track, 5.0) is track


def test_a_relative_audio_path_without_a_local_copy_says_to_download_it():
    with pytest.raises(MediaError, match="audio file not found: audio/1.flac .*--dataset-path"):
        audio_ref_from_hf({"bytes": None, "path": "audio/1.flac"}, None)


def test_dataset_media_stay_inside_the_dataset_folder_unless_a_media_root_allows_more(speech_rows, tmp_path):
    from omnieval.testing.sample_data import LIBRISPEECH_FEATURES, write_parquet
    from tests.conftest import read_jsonl
    from tests.helpers import evaluate

    dataset, elsewhere = tmp_path / "dataset", tmp_path / "elsewhere"
    elsewhere.mkdir()
    wav = speech_rows[0]["audio"]["bytes"]
    (elsewhere / "secret.wav").write_bytes(wav)
    (dataset / "audio").mkdir(parents=True)
    (dataset / "audio" / "inside.wav").write_bytes(wav)
    names = {
        "inside": "audio/inside.wav",
        "dotdot": "../elsewhere/secret.wav",
        "absolute": str(elsewhere / "secret.wav"),
        "sneaky": "audio/../../elsewhere/secret.wav",
    }
    rows = [{**speech_rows[0], "id": key, "audio": {"bytes": None, "path": name}} for key, name in names.items()]
    split = write_parquet(rows, LIBRISPEECH_FEATURES, dataset / "test.parquet")

    confined = {r["id"]: r for r in read_jsonl(evaluate("librispeech_test_clean", split, tmp_path / "a").samples_file)}
    assert confined["inside"]["error"] is None and confined["inside"]["prediction"]
    for key in ("dotdot", "absolute", "sneaky"):
        assert "lies outside the dataset folder" in confined[key]["error"] and "--media-root" in confined[key]["error"]

    allowed = evaluate("librispeech_test_clean", split, tmp_path / "b", media_roots=(elsewhere,))
    assert not any(r["error"] for r in read_jsonl(allowed.samples_file))


def test_a_relative_media_path_without_a_dataset_folder_is_not_read_from_the_working_folder(tmp_path, monkeypatch):
    from omnieval.errors import MediaError
    from omnieval.media import file_ref

    (tmp_path / "a.wav").write_bytes(b"RIFF")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MediaError, match="pass its folder or split file with --dataset-path"):
        file_ref("audio", "a.wav", None)
    with pytest.raises(MediaError, match="lies outside the hub's caches"):
        file_ref("audio", str(tmp_path / "a.wav"), None)


def test_resampling_refuses_an_implausible_rate():
    from omnieval.media import resample

    with pytest.raises(MediaError, match="cannot resample audio at 1 Hz"):
        resample(np.zeros(16, np.float32), 1, 16000)


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_resampled_audio_is_librosas_sample_for_sample(tmp_path, rate):
    """qwen-omni-utils reads audio with librosa.load(path, sr=16000): the same samples and the same length,
    also for the lengths where soxr alone gives one sample fewer."""
    import librosa
    import soundfile
    import soxr

    from omnieval.media import load_audio

    rng = np.random.default_rng(rate)
    soxr_short = 0
    for frames in (rate, rate + 1, rate + 2, rate + 3):
        path = tmp_path / f"{rate}_{frames}.wav"
        soundfile.write(path, rng.uniform(-0.5, 0.5, frames).astype(np.float32), rate, subtype="PCM_16")
        expected, _ = librosa.load(path, sr=16000)
        audio, audio_rate = load_audio(MediaRef(kind="audio", path=str(path)))
        assert audio_rate == 16000 and audio.dtype == np.float32
        assert np.array_equal(audio, expected), frames
        soxr_short += len(soxr.resample(soundfile.read(path, dtype="float32")[0], rate, 16000)) < len(expected)
    assert soxr_short  # the case the cut-or-pad is for was met
