"""What `--resume` of a finished run costs, next to the run itself.

    python benchmarks/resume_noop.py [--samples 100] [--model pocketsphinx-en]

Writes `--samples` LibriSpeech-schema rows (espeak-ng utterances repeated under distinct ids), runs
`omnieval run --task librispeech_test_clean` on them with the model preset, then the same command with
`--resume` (nothing is pending), both as a user runs them: a fresh `omnieval` process each, no response
cache. Prints both wall times and their ratio (target: under 2 %), the time a bare `omnieval --help` takes
(the part of any command that is interpreter start and imports), and whether the resumed run said it did
not load the model (run.log). Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ray_scaling import make_rows  # noqa: E402  (the same repeated rows)

NOT_LOADED = "nothing to generate: every selected sample is done, so the model is not loaded"


def timed(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "omnieval", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--model", default="pocketsphinx-en")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parquet = make_rows(folder, args.samples)
        command = [
            "run",
            "--model",
            args.model,
            "--task",
            "librispeech_test_clean",
            "--dataset-path",
            str(parquet),
            "--output",
            str(folder / "out"),
            "--run-id",
            "r",
            "--no-cache",
            "--no-progress",
        ]
        original = timed(*command)
        resumed = timed(*command, "--resume")
        startup = timed("--help")
        said = NOT_LOADED in (folder / "out" / "r" / "run.log").read_text()
    print(f"{args.samples} samples with {args.model}: the run {original:.2f} s, --resume of it {resumed:.2f} s")
    print(f"share of the run: {resumed / original:.2%} (target < 2 %); interpreter start and imports {startup:.2f} s")
    print(f"the resumed run {'did not load' if said else 'LOADED'} the model")


if __name__ == "__main__":
    main()
