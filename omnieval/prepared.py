"""A sample made ready to generate (its request and cache key, or why it cannot be), and the order in which
a pool of workers should take them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from omnieval.types import Request, Sample, SampleRecord


@dataclass
class Prepared:
    """One selected sample on its way to the model."""

    sample: Sample
    request: Request | None = None
    key: str | None = None
    error: str | None = None
    #: the task could not read the row: the record is this failure, unscored
    unreadable: SampleRecord | None = None


def media_key(requests: list[Request]) -> str | None:
    """What requests read that others may read too: their first media item (by content, else by path)."""
    for request in requests:
        for message in request.messages:
            for ref in message.media():
                return ref.sha256 or ref.path or ref.url
    return None


def _media_cost(item: Prepared) -> tuple[int, str]:
    """What generating an item costs, roughly (the bytes of its media files), and its first media item."""
    refs = [ref for m in item.request.messages for ref in m.media()] if item.request else []
    size = sum(Path(ref.path).stat().st_size for ref in refs if ref.path and Path(ref.path).is_file())
    return size, (media_key([item.request]) or "") if item.request else ""


def by_cost(items: list[Prepared]) -> list[Prepared]:
    """Costliest first, so that no long sample is left for the end; items reading the same media file side by
    side, so that one worker decodes it once."""
    costs = {id(item): _media_cost(item) for item in items}
    return sorted(items, key=lambda item: (-costs[id(item)][0], costs[id(item)][1], item.sample.index))
