"""Automatic speech recognition: LibriSpeech, FLEURS, Common Voice 15, WenetSpeech.

One class, parameterized by dataset and language. Scoring follows the Qwen audio scorer
(QwenLM/Qwen2-Audio eval_audio/evaluate_asr.py, which lmms-eval copies): special tokens
stripped from the prediction, a per-language normalizer, then corpus-level error rate
(total edits over total reference tokens, in percent) with words for space-delimited
languages and characters for Chinese, Japanese, Korean, Thai and other unsegmented
scripts. The mean of per-utterance rates is reported beside it. A failed or empty
transcript counts as all deletions.

Chinese is normalized as Qwen's scorer does with cn_tn: numbers written in characters
("3个" -> "三个"), punctuation removed. Cantonese is converted to simplified characters.

Datasets: LibriSpeech and FLEURS come from their official hub repos as parquet files
(LibriSpeech at the commit lmms-eval pins, FLEURS at `refs/convert/parquet`: their main
branches are loading scripts, which datasets>=4 no longer runs); Common Voice 15 and
WenetSpeech from the lmms-lab-audio parquet copies (lmms-eval's, renamed from lmms-lab/
on 2026-07-30), since the upstream repos are gone from the hub or script-based and gated.
FLEURS repeats a sentence id for each speaker, so repeated ids get a #2, #3 ... suffix;
WenetSpeech has no id column, so its rows are numbered.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.data import DatasetSpec
from omnieval.metrics.error_rate import corpus_rate, edit_scores, edits_from_scores, rate_name, utterance_edits
from omnieval.registry import DERIVED, TASKS
from omnieval.tasks.base import Scored, Task, audio_then_text
from omnieval.tasks.derived import Column, DerivedScore
from omnieval.tasks.languages import FLEURS_LANGUAGES, QWEN3_OMNI_FLEURS_19, normalizer_for, unit_for
from omnieval.types import GenConfig, Message, Sample, SampleRecord

if TYPE_CHECKING:
    from omnieval.stats import MetricColumns

SPECIAL_TOKEN = re.compile(r"<\|.*?\|>")

# Qwen3-Omni's ASR prompts ("Setting for Evaluation" in the QwenLM/Qwen3-Omni README).
CHINESE_PROMPT = "请将这段中文语音转换为纯文本。"
OTHER_PROMPT = "Transcribe the {language} audio into text."


def default_prompt(language: str, language_name: str) -> str:
    return CHINESE_PROMPT if language == "zh" else OTHER_PROMPT.format(language=language_name)


class AsrTask(Task):
    family = "asr"
    version = "1"
    gen = GenConfig(max_new_tokens=256, temperature=0.0)
    scoring_params = ("normalizer", "unit")

    def __init__(
        self,
        name: str,
        description: str,
        dataset: DatasetSpec,
        language: str,
        language_name: str,
        metadata_fields: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.description = description
        self.dataset = dataset
        self.language = self.answer_language = language
        self.metadata_fields = metadata_fields
        self.params = {
            "prompt": default_prompt(language, language_name),
            "normalizer": normalizer_for(language),
            "unit": unit_for(language),
        }

    @property
    def metric(self) -> str:
        return rate_name(self.params["unit"])

    @property
    def headline_metrics(self) -> dict[str, bool]:  # type: ignore[override]
        return {self.metric: True}

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        metadata = {"language": self.language}
        metadata.update({k: row[k] for k in self.metadata_fields if k in row})
        return Sample(id=sample_id, index=index, target=row[self.dataset.fields["text"]], metadata=metadata)

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        from omnieval.media import audio_ref_from_hf

        audio = audio_ref_from_hf(row[self.dataset.media_fields[0]], base_dir)
        # Qwen3-Omni evaluation puts the instruction after the media, with no system prompt.
        return audio_then_text(audio, self.params["prompt"])

    def score(self, sample: Sample, prediction: str) -> Scored:
        cleaned = SPECIAL_TOKEN.sub(" ", prediction or "")
        edits, ref_norm, pred_norm = utterance_edits(
            str(sample.target or ""), cleaned, self.params["normalizer"], self.params["unit"]
        )
        scores = edit_scores(edits, self.metric)
        return Scored(scores=scores, details={"reference_normalized": ref_norm, "prediction_normalized": pred_norm})

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        rates = corpus_rate([edits_from_scores(r.scores) for r in records])
        metrics = {
            self.metric: rates["corpus"],
            f"{self.metric}_utterance_mean": rates["utterance_mean"],
            "substitutions": rates["substitutions"],
            "deletions": rates["deletions"],
            "insertions": rates["insertions"],
            "reference_tokens": rates["reference_tokens"],
        }
        return {k: v for k, v in metrics.items() if not math.isnan(v)}

    def metric_columns(self, records: list[SampleRecord]) -> MetricColumns:
        """The corpus rate is 100 x the sum of edits over the sum of reference tokens, the utterance mean the mean
        rate of the utterances with a reference, the counts sums."""
        from omnieval.stats import MetricColumns

        edits = [edits_from_scores(r.scores) for r in records]
        columns = MetricColumns(len(records))
        reference = [float(e.ref_len) for e in edits]
        columns.ratio(self.metric, [float(e.errors) for e in edits], reference, scale=100.0)
        columns.mean(
            f"{self.metric}_utterance_mean", [e.rate or 0.0 for e in edits], where=[float(e.ref_len > 0) for e in edits]
        )
        columns.total("substitutions", [float(e.substitutions) for e in edits])
        columns.total("deletions", [float(e.deletions) for e in edits])
        columns.total("insertions", [float(e.insertions) for e in edits])
        columns.total("reference_tokens", reference)
        return columns


# openslr/librispeech_asr's parquet conversion, at the commit lmms-eval pins (its main
# branch has been a loading script, which datasets>=4 no longer runs)
LIBRISPEECH_REVISION = "71cacbfb7e2354c4226d01e70d77d5fca3d04ba1"
LIBRISPEECH_SIZES = {"clean": 2620, "other": 2939}
COMMON_VOICE_15 = (("en", "en", "English"), ("zh-CN", "zh", "Chinese"), ("fr", "fr", "French"))


def _register_all() -> None:
    for subset, size in LIBRISPEECH_SIZES.items():
        TASKS.register(
            AsrTask(
                name=f"librispeech_test_{subset}",
                description=f"LibriSpeech test-{subset}: {size} read English utterances, WER",
                dataset=DatasetSpec(
                    "openslr/librispeech_asr",
                    split="test",
                    data_files=f"{subset}/test/*.parquet",
                    revision=LIBRISPEECH_REVISION,
                    fields={"id": "id", "text": "text"},
                    media_fields=("audio",),
                ),
                language="en",
                language_name="English",
                metadata_fields=("speaker_id", "chapter_id"),
            )
        )
    for config, (code, language_name) in FLEURS_LANGUAGES.items():
        unit = rate_name(unit_for(code)).upper()
        TASKS.register(
            AsrTask(
                name=f"fleurs_{code}",
                description=f"FLEURS {language_name} ({config}) test split, {unit}",
                dataset=DatasetSpec(
                    "google/fleurs",
                    split="test",
                    data_files=f"{config}/test/*.parquet",
                    revision="refs/convert/parquet",
                    fields={"id": "id", "text": "transcription"},
                    media_fields=("audio",),
                ),
                language=code,
                language_name=language_name,
                metadata_fields=("gender",),
            )
        )
    DERIVED.register(
        DerivedScore(
            task="fleurs_avg_19",
            family="asr",
            metric="wer",
            lower_is_better=True,
            columns=tuple(Column((f"fleurs_{code}",), rate_name(unit_for(code))) for code in QWEN3_OMNI_FLEURS_19),
            description="FLEURS multilingual ASR: the mean error rate over Qwen3-Omni's 19 languages "
            "(CER for the languages written without spaces, WER for the others)",
        )
    )
    for config, code, language_name in COMMON_VOICE_15:
        TASKS.register(
            AsrTask(
                name=f"commonvoice15_{code}",
                description=f"Common Voice 15 {language_name} ({config}) test split, "
                f"{'CER' if code == 'zh' else 'WER'}",
                dataset=DatasetSpec(
                    "lmms-lab-audio/common_voice_15",
                    split="test",
                    config=config,
                    fields={"id": "path", "text": "sentence"},
                    media_fields=("audio",),
                ),
                language=code,
                language_name=language_name,
            )
        )
    for split in ("test_net", "test_meeting"):
        TASKS.register(
            AsrTask(
                name=f"wenetspeech_{split}",
                description=f"WenetSpeech {split.replace('_', '-')} (Mandarin), CER",
                dataset=DatasetSpec(
                    "lmms-lab-audio/WenetSpeech", split=split, fields={"text": "text"}, media_fields=("audio",)
                ),
                language="zh",
                language_name="Chinese",
            )
        )


_register_all()
