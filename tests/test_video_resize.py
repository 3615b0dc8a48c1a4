"""Resizing decoded frames as qwen-omni-utils does, chunk by chunk into one tensor."""

from __future__ import annotations

import pytest
import torch

from omnieval.errors import MediaError
from omnieval.video_resize import ResizedFrames, resize_frames


def _reference_resize(frames: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as tv

    return tv.resize(frames, list(size), interpolation=InterpolationMode.BICUBIC, antialias=True).float()


@pytest.mark.parametrize(
    "shape,size",
    [
        ((3, 3, 360, 640), (364, 644)),  # a little larger: what 640x360 becomes at the default budgets
        ((2, 3, 1080, 1920), (476, 840)),  # smaller on both sides
        ((2, 3, 241, 427), (252, 448)),  # odd sides
        ((4, 3, 100, 100), (56, 84)),  # smaller down, larger across
        ((2, 3, 120, 200), (120, 252)),  # one side unchanged
    ],
)
def test_resize_frames_equals_torchvisions_resize_bit_for_bit(shape, size):
    """What qwen-omni-utils does to uint8 frames (torchvision's bicubic resize with antialiasing, then
    float); also written into a slice of a larger tensor, through buffers given for the resizing across."""
    frames = torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(sum(shape)))
    expected = _reference_resize(frames, size)
    assert torch.equal(resize_frames(frames, size), expected)
    larger = torch.full((shape[0] + 2, shape[1], *size), -1.0)
    across = torch.empty((*shape[:3], size[1]))
    resize_frames(frames.float(), size, out=larger[1:-1], across=across)
    assert torch.equal(larger[1:-1], expected)
    assert bool((larger[0] == -1).all()) and bool((larger[-1] == -1).all())


@pytest.mark.parametrize("keep_uint8", [True, False])
def test_resized_frames_fill_one_tensor_chunk_by_chunk(keep_uint8):
    """Chunks of 3 frames, the last one shorter, come out as the whole video resized at once; the frame size
    is chosen from the first chunk's frames; the uint8 copy (for the cache) holds the same values."""
    video = torch.randint(0, 256, (7, 3, 90, 160), dtype=torch.uint8, generator=torch.Generator().manual_seed(7))
    asked: list[tuple[int, int]] = []

    def frame_size(height: int, width: int) -> tuple[int, int]:
        asked.append((height, width))
        return (56, 112)

    resized = ResizedFrames(len(video), frame_size, keep_uint8)
    for first in range(0, len(video), 3):
        resized.take(video[first : first + 3], first)
    frames, frames_uint8 = resized.result()
    assert asked == [(90, 160)]
    assert torch.equal(frames, _reference_resize(video, (56, 112)))
    if keep_uint8:
        assert frames_uint8 is not None and torch.equal(frames_uint8, frames.to(torch.uint8))
    else:
        assert frames_uint8 is None


def test_resized_frames_without_a_frame_is_a_media_error():
    with pytest.raises(MediaError, match="no frame was decoded"):
        ResizedFrames(4, lambda height, width: (28, 28), keep_uint8=False).result()
