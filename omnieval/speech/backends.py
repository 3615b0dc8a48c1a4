"""Pluggable models that score generated speech, selected by name: transcribers (for WER/CER),
speaker-similarity models (SIM) and a quality model (DNSMOS).

Production uses the official evaluation's models, loaded from the hub on first use:
`whisper-large-v3` (transformers; `whisper:<hub id or folder>` for another checkpoint) and
`paraformer-zh` (FunASR, `pip install funasr`). The embedded backends run offline, for tests and
the demo: `pocketsphinx` (English only; its model ships in the pip package), `resemblyzer` (GE2E
speaker embeddings; its weights ship in the pip package) and `dnsmos` (speechmos; its ONNX models
ship in the package). Every backend takes mono float32 audio at 16 kHz. Each is loaded once per
process and used from one thread at a time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from omnieval.errors import OmnievalError, first_line, unknown_name

RATE = 16000
#: our language codes that Whisper spells otherwise
WHISPER_CODES = {"fil": "tl", "jv": "jw", "nb": "no"}
TRANSCRIBERS = ("whisper-large-v3", "whisper:<hub id>", "paraformer-zh", "pocketsphinx")
SIMILARITIES = ("wavlm-ecapa", "wavlm-ecapa:<file or hub repo/file>", "resemblyzer")
#: where `wavlm-ecapa` finds UniSpeech's wavlm_large_finetune.pth unless told: $OMNIEVAL_WAVLM_ECAPA, else this
#: hub copy (a third party's upload of the file UniSpeech publishes on Google Drive)
WAVLM_ECAPA_HUB = "popsoda2002/seedtts-wavlm-sim/wavlm_large_finetune.pth"
QUALITIES = ("dnsmos",)
_LOCK = threading.Lock()


def _locked(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        with _LOCK:
            return function(*args)

    return call


#: the modules each backend needs, and how to get them
_NEEDS = {
    "whisper": (("transformers", "torch"), "pip install 'omnieval[gpu]'"),
    "paraformer-zh": (("funasr",), "pip install funasr"),
    "pocketsphinx": (("pocketsphinx",), "pip install pocketsphinx"),
    "wavlm-ecapa": (("transformers", "torch"), "pip install 'omnieval[gpu]'"),
    "resemblyzer": (("resemblyzer", "webrtcvad"), "pip install 'omnieval[speech]'; pip install --no-deps resemblyzer"),
    "dnsmos": (("speechmos", "onnxruntime"), "pip install 'omnieval[speech]'"),
}


def _check_installed(backend: str) -> None:
    import importlib.util

    modules, hint = _NEEDS[backend]
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise OmnievalError(f"the {backend} backend needs {', '.join(missing)}: {hint}")


def check_backends(asr: str, sim: str | None, quality_model: str | None, language: str) -> None:
    """Raise before a run (not after generating) when a backend is unknown, not installed, or cannot
    take the language; an empty `sim` or `quality_model` is a scorer not used."""
    _check_transcriber(asr, language)
    if sim:
        if sim not in ("resemblyzer", "wavlm-ecapa") and not sim.startswith("wavlm-ecapa:"):
            raise unknown_name("speaker-similarity model", sim, SIMILARITIES)
        _check_installed(sim.split(":", 1)[0])
    if quality_model:
        if quality_model not in QUALITIES:
            raise unknown_name("quality model", quality_model, QUALITIES)
        _check_installed(quality_model)


def _check_transcriber(asr: str, language: str) -> None:
    if asr not in ("whisper-large-v3", "paraformer-zh", "pocketsphinx") and not asr.startswith("whisper:"):
        raise unknown_name("transcriber", asr, TRANSCRIBERS)
    if (asr == "pocketsphinx" and language != "en") or (asr == "paraformer-zh" and language != "zh"):
        raise OmnievalError(f"the {asr} transcriber cannot transcribe '{language}' speech")
    _check_installed("whisper" if asr.startswith("whisper") else asr)
    if asr.startswith("whisper"):
        from transformers.models.whisper.tokenization_whisper import LANGUAGES

        if WHISPER_CODES.get(language, language) not in LANGUAGES:
            raise OmnievalError(f"Whisper cannot transcribe '{language}' speech (it knows {len(LANGUAGES)} languages)")


def load_backends(asr: str, sim: str | None, quality_model: str | None, language: str) -> None:
    """`check_backends`, then load each model now, so that one that cannot load (not downloaded, no
    network) stops a run before it generates rather than when the first answer is scored."""
    check_backends(asr, sim, quality_model, language)
    for kind, name, load in (
        ("transcriber", asr, transcriber),
        ("speaker-similarity model", sim, similarity),
        ("quality model", quality_model, quality),
    ):
        if not name:
            continue
        try:
            load(name)
        except OmnievalError:
            raise
        except Exception as err:  # noqa: BLE001 - hub, network, disk: one line, whatever the library raised
            raise OmnievalError(f"cannot load the {kind} '{name}': {first_line(err)}") from err


@cache
def transcriber(name: str) -> Callable[[np.ndarray, str], str]:
    """A function from (audio, language code) to a transcript."""
    if name == "pocketsphinx":
        from pocketsphinx import Decoder

        from omnieval.runners.pocketsphinx import decode

        decoder = Decoder(loglevel="FATAL")

        def english_only(audio: np.ndarray, language: str) -> str:
            if language != "en":
                raise OmnievalError(f"the pocketsphinx transcriber knows English only, not '{language}'")
            return decode(decoder, audio)

        return _locked(english_only)
    if name == "whisper-large-v3" or name.startswith("whisper:"):
        return _locked(_whisper("openai/whisper-large-v3" if name == "whisper-large-v3" else name.split(":", 1)[1]))
    if name == "paraformer-zh":
        return _locked(_paraformer())
    raise unknown_name("transcriber", name, TRANSCRIBERS)


def _whisper(model_id: str) -> Callable[[np.ndarray, str], str]:
    """seed-tts-eval's Whisper: the language forced, transcribe, greedy; speech over 30 s (which
    seed-tts-eval would cut) is transcribed whole, window after window."""
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    processor = WhisperProcessor.from_pretrained(model_id)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    # float32 as seed-tts-eval runs it (the checkpoint's config says float16, which the CPU does badly);
    # use_kernels=False: no layers swapped for hub kernels (omnieval.runners.hf_omni.loading says why)
    model = WhisperForConditionalGeneration.from_pretrained(model_id, dtype=torch.float32, use_kernels=False)
    # transformers declares PreTrainedModel.to with functools.wraps(torch.nn.Module.to), which typeshed's
    # _Wrapped does not bind as a method: mypy takes the device for `self`
    model = model.to(device).eval()  # type: ignore[arg-type]

    def transcribe(audio: np.ndarray, language: str) -> str:
        language = WHISPER_CODES.get(language, language)
        if len(audio) <= 30 * RATE:
            features = processor(audio, sampling_rate=RATE, return_tensors="pt").input_features.to(device, model.dtype)
            with torch.no_grad():
                ids = model.generate(features, language=language, task="transcribe", do_sample=False)
        else:  # longer speech (spoken answers): Whisper's sequential long-form decoding, not the first 30 s only
            inputs = processor(
                audio,
                sampling_rate=RATE,
                return_tensors="pt",
                truncation=False,
                padding="longest",
                return_attention_mask=True,
            ).to(device)
            with torch.no_grad():
                ids = model.generate(
                    inputs.input_features.to(model.dtype),
                    attention_mask=inputs.attention_mask,
                    language=language,
                    task="transcribe",
                    do_sample=False,
                    return_timestamps=True,
                )
        return processor.batch_decode(ids, skip_special_tokens=True)[0].strip()

    return transcribe


def _paraformer() -> Callable[[np.ndarray, str], str]:
    """seed-tts-eval's Paraformer-zh (FunASR, no VAD or punctuation model); its transcript is then
    put in simplified characters (seed-tts-eval uses zhconv; OpenCC t2s here)."""
    try:
        from funasr import AutoModel
    except ImportError as err:
        raise OmnievalError("the paraformer-zh transcriber needs FunASR: pip install funasr") from err
    from opencc import OpenCC

    model, simplified = AutoModel(model="paraformer-zh", disable_update=True), OpenCC("t2s")

    def transcribe(audio: np.ndarray, language: str) -> str:
        return simplified.convert(model.generate(input=audio, batch_size_s=300)[0]["text"])

    return transcribe


@cache
def similarity(name: str) -> Callable[[np.ndarray, np.ndarray], float]:
    """A function from two recordings to the cosine similarity of their speaker embeddings."""
    if name == "resemblyzer":
        from resemblyzer import VoiceEncoder, preprocess_wav

        encoder = VoiceEncoder(device="cpu", verbose=False)

        def embed(audio: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):  # silence: its loudness normalization divides by zero
                trimmed = preprocess_wav(audio, source_sr=RATE)
            if len(trimmed) == 0:  # all silence: no voice to embed
                raise OmnievalError("no voiced audio to take a speaker embedding of")
            return encoder.embed_utterance(trimmed)

        return _locked(lambda a, b: float(np.dot(embed(a), embed(b))))
    if name == "wavlm-ecapa" or name.startswith("wavlm-ecapa:"):
        return _locked(_wavlm_ecapa(name.split(":", 1)[1] if ":" in name else None))
    raise unknown_name("speaker-similarity model", name, SIMILARITIES)


def _wavlm_ecapa(source: str | None) -> Callable[[np.ndarray, np.ndarray], float]:
    """seed-tts-eval's SIM: the cosine of WavLM + ECAPA-TDNN embeddings (omnieval.speech.wavlm_ecapa)."""
    import torch

    from omnieval.speech.wavlm_ecapa import WavLMEcapa, read_checkpoint

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = WavLMEcapa(read_checkpoint(_checkpoint_file(_wavlm_ecapa_checkpoint(source)))).to(device)

    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        embeddings = [
            model.embed(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device)) for x in (a, b)
        ]
        return float(torch.nn.functional.cosine_similarity(embeddings[0], embeddings[1], dim=0))

    return cosine


def similarity_source(name: str) -> str | None:
    """Where a speaker-similarity model's weights come from (for run.json): the checkpoint of
    `wavlm-ecapa`, as a path or hub file; None for models whose weights ship in their package."""
    if name == "wavlm-ecapa":
        return _wavlm_ecapa_checkpoint(None)
    return name.split(":", 1)[1] if name.startswith("wavlm-ecapa:") else None


def _wavlm_ecapa_checkpoint(source: str | None) -> str:
    """The checkpoint `wavlm-ecapa[:source]` loads: `source`, else $OMNIEVAL_WAVLM_ECAPA, else the hub's."""
    return source or os.environ.get("OMNIEVAL_WAVLM_ECAPA") or WAVLM_ECAPA_HUB


def _checkpoint_file(source: str) -> Path:
    """A local file, else `<owner>/<repo>/<file>` on the hub (downloaded once)."""
    path = Path(source).expanduser()
    if path.is_file():
        return path
    parts = source.split("/")
    if len(parts) < 3 or source.startswith((".", "/", "~")):
        raise OmnievalError(f"speaker-verification checkpoint not found: {source}")
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download("/".join(parts[:2]), "/".join(parts[2:])))
    except Exception as err:  # noqa: BLE001 - network, auth, missing file: the same advice
        raise OmnievalError(
            f"cannot download {source}: {first_line(err)}; give UniSpeech's wavlm_large_finetune.pth "
            "with -T sim=wavlm-ecapa:<file> or $OMNIEVAL_WAVLM_ECAPA"
        ) from err


@cache
def quality(name: str) -> Callable[[np.ndarray], dict[str, float]]:
    """A function from a recording to its quality scores."""
    if name == "dnsmos":
        from speechmos import dnsmos

        def scores(audio: np.ndarray) -> dict[str, float]:
            result = dnsmos.run(np.clip(audio, -1.0, 1.0).astype(np.float32), sr=RATE)
            return {
                "dnsmos": float(result["ovrl_mos"]),
                "dnsmos_sig": float(result["sig_mos"]),
                "dnsmos_bak": float(result["bak_mos"]),
            }

        return _locked(scores)
    raise unknown_name("quality model", name, QUALITIES)
