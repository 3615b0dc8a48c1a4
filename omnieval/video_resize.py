"""Resizing decoded video frames as qwen-omni-utils resizes them (torchvision's bicubic resize with
antialiasing), chunk by chunk into one tensor, as omnieval.video_frames hands them over."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from omnieval.errors import MediaError

if TYPE_CHECKING:
    import torch


def resize_frames(
    frames: torch.Tensor, size: tuple[int, int], out: torch.Tensor | None = None, across: torch.Tensor | None = None
) -> torch.Tensor:
    """torchvision's `resize(frames, size, BICUBIC, antialias=True)` of uint8 frames (given as they are, or as
    float32), then `.float()`: the same operations (float32 bicubic with antialiasing, clamped to 0..255,
    rounded), without the copies; written into `out` when it is given. The operator is the one
    `interpolate(..., mode="bicubic", antialias=True)` calls, which resizes across (width) and then down
    (height); here each in its own call, so that the frames resized across can go to a tensor given as
    `across` (float32, the frames' height by the new width) instead of new memory each time."""
    import torch

    height = frames.shape[2]
    if out is None:
        out = torch.empty((*frames.shape[:2], *size))
    if across is None:
        across = torch.empty((*frames.shape[:2], height, size[1]))
    resize = torch.ops.aten._upsample_bicubic2d_aa.out
    resize(frames.float(), [height, size[1]], False, None, None, out=across)
    resize(across, list(size), False, None, None, out=out)
    return out.clamp_(0, 255).round_()


class ResizedFrames:
    """Takes a video's decoded frames chunk by chunk (omnieval.video_frames' `take`) and resizes them into one
    float32 tensor allocated at the first chunk, whose size picks the frame size (and into its uint8 copy,
    for the cache, while the chunk is in the CPU's caches). Each chunk's float32 copy, and its frames resized
    across, go to buffers reused from chunk to chunk. Writing in place, instead of concatenating resized
    chunks, spares a copy of every frame and the fresh memory that each chunk's results would take: on a
    machine whose memory is handed out page by page, that costs about as much as the resizing."""

    def __init__(self, count: int, frame_size: Callable[[int, int], tuple[int, int]], keep_uint8: bool) -> None:
        self._count = count
        self._frame_size = frame_size
        self._keep_uint8 = keep_uint8
        self._frames: torch.Tensor | None = None
        self._uint8: torch.Tensor | None = None
        self._buffer: torch.Tensor | None = None
        self._across: torch.Tensor | None = None

    def take(self, chunk: torch.Tensor, first: int) -> None:
        import torch

        if self._frames is None:  # the first frames' size (after the rotation the decoder applies)
            size = self._frame_size(chunk.shape[2], chunk.shape[3])
            self._frames = torch.empty((self._count, chunk.shape[1], *size))
            if self._keep_uint8:
                self._uint8 = torch.empty(self._frames.shape, dtype=torch.uint8)
        out = self._frames[first : first + len(chunk)]
        if self._buffer is None or self._buffer.shape != chunk.shape:
            self._buffer = torch.empty(chunk.shape, dtype=torch.float32)
            self._across = torch.empty((*chunk.shape[:3], out.shape[3]))
        self._buffer.copy_(chunk)
        resize_frames(self._buffer, (out.shape[2], out.shape[3]), out=out, across=self._across)
        if self._uint8 is not None:
            self._uint8[first : first + len(chunk)].copy_(out)

    def result(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self._frames is None:
            raise MediaError("no frame was decoded")
        return self._frames, self._uint8
