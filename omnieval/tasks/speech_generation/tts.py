"""Zero-shot speech generation: a text spoken in the voice of a prompt, scored as
BytedanceSpeech/seed-tts-eval scores it (CosyVoice3's CV3-Eval and MiniMax's multilingual set
follow the same recipe). The test sets' layouts are in omnieval.tasks.tts_sets.

Each item is a cloning request (omnieval.speech.cloning): the prompt's audio and transcript,
then the text to speak. The speech a runner returns is checked (omnieval.speech.checks),
transcribed and compared:
- content: WER, or CER for languages written without spaces, of the transcript against the
  text, with seed-tts-eval's normalization (punctuation removed but the apostrophe, lowercased
  where words are counted, no number normalization); the headline is the official mean of
  per-utterance rates, the corpus rate is beside it. The transcriber is `asr` (official:
  `paraformer-zh` for Chinese, `whisper-large-v3` otherwise; `pocketsphinx` offline, English only).
- speaker similarity `sim`: the cosine of speaker embeddings of the generated speech and the
  prompt (`sim` parameter): seed-tts-eval's WavLM-Large + ECAPA-TDNN verification model
  (`wavlm-ecapa`, omnieval.speech.wavlm_ecapa) by default, `resemblyzer` offline.
- quality `dnsmos` (overall MOS, with signal and background), when `quality=dnsmos`.
Unlike seed-tts-eval, which skips an utterance without audio, a failed or empty generation
counts as all its words missed (and is counted), so a model cannot gain by failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnieval.data import LoadedSplit
from omnieval.errors import MediaError, OmnievalError, first_line
from omnieval.metrics.error_rate import rate_name
from omnieval.tasks.base import Scored, Task
from omnieval.tasks.languages import unit_for
from omnieval.types import GenConfig, MediaRef, Message, Response, Sample, SampleRecord


def snapshot(hub_id: str, patterns: list[str], revision: str | None = None) -> Path:
    """The files of a hub dataset repository matching `patterns`, downloaded once."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(hub_id, repo_type="dataset", revision=revision, allow_patterns=patterns))
    except Exception as err:  # noqa: BLE001 - network, auth: the same advice
        raise OmnievalError(
            f"cannot download {hub_id}: {first_line(err)}; give a local copy with --dataset-path"
        ) from err


class CloningTask(Task):
    """A zero-shot cloning test set in one target language; subclasses read their layout into items
    {utt, prompt_text, prompt_wav (relative to the returned folder), text} (`items`)."""

    family = "tts"
    scores_speech = True
    gen = GenConfig(max_new_tokens=2048, temperature=0.0, return_audio=True)
    scoring_params = ("asr", "sim", "quality")

    def __init__(self, name: str, description: str, language: str) -> None:
        self.name, self.description, self.language = name, description, language
        self.unit = unit_for(language)
        self.params = {
            "asr": "paraformer-zh" if language == "zh" else "whisper-large-v3",
            "sim": "wavlm-ecapa",
            "quality": "dnsmos",
        }

    @property
    def metric(self) -> str:
        return rate_name(self.unit)

    @property
    def headline_metrics(self) -> dict[str, bool]:  # type: ignore[override]
        return {self.metric: True, "sim": False}

    def items(self, dataset_path: Path | None) -> tuple[list[dict[str, Any]], Path]:
        """The test set's items and the folder their prompt paths are relative to."""
        raise NotImplementedError

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        import datasets

        items, folder = self.items(Path(dataset_path) if dataset_path else None)
        if not items:
            raise OmnievalError(f"{self.name}: the dataset at {folder} has no items")
        for item in items:  # where scoring finds the prompt again (SIM), without the folder
            item["prompt_path"] = str((folder / item["prompt_wav"]).resolve())
        rows = datasets.Dataset.from_list(items)
        source = {
            **self.dataset.describe(),
            "origin": "local" if dataset_path else "hub",
            "path": str(folder.resolve()),
            "num_rows": len(rows),
        }
        return LoadedSplit(rows=rows, source=source, base_dir=folder)

    def prepare_scoring(self) -> None:
        # the speech stack (numpy, the media readers, the models' loaders) is imported where it is used,
        # so that listing the tasks stays light
        from omnieval.speech import backends

        backends.load_backends(self.params["asr"], self.params["sim"], self.params["quality"], self.language)

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        metadata = {"prompt_text": row["prompt_text"], "prompt_wav": row["prompt_path"], "language": self.language}
        metadata.update({key: row[key] for key in ("direction", "speaker") if row.get(key)})
        return Sample(id=sample_id, index=index, target=row["text"], metadata=metadata)

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        from omnieval.media import audio_ref_from_hf
        from omnieval.speech.cloning import cloning_messages

        prompt = audio_ref_from_hf({"bytes": None, "path": row["prompt_wav"]}, base_dir)
        return cloning_messages(prompt, row["prompt_text"], row["text"])

    def score(self, sample: Sample, prediction: str) -> Scored:
        return self.score_response(sample, None)

    def score_response(self, sample: Sample, response: Response | None) -> Scored:
        from omnieval.media import load_audio
        from omnieval.speech import backends
        from omnieval.speech.hearing import hear

        heard = hear(
            response,
            str(sample.target),
            language=self.language,
            unit=self.unit,
            normalizer=self.normalizer,
            asr=self.params["asr"],
            quality=self.params["quality"],
        )
        if heard.speech is not None and self.params["sim"]:
            try:
                prompt, _ = load_audio(MediaRef(kind="audio", path=sample.metadata["prompt_wav"]), backends.RATE)
                heard.scores["sim"] = backends.similarity(self.params["sim"])(heard.speech, prompt)
            except (MediaError, OmnievalError) as err:
                heard.details["sim_error"] = str(err)
        return Scored(scores=heard.scores, details=heard.details)

    @property
    def normalizer(self) -> str:
        return "seedtts" if self.unit == "char" else "seedtts_english"

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        from omnieval.speech.hearing import speech_metrics

        metrics = speech_metrics(records, self.metric)
        sims = [r.scores["sim"] for r in records if "sim" in r.scores]
        if sims:
            metrics["sim"] = sum(sims) / len(sims)
        return metrics

    def scoring_info(self) -> dict[str, Any]:
        from omnieval.speech import backends

        sim = self.params["sim"]
        return {
            "transcriber": self.params["asr"],
            "speaker_similarity": sim or None,
            "speaker_similarity_weights": backends.similarity_source(sim) if sim else None,
            "quality": self.params["quality"] or None,
            "normalizer": self.normalizer,
        }
