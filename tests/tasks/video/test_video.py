"""Video-MME (with and without subtitles), MLVU dev and LVBench: local copies in each repo's layout, the
prompts, and scores pinned on hand-made answers."""

from __future__ import annotations

import pytest

from omnieval.errors import MediaError
from omnieval.registry import TASKS
from omnieval.testing.sample_av import lvbench_sample, mlvu_sample, videomme_sample
from tests.helpers import score_answers as scored


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    base = tmp_path_factory.mktemp("video")
    return {
        "videomme": videomme_sample(base / "videomme"),
        "mlvu": mlvu_sample(base / "mlvu"),
        "lvbench": lvbench_sample(base / "lvbench"),
    }


def prompt_of(task, folder, index):
    loaded = task.load(str(folder))
    (message,) = task.build_messages(loaded.rows[index], loaded.base_dir)
    return message


def test_videomme_scores_per_duration_and_asks_with_its_official_prompt(samples):
    task, records, metrics = scored("videomme", samples["videomme"], ["A", "The best answer is: C.", "A", None])
    assert [r.id for r in records] == ["001-1", "001-2", "002-1", "003-1"]
    assert metrics["accuracy"] == 50.0
    assert metrics["accuracy/duration/short"] == 50.0 and metrics["accuracy/duration/medium"] == 100.0
    assert metrics["accuracy/duration/long"] == 0.0 and metrics["accuracy/task_type/OCR Problems"] == 0.0
    message = prompt_of(task, samples["videomme"], 0)
    assert message.content[0].media.path.endswith("data/vmRed.mp4")
    assert message.content[1].text == (
        "Select the best answer to the following multiple-choice question based on the video. Respond with only the "
        "letter (A, B, C, or D) of the correct option.\nWhat colour is the room?\nA. Red.\nB. Green.\nC. Blue.\n"
        "D. Black.\nThe best answer is:"
    )
    assert not task.gen.use_audio_in_video
    with pytest.raises(MediaError, match="video file not found: data/vmMissing.mp4"):
        prompt_of(task, samples["videomme"], 3)


def test_videomme_with_subtitles_puts_the_video_s_lines_first(samples):
    task = TASKS.get("videomme_w_subtitle")
    text = prompt_of(task, samples["videomme"], 1).content[1].text
    assert text.startswith(
        "This video's subtitles are listed below:\nwelcome to\nthe red room\nSelect the best "
        "answer to the following multiple-choice question based on the video and the subtitles."
    )
    assert text.endswith("D. A ship.\nThe best answer is:")
    without = prompt_of(task, samples["videomme"], 2).content[1].text
    assert without.startswith("This video's subtitles are listed below:\nNo subtitles available\nSelect")


def test_mlvu_asks_with_its_official_prompt_and_averages_task_types(samples):
    task, records, metrics = scored("mlvu_dev", samples["mlvu"], ["(B) yellow", "Best option: (A)", "A"])
    assert [r.target for r in records] == ["B", "A", "B"]  # answers given as option text
    assert metrics["accuracy"] == pytest.approx(200 / 3)
    assert metrics["accuracy/task_type/plotQA"] == 100.0 and metrics["accuracy/task_type/count"] == 50.0
    assert metrics["m_avg"] == 75.0 and list(task.headline_metrics) == ["m_avg"]
    message = prompt_of(task, samples["mlvu"], 0)
    assert message.content[0].media.path.endswith("video/count/mlvu_a.mp4")
    assert message.content[1].text == (
        "Question: What colour is the screen?\nOptions:\n(A) blue\n(B) yellow\n(C) red\n"
        "(D) white\nOnly give the best option."
    )
    assert task.gen.system_prompt.startswith("Carefully watch this video")


def test_lvbench_reads_inline_options_and_counts_each_question_type(samples):
    task, records, metrics = scored("lvbench", samples["lvbench"], ["(A)", "B"])
    assert records[1].metadata["options"] == {"A": "paint", "B": "light", "C": "a filter", "D": "unknown"}
    assert metrics["accuracy"] == 50.0
    assert metrics["accuracy/question_type/entity recognition"] == 100.0
    assert metrics["accuracy/question_type/reasoning"] == 0.0
    assert metrics["accuracy/question_type/event understanding"] == 0.0
    text = prompt_of(task, samples["lvbench"], 0).content[1].text
    assert text == (
        "What colour is shown?\n(A) purple\n(B) green\n(C) red\n(D) gray\nAnswer the question with the option letter"
    )
