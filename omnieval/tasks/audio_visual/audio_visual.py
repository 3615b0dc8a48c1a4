"""Audio-visual questions: WorldSense, Daily-Omni and Video-Holmes, each from a local copy of its release.

Each benchmark ships a JSON file of questions beside archives of videos; a run reads the JSON
file from the folder given with --dataset-path and the videos where the release unpacks them.
The model gets the video with its sound: the video's own audio track (`use_audio_in_video`, on
by default; `--gen use_audio_in_video=false` turns it off) or, for Daily-Omni, the separate
audio file the release ships (`-T input_mode=`). A sample whose video or sound is missing
fails; it is never asked on the text alone. Each benchmark's `accuracy` is its official scorer's
reading (omnieval.judges.official), with omnieval.judges.choice's beside it as `accuracy_lenient`.

Prompts and breakdowns:
- WorldSense: its authors evaluate with VLMEvalKit, whose prompt this is (the instruction, the
  video, then "Question: ...\\nA. ...\\nAnswer: "); accuracy overall and per video domain (the
  8 columns of the leaderboard), task type (26), task domain, duration bucket and audio class.
  `accuracy` is lmms-eval's reading (its worldsense/utils.py, the scorer the authors' README names
  beside VLMEvalKit; MultiChoiceParse): any capital A-D in the answer is a candidate ("Anger" reads
  A), the last "(X)" of several wins, else the first; an answer it cannot read is taken as "A", as
  the script does, and counted in `official_guessed`. Ours reads the stated answer and counts none
  as wrong.
- Daily-Omni: the prompt of its Qwen3-Omni script (test_model/Qwen3-Omni/testmodel.py: the
  choices as a Python list, video and its separate audio file); accuracy per QA type, video
  category and duration (30s / 60s). `accuracy` is its scripts' reading (OpeningLetter: the
  letter the answer opens with), `accuracy_lenient` ours. Its script leaves failed items out of the denominator;
  here they count as wrong (all 1,197 count when nothing fails, as on its leaderboard).
- Video-Holmes: the official evaluate.py prompt (reasoning in <think>, answer in <answer>,
  options "A: x, B: y, ..."); accuracy per question type (SR, IMC, TCI, TA, MHR, PAR, CTI).
  `accuracy` is evaluate.py's reading (HolmesLetter: the answer span, then "X "/"X:"/"[X", then any
  capital A-F); `accuracy_lenient` ours.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec
from omnieval.errors import OmnievalError
from omnieval.judges.official import RAW_OPTIONS, HolmesLetter, MultiChoiceParse, OpeningLetter, ScorerSource
from omnieval.registry import TASKS
from omnieval.tasks.choice import ChoiceItem, answer_letter, lettered
from omnieval.tasks.video_choice import JsonRelease, VideoChoiceTask
from omnieval.types import GenConfig, MediaRef

#: WorldSense's instruction and frames template (VLMEvalKit vlmeval/dataset/worldsense.py, = lmms-eval's)
WORLDSENSE_PROMPT = (
    "Carefully watch this video and pay attention to every detail. Based on your observations, select the best "
    "option that accurately addresses the question.{media}\nThese are the frames of a video and the corresponding "
    "audio. Select the best answer to the following multiple-choice question based on the video. Respond with only "
    "the letter (A, B, C, or D) of the correct option.\nQuestion: {question}\n{options}\nAnswer: "
)
DAILYOMNI_PROMPT = (
    "Your task is to accurately answer multiple-choice questions based on the {given}.\n"
    "Select the single most accurate answer from the given choices.\n"
    "Question: {question}\n"
    "Choices: {options}\n"
    "Your answer should be a capital letter representing your choice: A, B, C, or D. Don't generate any other text.\n"
)
#: Daily-Omni's input modes (its script's --input_mode) -> what the prompt says the model is given
DAILYOMNI_GIVEN = {"all": "given video and audio together", "visual": "given video", "audio": "given audio"}
VIDEOHOLMES_PROMPT = (
    "Based on the given video, reason and answer the single-choice question. Provide your reasoning between the "
    "<think> and </think> tags, and then give your final answer between the <answer> and </answer> tags. The "
    "question is: {question}. The options are: {options}. Your answer:"
)
FAMILY = "audio_visual"


def _task_number(key: str) -> int:
    return int(re.sub(r"\D", "", key) or 0)


def _labels(value: Any) -> list[str]:
    """WorldSense's audio classes: a list, or its text ("['Speech', 'Music']") after a TSV round trip."""
    if isinstance(value, str):
        value = ast.literal_eval(value) if value.strip().startswith("[") else [value]
    return [str(v) for v in value or []]


def worldsense_rows(entries: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """worldsense_qa.json (video id -> the video's fields and its questions task0, task1, ...) as one row
    per question."""
    rows = []
    for video_id, video in entries.items():
        for key in sorted((k for k in video if k.startswith("task")), key=_task_number):
            task = video[key]
            rows.append(
                {
                    "id": f"{video_id}/{key}",
                    "video_id": video_id,
                    "question": task["question"],
                    "candidates": list(task["candidates"]),
                    "answer": task["answer"],
                    "task_type": task["task_type"],
                    "task_domain": task["task_domain"],
                    "domain": video["domain"],
                    "duration": video["duration"],
                    "sub_category": video.get("sub_category"),
                    "audio_class": _labels(video.get("audio_class")),
                }
            )
    return rows


def worldsense_item(row: dict[str, Any]) -> ChoiceItem:
    """A question; its scorer sees each option's text as the candidate after its first three characters
    ("A. text")."""
    options = lettered(row["candidates"])
    return ChoiceItem(
        row["question"],
        options,
        answer_letter(row["answer"], options),
        {
            **{key: row[key] for key in ("video_id", "domain", "task_type", "task_domain", "duration", "audio_class")},
            RAW_OPTIONS: {letter: str(text)[3:] for letter, text in zip(options, row["candidates"], strict=False)},
        },
    )


def dailyomni_rows(entries: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    """qa.json: a list of questions, each naming its video."""
    return [
        {
            "video_id": e["video_id"],
            "question": e["Question"],
            "choices": list(e["Choice"]),
            "answer": e["Answer"],
            "qa_type": e["Type"],
            "video_category": e["video_category"],
            "video_duration": e["video_duration"],
        }
        for e in entries
    ]


def dailyomni_item(row: dict[str, Any]) -> ChoiceItem:
    options = lettered(row["choices"])
    return ChoiceItem(
        row["question"],
        options,
        answer_letter(row["answer"], options),
        {key: row[key] for key in ("video_id", "qa_type", "video_category", "video_duration")},
    )


def as_python_list(options: dict[str, str]) -> str:
    """Daily-Omni's choices as its script puts them in the prompt: the Python list of "A. text" strings."""
    return str([f"{letter}. {text}" for letter, text in options.items()])


def videoholmes_rows(entries: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    """test_Video-Holmes.json: a list of questions with options A-F as a mapping."""
    rows = []
    for e in entries:
        options = dict(e["Options"])
        rows.append(
            {
                "id": f"{e['video ID']}/{e['Question ID']}",
                "video_id": e["video ID"],
                "question": e["Question"],
                "options": [options[letter] for letter in sorted(options)],
                "answer": e["Answer"],
                "question_type": e["Question Type"],
            }
        )
    return rows


def videoholmes_item(row: dict[str, Any]) -> ChoiceItem:
    options = lettered(row["options"])
    return ChoiceItem(
        row["question"],
        options,
        answer_letter(row["answer"], options),
        {"video_id": row["video_id"], "question_type": row["question_type"]},
    )


class DailyOmniTask(VideoChoiceTask):
    """Daily-Omni: the video and, beside it, its audio as a separate file (`input_mode` all, visual or audio,
    as its script names them)."""

    def __init__(self, **task: Any) -> None:
        super().__init__(family=FAMILY, **task)
        self.params = {**self.params, "input_mode": "all"}

    def _mode(self) -> str:
        mode = self.params["input_mode"]
        if mode not in DAILYOMNI_GIVEN:
            raise OmnievalError(f"dailyomni's input_mode is one of {', '.join(DAILYOMNI_GIVEN)}, not '{mode}'")
        return mode

    def prompt_fields(self, row: dict[str, Any], base_dir: Path | None) -> dict[str, str]:
        return {"given": DAILYOMNI_GIVEN[self._mode()]}

    def media(self, row: dict[str, Any], base_dir: Path | None) -> list[MediaRef]:
        from omnieval.media import file_ref

        video_id, mode = row["video_id"], self._mode()
        video = super().media(row, base_dir) if mode != "audio" else []
        audio = [file_ref("audio", f"Videos/{video_id}/{video_id}_audio.wav", base_dir)] if mode != "visual" else []
        return video + audio


#: Daily-Omni's Qwen2.5-Omni test script (test_all_questions' letter extraction and evaluate_answer; its
#: other model scripts read the same)
DAILYOMNI_SCORER = OpeningLetter(
    ScorerSource(
        "Lliar-liar/Daily-Omni", "fccb83806fb5c7a4b791beafb8771b22bd55c557", "test_model/Qwen2.5-Omni/testmodel.py"
    )
)


#: lmms-eval's WorldSense scorer, the one its authors' README names beside VLMEvalKit, with a bare capital letter
#: anywhere as a candidate and "A" when it reads none (its random draw is commented out)
WORLDSENSE_SCORER = MultiChoiceParse(
    ScorerSource(
        "EvolvingLMMs-Lab/lmms-eval", "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3", "lmms_eval/tasks/worldsense/utils.py"
    ),
    letter_forms=("{letter}", " {letter} "),
    default="A",
)


#: Video-Holmes' evaluate.py (its <answer> span and letter heuristics; accuracy per question type, micro overall)
VIDEOHOLMES_SCORER = HolmesLetter(
    ScorerSource("TencentARC/Video-Holmes", "52ef8da286ccad03036a65e7b67c160bc3a24fb9", "evaluate.py")
)


def _register_all() -> None:
    TASKS.register(
        VideoChoiceTask(
            family=FAMILY,
            name="worldsense",
            description="WorldSense: 3,172 questions on 1,662 videos heard and seen (8 domains, 26 "
            "task types), accuracy per domain, task type, duration and audio class; a local copy with videos/",
            dataset=DatasetSpec("honglyhly/WorldSense", split="test", fields={"id": "id"}),
            read=worldsense_item,
            videos=lambda row: (f"videos/{row['video_id']}.mp4",),
            release=JsonRelease(
                "worldsense_qa.json",
                worldsense_rows,
                "download honglyhly/WorldSense, unzip its worldsense_videos_*.zip so that the videos lie "
                "in <folder>/videos/<video id>.mp4 beside worldsense_qa.json",
            ),
            breakdowns=("domain", "task_type", "task_domain", "duration", "audio_class"),
            prompt=WORLDSENSE_PROMPT,
            stratify_by="domain",
            gen=GenConfig(max_new_tokens=1024, use_audio_in_video=True),
            official=WORLDSENSE_SCORER,
            version="2",
        )
    )
    TASKS.register(
        DailyOmniTask(
            name="dailyomni",
            description="Daily-Omni: 1,197 questions on 684 everyday videos with their audio (6 QA "
            "types, 30 s and 60 s clips), accuracy per type, category and duration; a local copy with Videos/",
            dataset=DatasetSpec("liarliar/Daily-Omni", split="test", fields={"id": "video_id"}),
            read=dailyomni_item,
            videos=lambda row: (f"Videos/{row['video_id']}/{row['video_id']}_video.mp4",),
            release=JsonRelease(
                "qa.json",
                dailyomni_rows,
                "download liarliar/Daily-Omni and extract Videos.tar beside qa.json "
                "(Videos/<id>/<id>_video.mp4 and <id>_audio.wav)",
            ),
            breakdowns=("qa_type", "video_category", "video_duration"),
            prompt=DAILYOMNI_PROMPT,
            option_format=as_python_list,
            stratify_by="qa_type",
            gen=GenConfig(max_new_tokens=2560),
            official=DAILYOMNI_SCORER,
            version="2",
        )
    )
    TASKS.register(
        VideoChoiceTask(
            family=FAMILY,
            name="videoholmes",
            description="Video-Holmes: 1,837 six-option reasoning questions on 270 suspense short "
            "films, <think>/<answer> prompt, accuracy per question type (SR, IMC, TCI, TA, MHR, PAR, CTI); "
            "a local copy",
            dataset=DatasetSpec("TencentARC/Video-Holmes", split="test", fields={"id": "id"}),
            read=videoholmes_item,
            videos=lambda row: tuple(
                f"{folder}/{row['video_id']}.mp4" for folder in ("videos_cropped", "videos", "videos/videos_cropped")
            ),
            release=JsonRelease(
                "test_Video-Holmes.json",
                videoholmes_rows,
                "download TencentARC/Video-Holmes and unzip videos.zip beside test_Video-Holmes.json "
                "(videos_cropped/<video ID>.mp4)",
            ),
            breakdowns=("question_type",),
            prompt=VIDEOHOLMES_PROMPT,
            option_format=("{letter}: {text}", ", "),
            stratify_by="question_type",
            gen=GenConfig(max_new_tokens=1024, use_audio_in_video=True),
            official=VIDEOHOLMES_SCORER,
            version="2",
        )
    )


_register_all()
