"""Loading a split from a local copy in the hub schema (parquet file or folder, save_to_disk), and errors."""

from __future__ import annotations

import os
from dataclasses import replace

import datasets
import pytest

from omnieval.data import DatasetSpec, data_stamp, load_split
from omnieval.errors import OmnievalError
from omnieval.registry import TASKS

SPEC = TASKS.get("librispeech_test_clean").dataset


def _ids(loaded) -> list[str]:
    return list(loaded.rows["id"])


def test_every_local_layout_loads_the_same_rows(librispeech_parquet, speech_rows, tmp_path):
    expected = [row["id"] for row in speech_rows]
    from_file = load_split(SPEC, str(librispeech_parquet))
    assert _ids(from_file) == expected
    assert from_file.source["origin"] == "local" and from_file.source["num_rows"] == 8
    # the audio column is read undecoded: bytes and the original file name
    assert set(from_file.rows[0]["audio"]) == {"bytes", "path"} and from_file.rows[0]["audio"]["bytes"]

    folder = tmp_path / "parquet-folder"
    folder.mkdir()
    (folder / "test-00000-of-00001.parquet").write_bytes(librispeech_parquet.read_bytes())
    assert _ids(load_split(SPEC, str(folder))) == expected

    dataset = datasets.load_dataset("parquet", data_files=str(librispeech_parquet), split="train")
    dataset.save_to_disk(str(tmp_path / "saved"))
    assert _ids(load_split(SPEC, str(tmp_path / "saved"))) == expected
    datasets.DatasetDict({"validation": dataset, "test": dataset}).save_to_disk(str(tmp_path / "saved-dict"))
    assert _ids(load_split(SPEC, str(tmp_path / "saved-dict"))) == expected


def test_a_missing_split_is_named(librispeech_parquet, tmp_path):
    dataset = datasets.load_dataset("parquet", data_files=str(librispeech_parquet), split="train")
    datasets.DatasetDict({"train": dataset, "validation": dataset}).save_to_disk(str(tmp_path / "d"))
    with pytest.raises(OmnievalError, match="has splits train, validation but not 'test'"):
        load_split(SPEC, str(tmp_path / "d"))


def test_missing_path_wrong_schema_and_unknown_format(tmp_path, fleurs_en_parquet):
    with pytest.raises(OmnievalError, match="dataset path not found"):
        load_split(SPEC, str(tmp_path / "absent"))
    with pytest.raises(OmnievalError, match=r"lacks field\(s\) text of the openslr/librispeech_asr schema"):
        load_split(SPEC, str(fleurs_en_parquet))
    (tmp_path / "data.txt").write_text("hello")
    with pytest.raises(OmnievalError, match="expected one of"):
        load_split(SPEC, str(tmp_path / "data.txt"))
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(OmnievalError, match="cannot read the dataset at"):
        load_split(SPEC, str(tmp_path / "broken.parquet"))


def test_unreachable_hub_points_to_dataset_path(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    spec = DatasetSpec(
        "openslr/librispeech_asr",
        split="test",
        data_files="clean/test/*.parquet",
        revision="71cacbfb7e2354c4226d01e70d77d5fca3d04ba1",
        fields={"text": "text"},
    )
    with pytest.raises(
        OmnievalError, match="cannot load openslr/librispeech_asr .* give a local copy with --dataset-path"
    ):
        load_split(spec, None)


def test_a_stamp_changes_with_any_file_of_a_local_copy_and_names_a_pinned_hub_commit(tmp_path):
    copy = tmp_path / "copy"
    (copy / "audio").mkdir(parents=True)
    (copy / "test.parquet").write_bytes(b"rows")
    (copy / "audio" / "a.flac").write_bytes(b"clip")
    stamps = {data_stamp(SPEC, str(copy)), data_stamp(SPEC, str(copy / "test.parquet"))}
    (copy / "audio" / "a.flac").write_bytes(b"clip, longer")  # a file deep in the folder
    stamps.add(data_stamp(SPEC, str(copy)))
    (copy / "audio" / "b.flac").write_bytes(b"")  # a file more
    stamps.add(data_stamp(SPEC, str(copy)))
    os.utime(copy / "test.parquet", ns=(0, 1))  # only the time changes
    stamps |= {data_stamp(SPEC, str(copy)), data_stamp(SPEC, str(copy / "test.parquet"))}
    assert len(stamps) == 6 and None not in stamps
    assert data_stamp(SPEC, str(copy)) == data_stamp(SPEC, str(copy))

    assert SPEC.revision and data_stamp(SPEC, None) == f"hub:{SPEC.revision}"
    assert data_stamp(replace(SPEC, revision="main"), None) is None  # a branch moves
    assert data_stamp(replace(SPEC, revision=None), None) is None
