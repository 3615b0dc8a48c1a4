"""The attention kernels the transformers runners generate with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cudnn_attention() -> Iterator[None]:
    """torch's scaled-dot-product attention without its cuDNN backend (flash, memory-efficient and math stay
    allowed). On an H200 (torch 2.11, cuDNN 9.19) it was chosen for bf16 and took about 25 ms a call while
    decoding: 1.5-2 s for 32 tokens of the tiny Qwen2.5-Omni and Qwen3-Omni checkpoints, against 0.12-0.14 s
    without it. The flags are the process's: the runners generate one batch at a time."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
        yield
