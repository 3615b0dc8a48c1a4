"""Corpus BLEU and chrF with sacrebleu, from per-sentence sufficient statistics.

sacrebleu's corpus score is a function of the sum over sentences of each sentence's n-gram
counts (BLEU: hypothesis and reference lengths, matches and totals for n = 1..4; chrF:
character and word n-gram matches). Each sample keeps its counts, and a run's score sums
them: the result equals `sacrebleu` on the whole corpus, and bootstrap resamples of the
sentences cost a sum instead of a re-tokenization.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

#: sacrebleu tokenizer by target language: the tokenizer each language needs (13a otherwise). Thai has no
#: spaces between words, so 13a would make each sentence a few long tokens: it gets sacrebleu's FLORES-200
#: SentencePiece tokenizer (whose model sacrebleu downloads on first use)
TOKENIZERS = {"zh": "zh", "yue": "zh", "ja": "ja-mecab", "ko": "ko-mecab", "th": "flores200"}
BLEU_STAT = "bleu_stat_"
CHRF_STAT = "chrf_stat_"


def tokenizer_for(language: str) -> str:
    return TOKENIZERS.get(language, "13a")


@cache
def _metrics(tokenize: str):
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(tokenize=tokenize), CHRF()
    # sacrebleu writes a signature only once a metric has scored something (it records the reference count)
    bleu.corpus_score(["a"], [["a"]])
    chrf.corpus_score(["a"], [["a"]])
    return bleu, chrf


def check_tokenizer(tokenize: str) -> None:
    """Build the metrics now, so that a tokenizer that cannot be had (FLORES-200's needs the sentencepiece
    package, and sacrebleu downloads its model on first use) is one clear error before anything is generated,
    not a crash of every run's scoring."""
    from omnieval.errors import OmnievalError

    try:
        _metrics(tokenize)
    except ImportError as err:
        raise OmnievalError(f"sacrebleu's '{tokenize}' tokenizer: {' '.join(str(err).split())}") from err
    except OSError as err:  # urllib's URLError included: no network, or the download failed
        raise OmnievalError(
            f"sacrebleu's '{tokenize}' tokenizer downloads its model on first use, and that failed ({err}); on a "
            "machine without network, copy it from one that has run it: $SACREBLEU/models (default ~/.sacrebleu)"
        ) from err


def sentence_statistics(hypothesis: str, reference: str, tokenize: str) -> dict[str, float]:
    """One sentence's BLEU and chrF counts, named `bleu_stat_<i>` and `chrf_stat_<i>`."""
    bleu, chrf = _metrics(tokenize)
    (bleu_stats,) = bleu._extract_corpus_statistics([hypothesis], [[reference]])
    (chrf_stats,) = chrf._extract_corpus_statistics([hypothesis], [[reference]])
    return {
        **{f"{BLEU_STAT}{i}": float(v) for i, v in enumerate(bleu_stats)},
        **{f"{CHRF_STAT}{i}": float(v) for i, v in enumerate(chrf_stats)},
    }


def _summed(scores: Iterable[Mapping[str, float]], prefix: str) -> list[int]:
    total: list[int] = []
    for one in scores:
        values = [
            int(v) for k, v in sorted(one.items(), key=lambda kv: int(kv[0].rsplit("_", 1)[1])) if k.startswith(prefix)
        ]
        total = values if not total else [a + b for a, b in zip(total, values, strict=True)]
    return total


def corpus_scores(scores: list[Mapping[str, float]], tokenize: str) -> dict[str, float]:
    """Corpus BLEU and chrF (0-100) of the sentences whose counts are in `scores`, with BLEU's parts."""
    if not scores:
        return {}
    bleu, chrf = _metrics(tokenize)
    bleu_score = bleu._compute_score_from_stats(_summed(scores, BLEU_STAT))
    chrf_score = chrf._compute_score_from_stats(_summed(scores, CHRF_STAT))
    metrics = {
        "bleu": bleu_score.score,
        "chrf": chrf_score.score,
        "brevity_penalty": bleu_score.bp,
        "length_ratio": bleu_score.ratio,
    }
    metrics.update({f"precision_{n}": p for n, p in enumerate(bleu_score.precisions, start=1)})
    return metrics


def signatures(tokenize: str) -> dict[str, str]:
    """sacrebleu's signatures of the two metrics, which say how to reproduce them."""
    bleu, chrf = _metrics(tokenize)
    return {"bleu": str(bleu.get_signature()), "chrf": str(chrf.get_signature())}
