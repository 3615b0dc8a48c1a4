"""How long the command line takes to start: `omnieval --help` and `omnieval tasks` against a bare Python.

    python benchmarks/cli_startup.py [--runs 7] [--bytecode-cache]

Runs each command `--runs` times as a user does (the `omnieval` script next to this Python, output discarded)
after one unmeasured run, and prints the median wall time of each, and its ratio to `python -c pass`. Where
PYTHONDONTWRITEBYTECODE is set (as in some containers and CI images), Python compiles every omnieval module it
imports on every start; --bytecode-cache measures with a warm bytecode cache instead (a temporary
PYTHONPYCACHEPREFIX), as an installed package starts. Also prints the heavy libraries the commands import.
Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("torch", "transformers", "datasets", "pandas", "scipy", "sklearn", "numpy", "jiwer", "soundfile")


def command_line() -> list[str]:
    script = Path(sys.executable).with_name("omnieval")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "omnieval"]


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # warm the OS
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def imported(code: str, env: dict[str, str]) -> list[str]:
    probe = f"import sys; {code}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--bytecode-cache", action="store_true", help="measure with a warm bytecode cache (a temporary pycache)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ)
        if args.bytecode_cache:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = scratch
        cached = "on" if not env.get("PYTHONDONTWRITEBYTECODE") else "off (PYTHONDONTWRITEBYTECODE is set)"
        omnieval = command_line()
        bare = median_seconds([sys.executable, "-c", "pass"], args.runs, env)
        help_s = median_seconds([*omnieval, "--help"], args.runs, env)
        tasks_s = median_seconds([*omnieval, "tasks"], args.runs, env)
        print(f"{' '.join(omnieval)}; median of {args.runs} runs; bytecode cache {cached}")
        print(f"python -c pass:   {bare:6.3f} s")
        print(f"omnieval --help:  {help_s:6.3f} s  ({help_s / bare:4.1f}x a bare Python)")
        print(f"omnieval tasks:   {tasks_s:6.3f} s  ({tasks_s / bare:4.1f}x a bare Python)")
        startup = imported("import omnieval.cli", env)
        listing = imported("import omnieval.cli; from omnieval.registry import TASKS; TASKS.items()", env)
        print(f"heavy libraries imported: --help {', '.join(startup) or 'none'}; tasks {', '.join(listing) or 'none'}")


if __name__ == "__main__":
    main()
