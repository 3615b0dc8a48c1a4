"""The order a pool of workers takes prepared samples in."""

from __future__ import annotations

from omnieval.prepared import Prepared, by_cost
from omnieval.types import GenConfig, MediaRef, Message, Request, Sample, media_part, text_part


def test_by_cost_sends_the_largest_media_first_and_keeps_items_of_one_file_together(tmp_path):
    sizes = {"short.mp4": 10, "long.mp4": 5000, "mid.mp4": 800}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)

    def item(index: int, video: str | None) -> Prepared:
        parts = [media_part(MediaRef(kind="video", path=str(tmp_path / video)))] if video else []
        messages = [Message(role="user", content=[*parts, text_part(f"question {index}")])]
        request = Request(sample_id=str(index), messages=messages, gen=GenConfig())
        return Prepared(Sample(id=str(index), index=index), request=request)

    videos = ["short.mp4", "long.mp4", None, "mid.mp4", "long.mp4", "short.mp4", "mid.mp4"]
    ordered = by_cost([item(i, video) for i, video in enumerate(videos)])
    assert [o.sample.index for o in ordered] == [1, 4, 3, 6, 0, 5, 2]  # long, mid, short, then text only
    unprepared = Prepared(Sample(id="x", index=9), error="a file that could not be read")
    assert by_cost([unprepared, item(1, "long.mp4")])[-1] is unprepared
