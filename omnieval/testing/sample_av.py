"""Sample data for the audio-visual tasks, in each benchmark's real layout: short ffmpeg videos with
an espeak-ng voice. Used by the tests and the benchmarks (and anyone trying a task offline).

A video shows a solid colour or ffmpeg's test pattern and carries one of: a spoken track, a
silent track, or none; so that the audio-visual path runs on real decoding, and a question can
have its answer only in the sound or only in the picture.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Literal

Track = Literal["speech", "silent", "none"]


def make_video(
    path: str | Path,
    seconds: float = 2.0,
    colour: str | None = None,
    speech: str | None = None,
    track: Track | None = None,
    size: tuple[int, int] = (96, 64),
    rate: int = 10,
    grain: int = 0,
) -> Path:
    """An H.264 mp4 of `seconds`: `colour` (an ffmpeg colour name) or the test pattern, with film grain of
    strength `grain` (0-100: frames that compress like camera footage); with the spoken `speech` as AAC
    audio, a silent AAC track, or no audio (`track`, default: speech when given, else none)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    track = track or ("speech" if speech else "none")
    picture = (
        f"color=c={colour}:size={size[0]}x{size[1]}:rate={rate}"
        if colour
        else f"testsrc2=size={size[0]}x{size[1]}:rate={rate}"
    )
    if grain:
        picture += f",noise=alls={grain}:allf=t+u"
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", picture]
    with tempfile.TemporaryDirectory() as scratch:
        if track == "speech":
            if not speech:
                raise ValueError("a spoken track needs the words to speak")
            spoken = Path(scratch) / "speech.wav"
            subprocess.run(["espeak-ng", "-w", str(spoken), speech], check=True)
            command += ["-i", str(spoken)]
        elif track == "silent":
            command += ["-f", "lavfi", "-i", "anullsrc=channel_layout=mono:sample_rate=16000"]
        command += ["-t", f"{seconds:g}", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
        if track != "none":
            command += ["-c:a", "aac"] + (["-af", "apad"] if track == "speech" else [])  # speech padded to the end
        subprocess.run([*command, str(path)], check=True)
    return path


def make_speech_wav(path: str | Path, text: str) -> Path:
    """espeak-ng's reading of `text` as a WAV file."""
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    return Path(path)


def _write_json(path: Path, entries: Any) -> Path:
    path.write_text(json.dumps(entries, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def _question(question: str, options: list[str], answer: str, **fields: Any) -> dict[str, Any]:
    return {
        "question": question,
        "candidates": [f"{'ABCD'[i]}. {o}" for i, o in enumerate(options)],
        "answer": answer,
        **fields,
    }


def worldsense_sample(folder: str | Path) -> Path:
    """worldsense_qa.json and videos/<id>.mp4 as the WorldSense release unpacks: a red clip whose speaker says
    the answer to its first question (only heard) and whose colour answers the second (only seen); a test
    pattern counting aloud (a three-option question); a clip without an audio track; a video not there."""
    base = Path(folder)
    (base / "videos").mkdir(parents=True, exist_ok=True)
    make_video(base / "videos" / "ws_red.mp4", colour="red", speech="the secret word is banana")
    make_video(base / "videos" / "ws_pattern.mp4", speech="one, two, three")
    make_video(base / "videos" / "ws_mute.mp4", colour="blue")

    def video(domain: str, duration: str, audio: list[str], **tasks: dict) -> dict[str, Any]:
        return {
            "duration": duration,
            "domain": domain,
            "sub_category": f"{domain} clips",
            "audio_class": audio,
            "video_caption": "a generated clip",
            **tasks,
        }

    entries = {
        "ws_red": video(
            "Daily Life",
            "<1min",
            ["Speech"],
            task0=_question(
                "Which word does the speaker say?",
                ["apple", "banana", "cherry", "grape"],
                "B",
                task_domain="Recognition",
                task_type="Audio Recognition",
            ),
            task1=_question(
                "What colour fills the screen?",
                ["red", "green", "blue", "white"],
                "A",
                task_domain="Recognition",
                task_type="Attribute Recognition",
            ),
        ),
        "ws_pattern": video(
            "Tech & Science",
            "1-2min",
            ["Speech", "Music"],
            task0=_question(
                "How many numbers are spoken?",
                ["two", "three", "four"],
                "B",
                task_domain="Reasoning",
                task_type="Audio Counting",
            ),
        ),
        "ws_mute": video(
            "Film & TV",
            "<1min",
            ["Event"],
            task0=_question(
                "What sound is heard?",
                ["a bell", "a dog", "rain", "speech"],
                "C",
                task_domain="Recognition",
                task_type="Audio Recognition",
            ),
        ),
        "ws_missing": video(
            "Sports",
            ">8min",
            ["Music"],
            task0=_question(
                "Which sport is shown?",
                ["tennis", "golf", "chess", "rowing"],
                "A",
                task_domain="Recognition",
                task_type="Event Recognition",
            ),
        ),
    }
    _write_json(base / "worldsense_qa.json", entries)
    return base


def dailyomni_sample(folder: str | Path) -> Path:
    """qa.json and Videos/<id>/<id>_video.mp4 + <id>_audio.wav as Daily-Omni unpacks: two questions on one
    clip (one answered only by its audio file), one on a clip whose audio file is missing."""
    base = Path(folder)
    for video_id in ("do_green", "do_pattern"):
        (base / "Videos" / video_id).mkdir(parents=True, exist_ok=True)
    make_video(base / "Videos" / "do_green" / "do_green_video.mp4", colour="green")
    make_speech_wav(base / "Videos" / "do_green" / "do_green_audio.wav", "the dog is barking at the mailman")
    make_video(base / "Videos" / "do_pattern" / "do_pattern_video.mp4")

    def qa(video_id: str, question: str, options: list[str], answer: str, kind: str, duration: str) -> dict:
        return {
            "Question": question,
            "Choice": [f"{'ABCD'[i]}. {o}" for i, o in enumerate(options)],
            "Answer": answer,
            "video_id": video_id,
            "Type": kind,
            "video_category": "Pets & Animals",
            "video_duration": duration,
        }

    entries = [
        qa(
            "do_green",
            "Which animal is heard?",
            ["a cat", "a dog", "a cow", "a bird"],
            "B",
            "AV Event Alignment",
            "30s",
        ),
        qa(
            "do_green",
            "What colour is the scene?",
            ["red", "blue", "green", "black"],
            "C",
            "Context understanding",
            "30s",
        ),
        qa("do_pattern", "What is shown?", ["a test pattern", "a face", "a car", "a tree"], "A", "Inference", "60s"),
    ]
    _write_json(base / "qa.json", entries)
    return base


def videoholmes_sample(folder: str | Path) -> Path:
    """test_Video-Holmes.json and videos_cropped/<video ID>.mp4 as Video-Holmes unpacks: a film whose
    speaker names the culprit, asked two six-option questions; a film whose file is cut short."""
    base = Path(folder)
    (base / "videos_cropped").mkdir(parents=True, exist_ok=True)
    make_video(base / "videos_cropped" / "vh_film.mp4", colour="gray", speech="the butler did it")
    broken = base / "videos_cropped" / "vh_cut.mp4"
    make_video(broken, speech="nothing to see")
    broken.write_bytes(broken.read_bytes()[:600])
    suspects = {
        "A": "The gardener",
        "B": "The butler",
        "C": "The cook",
        "D": "The driver",
        "E": "The maid",
        "F": "Nobody",
    }

    def question(video_id: str, number: int, kind: str, text: str, answer: str) -> dict[str, Any]:
        return {
            "video ID": video_id,
            "Question ID": number,
            "Question Type": kind,
            "Question": text,
            "Options": suspects,
            "Answer": answer,
            "Explanation": "The speaker says so.",
        }

    entries = [
        question("vh_film", 1, "MHR", "Who is the culprit?", "B"),
        question("vh_film", 2, "SR", "Who is innocent of everything?", "F"),
        question("vh_cut", 1, "TCI", "Who left first?", "A"),
    ]
    _write_json(base / "test_Video-Holmes.json", entries)
    return base


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    import datasets

    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(rows).to_parquet(str(path))
    return path


def videomme_sample(folder: str | Path) -> Path:
    """Video-MME's layout: videomme/test-*.parquet, data/<videoID>.mp4 and subtitle/<videoID>.srt: a red
    short video with subtitles (two questions), a pattern without subtitles, a video not there."""
    base = Path(folder)
    (base / "data").mkdir(parents=True, exist_ok=True)
    (base / "subtitle").mkdir(parents=True, exist_ok=True)
    make_video(base / "data" / "vmRed.mp4", colour="red", speech="welcome to the red room")
    make_video(base / "data" / "vmPattern.mp4")
    (base / "subtitle" / "vmRed.srt").write_text(
        '1\n00:00:00,000 --> 00:00:01,000\n<font color="white" size=".72c">welcome to</font>\n\n'
        '2\n00:00:01,000 --> 00:00:02,000\n<font color="white" size=".72c">the red room</font>\n',
        encoding="utf-8",
    )

    def row(
        video_id: str,
        number: int,
        youtube: str,
        duration: str,
        task_type: str,
        question: str,
        options: list[str],
        answer: str,
    ) -> dict[str, Any]:
        return {
            "video_id": video_id,
            "duration": duration,
            "domain": "Life Record",
            "sub_category": "Daily",
            "url": f"https://www.youtube.com/watch?v={youtube}",
            "videoID": youtube,
            "question_id": f"{video_id}-{number}",
            "task_type": task_type,
            "question": question,
            "options": [f"{'ABCD'[i]}. {o}" for i, o in enumerate(options)],
            "answer": answer,
        }

    colours = ["Red.", "Green.", "Blue.", "Black."]
    _write_parquet(
        base / "videomme" / "test-00000-of-00001.parquet",
        [
            row("001", 1, "vmRed", "short", "Attribute Perception", "What colour is the room?", colours, "A"),
            row(
                "001",
                2,
                "vmRed",
                "short",
                "OCR Problems",
                "What does the speaker welcome us to?",
                ["A garden.", "The red room.", "A car.", "A ship."],
                "B",
            ),
            row(
                "002",
                1,
                "vmPattern",
                "medium",
                "Object Recognition",
                "What is shown?",
                ["A test pattern.", "A face.", "A dog.", "A tree."],
                "A",
            ),
            row(
                "003",
                1,
                "vmMissing",
                "long",
                "Counting Problem",
                "How many people appear?",
                ["1.", "2.", "3.", "4."],
                "C",
            ),
        ],
    )
    return base


def mlvu_sample(folder: str | Path) -> Path:
    """MLVU dev's layout: mlvu/test-*.parquet naming its videos by path, answers given as option text."""
    base = Path(folder)
    make_video(base / "video" / "count" / "mlvu_a.mp4", colour="yellow")
    rows = [
        {
            "video_name": "video/count/mlvu_a.mp4",
            "duration": 2.0,
            "question": "What colour is the screen?",
            "candidates": ["blue", "yellow", "red", "white"],
            "answer": "yellow",
            "task_type": "plotQA",
            "question_id": "plotQA_1",
        },
        {
            "video_name": "video/count/mlvu_a.mp4",
            "duration": 2.0,
            "question": "How many scenes are there?",
            "candidates": ["1", "2", "3", "4"],
            "answer": "1",
            "task_type": "count",
            "question_id": "count_1",
        },
        {
            "video_name": "video/count/mlvu_a.mp4",
            "duration": 2.0,
            "question": "Is anything moving?",
            "candidates": ["yes", "no"],
            "answer": "no",
            "task_type": "count",
            "question_id": "count_2",
        },
    ]
    _write_parquet(base / "mlvu" / "test-00000-of-00001.parquet", rows)
    return base


def lvbench_sample(folder: str | Path) -> Path:
    """LVBench's layout: data/train-*.parquet, each question with its "(A) ..." options inline and its
    question types, videos by relative path."""
    base = Path(folder)
    make_video(base / "videos" / "lv_a.mp4", colour="purple")
    rows = [
        {
            "uid": "lv-1",
            "question": "What colour is shown?\n(A) purple\n(B) green\n(C) red\n(D) gray",
            "answer": "A",
            "question_type": ["entity recognition"],
            "time_reference": "00:00-00:02",
            "video_path": "videos/lv_a.mp4",
        },
        {
            "uid": "lv-2",
            "question": "Why is it purple?\n(A) paint\n(B) light\n(C) a filter\n(D) unknown",
            "answer": "D",
            "question_type": ["reasoning", "event understanding"],
            "time_reference": "",
            "video_path": "videos/lv_a.mp4",
        },
    ]
    _write_parquet(base / "data" / "train-00000-of-00001.parquet", rows)
    return base
