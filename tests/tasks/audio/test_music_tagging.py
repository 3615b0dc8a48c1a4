"""Music tagging (MTG-Jamendo, MagnaTagATune): MARBLE's layout read, answers read into tags, micro-F1."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from omnieval.registry import TASKS
from omnieval.tasks.audio.music_tagging import read_tags
from omnieval.tasks.audio.music_tags import MTG_GENRE_TAGS, MTG_INSTRUMENT_TAGS, MTT_TOP50_TAGS
from omnieval.testing.sample_understanding import tagging_samples
from tests.helpers import score_answers


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return tagging_samples(tmp_path_factory.mktemp("tagging"))


@pytest.mark.parametrize(
    "name, size",
    [("mtg_genre", 87), ("mtg_moodtheme", 56), ("mtg_instrument", 40), ("mtg_top50", 50), ("magnatagatune", 50)],
)
def test_each_task_offers_its_whole_vocabulary_without_prefixes(name, size):
    task = TASKS.get(name)
    offered = task.params["prompt"].split("that apply: ", 1)[1].split(". Answer", 1)[0].split(", ")
    assert len(task.labels) == size and offered == [label.split("---")[-1] for label in task.labels]


@pytest.mark.parametrize(
    "answer, tags",
    [
        ("Rock, Hard Rock", ["genre---rock", "genre---hardrock"]),
        ("Genres: Hip-Hop; R&B\nDrum and Bass", ["genre---hiphop", "genre---rnb", "genre---drumnbass"]),
        ("rock and pop", ["genre---rock", "genre---pop"]),
        ("punkrock", ["genre---punkrock"]),  # never "rock" read inside another tag
        ("rock, ROCK, rock music", ["genre---rock"]),
        ("<think>maybe jazz</think>Blues.", ["genre---blues"]),
        ("I cannot tell.", []),
        ("1. Rock music\n2) pop (maybe)\n- Hip Hop", ["genre---rock", "genre---pop", "genre---hiphop"]),
        ("Drum & Bass、rock & roll", ["genre---drumnbass", "genre---rocknroll"]),
        (
            "Electronic, Electronica, hip hop/rap",
            ["genre---electronic", "genre---electronica", "genre---hiphop", "genre---rap"],
        ),
        ("not rock", []),
    ],
)
def test_tags_are_read_whole_from_each_item_of_the_answer(answer, tags):
    assert read_tags(answer, MTG_GENRE_TAGS) == tags


def test_mtt_tags_with_spaces_are_read_and_kept_apart_from_their_near_namesakes():
    assert read_tags("no vocals, male vocal, female", MTT_TOP50_TAGS) == ["no vocals", "male vocal", "female"]
    assert read_tags("female vocals, vocals, guitars", MTT_TOP50_TAGS) == ["female vocal", "vocals", "guitar"]


def test_an_other_name_of_a_tag_outside_the_vocabulary_is_not_split_into_tags_that_are_in_it():
    assert read_tags("drum and bass", MTG_INSTRUMENT_TAGS) == []  # not "bass"
    assert read_tags("drums and bass", MTG_INSTRUMENT_TAGS) == ["instrument---drums", "instrument---bass"]


def test_micro_f1_sums_true_and_false_positives_over_the_run(samples):
    """Row 0 is rock + hardrock, row 1 ambient: tp 3, fp 2 (punkrock, chillout), fn 0."""
    task, records, metrics = score_answers(
        "mtg_genre", samples["mtg_genre"], ["Rock, Hard Rock, Punk Rock", "Genres: chillout; ambient"]
    )
    assert [r.details["tags"] for r in records] == [
        ["genre---rock", "genre---hardrock", "genre---punkrock"],
        ["genre---chillout", "genre---ambient"],
    ]
    assert metrics["micro_precision"] == pytest.approx(60.0) and metrics["micro_recall"] == 100.0
    assert metrics["micro_f1"] == pytest.approx(75.0)


def test_micro_f1_equals_scikit_learns_with_an_unreadable_answer_and_an_untagged_clip(samples):
    """MTT rows: {classical, piano, soft}, {vocal, male vocal}, {} (a clip MARBLE keeps)."""
    answers = ["<think>maybe guitar</think>classical, piano", "I hear singing.", "weird"]
    task, records, metrics = score_answers("magnatagatune", samples["magnatagatune"], answers)
    assert metrics["micro_f1"] == pytest.approx(50.0)  # tp 2, fp 1, fn 3
    assert metrics["extraction_failure_rate"] == pytest.approx(100 / 3)

    def multi_hot(tags):
        return np.array([[label in row for label in MTT_TOP50_TAGS] for row in tags])

    truth = multi_hot([r.target for r in records])
    predicted = multi_hot([r.details["tags"] for r in records])
    assert metrics["micro_f1"] == pytest.approx(100 * f1_score(truth, predicted, average="micro"))


def test_a_failed_generation_misses_all_its_tags(samples):
    _, _, metrics = score_answers("mtg_moodtheme", samples["mtg_moodtheme"], [None, "calm, relaxing"])
    assert metrics["micro_recall"] == pytest.approx(200 / 3) and metrics["micro_precision"] == 100.0
    assert metrics["extraction_failure_rate"] == 0.0  # of the answers generated


def test_tracks_are_found_under_marbles_folder_and_cut_to_their_first_30_seconds(samples):
    task = TASKS.get("mtg_top50")
    loaded = task.load(str(samples["mtg_top50"]))
    audio = task.build_messages(loaded.rows[0], loaded.base_dir)[0].content[0].media
    assert audio.duration_s == 30.0 and audio.name == "audio/00/100.low.flac (first 30 s)"
    whole = task.with_params(clip_seconds=0).build_messages(loaded.rows[0], loaded.base_dir)[0].content[0].media
    assert whole.name == "audio/00/100.low.flac" and whole.duration_s is None


def test_a_row_with_a_tag_outside_the_vocabulary_is_an_error(samples, tmp_path):
    path = tmp_path / "MTGGenre.test.jsonl"
    path.write_text('{"audio_path": "data/MTG/audio/00/1.low.flac", "label": ["genre---polka"]}\n')
    task = TASKS.get("mtg_genre")
    loaded = task.load(str(path))
    with pytest.raises(ValueError, match="genre---polka"):
        task.describe_row(loaded.rows[0], 0, "0")
