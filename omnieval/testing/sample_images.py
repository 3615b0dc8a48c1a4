"""Sample data for the image tasks, in each hub dataset's schema: pictures drawn with PIL (shapes to
count, colours, words, a bar chart) embedded as `datasets` Image cells. Used by the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLOURS = {"red": (220, 30, 30), "blue": (30, 60, 220), "green": (30, 160, 60), "yellow": (240, 210, 30)}


def shapes(count: int, colour: str = "red", size: tuple[int, int] = (160, 96)):
    """`count` filled circles of one colour on white, in a row."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    step = size[0] // max(count, 1)
    for i in range(count):
        draw.ellipse((i * step + 4, 30, i * step + step - 4, 30 + step - 8), fill=COLOURS[colour])
    return image


def words(text: str, size: tuple[int, int] = (200, 60)):
    """Black text on white."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((8, 20), text, fill="black")
    return image


def bars(values: list[int], size: tuple[int, int] = (160, 120)):
    """A bar chart of `values`, one bar each."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    width = size[0] // len(values)
    for i, value in enumerate(values):
        draw.rectangle((i * width + 6, size[1] - value, i * width + width - 6, size[1] - 1), fill=(30, 60, 220))
    return image


def _write(path: Path, rows: list[dict[str, Any]], image_columns: tuple[str, ...]) -> Path:
    import datasets

    features = datasets.Dataset.from_list(
        [{k: v for k, v in row.items() if k not in image_columns} for row in rows]
    ).features
    for column in image_columns:
        features[column] = datasets.Image()
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.disable_progress_bars()
    try:
        datasets.Dataset.from_list(rows, features=datasets.Features(features)).to_parquet(str(path))
    finally:
        datasets.enable_progress_bars()
    return path


def image_samples(folder: str | Path) -> dict[str, Path]:
    """One small parquet file per image task, named after it."""
    base = Path(folder)
    none = {f"image_{n}": None for n in range(2, 8)}
    mmmu = [
        {
            "id": "validation_Art_1",
            "question": "<image 1> Which colour are the circles?",
            "options": "['blue', 'red', 'green', 'yellow']",
            "answer": "B",
            "question_type": "multiple-choice",
            "image_1": shapes(3, "red"),
            **none,
        },
        {
            "id": "validation_Math_2",
            "question": "How many circles are in <image 1>?",
            "options": "[]",
            "answer": "4",
            "question_type": "open",
            "image_1": shapes(4, "blue"),
            **none,
        },
        {
            "id": "validation_History_3",
            "question": "Which city is written in <image 1>?",
            "options": "[]",
            "answer": "Rome",
            "question_type": "open",
            "image_1": words("Rome"),
            **none,
        },
    ]
    pro_standard = [
        {
            "id": "pro_1",
            "question": "<image 1> How many circles?",
            "options": str([str(n) for n in range(1, 11)]),
            "answer": "C",
            "subject": "Math",
            "image_1": shapes(3),
            **none,
        },
        {
            "id": "pro_2",
            "question": "<image 1> Which colour?",
            "options": "['red', 'green']",
            "answer": "B",
            "subject": "Art",
            "image_1": shapes(2, "green"),
            **none,
        },
    ]
    pro_vision = [
        {
            "id": "pro_v1",
            "image": words("How many? A: 1 B: 2"),
            "options": "['1', '2']",
            "answer": "B",
            "subject": "Math",
        }
    ]
    vista_meta = {
        "category": "math-targeted-vqa",
        "context": "synthetic scene",
        "grade": "elementary school",
        "img_height": 96,
        "img_width": 160,
        "language": "english",
        "skills": ["arithmetic reasoning"],
        "source": "omnieval",
        "split": "testmini",
        "task": "math word problem",
    }
    mathvista = [
        {
            "pid": "1",
            "question": "How many circles are there?",
            "image": "images/1.jpg",
            "decoded_image": shapes(3),
            "choices": ["2", "3", "4"],
            "unit": None,
            "precision": None,
            "answer": "3",
            "question_type": "multi_choice",
            "answer_type": "text",
            "metadata": vista_meta,
            "query": "Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the "
            "end.\nQuestion: How many circles are there?\nChoices:\n(A) 2\n(B) 3\n(C) 4",
        },
        {
            "pid": "2",
            "question": "How many circles?",
            "image": "images/2.jpg",
            "decoded_image": shapes(5),
            "choices": None,
            "unit": None,
            "precision": None,
            "answer": "5",
            "question_type": "free_form",
            "answer_type": "integer",
            "metadata": {**vista_meta, "task": "figure question answering"},
            "query": "Hint: Please answer the question requiring an integer answer.\nQuestion: How many circles?",
        },
        {
            "pid": "3",
            "question": "What is half of three?",
            "image": "images/3.jpg",
            "decoded_image": words("3 / 2"),
            "choices": None,
            "unit": None,
            "precision": 1.0,
            "answer": "1.5",
            "question_type": "free_form",
            "answer_type": "float",
            "metadata": vista_meta,
            "query": "Hint: Please answer the question requiring a floating-point number with one decimal place.\n"
            "Question: What is half of three?",
        },
    ]
    mmstar = [
        {
            "index": 0,
            "question": "What colour are the circles?\nOptions: A: red, B: blue, C: green, D: yellow",
            "image": shapes(2, "green"),
            "answer": "C",
            "category": "coarse perception",
            "l2_category": "image style",
            "meta_info": {"source": "omnieval", "split": "val", "image_path": "0.png"},
        },
        {
            "index": 1,
            "question": "How many circles?\nOptions: A: 1, B: 2, C: 3, D: 4",
            "image": shapes(4),
            "answer": "D",
            "category": "math",
            "l2_category": "numeric commonsense",
            "meta_info": {"source": "omnieval", "split": "val", "image_path": "1.png"},
        },
    ]
    ai2d = [
        {
            "question": "Which colour are the circles?",
            "options": ["blue", "yellow", "red"],
            "answer": "1",
            "image": shapes(2, "yellow"),
        },
        {"question": "How many circles?", "options": ["1", "2", "3", "4"], "answer": "0", "image": shapes(1)},
    ]
    realworldqa = [
        {
            "image": shapes(2, "blue"),
            "question": "Which colour are the circles?\n\nA. Blue\nB. Red\nC. Green\n\n"
            "Please answer directly with only the letter of the correct option and nothing else.",
            "answer": "A",
        },
        {
            "image": shapes(3),
            "question": "How many circles are there? Please answer directly with a single word or number.",
            "answer": "3",
        },
    ]
    countbench = [
        {
            "image": shapes(n),
            "text": f"{n} red circles on a white background",
            "question": "How many circles are there in the image?",
            "number": n,
        }
        for n in (2, 7)
    ]
    chartqa = [
        {"type": "human_test", "question": "How tall is the first bar?", "answer": "12", "image": bars([12, 40])},
        {"type": "augmented_test", "question": "Is the second bar taller?", "answer": "Yes", "image": bars([12, 40])},
        {
            "type": "augmented_test",
            "question": "What share is the first bar?",
            "answer": "25%",
            "image": bars([25, 75]),
        },
    ]
    images = tuple(f"image_{n}" for n in range(1, 8))
    return {
        "mmmu_val": _write(base / "mmmu_val.parquet", mmmu, images),
        "mmmu_pro_standard": _write(base / "mmmu_pro_standard.parquet", pro_standard, images),
        "mmmu_pro_vision": _write(base / "mmmu_pro_vision.parquet", pro_vision, ("image",)),
        "mathvista_testmini": _write(base / "mathvista_testmini.parquet", mathvista, ("decoded_image",)),
        "mmstar": _write(base / "mmstar.parquet", mmstar, ("image",)),
        "ai2d": _write(base / "ai2d.parquet", ai2d, ("image",)),
        "realworldqa": _write(base / "realworldqa.parquet", realworldqa, ("image",)),
        "countbench": _write(base / "countbench.parquet", countbench, ("image",)),
        "chartqa": _write(base / "chartqa.parquet", chartqa, ("image",)),
    }
