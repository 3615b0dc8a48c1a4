"""Sample data in real benchmark schemas, synthesized locally (espeak-ng speech).

Used by `make demo` and the tests: the files are parquet with the Hugging Face feature
metadata of the hub dataset, so `datasets` loads them exactly as it loads the hub copy.
Audio is stored in each dataset's own codec (FLAC/WAV, MP3 for Common Voice, Opus for
WenetSpeech), made by ffmpeg from espeak-ng's speech.

    python -m omnieval.testing.sample_data data/sample      # LibriSpeech-schema speech, VoiceBench-schema requests
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from omnieval.errors import OmnievalError
from omnieval.runners.espeak import speak
from omnieval.tasks.languages import FLEURS_LANGUAGES

# Sentences in the style of LibriSpeech transcripts (upper case, no punctuation).
SENTENCES = (
    "HE HOPED THERE WOULD BE STEW FOR DINNER TURNIPS AND CARROTS AND BRUISED POTATOES",
    "THE SUN WAS SHINING ON THE SEA SHINING WITH ALL HIS MIGHT",
    "SHE OPENED THE DOOR AND LOOKED OUT INTO THE GARDEN",
    "WE WALKED FOR TWO HOURS BEFORE WE SAW THE RIVER",
    "THE OLD MAN SAT BY THE FIRE AND TOLD US A STORY",
    "IT WAS A COLD MORNING AND THE ROAD WAS COVERED WITH SNOW",
    "I THINK WE SHOULD GO HOME NOW SAID THE LITTLE GIRL",
    "THE SHIP SAILED AWAY FROM THE HARBOR AT NIGHT",
    "THEY FOUND A SMALL HOUSE AT THE EDGE OF THE FOREST",
    "MY FATHER BOUGHT THREE HORSES AT THE MARKET",
    "THE CHILDREN PLAYED IN THE FIELD UNTIL IT WAS DARK",
    "PLEASE TELL ME WHERE I CAN FIND THE STATION",
)
# The two espeak-ng voices pocketsphinx understands best (about 40% WER on SENTENCES;
# the default voice gives about 75%), one per speaker.
VOICES = ("en-us+f5", "en-us+f2")

LIBRISPEECH_FEATURES = {
    "file": {"dtype": "string", "_type": "Value"},
    "audio": {"sampling_rate": 16000, "_type": "Audio"},
    "text": {"dtype": "string", "_type": "Value"},
    "speaker_id": {"dtype": "int64", "_type": "Value"},
    "chapter_id": {"dtype": "int64", "_type": "Value"},
    "id": {"dtype": "string", "_type": "Value"},
}


# Mandarin sentences whose references write numbers in characters, as WenetSpeech does.
MANDARIN_SENTENCES = ("今天天气很好我们去公园吧", "他买了三个苹果", "北京是中国的首都", "我们明天早上八点见")

FLEURS_FEATURES = {
    "id": {"dtype": "int32", "_type": "Value"},
    "num_samples": {"dtype": "int32", "_type": "Value"},
    "path": {"dtype": "string", "_type": "Value"},
    "audio": {"sampling_rate": 16000, "_type": "Audio"},
    "transcription": {"dtype": "string", "_type": "Value"},
    "raw_transcription": {"dtype": "string", "_type": "Value"},
    "gender": {"names": ["male", "female", "other"], "_type": "ClassLabel"},
    "lang_id": {"names": list(FLEURS_LANGUAGES), "_type": "ClassLabel"},
    "language": {"dtype": "string", "_type": "Value"},
    "lang_group_id": {
        "names": [
            "western_european_we",
            "eastern_european_ee",
            "central_asia_middle_north_african_cmn",
            "sub_saharan_african_ssa",
            "south_asian_sa",
            "south_east_asian_sea",
            "chinese_japanase_korean_cjk",
        ],
        "_type": "ClassLabel",
    },
}

COMMON_VOICE_FEATURES = {
    **{name: {"dtype": "string", "_type": "Value"} for name in ("client_id", "path")},
    "audio": {"sampling_rate": 48000, "_type": "Audio"},
    "sentence": {"dtype": "string", "_type": "Value"},
    "up_votes": {"dtype": "int64", "_type": "Value"},
    "down_votes": {"dtype": "int64", "_type": "Value"},
    **{
        name: {"dtype": "string", "_type": "Value"}
        for name in ("age", "gender", "accent", "locale", "segment", "variant")
    },
}

WENETSPEECH_FEATURES = {
    "audio": {"sampling_rate": 16000, "_type": "Audio"},
    "text": {"dtype": "string", "_type": "Value"},
}


def transcode(wav: bytes, suffix: str) -> bytes:
    """WAV bytes re-encoded by ffmpeg into the format of `suffix` (.mp3, .opus, .flac)."""
    if shutil.which("ffmpeg") is None:
        raise OmnievalError("ffmpeg is not installed (Debian package ffmpeg; `make install` installs it)")
    proc = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "wav",
            "-i",
            "pipe:",
            "-f",
            {".opus": "ogg", ".mp3": "mp3", ".flac": "flac"}[suffix],
            "pipe:",
        ],
        input=wav,
        capture_output=True,
        check=True,
    )
    return proc.stdout


def write_parquet(rows: list[dict[str, Any]], features: dict[str, Any], path: Path) -> Path:
    """Rows as a parquet file carrying `datasets` feature metadata (the hub's own layout)."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = datasets.Features.from_dict(features).arrow_schema
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def librispeech_rows(sentences: tuple[str, ...] | list[str] = SENTENCES) -> list[dict[str, Any]]:
    rows = []
    for n, text in enumerate(sentences):
        speaker, chapter = 1000 + n % len(VOICES), 100
        utt_id = f"{speaker}-{chapter}-{n:04d}"
        audio = speak(text, VOICES[n % len(VOICES)])
        rows.append(
            {
                "file": f"{utt_id}.flac",
                "audio": {"bytes": audio, "path": f"{utt_id}.wav"},
                "text": text,
                "speaker_id": speaker,
                "chapter_id": chapter,
                "id": utt_id,
            }
        )
    return rows


def fleurs_rows(
    sentences: tuple[str, ...] | list[str], config: str = "en_us", voice: str = VOICES[0], first_id: int = 1000
) -> list[dict[str, Any]]:
    """google/fleurs rows; like FLEURS, each sentence is spoken twice (two speakers, one id)."""
    language_name = FLEURS_LANGUAGES[config][1]
    rows = []
    for n, text in enumerate(sentences):
        for take, speaker_voice in enumerate((voice, VOICES[1] if voice == VOICES[0] else voice)):
            audio = speak(text, speaker_voice)
            name = f"{first_id + n}_{take}.wav"
            rows.append(
                {
                    "id": first_id + n,
                    "num_samples": len(audio) // 2,
                    "path": name,
                    "audio": {"bytes": audio, "path": name},
                    "transcription": text.lower(),
                    "raw_transcription": text.capitalize() + ".",
                    "gender": take % 2,
                    "lang_id": list(FLEURS_LANGUAGES).index(config),
                    "language": language_name,
                    "lang_group_id": 0,
                }
            )
    return rows


def common_voice_rows(
    sentences: tuple[str, ...] | list[str], locale: str = "en", voice: str = VOICES[0]
) -> list[dict[str, Any]]:
    """Common Voice 15 rows (lmms-lab-audio/common_voice_15), audio as MP3 like the original clips."""
    rows = []
    for n, text in enumerate(sentences):
        name = f"common_voice_{locale}_{4000000 + n}.mp3"
        rows.append(
            {
                "client_id": f"client{n % 3}",
                "path": name,
                "audio": {"bytes": transcode(speak(text, voice), ".mp3"), "path": name},
                "sentence": text.capitalize() + ".",
                "up_votes": 2,
                "down_votes": 0,
                "age": "",
                "gender": "",
                "accent": "",
                "locale": locale,
                "segment": "",
                "variant": "",
            }
        )
    return rows


def wenetspeech_rows(sentences: tuple[str, ...] | list[str] = MANDARIN_SENTENCES) -> list[dict[str, Any]]:
    """WenetSpeech rows (lmms-lab-audio/WenetSpeech): Opus audio and its text, no id column."""
    return [
        {"audio": {"bytes": transcode(speak(text, "cmn"), ".opus"), "path": f"utt{n:04d}.opus"}, "text": text}
        for n, text in enumerate(sentences)
    ]


VOICEBENCH_FEATURES = {
    "audio": {"sampling_rate": 16000, "_type": "Audio"},
    "prompt": {"dtype": "string", "_type": "Value"},
}
#: spoken requests in the style of VoiceBench's open-ended subsets
REQUESTS = (
    "What is the capital of France?",
    "Give me three tips for sleeping better.",
    "How many legs does a spider have?",
    "Tell me a short joke about cats.",
)


def voicebench_rows(requests: tuple[str, ...] | list[str] = REQUESTS, voice: str = VOICES[0]) -> list[dict[str, Any]]:
    """Rows of VoiceBench's open-ended subsets (hlt-lab/voicebench alpacaeval, commoneval, wildvoice):
    the spoken request and its transcript; no id column."""
    return [
        {"audio": {"bytes": speak(text, voice), "path": f"request{n}.wav"}, "prompt": text}
        for n, text in enumerate(requests)
    ]


def make_librispeech_sample(folder: str | Path) -> Path:
    """A LibriSpeech-schema test split (openslr/librispeech_asr fields) at folder/test.parquet."""
    target = Path(folder) / "test.parquet"
    if not target.exists():
        write_parquet(librispeech_rows(), LIBRISPEECH_FEATURES, target)
    return target


def make_voicebench_sample(folder: str | Path) -> Path:
    """Spoken requests in the schema of VoiceBench's open-ended subsets at folder/voicebench/test.parquet."""
    target = Path(folder) / "voicebench" / "test.parquet"
    if not target.exists():
        write_parquet(voicebench_rows(), VOICEBENCH_FEATURES, target)
    return target


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else "data/sample"
    print(make_librispeech_sample(base))
    print(make_voicebench_sample(base))
