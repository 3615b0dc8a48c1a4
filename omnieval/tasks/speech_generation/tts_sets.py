"""The zero-shot speech-generation test sets, each read from its official layout (scored by
omnieval.tasks.tts.CloningTask):

- Seed-TTS (BytedanceSpeech/seed-tts-eval; hub copy `zhaochenyang20/seed-tts-eval`):
  `en/meta.lst`, `zh/meta.lst`, `zh/hardcase.lst`, lines `utt|prompt text|prompt wav|text`, the
  prompt relative to the list's folder.
- MiniMax multilingual (`MiniMaxAI/TTS-Multilingual-Test-Set`, 24 languages x 100 texts):
  `text/<language>.txt`, lines `<language>_<gender>|text`; the speaker's one prompt clip in
  `speaker/<language>/<language>_<gender>/`, its transcript in `speaker/prompt_text.txt`
  (`clip|text`). Items are named `<speaker>_<line number>`.
- CosyVoice3 cross-lingual (FunAudioLLM/CV3-Eval, `data/cross_lingual_zeroshot/to_<target>/`:
  Kaldi-style `text`, `prompt_text`, `prompt_wav.scp` and `waveform/`): each target folder holds
  prompts in the three other languages; a direction's items are those whose prompt transcript is
  written in its source language's script (Hangul: ko, kana: ja, Han: zh, else en). Not on the hub:
  give the repository's folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec
from omnieval.errors import OmnievalError
from omnieval.registry import TASKS
from omnieval.tasks.languages import CHARACTER_LANGUAGES
from omnieval.tasks.speech_generation.tts import CloningTask, snapshot

SEEDTTS_HUB = "zhaochenyang20/seed-tts-eval"
#: task suffix -> (folder, list file, language, items)
SEEDTTS = {
    "en": ("en", "meta.lst", "en", 1088),
    "zh": ("zh", "meta.lst", "zh", 2020),
    "hard": ("zh", "hardcase.lst", "zh", 400),
}
MINIMAX_HUB = "MiniMaxAI/TTS-Multilingual-Test-Set"
MINIMAX_LANGUAGES = {
    "arabic": "ar",
    "cantonese": "yue",
    "chinese": "zh",
    "czech": "cs",
    "dutch": "nl",
    "english": "en",
    "finnish": "fi",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "hindi": "hi",
    "indonesian": "id",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "polish": "pl",
    "portuguese": "pt",
    "romanian": "ro",
    "russian": "ru",
    "spanish": "es",
    "thai": "th",
    "turkish": "tr",
    "ukrainian": "uk",
    "vietnamese": "vi",
}
CV3_LANGUAGES = ("zh", "en", "ja", "ko")
AUDIO_SUFFIXES = (".mp3", ".wav", ".flac")


def _pairs(path: Path, separator: str | None) -> list[tuple[str, str]]:
    """(key, value) per non-empty line, split at the first `separator` (None: whitespace)."""
    if not path.is_file():
        raise OmnievalError(f"{path} not found")
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(separator, 1)
        if len(parts) != 2:
            raise OmnievalError(f"{path}:{number}: expected a key and a value, got {line[:80]!r}")
        pairs.append((parts[0].strip(), parts[1].strip()))
    return pairs


def _list_file(spec: DatasetSpec) -> str:
    """The file (or folder) of a set's items, which each of these tasks names in its spec's data_files."""
    if spec.data_files is None:
        raise OmnievalError(f"the {spec.hub_id} dataset spec names no data_files")
    return spec.data_files


def read_meta_list(path: Path) -> list[dict[str, Any]]:
    """The items of a seed-tts-eval list file."""
    rows = []
    for utt, rest in _pairs(path, "|"):
        fields = rest.split("|")
        if len(fields) < 3:
            raise OmnievalError(f"{path}: item {utt}: expected 'utt|prompt text|prompt wav|text'")
        rows.append({"utt": utt, "prompt_text": fields[0], "prompt_wav": fields[1], "text": fields[2]})
    return rows


class SeedTtsTask(CloningTask):
    def __init__(self, suffix: str) -> None:
        folder, list_file, language, size = SEEDTTS[suffix]
        super().__init__(
            f"seedtts_test_{suffix}",
            f"Seed-TTS test-{suffix}: {size} zero-shot voice-cloning items "
            f"({list_file}), {'CER' if language == 'zh' else 'WER'} of the transcribed speech, SIM, "
            f"DNSMOS",
            language,
        )
        self.dataset = DatasetSpec(
            SEEDTTS_HUB,
            split="test",
            data_files=f"{folder}/{list_file}",
            fields={"id": "utt", "text": "text"},
            media_fields=("prompt_wav",),
        )

    def items(self, dataset_path: Path | None) -> tuple[list[dict[str, Any]], Path]:
        wanted = _list_file(self.dataset)
        base = dataset_path or snapshot(
            SEEDTTS_HUB, [wanted, f"{wanted.split('/')[0]}/prompt-wavs/*"], self.dataset.revision
        )
        candidates = [base] if base.is_file() else [base / wanted, base / "seedtts_testset" / wanted]
        list_path = next((c for c in candidates if c.is_file()), None)
        if list_path is None:
            raise OmnievalError(f"{base} holds no {wanted} (the seedtts_testset/ layout)")
        return read_meta_list(list_path), list_path.parent


class MinimaxTask(CloningTask):
    def __init__(self, language: str) -> None:
        code = MINIMAX_LANGUAGES[language]
        super().__init__(
            f"minimax_multilingual_{code}",
            f"MiniMax multilingual TTS test set, {language.capitalize()}:"
            f" 100 texts in the voices of two speakers, {'CER' if code in CHARACTER_LANGUAGES else 'WER'}"
            f", SIM, DNSMOS",
            code,
        )
        self.language_name = language
        self.dataset = DatasetSpec(
            MINIMAX_HUB,
            split="test",
            data_files=f"text/{language}.txt",
            fields={"id": "utt", "text": "text"},
            media_fields=("prompt_wav",),
        )

    def items(self, dataset_path: Path | None) -> tuple[list[dict[str, Any]], Path]:
        name = self.language_name
        base = dataset_path or snapshot(
            MINIMAX_HUB, [f"text/{name}.txt", f"speaker/{name}/**", "speaker/prompt_text.txt"], self.dataset.revision
        )
        prompt_texts = dict(_pairs(base / "speaker" / "prompt_text.txt", "|"))
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for speaker, text in _pairs(base / "text" / f"{name}.txt", "|"):
            clips = sorted(p for p in (base / "speaker" / name / speaker).glob("*") if p.suffix in AUDIO_SUFFIXES)
            if len(clips) != 1:
                raise OmnievalError(
                    f"{base / 'speaker' / name / speaker} should hold one prompt clip, not {len(clips)}"
                )
            if clips[0].name not in prompt_texts:
                raise OmnievalError(f"speaker/prompt_text.txt has no transcript of {clips[0].name}")
            seen[speaker] = seen.get(speaker, 0) + 1
            rows.append(
                {
                    "utt": f"{speaker}_{seen[speaker]:03d}",
                    "prompt_text": prompt_texts[clips[0].name],
                    "prompt_wav": str(clips[0].relative_to(base)),
                    "text": text,
                    "speaker": speaker,
                }
            )
        return rows, base


def script_language(text: str) -> str:
    """zh, ja, ko or en, by the script a CV3-Eval prompt transcript is written in."""
    if re.search(r"[\uac00-\ud7af\u1100-\u11ff]", text):
        return "ko"
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    return "en"


class Cv3CrossLingualTask(CloningTask):
    def __init__(self, source: str, target: str) -> None:
        super().__init__(
            f"cosyvoice3_crosslingual_{source}_to_{target}",
            f"CV3-Eval cross-lingual cloning {source}-to-{target}: 200 {target} texts in the voice of a "
            f"{source} prompt, {'WER' if target == 'en' else 'CER'}, SIM, DNSMOS; a local copy of the "
            f"FunAudioLLM/CV3-Eval repository",
            target,
        )
        self.source = source
        self.dataset = DatasetSpec(
            "github.com/FunAudioLLM/CV3-Eval",
            split="test",
            data_files=f"data/cross_lingual_zeroshot/to_{target}",
            fields={"id": "utt", "text": "text"},
            media_fields=("prompt_wav",),
        )

    def items(self, dataset_path: Path | None) -> tuple[list[dict[str, Any]], Path]:
        if dataset_path is None:
            raise OmnievalError(
                f"{self.name} is not on the Hugging Face hub: clone FunAudioLLM/CV3-Eval and give its "
                f"folder with --dataset-path"
            )
        folder = dataset_path / _list_file(self.dataset)
        folder = folder if folder.is_dir() else dataset_path
        texts = dict(_pairs(folder / "text", None))
        prompt_texts = {k: v.strip('"').replace('""', '"') for k, v in _pairs(folder / "prompt_text", None)}
        rows = []
        for utt, wav in _pairs(folder / "prompt_wav.scp", None):
            prompt_text = prompt_texts.get(utt, "")
            if utt in texts and script_language(prompt_text) == self.source:
                rows.append(
                    {
                        "utt": utt,
                        "prompt_text": prompt_text,
                        "prompt_wav": f"waveform/{Path(wav).name}",
                        "text": texts[utt],
                        "direction": f"{self.source}-to-{self.language}",
                    }
                )
        return rows, folder


def _register_all() -> None:
    for suffix in SEEDTTS:
        TASKS.register(SeedTtsTask(suffix))
    for language in MINIMAX_LANGUAGES:
        TASKS.register(MinimaxTask(language))
    for target in CV3_LANGUAGES:
        for source in CV3_LANGUAGES:
            if source != target:
                TASKS.register(Cv3CrossLingualTask(source, target))


_register_all()
