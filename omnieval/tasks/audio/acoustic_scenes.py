"""Acoustic scene classification as Kimi-Audio's evaluation kit asks it: CochlScene (13 scenes) and
the TUT Acoustic Scenes 2017 evaluation set (15 scenes).

Neither is on the Hugging Face hub; both are Zenodo archives (CochlScene: records/7080122,
TUT 2017 evaluation: records/1040168), read here from their extracted folders (`--dataset-path`):
CochlScene's `Test/` and `Val/` folders, merged as Kimi-Audio merges them, each clip labelled by
the scene folder it sits in; TUT's `meta.txt`, a line per clip ("audio/1.wav<TAB>beach"). The
prompt is Kimi-Audio-Evalkit's (data/download_benchmark.py): the scenes lettered "(A) bus" one per
line. Kimi-Audio has an LLM judge decide whether the answer means the right scene; here the
answer is read by omnieval's choice reader (a stated letter, or exactly one scene's name), so
no judge is needed. Accuracy is broken down per scene.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec, LoadedSplit
from omnieval.errors import OmnievalError
from omnieval.judges.choice import LETTERS
from omnieval.registry import TASKS
from omnieval.tasks.audio.audio_choice import AudioChoiceTask
from omnieval.tasks.choice import ChoiceItem

PROMPT = (
    "{question}\nOptions:\n{options}\n.Answer with the option's letter from the given choices directly and "
    "only give the best option."
)
QUESTION = "Identify the acoustic scene in the audio."
COCHLSCENE_SCENES = (
    "bus",
    "cafe",
    "car",
    "crowdedindoor",
    "elevator",
    "kitchen",
    "park",
    "residentialarea",
    "restaurant",
    "restroom",
    "street",
    "subway",
    "subwaystation",
)
TUT2017_SCENES = (
    "beach",
    "bus",
    "cafe or restaurant",
    "car",
    "city center",
    "forest path",
    "grocery store",
    "home",
    "library",
    "metro station",
    "office",
    "park",
    "residential area",
    "train",
    "tram",
)


def cochlscene_rows(folder: Path) -> list[dict[str, Any]]:
    """Every wav under Test/<Scene>/ and Val/<Scene>/, labelled by its scene folder ("CrowdedIndoor")."""
    root = folder / "CochlScene" if (folder / "CochlScene").is_dir() else folder
    rows = [
        {"audio": str(path.relative_to(folder)), "scene": path.parent.name.lower(), "subset": subset}
        for subset in ("Test", "Val")
        for path in sorted((root / subset).glob("*/*.wav"))
    ]
    if not rows:
        raise OmnievalError(f"{folder} holds no CochlScene clips (Test/<Scene>/*.wav, Val/<Scene>/*.wav)")
    return rows


def tut2017_rows(folder: Path) -> list[dict[str, Any]]:
    """meta.txt's lines: a clip's path and its scene ("cafe/restaurant" and "city_center" as the prompt names them)."""
    root = folder / "TUT-acoustic-scenes-2017-evaluation"
    root = root if root.is_dir() else folder
    meta = root / "meta.txt"
    if not meta.is_file():
        raise OmnievalError(f"{meta} not found: give the extracted TUT-acoustic-scenes-2017-evaluation folder")
    rows = []
    for number, line in enumerate(meta.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2:
            raise OmnievalError(f"{meta}:{number}: expected a clip path and its scene, got {line!r}")
        scene = parts[1].replace("/", " or ").replace("_", " ")
        rows.append({"audio": str((root / parts[0]).relative_to(folder)), "scene": scene, "subset": "evaluation"})
    return rows


class AcousticSceneTask(AudioChoiceTask):
    def __init__(
        self,
        name: str,
        description: str,
        archive: str,
        scenes: tuple[str, ...],
        find_rows: Callable[[Path], list[dict[str, Any]]],
    ) -> None:
        self.scenes, self.find_rows = scenes, find_rows
        super().__init__(
            name,
            description,
            "sound",
            DatasetSpec(archive, split="test", fields={"scene": "scene"}, media_fields=("audio",)),
            self.item,
            breakdowns=("scene",),
            prompt=PROMPT,
            stratify_by="scene",
            option_format=("({letter}) {text}", "\n"),
        )

    def item(self, row: dict[str, Any]) -> ChoiceItem:
        if row["scene"] not in self.scenes:
            raise ValueError(f"scene '{row['scene']}' is none of {self.name}'s {len(self.scenes)} scenes")
        return ChoiceItem(
            QUESTION,
            {LETTERS[i]: scene for i, scene in enumerate(self.scenes)},
            LETTERS[self.scenes.index(row["scene"])],
            {"scene": row["scene"]},
        )

    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        import datasets

        if not dataset_path:
            raise OmnievalError(
                f"{self.name} is not on the Hugging Face hub: download {self.dataset.hub_id}, "
                f"extract it and give the folder with --dataset-path"
            )
        folder = Path(dataset_path)
        if not folder.is_dir():
            raise OmnievalError(f"dataset path not found (a folder is expected): {folder}")
        rows = datasets.Dataset.from_list(self.find_rows(folder))
        source = {**self.dataset.describe(), "origin": "local", "path": str(folder.resolve()), "num_rows": len(rows)}
        return LoadedSplit(rows=rows, source=source, base_dir=folder)


TASKS.register(
    AcousticSceneTask(
        "cochlscene",
        "CochlScene acoustic scenes (13), its Test and Val clips as Kimi-Audio takes them; accuracy "
        "per scene; a local copy of the Zenodo archive",
        "zenodo.org/records/7080122",
        COCHLSCENE_SCENES,
        cochlscene_rows,
    )
)
TASKS.register(
    AcousticSceneTask(
        "tut2017",
        "TUT Acoustic Scenes 2017 evaluation set (15 scenes), accuracy per scene; a local copy of the Zenodo archive",
        "zenodo.org/records/1040168",
        TUT2017_SCENES,
        tut2017_rows,
    )
)
