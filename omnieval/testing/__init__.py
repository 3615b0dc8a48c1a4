"""What tests and demos are made of: sample datasets in each benchmark's schema (espeak-ng speech, ffmpeg
videos, drawn images) and tiny random-weight checkpoints of the real architectures.

Nothing that evaluates imports from here; `make demo`, the tests, the benchmarks/ scripts and the
`omnieval tiny-checkpoint` command do.
"""
