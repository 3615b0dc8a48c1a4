"""Speech-to-text translation: FLEURS and CoVoST 2, corpus BLEU and chrF with sacrebleu.

The model hears the source speech and is asked, with Qwen3-Omni's S2TT prompt ("Setting for
Evaluation" in the QwenLM/Qwen3-Omni README), for a translation. Scores are sacrebleu's
corpus BLEU with the tokenizer the target language needs (zh for Chinese, ja-mecab for
Japanese, ko-mecab for Korean, 13a otherwise; `--task-arg tokenize=...` changes it) and
chrF beside it; run.json stores both signatures. The prediction is the final answer region
(thinking removed), stripped; a failed generation is an empty hypothesis.

FLEURS has no translation column: its sentences are the same FLoRes sentences in every
language, so a source utterance is paired with the target language's sentence of the same
id (its `raw_transcription`, cased and punctuated). Every recording of a sentence is a sample.
CoVoST 2 comes from lmms-eval's hub copies, which carry the translation beside the audio.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec, LoadedSplit, load_split
from omnieval.errors import OmnievalError
from omnieval.judges.answer_region import final_answer_region
from omnieval.metrics.translation import (
    check_tokenizer,
    corpus_scores,
    sentence_statistics,
    signatures,
    tokenizer_for,
)
from omnieval.registry import DERIVED, TASKS
from omnieval.tasks.asr.asr import SPECIAL_TOKEN
from omnieval.tasks.base import Scored, Task, audio_then_text
from omnieval.tasks.derived import Column, DerivedScore
from omnieval.tasks.languages import FLEURS_LANGUAGES, QWEN3_OMNI_S2TT_15
from omnieval.types import GenConfig, Message, Sample, SampleRecord

#: Qwen3-Omni's S2TT prompt
PROMPT = "Listen to the provided {source} speech and produce a translation in {target} text."
FLEURS_CONFIG = {code: config for config, (code, _) in FLEURS_LANGUAGES.items()}
LANGUAGE_NAME = {code: name for code, name in FLEURS_LANGUAGES.values()}


class SpeechTranslationTask(Task):
    family = "s2tt"
    gen = GenConfig(max_new_tokens=512, temperature=0.0)
    headline_metrics = {"bleu": False}
    scoring_params = ("tokenize",)

    def __init__(self, name: str, description: str, dataset: DatasetSpec, source: str, target: str) -> None:
        self.name = name
        self.description = description
        self.dataset = dataset
        self.source, self.target = source, target
        self.answer_language = target
        self.params = {
            "prompt": PROMPT.format(source=LANGUAGE_NAME[source], target=LANGUAGE_NAME[target]),
            "tokenize": tokenizer_for(target),
        }

    def prepare_scoring(self) -> None:
        check_tokenizer(self.params["tokenize"])

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        return Sample(
            id=sample_id,
            index=index,
            target=row[self.dataset.fields["translation"]],
            metadata={"direction": f"{self.source}-{self.target}"},
        )

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        from omnieval.media import audio_ref_from_hf

        audio = audio_ref_from_hf(row[self.dataset.media_fields[0]], base_dir)
        return audio_then_text(audio, self.params["prompt"])

    def score(self, sample: Sample, prediction: str) -> Scored:
        hypothesis = SPECIAL_TOKEN.sub(" ", final_answer_region(prediction)).strip()
        return Scored(
            scores=sentence_statistics(hypothesis, str(sample.target or ""), self.params["tokenize"]),
            details={"hypothesis": hypothesis},
        )

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        # a record without scores (a row that could not be read) has no sentence to count
        return corpus_scores([r.scores for r in records if r.scores], self.params["tokenize"])

    def scoring_info(self) -> dict[str, Any]:
        return {"sacrebleu": signatures(self.params["tokenize"])}


class FleursTranslationTask(SpeechTranslationTask):
    """FLEURS S2TT: the source language's test recordings, the target language's sentences as references."""

    def __init__(self, source: str, target: str) -> None:
        configs = (FLEURS_CONFIG[source], FLEURS_CONFIG[target])
        super().__init__(
            name=f"fleurs_s2tt_{source}_{target}",
            description=f"FLEURS {LANGUAGE_NAME[source]} speech -> {LANGUAGE_NAME[target]} text, test split, BLEU",
            dataset=DatasetSpec(
                "google/fleurs",
                split="test",
                data_files="{config}/test/*.parquet",
                revision="refs/convert/parquet",
                configs=configs,
                fields={"id": "id", "translation": "translation"},
                media_fields=("audio",),
            ),
            source=source,
            target=target,
        )

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        """The source config's rows with a `translation` column from the target config (rows whose
        sentence the target language lacks are left out). A local copy holds a folder per config."""
        source_config, target_config = self.dataset.configs

        def one(config: str, columns: list[str]) -> LoadedSplit:
            spec = replace(
                self.dataset.subset(config),
                fields={"id": "id", "text": "raw_transcription"},
                media_fields=self.dataset.media_fields if "audio" in columns else (),
            )
            path = str(Path(dataset_path) / config) if dataset_path else None
            return load_split(spec, path)

        source = one(source_config, ["audio"])
        target = one(target_config, [])
        references: dict[int, str] = {}
        for sentence_id, text in zip(target.rows["id"], target.rows["raw_transcription"], strict=True):
            references.setdefault(int(sentence_id), text)
        translations = [references.get(int(i)) for i in source.rows["id"]]
        rows = source.rows.add_column("translation", translations)
        kept = [i for i, text in enumerate(translations) if text is not None]
        if not kept:
            raise OmnievalError(f"no sentence of {source_config} has a {target_config} translation in the same ids")
        if len(kept) < len(rows):
            rows = rows.select(kept)
        described = {
            **self.dataset.describe(),
            "origin": source.source["origin"],
            "source": source.source,
            "references": target.source,
            "num_rows": len(rows),
        }
        return LoadedSplit(rows=rows, source=described, base_dir=source.base_dir)


def fleurs_directions() -> list[tuple[str, str]]:
    """The directions of Qwen3-Omni's FLEURS S2TT averages: to and from English and Chinese, among its
    15 S2TT languages."""
    directions = []
    for pivot in ("en", "zh"):
        for other in QWEN3_OMNI_S2TT_15:
            if other != pivot:
                directions += [(pivot, other), (other, pivot)]
    return sorted(set(directions))


def s2tt_averages() -> list[DerivedScore]:
    """Qwen3-Omni's four FLEURS S2TT figures, each the mean BLEU of 14 directions (a macro mean of
    per-direction corpus BLEU: the report does not say, and this is the reading its footnote gives)."""
    averages = []
    for pivot in ("en", "zh"):
        others = [code for code in QWEN3_OMNI_S2TT_15 if code != pivot]
        for name, pairs in (
            (f"{pivot}2xx", [(pivot, o) for o in others]),
            (f"xx2{pivot}", [(o, pivot) for o in others]),
        ):
            averages.append(
                DerivedScore(
                    task=f"fleurs_s2tt_{name}",
                    family="s2tt",
                    metric="bleu",
                    lower_is_better=False,
                    columns=tuple(Column((f"fleurs_s2tt_{s}_{t}",), "bleu") for s, t in pairs),
                    description=f"FLEURS S2TT {name}: mean BLEU of the 14 directions "
                    f"{', '.join(f'{s}->{t}' for s, t in pairs[:2])}, ...",
                )
            )
    return averages


#: lmms-eval's CoVoST 2 copies: (source, target) -> (hub id, config, translation column)
COVOST2 = {
    ("zh", "en"): ("lmms-lab-audio/covost2", "zh_en", "gt"),
    ("en", "zh"): ("lmms-lab-audio/covost2_en-zh", "en_zh", "translation"),
}


def _register_all() -> None:
    for source, target in fleurs_directions():
        TASKS.register(FleursTranslationTask(source, target))
    for average in s2tt_averages():
        DERIVED.register(average)
    for (source, target), (hub_id, config, column) in COVOST2.items():
        TASKS.register(
            SpeechTranslationTask(
                name=f"covost2_{source}_{target}",
                description=f"CoVoST 2 {LANGUAGE_NAME[source]} speech -> {LANGUAGE_NAME[target]} text, "
                "test split, BLEU",
                dataset=DatasetSpec(
                    hub_id, config=config, split="test", fields={"translation": column}, media_fields=("audio",)
                ),
                source=source,
                target=target,
            )
        )


_register_all()
