"""Video questions: Video-MME (with and without subtitles), MLVU (dev) and LVBench.

The questions come from the hub (or a local copy of the repo: its metadata files, and the
videos its archives unpack beside them, given with --dataset-path); a sample whose video is
missing fails. Qwen reports these as video without audio, so `use_audio_in_video` is off by
default (`--gen use_audio_in_video=true` adds the video's sound). Each benchmark's `accuracy`
is its official scorer's reading (omnieval.judges.official), with omnieval.judges.choice's
beside it as `accuracy_lenient`.

- Video-MME: the official prompt of its README ("Select the best answer ... The best answer
  is:"); `videomme_w_subtitle` puts the video's subtitles first. The official recipe keeps the
  subtitle lines shown at the sampled frames; at the 2 fps we sample nearly every line is, and
  here all of the video's lines are given. Accuracy per duration (short, medium, long),
  domain, sub-category and task type.
- MLVU dev: the official multiple-choice prompt (VideoChat2's choice_bench: the instruction
  as system prompt, "Question: ...\\nOptions:\\n(A) ...", "Only give the best option.");
  `m_avg`, the mean of the per-task accuracies, is its headline (accuracy over all questions too),
  each answer checked as its choice_bench.py's check_ans does (ParenLetter: the character before
  the first ")", else the whole answer, must be the letter); `accuracy_lenient` is ours.
- LVBench: the question carries its options ("(A) ..." lines); lmms-eval's prompt; accuracy
  overall and per question type (a question counts in each of its types), as its
  compute_accuracy.py counts them, each answer reduced first by the repository's polish_answer
  (LeadingToken: the letter before the first ")" or after the "(", else the first character of the
  first word; "The answer is B" reads T); `accuracy_lenient` is ours. Both the hub's rows and the
  release's video_info.meta.jsonl (one line per video with its `qa` list) load.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from omnieval.data import DatasetSpec, LoadedSplit
from omnieval.errors import OmnievalError
from omnieval.judges.official import LeadingToken, ParenLetter, ScorerSource, VideoMMELetter
from omnieval.registry import TASKS
from omnieval.tasks.choice import ChoiceItem, answer_letter, letter_of, lettered
from omnieval.tasks.video_choice import JsonRelease, VideoChoiceTask
from omnieval.types import GenConfig, SampleRecord

_VIDEOMME_ASK = (
    "Select the best answer to the following multiple-choice question based on the video{also}. "
    "Respond with only the letter (A, B, C, or D) of the correct option.\n{question}\n{options}\n"
    "The best answer is:"
)
VIDEOMME_PROMPT = _VIDEOMME_ASK.replace("{also}", "")
VIDEOMME_SUBTITLE_PROMPT = "This video's subtitles are listed below:\n{subtitles}\n" + _VIDEOMME_ASK.replace(
    "{also}", " and the subtitles"
)
NO_SUBTITLES = "No subtitles available"
MLVU_SYSTEM = (
    "Carefully watch this video and pay attention to every detail. Based on your observations, select "
    "the best option that accurately addresses the question."
)
MLVU_PROMPT = "Question: {question}\nOptions:\n{options}\nOnly give the best option."
LVBENCH_PROMPT = "{question}\nAnswer the question with the option letter"
FAMILY = "video"
_SRT_TIMING = re.compile(r"^\d+:\d+:\d+[,.]\d+\s*-->")
_OPTION_LINE = re.compile(r"^\s*\(([A-Z])\)\s*(.*)$")


def subtitle_lines(path: Path) -> list[str]:
    """The text lines of an .srt file, markup (`<font ...>`) removed, in order."""
    lines = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8-sig", errors="replace")):
        rows = [row.strip() for row in block.strip().splitlines()]
        timing = next((i for i, row in enumerate(rows) if _SRT_TIMING.match(row)), None)
        if timing is None:
            continue
        text = " ".join(re.sub(r"<[^>]+>", "", row).strip() for row in rows[timing + 1 :])
        if text.strip():
            lines.append(text.strip())
    return lines


def videomme_item(row: dict[str, Any]) -> ChoiceItem:
    options = lettered(list(row["options"]))
    return ChoiceItem(
        row["question"],
        options,
        answer_letter(row["answer"], options),
        {key: row[key] for key in ("videoID", "duration", "domain", "sub_category", "task_type")},
    )


#: MLVU's release files name one task type otherwise than its scorer and the hub copy do
MLVU_TASK_NAMES = {"findNeedle": "needle"}


def mlvu_item(row: dict[str, Any]) -> ChoiceItem:
    """A row of the hub copy or of a release file (data/<n>_<task>.json: `video`, `question_type`)."""
    options = lettered(list(row["candidates"]))
    task_type = str(row["task_type"])
    return ChoiceItem(
        row["question"],
        options,
        letter_of(str(row["answer"]), options),
        {"task_type": MLVU_TASK_NAMES.get(task_type, task_type)},
    )


def lvbench_item(row: dict[str, Any]) -> ChoiceItem:
    """The question's own "(A) ..." lines are its options; the whole text is asked."""
    options = {}
    for line in str(row["question"]).splitlines():
        found = _OPTION_LINE.match(line)
        if found:
            options[found.group(1)] = found.group(2).strip()
    if not options:
        raise ValueError(f"LVBench question {row['uid']} lists no '(A) ...' options")
    return ChoiceItem(
        row["question"],
        options,
        answer_letter(str(row["answer"]), options),
        {"question_type": list(row["question_type"] or [])},
    )


def lvbench_rows(videos: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    """video_info.meta.jsonl (one entry per video: its YouTube `key`, `type` and `qa` list) as the hub's rows."""
    return [
        {
            "uid": qa["uid"],
            "question": qa["question"],
            "answer": qa["answer"],
            "question_type": list(qa["question_type"] or []),
            "time_reference": qa.get("time_reference"),
            "video_path": f"{video['key']}.mp4",
            "video_type": video.get("type"),
        }
        for video in videos
        for qa in video["qa"]
    ]


class VideoMMETask(VideoChoiceTask):
    """Video-MME, with the video's subtitles in the prompt when `subtitles` is set."""

    def __init__(self, subtitles: bool, **task: Any) -> None:
        super().__init__(family=FAMILY, **task)
        self.subtitles = subtitles

    def prompt_fields(self, row: dict[str, Any], base_dir: Path | None) -> dict[str, str]:
        """The video's subtitles (Video-MME ships none for some videos: those say so, as lmms-eval's do)."""
        from omnieval.media import confined_path

        if not self.subtitles:
            return {}
        path = confined_path("subtitle", f"subtitle/{row['videoID']}.srt", base_dir) if base_dir is not None else None
        lines = subtitle_lines(path) if path is not None and path.is_file() else []
        return {"subtitles": "\n".join(lines) or NO_SUBTITLES}


#: the scorer Video-MME's README (BradyFU/Video-MME@8889f31) links: extract_characters_regex, and accuracy over
#: the answers it reads, per duration, domain, sub-category and task type
VIDEOMME_SCORER = VideoMMELetter(
    ScorerSource(
        "thanku-all/parse_answer",
        "afd52cfe3dde5b3685e0d4f760c10c756860c758",
        "eval_your_results.py",
        note="linked from BradyFU/Video-MME's README as its evaluation script",
    )
)
#: LVBench's compute_accuracy.py (exact letter, a question counted in each of its types, micro overall) after the
#: answer post-processing its repository ships (lvbench/utils/answer_util.py)
LVBENCH_SCORER = LeadingToken(
    ScorerSource(
        "THUDM/LVBench",
        "f998d95541cd5f0953c52449b185c6467b9b099d",
        "lvbench/metrics/compute_accuracy.py",
        note="answers reduced first by lvbench/utils/answer_util.py polish_answer",
    )
)
#: MLVU's choice_bench.py: check_ans, per-task accuracy and their plain mean (M-Avg)
MLVU_SCORER = ParenLetter(
    ScorerSource(
        "JUNJIE99/MLVU",
        "fd060c10a43ea48a35100a22688a927b8e531199",
        "evaluation/multiple_choice_evaluation/choice_bench.py",
    )
)


#: MLVU dev's multiple-choice files, as its choice_bench.py lists them (8_sub_scene and 9_summary are open-ended)
MLVU_CHOICE_FILES = (
    "1_plotQA.json",
    "2_needle.json",
    "3_ego.json",
    "4_count.json",
    "5_order.json",
    "6_anomaly_reco.json",
    "7_topic_reasoning.json",
)


def mlvu_release_rows(folder: Path) -> list[dict[str, Any]]:
    """The questions of MLVU's multiple-choice files in `folder`, in the hub's columns, each with the places its
    video may lie under the release's root (video/<file name>/, as the hub's archive unpacks; video/<task>/, as
    choice_bench.py reads them)."""
    rows = []
    for name in MLVU_CHOICE_FILES:
        path = folder / name
        if path.is_file():
            task = path.stem.split("_", 1)[1]
            entries = json.loads(path.read_text(encoding="utf-8"))
            rows += [
                {
                    **{k: v for k, v in entry.items() if k not in ("video", "question_type")},
                    "video_name": entry["video"],
                    "task_type": entry["question_type"],
                    "video_candidates": [f"video/{path.stem}/{entry['video']}", f"video/{task}/{entry['video']}"],
                }
                for entry in entries
            ]
    return rows


class MLVUTask(VideoChoiceTask):
    def load(self, dataset_path: str | None = None) -> LoadedSplit:
        """The hub copy, one of the repository's files, or its folder of them (data/, or the repository)."""
        folder = Path(dataset_path) if dataset_path else None
        if folder is not None and folder.is_dir() and not (folder / MLVU_CHOICE_FILES[0]).is_file():
            folder = folder / "data" if (folder / "data" / MLVU_CHOICE_FILES[0]).is_file() else None
        if folder is None or not any((folder / name).is_file() for name in MLVU_CHOICE_FILES):
            return super().load(dataset_path)
        import datasets

        rows = mlvu_release_rows(folder)
        if not rows:
            raise OmnievalError(f"{folder}'s MLVU files hold no questions")
        source = {
            **self.dataset.describe(),
            "origin": "local",
            "layout": "release",
            "path": str(folder.resolve()),
            "files": [name for name in MLVU_CHOICE_FILES if (folder / name).is_file()],
            "num_rows": len(rows),
        }
        return LoadedSplit(rows=datasets.Dataset.from_list(rows), source=source, base_dir=folder.parent)

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        """Accuracy overall and per task type, and M-Avg: the mean of the per-type accuracies."""
        metrics = super().aggregate(records)
        per_type = [value for key, value in metrics.items() if key.startswith("accuracy/task_type/")]
        if per_type:
            metrics["m_avg"] = sum(per_type) / len(per_type)
        return metrics


def _videomme(subtitles: bool) -> VideoMMETask:
    which = "with" if subtitles else "without"
    return VideoMMETask(
        subtitles=subtitles,
        name="videomme_w_subtitle" if subtitles else "videomme",
        description=f"Video-MME {which} subtitles: 2,700 questions on 900 videos (short, medium, long), accuracy per "
        "duration, domain, sub-category and task type; videos unzipped beside the metadata (data/<videoID>.mp4"
        + (", subtitle/<videoID>.srt)" if subtitles else ")"),
        dataset=DatasetSpec(
            "lmms-eval/Video-MME",
            split="test",
            data_files="videomme/test-*.parquet",
            fields={
                "id": "question_id",
                "question": "question",
                "options": "options",
                "answer": "answer",
                "video": "videoID",
                "duration": "duration",
            },
        ),
        read=videomme_item,
        videos=lambda row: tuple(
            f"{folder}/{row['videoID']}.{ext}"
            for folder in ("data", "video", "videos")
            for ext in ("mp4", "MP4", "mkv")
        ),
        breakdowns=("duration", "domain", "sub_category", "task_type"),
        prompt=VIDEOMME_SUBTITLE_PROMPT if subtitles else VIDEOMME_PROMPT,
        option_format=_as_given,
        stratify_by="duration",
        gen=GenConfig(max_new_tokens=128),
        official=VIDEOMME_SCORER,
        version="2",
    )


def _as_given(options: dict[str, str]) -> str:
    """Options one per line as Video-MME writes them: "A. text"."""
    return "\n".join(f"{letter}. {text}" for letter, text in options.items())


def _register_all() -> None:
    TASKS.register(_videomme(subtitles=False))
    TASKS.register(_videomme(subtitles=True))
    mlvu = MLVUTask(
        family=FAMILY,
        name="mlvu_dev",
        description="MLVU dev: multiple-choice questions on long videos in 7 task types, m_avg (mean "
        "of per-type accuracies) and accuracy per type; videos unzipped beside the metadata",
        dataset=DatasetSpec(
            "sy1998/MLVU_dev",
            split="test",
            data_files="mlvu/test-*.parquet",
            fields={
                "question": "question",
                "candidates": "candidates",
                "answer": "answer",
                "task_type": "task_type",
                "video": "video_name",
            },
            release_columns={"video_name": "video", "task_type": "question_type"},
        ),
        read=mlvu_item,
        videos=lambda row: tuple(row.get("video_candidates") or (str(row["video_name"]),)),
        prompt=MLVU_PROMPT,
        official=MLVU_SCORER,
        version="2",
        option_format=("({letter}) {text}", "\n"),
        stratify_by="task_type",
        breakdowns=("task_type",),
        gen=GenConfig(max_new_tokens=128, system_prompt=MLVU_SYSTEM),
    )
    mlvu.headline_metrics = {"m_avg": False}
    TASKS.register(mlvu)
    TASKS.register(
        VideoChoiceTask(
            family=FAMILY,
            name="lvbench",
            description="LVBench: 1,549 questions on 103 hour-long videos, accuracy overall and per "
            "question type (ER, EU, KIR, TG, reasoning, summarization); videos unpacked beside the metadata",
            dataset=DatasetSpec(
                "lmms-eval/LVBench",
                split="train",
                data_files="data/train-*.parquet",
                fields={
                    "id": "uid",
                    "question": "question",
                    "answer": "answer",
                    "question_type": "question_type",
                    "video": "video_path",
                },
            ),
            read=lvbench_item,
            videos=lambda row: (str(row["video_path"]), f"videos/{row['video_path']}"),
            release=JsonRelease(
                "video_info.meta.jsonl",
                lvbench_rows,
                "download THUDM/LVBench's video_info.meta.jsonl and its videos (<key>.mp4) beside it",
                hub_too=True,
            ),
            breakdowns=("question_type",),
            prompt=LVBENCH_PROMPT,
            gen=GenConfig(max_new_tokens=128),
            official=LVBENCH_SCORER,
            version="2",
        )
    )


_register_all()
