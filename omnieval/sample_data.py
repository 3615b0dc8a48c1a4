"""Sample data in real benchmark schemas, synthesized locally (espeak-ng speech).

Used by `make demo` and the tests: the files are parquet with the Hugging Face feature
metadata of the hub dataset, so `datasets` loads them exactly as it loads the hub copy.

    python -m omnieval.sample_data data/sample      # LibriSpeech-schema English speech
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from omnieval.errors import OmnievalError

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
VOICES = ("en-us", "en-us+m3", "en-us+f3", "en-us+m7")

LIBRISPEECH_FEATURES = {
    "file": {"dtype": "string", "_type": "Value"},
    "audio": {"sampling_rate": 16000, "_type": "Audio"},
    "text": {"dtype": "string", "_type": "Value"},
    "speaker_id": {"dtype": "int64", "_type": "Value"},
    "chapter_id": {"dtype": "int64", "_type": "Value"},
    "id": {"dtype": "string", "_type": "Value"},
}


def speak(text: str, voice: str = "en-us", rate: int = 140) -> bytes:
    """WAV bytes of espeak-ng saying `text`."""
    if shutil.which("espeak-ng") is None:
        raise OmnievalError("espeak-ng is not installed (Debian package espeak-ng; `make install` installs it)")
    with tempfile.NamedTemporaryFile(suffix=".wav") as handle:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", handle.name, text.lower()],
                       check=True, capture_output=True)
        return Path(handle.name).read_bytes()


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
        rows.append({"file": f"{utt_id}.flac", "audio": {"bytes": audio, "path": f"{utt_id}.wav"}, "text": text,
                     "speaker_id": speaker, "chapter_id": chapter, "id": utt_id})
    return rows


def make_librispeech_sample(folder: str | Path) -> Path:
    """A LibriSpeech-schema test split (openslr/librispeech_asr fields) at folder/test.parquet."""
    target = Path(folder) / "test.parquet"
    if not target.exists():
        write_parquet(librispeech_rows(), LIBRISPEECH_FEATURES, target)
    return target


if __name__ == "__main__":
    print(make_librispeech_sample(sys.argv[1] if len(sys.argv) > 1 else "data/sample"))
