"""WorldSense, Daily-Omni and Video-Holmes: rows read from each release's JSON file and video layout,
prompts as their reference scripts write them, and scores pinned on hand-made answers."""

from __future__ import annotations

import pytest

from omnieval.errors import MediaError, OmnievalError
from omnieval.registry import TASKS
from omnieval.testing.sample_av import dailyomni_sample, videoholmes_sample, worldsense_sample
from tests.helpers import score_answers as scored


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    base = tmp_path_factory.mktemp("audio_visual")
    return {
        "worldsense": worldsense_sample(base / "worldsense"),
        "dailyomni": dailyomni_sample(base / "dailyomni"),
        "videoholmes": videoholmes_sample(base / "videoholmes"),
    }


def messages_of(task, folder, index):
    loaded = task.load(str(folder))
    return task.build_messages(loaded.rows[index], loaded.base_dir)


def test_worldsense_flattens_each_video_s_questions_and_scores_per_leaderboard_domain(samples):
    task, records, metrics = scored(
        "worldsense", samples["worldsense"], ["B", "The answer is A.", "C", None, "I cannot tell."]
    )
    assert [r.id for r in records] == [
        "ws_red/task0",
        "ws_red/task1",
        "ws_pattern/task0",
        "ws_mute/task0",
        "ws_missing/task0",
    ]
    assert records[2].metadata["options"] == {"A": "two", "B": "three", "C": "four"}  # "A. two": prefix dropped
    # lmms-eval's scorer takes the unreadable "I cannot tell." as "A", which is right for the last question
    assert [r.details["official_read"] for r in records] == ["B", "A", "C", "A", "A"]
    assert metrics["accuracy"] == 60.0 and metrics["official_guessed"] == 1
    assert metrics["accuracy_lenient"] == 40.0 and metrics["extraction_failure_rate"] == 25.0
    assert metrics["accuracy/domain/Daily Life"] == 100.0 and metrics["accuracy/domain/Tech & Science"] == 0.0
    assert metrics["accuracy/task_type/Audio Recognition"] == 50.0
    assert metrics["accuracy/task_domain/Reasoning"] == 0.0 and metrics["accuracy/duration/<1min"] == pytest.approx(
        200 / 3
    )
    # a question counts under each of its video's audio classes
    assert metrics["accuracy/audio_class/Speech"] == pytest.approx(200 / 3)
    assert metrics["accuracy/audio_class/Music"] == 50.0 and metrics["accuracy/audio_class/Event"] == 0.0
    assert task.gen.use_audio_in_video and task.stratify_by == "domain"


def test_worldsense_asks_as_vlmevalkit_does_and_never_without_its_video(samples):
    task = TASKS.get("worldsense")
    (message,) = messages_of(task, samples["worldsense"], 2)
    first, video, last = message.content
    assert first.text == (
        "Carefully watch this video and pay attention to every detail. Based on your observations, "
        "select the best option that accurately addresses the question."
    )
    assert video.media.kind == "video" and video.media.path.endswith("videos/ws_pattern.mp4") and video.media.sha256
    assert last.text.startswith("\nThese are the frames of a video and the corresponding audio. Select the best")
    assert last.text.endswith("Question: How many numbers are spoken?\nA. two\nB. three\nC. four\nAnswer: ")
    with pytest.raises(MediaError, match="video file not found: videos/ws_missing.mp4 under"):
        messages_of(task, samples["worldsense"], 4)


def test_dailyomni_gives_the_video_and_its_audio_file_with_its_script_s_prompt(samples):
    task, records, metrics = scored("dailyomni", samples["dailyomni"], ["B", "<answer>A</answer>", "Answer: A"])
    assert [r.id for r in records] == ["do_green", "do_green#2", "do_pattern"]
    assert metrics["accuracy"] == pytest.approx(200 / 3)
    assert metrics["accuracy/qa_type/AV Event Alignment"] == 100.0
    assert metrics["accuracy/qa_type/Context understanding"] == 0.0
    assert metrics["accuracy/video_duration/30s"] == 50.0 and metrics["accuracy/video_duration/60s"] == 100.0
    (message,) = messages_of(task, samples["dailyomni"], 0)
    assert [p.media.kind for p in message.content[:2]] == ["video", "audio"]
    assert message.content[1].media.path.endswith("Videos/do_green/do_green_audio.wav")
    assert message.content[2].text == (
        "Your task is to accurately answer multiple-choice questions based on the given video and audio together.\n"
        "Select the single most accurate answer from the given choices.\nQuestion: Which animal is heard?\n"
        "Choices: ['A. a cat', 'B. a dog', 'C. a cow', 'D. a bird']\nYour answer should be a capital letter "
        "representing your choice: A, B, C, or D. Don't generate any other text.\n"
    )
    assert not task.gen.use_audio_in_video  # the sound is its own file
    with pytest.raises(MediaError, match="audio file not found: Videos/do_pattern/do_pattern_audio.wav"):
        messages_of(task, samples["dailyomni"], 2)


def test_dailyomni_input_modes_follow_its_script(samples):
    task = TASKS.get("dailyomni")
    (video_only,) = messages_of(task.with_params(input_mode="visual"), samples["dailyomni"], 2)
    assert [p.type for p in video_only.content if p.type != "text"] == ["video"]
    assert "based on the given video.\n" in video_only.text()
    (audio_only,) = messages_of(task.with_params(input_mode="audio"), samples["dailyomni"], 0)
    assert [p.type for p in audio_only.content if p.type != "text"] == ["audio"]
    assert "based on the given audio.\n" in audio_only.text()
    with pytest.raises(OmnievalError, match="input_mode is one of all, visual, audio"):
        messages_of(task.with_params(input_mode="both"), samples["dailyomni"], 0)


def test_videoholmes_asks_for_think_and_answer_tags_and_scores_per_question_type(samples):
    task, records, metrics = scored(
        "videoholmes",
        samples["videoholmes"],
        [
            "<think>The speaker says the butler did it.</think><answer>B</answer>",
            "<think>Nobody seems innocent... maybe A or F</think><answer>A: The gardener</answer>",
            "<think>I could not see the video and never closed the thought",
        ],
    )
    assert [r.id for r in records] == ["vh_film/1", "vh_film/2", "vh_cut/1"]
    assert records[0].metadata["options"]["F"] == "Nobody" and len(records[0].metadata["options"]) == 6
    assert metrics["accuracy"] == pytest.approx(100 / 3) and metrics["extraction_failure_rate"] == pytest.approx(
        100 / 3
    )
    assert metrics["accuracy/question_type/MHR"] == 100.0 and metrics["accuracy/question_type/SR"] == 0.0
    (message,) = messages_of(task, samples["videoholmes"], 0)
    assert message.content[0].media.path.endswith("videos_cropped/vh_film.mp4")
    assert message.content[1].text == (
        "Based on the given video, reason and answer the single-choice question. Provide your reasoning between the "
        "<think> and </think> tags, and then give your final answer between the <answer> and </answer> tags. The "
        "question is: Who is the culprit?. The options are: A: The gardener, B: The butler, C: The cook, "
        "D: The driver, E: The maid, F: Nobody. Your answer:"
    )


@pytest.mark.parametrize(
    "name,data_file",
    [("worldsense", "worldsense_qa.json"), ("dailyomni", "qa.json"), ("videoholmes", "test_Video-Holmes.json")],
)
def test_a_local_copy_is_required_and_checked(name, data_file, tmp_path):
    task = TASKS.get(name)
    with pytest.raises(OmnievalError, match="needs a local copy: download"):
        task.load(None)
    with pytest.raises(OmnievalError, match=f"{data_file} not found"):
        task.load(str(tmp_path))
    (tmp_path / data_file).write_text('[{"unexpected": 1}]' if name != "worldsense" else '{"v": {"task0": {}}}')
    with pytest.raises(OmnievalError, match="is not in the .* schema"):
        task.load(str(tmp_path))
