"""Multiple choice about a video (and its sound), from the hub or from a release's JSON file.

The video and audio-visual benchmarks share this: the question comes from a hub dataset or from
the JSON file a release ships beside its media (a local copy, given with --dataset-path), and the
video is found under the copy's folder where its archives unpack (the first of several known
layouts that exists). A missing video fails its sample: it is never asked on the text alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec, LoadedSplit, json_file_split
from omnieval.tasks.choice import ChoiceItem, ChoiceTask
from omnieval.types import MediaKind, MediaRef


@dataclass(frozen=True)
class JsonRelease:
    """A benchmark published as a JSON file beside its media rather than as a `datasets` config."""

    data_file: str
    to_rows: Callable[[Any, Path], list[dict[str, Any]]]
    #: what a user without a local copy is told to do
    how_to_get: str
    #: whether the benchmark is also on the hub in rows: then a path without `data_file` loads the hub's way
    hub_too: bool = False

    def given(self, dataset_path: str | None) -> bool:
        """Whether `dataset_path` is this release: its data file, or a folder that holds it."""
        if not dataset_path:
            return False
        path = Path(dataset_path)
        return path.name == self.data_file if path.is_file() else (path / self.data_file).is_file()


def first_present(base_dir: Path | None, kind: MediaKind, candidates: tuple[str, ...]) -> MediaRef:
    """The first of `candidates` (paths under `base_dir`) that exists; else the missing-file error of the first."""
    from omnieval.media import file_ref

    for candidate in candidates:
        if base_dir is not None and (base_dir / candidate).is_file():
            return file_ref(kind, candidate, base_dir)
    return file_ref(kind, candidates[0], base_dir)


class VideoChoiceTask(ChoiceTask):
    """Questions about the video `videos(row)` names (its candidate paths, in order of preference)."""

    def __init__(
        self,
        name: str,
        description: str,
        family: str,
        dataset: DatasetSpec,
        read: Callable[[dict[str, Any]], ChoiceItem],
        videos: Callable[[dict[str, Any]], tuple[str, ...]],
        release: JsonRelease | None = None,
        **choice: Any,
    ) -> None:
        super().__init__(name, description, family, dataset, read, **choice)
        self.videos, self.release = videos, release

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        if self.release is None or (self.release.hub_too and not self.release.given(dataset_path)):
            return super().load(dataset_path)
        release = self.release
        return json_file_split(self.dataset, dataset_path, release.data_file, release.to_rows, release.how_to_get)

    def media(self, row: dict[str, Any], base_dir: Path | None) -> list[MediaRef]:
        return [first_present(base_dir, "video", self.videos(row))]
