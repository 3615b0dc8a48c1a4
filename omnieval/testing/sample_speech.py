"""Sample data for the speech-generation tasks in each test set's layout (seed-tts-eval, MiniMax's
multilingual set, CV3-Eval's cross-lingual folders): prompt speech from espeak-ng voices, with
their transcripts and the texts to speak. Used by the tests (and anyone trying the tasks
offline): `python -m omnieval.testing.sample_speech DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

from omnieval.testing.sample_data import speak, transcode

#: (utt, prompt voice, prompt text, text to speak)
ENGLISH = (
    ("en-1", "en-us+m3", "We asked over twenty different people.", "Get the trust fund to the bank early."),
    ("en-2", "en-us+f3", "The weather was lovely all week.", "She sells sea shells by the sea shore."),
    ("en-3", "en-gb+m1", "Please close the window before you leave.", "A cup of tea would be nice now."),
)
CHINESE = (
    ("zh-1", "cmn", "在此奉劝大家别乱打美白针。", "今天天气很好。"),
    ("zh-2", "cmn+f3", "我们明天早上见。", "你好，很高兴认识你。"),
)


def make_seedtts_sample(folder: str | Path) -> Path:
    """folder/en/meta.lst, folder/zh/meta.lst and folder/zh/hardcase.lst with their prompt-wavs/."""
    base = Path(folder)
    for language, items, lists in (("en", ENGLISH, ("meta.lst",)), ("zh", CHINESE, ("meta.lst", "hardcase.lst"))):
        (base / language / "prompt-wavs").mkdir(parents=True, exist_ok=True)
        lines = []
        for utt, voice, prompt_text, text in items:
            (base / language / "prompt-wavs" / f"{utt}.wav").write_bytes(speak(prompt_text, voice))
            lines.append(f"{utt}|{prompt_text}|prompt-wavs/{utt}.wav|{text}")
        for list_file in lists:
            (base / language / list_file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return base


def make_minimax_sample(folder: str | Path) -> Path:
    """English and French in the MiniMax layout: text/<language>.txt, speaker/<language>/<speaker>/, prompt_text.txt."""
    base = Path(folder)
    transcripts = []
    texts = {
        "english": (
            (
                "english_female",
                "en-us+f3",
                "I love walking in the park.",
                ("Good morning to you.", "See you tomorrow."),
            ),
            ("english_male", "en-us+m3", "The train leaves at noon.", ("Thank you very much.",)),
        ),
        "french": (("french_female", "fr+f3", "Il fait beau aujourd'hui.", ("Bonjour à tous.",)),),
    }
    for language, speakers in texts.items():
        lines = []
        for speaker, voice, prompt_text, to_speak in speakers:
            clip = base / "speaker" / language / speaker / f"common_voice_{speaker}.mp3"
            clip.parent.mkdir(parents=True, exist_ok=True)
            clip.write_bytes(transcode(speak(prompt_text, voice), ".mp3"))
            transcripts.append(f"{clip.name}|{prompt_text}")
            lines += [f"{speaker}|{text}" for text in to_speak]
        (base / "text").mkdir(parents=True, exist_ok=True)
        (base / "text" / f"{language}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (base / "speaker" / "prompt_text.txt").write_text("\n".join(transcripts) + "\n", encoding="utf-8")
    return base


def make_cv3_crosslingual_sample(folder: str | Path) -> Path:
    """CV3-Eval's data/cross_lingual_zeroshot/to_en/ (Kaldi-style files) with Chinese and Korean prompts."""
    base = Path(folder)
    target = base / "data" / "cross_lingual_zeroshot" / "to_en"
    (target / "waveform").mkdir(parents=True, exist_ok=True)
    items = (
        ("zh", "cmn", "我们明天早上见。", "See you in the morning."),
        ("zh", "cmn+f3", "今天天气很好。", "The weather is nice today."),
        ("ko", "ko", "안녕하세요 만나서 반갑습니다.", "Nice to meet you."),
    )
    text, prompt_text, scp = [], [], []
    for n, (_, voice, prompt, to_speak) in enumerate(items, 1):
        (target / "waveform" / f"prompt_audio_{n}.wav").write_bytes(speak(prompt, voice))
        text.append(f"uttid_{n} {to_speak}")
        prompt_text.append(f"uttid_{n} {prompt}")
        scp.append(f"uttid_{n} data/cross_lingual_zeroshot//to_en/waveform/prompt_audio_{n}.wav")
    for name, lines in (("text", text), ("prompt_text", prompt_text), ("prompt_wav.scp", scp)):
        (target / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return base


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "data/sample/speech")
    print(
        make_seedtts_sample(out / "seedtts"),
        make_minimax_sample(out / "minimax"),
        make_cv3_crosslingual_sample(out / "cv3"),
    )
