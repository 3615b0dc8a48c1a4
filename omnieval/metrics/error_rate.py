"""Word and character error rates: per-utterance edit counts and corpus aggregation.

Corpus WER is total edits over total reference words (what papers report); the mean of
per-utterance rates is reported beside it because some official scripts use it. Both are
in percent. An empty prediction is all deletions: nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from omnieval.metrics.normalizers import get_normalizer


@dataclass(frozen=True)
class Edits:
    """Alignment counts of one utterance."""

    substitutions: int
    deletions: int
    insertions: int
    ref_len: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float | None:
        """Percent error rate of this utterance; None when the reference is empty."""
        return 100.0 * self.errors / self.ref_len if self.ref_len else None


def tokenize(text: str, unit: str) -> list[str]:
    """Words (split on whitespace) or characters (whitespace dropped)."""
    if unit == "word":
        return text.split()
    if unit == "char":
        return [c for c in text if not c.isspace()]
    raise ValueError(f"unit must be 'word' or 'char', not {unit!r}")


def count_edits(reference: list[str], prediction: list[str]) -> Edits:
    """Levenshtein alignment counts between two token lists (jiwer)."""
    if not reference:
        return Edits(0, 0, len(prediction), 0)
    if not prediction:
        return Edits(0, len(reference), 0, len(reference))
    import jiwer  # here, not at the top: listing the tasks needs no aligner

    out = jiwer.process_words(" ".join(reference), " ".join(prediction))
    return Edits(out.substitutions, out.deletions, out.insertions, len(reference))


def utterance_edits(reference: str, prediction: str, normalizer: str, unit: str) -> tuple[Edits, str, str]:
    """Normalize both texts, tokenize, align; returns the edits and the normalized texts."""
    norm = get_normalizer(normalizer)
    ref_norm, pred_norm = norm(reference or ""), norm(prediction or "")
    edits = count_edits(tokenize(ref_norm, unit), tokenize(pred_norm, unit))
    return edits, ref_norm, pred_norm


def rate_name(unit: str) -> str:
    """The name of the error rate that counts `unit`s: `cer` for characters, `wer` for words."""
    return "cer" if unit == "char" else "wer"


def edit_scores(edits: Edits, rate_name: str) -> dict[str, float]:
    """A sample's scores for its edits: the counts a corpus rate sums, and its own rate under `rate_name`
    (none when the reference is empty)."""
    scores = {
        "errors": float(edits.errors),
        "substitutions": float(edits.substitutions),
        "deletions": float(edits.deletions),
        "insertions": float(edits.insertions),
        "ref_tokens": float(edits.ref_len),
    }
    if edits.rate is not None:
        scores[rate_name] = edits.rate
    return scores


def edits_from_scores(scores: dict[str, float]) -> Edits:
    """The counts of a scored utterance; a record without scores (a row that could not be read) counts none:
    no reference words, no errors, no rate."""
    return Edits(
        int(scores.get("substitutions", 0)),
        int(scores.get("deletions", 0)),
        int(scores.get("insertions", 0)),
        int(scores.get("ref_tokens", 0)),
    )


def corpus_rate(edits: Iterable[Edits]) -> dict[str, float]:
    """Corpus rate (total edits / total reference tokens) and the mean utterance rate, in percent."""
    edits = list(edits)
    total_ref = sum(e.ref_len for e in edits)
    rates = [e.rate for e in edits if e.rate is not None]
    return {
        "corpus": 100.0 * sum(e.errors for e in edits) / total_ref if total_ref else float("nan"),
        "utterance_mean": sum(rates) / len(rates) if rates else float("nan"),
        "substitutions": float(sum(e.substitutions for e in edits)),
        "deletions": float(sum(e.deletions for e in edits)),
        "insertions": float(sum(e.insertions for e in edits)),
        "reference_tokens": float(total_ref),
    }
