"""VoiceBench's Overall score: the mean of its nine leaderboard columns, each on 0-100.

The three open subsets are judged on 1-5 and enter as rating x 20 (their `score`); SD-QA,
MMSU, OpenBookQA, BBH and IFEval enter as accuracy and AdvBench as refusal rate. This is the
construction that reproduces every row of the VoiceBench leaderboard (MatthewCYM/VoiceBench
README) and Qwen3-Omni's reported Overall (85.5 from its nine columns). The leaderboard's
AlpacaEval is the full set (`voicebench_alpacaeval_full`); the 199-request subset stands in
when only it was run, and the result says so. SD-QA enters as the judge's accuracy: VoiceBench's
leaderboard averages that with PEDANT, which is not computed here, so that column can differ.
"""

from __future__ import annotations

from omnieval.registry import DERIVED
from omnieval.tasks.derived import Column, DerivedScore

OVERALL = DERIVED.register(
    DerivedScore(
        task="voicebench_overall",
        family="voice_chat",
        metric="score",
        lower_is_better=False,
        columns=(
            Column(("voicebench_alpacaeval_full", "voicebench_alpacaeval"), "score"),
            Column(("voicebench_commoneval",), "score"),
            Column(("voicebench_wildvoice",), "score"),
            Column(("voicebench_sd_qa",), "accuracy"),
            Column(("voicebench_mmsu",), "accuracy"),
            Column(("voicebench_openbookqa",), "accuracy"),
            Column(("voicebench_bbh",), "accuracy"),
            Column(("voicebench_ifeval",), "accuracy"),
            Column(("voicebench_advbench",), "refusal_rate"),
        ),
        description="VoiceBench Overall: the mean of its nine columns on 0-100 (open subsets as rating x 20)",
    )
)
