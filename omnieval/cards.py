"""Benchmark cards: for each benchmark (not each task: the 102 `fleurs_<lang>` tasks share one), its
paper, the licence its data is released under, and how to get the data, with the dataset ids
(`DatasetSpec.hub_id`) of the tasks it covers. The task catalogue (omnieval.catalogue) shows each
card once, under the first family that uses it.

A task finds its card by its dataset id, the one field every task has and that names the data
itself (a task's name or family can change without the data changing). A benchmark published in
several copies (CoVoST 2's two lmms-eval repositories) lists every id.

Facts are as the benchmark's paper, dataset card or repository states them; where none could be
established, the licence reads "see the dataset card". A copy on the hub (lmms-eval's, MARBLE's,
UltraEval-Audio's) carries the data, and so the licence, of the benchmark it copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: the licence text of a card whose data licence no source established
UNKNOWN_LICENCE = "see the dataset card"


@dataclass(frozen=True)
class Card:
    """One benchmark: what it is, where it was published, how its data is licensed and obtained."""

    name: str
    #: the dataset ids (`DatasetSpec.hub_id`) of the tasks that read this benchmark's data
    hub_ids: tuple[str, ...]
    #: the paper that introduces the benchmark (or, where there is none, the page that does)
    paper: str
    paper_url: str
    #: the data's licence as its card or repository states it, else UNKNOWN_LICENCE
    licence: str
    #: what a user does to get the data omnieval reads
    how_to_get: str


_HUB = "hub: `{hub}` downloads on first use; `--dataset-path` reads a local copy in the hub's schema"


def _hub(hub: str, extra: str = "") -> str:
    return _HUB.format(hub=hub) + (f"; {extra}" if extra else "")


CARDS: tuple[Card, ...] = (
    # ASR
    Card(
        "LibriSpeech",
        ("openslr/librispeech_asr",),
        "Librispeech: An ASR corpus based on public domain audio books",
        "https://doi.org/10.1109/ICASSP.2015.7178964",
        "CC-BY-4.0",
        _hub("openslr/librispeech_asr"),
    ),
    Card(
        "FLEURS",
        ("google/fleurs",),
        "FLEURS: Few-shot Learning Evaluation of Universal Representations of Speech",
        "https://arxiv.org/abs/2205.12446",
        "CC-BY-4.0",
        _hub(
            "google/fleurs",
            "one config per language; the translation tasks read two, so their local copy is a folder "
            "holding one folder per config (`en_us/`, `cmn_hans_cn/`, ...)",
        ),
    ),
    Card(
        "Common Voice 15 (lmms-eval copy)",
        ("lmms-lab-audio/common_voice_15",),
        "Common Voice: A Massively-Multilingual Speech Corpus",
        "https://arxiv.org/abs/1912.06670",
        "CC0-1.0 (Common Voice)",
        _hub("lmms-lab-audio/common_voice_15"),
    ),
    Card(
        "WenetSpeech (lmms-eval copy)",
        ("lmms-lab-audio/WenetSpeech",),
        "WenetSpeech: A 10000+ Hours Multi-domain Mandarin Corpus for Speech Recognition",
        "https://arxiv.org/abs/2110.03370",
        "non-commercial use only, under the licence on the WenetSpeech site (the audio's copyright stays "
        "with its owners)",
        _hub(
            "lmms-lab-audio/WenetSpeech",
            "the official corpus downloads with a password applied for on the WenetSpeech site",
        ),
    ),
    # speech translation
    Card(
        "CoVoST 2 (lmms-eval copies)",
        ("lmms-lab-audio/covost2", "lmms-lab-audio/covost2_en-zh"),
        "CoVoST 2 and Massively Multilingual Speech-to-Text Translation",
        "https://arxiv.org/abs/2007.10310",
        "CC0-1.0 (CoVoST data; the audio is Common Voice's, CC0-1.0)",
        "hub: `lmms-lab-audio/covost2` (zh-en) and `lmms-lab-audio/covost2_en-zh` (en-zh) download on first "
        "use; `--dataset-path` reads a local copy in the hub's schema",
    ),
    # voice chat
    Card(
        "VoiceBench",
        ("hlt-lab/voicebench",),
        "VoiceBench: Benchmarking LLM-Based Voice Assistants",
        "https://arxiv.org/abs/2410.17196",
        "Apache-2.0",
        _hub("hlt-lab/voicebench", "one config per subset"),
    ),
    # audio reasoning
    Card(
        "MMAU (test-mini)",
        ("gamma-lab-umd/MMAU-test-mini",),
        "MMAU: A Massive Multi-Task Audio Understanding and Reasoning Benchmark",
        "https://arxiv.org/abs/2410.19168",
        "CC-BY-NC-4.0 (the test-mini dataset card)",
        _hub(
            "gamma-lab-umd/MMAU-test-mini",
            "or the release's `mmau-test-mini.json` (Sakshi113/MMAU) with its `test-mini-audios/` beside it",
        ),
    ),
    Card(
        "MMSU",
        ("ddwang2000/MMSU",),
        "MMSU: A Massive Multi-task Spoken Language Understanding and Reasoning Benchmark",
        "https://arxiv.org/abs/2506.04779",
        "MIT (dataset card)",
        _hub("ddwang2000/MMSU"),
    ),
    Card(
        "MMAR",
        ("BoJack/MMAR",),
        "MMAR: A Challenging Benchmark for Deep Reasoning in Speech, Audio, Music, and Their Mix",
        "https://arxiv.org/abs/2505.13032",
        "CC-BY-NC-4.0 (dataset card)",
        "download `BoJack/MMAR` (`MMAR-meta.json` and the audio tarball), extract the audio beside the json "
        "and pass the folder with `--dataset-path`; the repository's `MMAR-meta.jsonl` (ddlBoJack/MMAR) "
        "loads too",
    ),
    # music
    Card(
        "GTZAN (UltraEval-Audio copy)",
        ("TwinkStart/GTZAN",),
        "Musical genre classification of audio signals",
        "https://doi.org/10.1109/TSA.2002.800560",
        UNKNOWN_LICENCE,
        _hub("TwinkStart/GTZAN"),
    ),
    Card(
        "MuChoMusic (lmms-eval copy)",
        ("lmms-lab-audio/muchomusic",),
        "MuChoMusic: Evaluating Music Understanding in Multimodal Audio-Language Models",
        "https://arxiv.org/abs/2408.01337",
        "CC-BY-SA-4.0 (MuChoMusic repository)",
        _hub("lmms-lab-audio/muchomusic"),
    ),
    Card(
        "RUListening (RUL-MuchoMusic)",
        ("yongyizang/RUListening",),
        "Are you really listening? Boosting Perceptual Awareness in Music-QA Benchmarks",
        "https://arxiv.org/abs/2504.00369",
        "MIT (repository and dataset card); built on MuChoMusic, CC-BY-SA-4.0",
        "local copy only: `RUL-MuchoMusic.json` (yongyizang/AreYouReallyListening) with "
        "`audio/QUESTION_ID.mp3` (MuChoMusic's clip of each question) beside it, the folder passed with "
        "`--dataset-path`; the audio is not published with the questions",
    ),
    Card(
        "MTG-Jamendo (MARBLE copy)",
        ("m-a-p/MTG",),
        "The MTG-Jamendo Dataset for Automatic Music Tagging",
        "https://hdl.handle.net/10230/42015",
        "CC-BY-NC-SA-4.0 (metadata); each audio track under its own Creative Commons licence",
        "download `m-a-p/MTG` (MARBLE's `MTG*.test.jsonl` and its audio) and pass the folder holding the "
        "jsonl beside `audio/` or `mp3/` with `--dataset-path`",
    ),
    Card(
        "MagnaTagATune (MARBLE copy)",
        ("m-a-p/MTT",),
        "Evaluation of Algorithms Using Games: The Case of Music Tagging",
        "https://ismir2009.ismir.net/proceedings/OS5-5.pdf",
        "CC-BY-NC-SA-3.0 (MagnaTagATune)",
        "download `m-a-p/MTT` (MARBLE's `MTT.test.jsonl` and its audio) and pass the folder holding the "
        "jsonl beside `audio/` or `mp3/` with `--dataset-path`",
    ),
    # sound
    Card(
        "AudioCaps (UltraEval-Audio copy)",
        ("TwinkStart/AudioCaps",),
        "AudioCaps: Generating Captions for Audios in The Wild",
        "https://aclanthology.org/N19-1011/",
        "academic use only (AudioCaps repository README; its code is MIT); the clips come from "
        "AudioSet's YouTube videos",
        _hub("TwinkStart/AudioCaps"),
    ),
    Card(
        "CochlScene",
        ("zenodo.org/records/7080122",),
        "CochlScene: Acquisition of acoustic scene data using crowdsourcing",
        "https://arxiv.org/abs/2211.02289",
        UNKNOWN_LICENCE,
        "not on the hub: download the archive from https://zenodo.org/records/7080122, extract it and pass "
        "the folder holding `Test/` and `Val/` with `--dataset-path`",
    ),
    Card(
        "MELD (UltraEval-Audio copy)",
        ("TwinkStart/MELD",),
        "MELD: A Multimodal Multi-Party Dataset for Emotion Recognition in Conversations",
        "https://arxiv.org/abs/1810.02508",
        "GPL-3.0 (MELD repository); the clips come from the TV series Friends",
        _hub("TwinkStart/MELD"),
    ),
    Card(
        "TUT Acoustic Scenes 2017 (evaluation set)",
        ("zenodo.org/records/1040168",),
        "DCASE 2017 Challenge Setup: Tasks, Datasets and Baseline System",
        "https://dcase.community/documents/workshop2017/proceedings/DCASE2017Workshop_Mesaros_100.pdf",
        UNKNOWN_LICENCE,
        "not on the hub: download the archives from https://zenodo.org/records/1040168, extract them and "
        "pass the folder holding `meta.txt` and `audio/` with `--dataset-path`",
    ),
    Card(
        "VocalSound (lmms-eval copy)",
        ("lmms-lab-audio/vocalsound",),
        "VocalSound: A Dataset for Improving Human Vocal Sounds Recognition",
        "https://arxiv.org/abs/2205.03433",
        "CC-BY-SA-4.0 (VocalSound repository)",
        _hub("lmms-lab-audio/vocalsound"),
    ),
    # text
    Card(
        "AIME 2025",
        ("opencompass/AIME2025",),
        "no paper: the 2025 AIME I and II problems (MAA), as the AoPS wiki collects them",
        "https://artofproblemsolving.com/wiki/index.php/AIME_Problems_and_Solutions",
        "MIT (OpenCompass's dataset card)",
        _hub("opencompass/AIME2025", "one config per part (`AIME2025-I`, `AIME2025-II`)"),
    ),
    Card(
        "GPQA (Diamond)",
        ("Idavidrein/gpqa",),
        "GPQA: A Graduate-Level Google-Proof Q&A Benchmark",
        "https://arxiv.org/abs/2311.12022",
        "CC-BY-4.0",
        _hub(
            "Idavidrein/gpqa",
            "the dataset is gated: accept its terms on the dataset page and log in (`HF_TOKEN`) first",
        ),
    ),
    Card(
        "MMLU-Redux 2.0",
        ("edinburgh-dawg/mmlu-redux-2.0",),
        "Are We Done with MMLU?",
        "https://arxiv.org/abs/2406.04127",
        "CC-BY-4.0",
        _hub("edinburgh-dawg/mmlu-redux-2.0", "one config per subject"),
    ),
    # image
    Card(
        "AI2D (lmms-eval copy)",
        ("lmms-lab-encoder/ai2d",),
        "A Diagram Is Worth A Dozen Images",
        "https://arxiv.org/abs/1603.07396",
        UNKNOWN_LICENCE,
        _hub("lmms-lab-encoder/ai2d"),
    ),
    Card(
        "ChartQA (lmms-eval copy)",
        ("lmms-lab-encoder/ChartQA",),
        "ChartQA: A Benchmark for Question Answering about Charts with Visual and Logical Reasoning",
        "https://aclanthology.org/2022.findings-acl.177",
        "GPL-3.0 (ChartQA repository)",
        _hub("lmms-lab-encoder/ChartQA"),
    ),
    Card(
        "CountBenchQA",
        ("vikhyatk/CountBenchQA",),
        "Teaching CLIP to Count to Ten",
        "https://arxiv.org/abs/2302.12066",
        UNKNOWN_LICENCE,
        _hub("vikhyatk/CountBenchQA"),
    ),
    Card(
        "MathVista",
        ("AI4Math/MathVista",),
        "MathVista: Evaluating Mathematical Reasoning of Foundation Models in Visual Contexts",
        "https://arxiv.org/abs/2310.02255",
        "CC-BY-SA-4.0 (its new contributions; usable as a test set, not for training)",
        _hub(
            "AI4Math/MathVista",
            "or the repository's `data/testmini.json` with `data/query.json` (lupantech/MathVista)",
        ),
    ),
    Card(
        "MMMU-Pro",
        ("MMMU/MMMU_Pro",),
        "MMMU-Pro: A More Robust Multi-discipline Multimodal Understanding Benchmark",
        "https://arxiv.org/abs/2409.02813",
        "Apache-2.0",
        _hub("MMMU/MMMU_Pro", "configs `standard (10 options)` and `vision`"),
    ),
    Card(
        "MMMU (lmms-eval copy)",
        ("lmms-lab-encoder/MMMU",),
        "MMMU: A Massive Multi-discipline Multimodal Understanding and Reasoning Benchmark for Expert AGI",
        "https://arxiv.org/abs/2311.16502",
        "Apache-2.0 (MMMU)",
        _hub("lmms-lab-encoder/MMMU"),
    ),
    Card(
        "MMStar",
        ("Lin-Chen/MMStar",),
        "Are We on the Right Way for Evaluating Large Vision-Language Models?",
        "https://arxiv.org/abs/2403.20330",
        UNKNOWN_LICENCE,
        _hub("Lin-Chen/MMStar"),
    ),
    Card(
        "RealWorldQA (lmms-eval copy)",
        ("lmms-lab-encoder/RealWorldQA",),
        "no paper: xAI's Grok-1.5 Vision preview, which releases RealWorldQA",
        "https://x.ai/news/grok-1.5v",
        "CC-BY-ND-4.0 (xAI)",
        _hub("lmms-lab-encoder/RealWorldQA"),
    ),
    # video
    Card(
        "LVBench",
        ("lmms-eval/LVBench",),
        "LVBench: An Extreme Long Video Understanding Benchmark",
        "https://arxiv.org/abs/2406.08035",
        "CC-BY-NC-SA-4.0, academic research only (LVBench repository)",
        "the questions from the hub (`lmms-eval/LVBench`) or the release's `video_info.meta.jsonl` "
        "(THUDM/LVBench); download the videos, unpack them beside it and pass the folder with "
        "`--dataset-path`",
    ),
    Card(
        "MLVU (dev)",
        ("sy1998/MLVU_dev",),
        "MLVU: A Comprehensive Benchmark for Multi-Task Long Video Understanding",
        "https://arxiv.org/abs/2406.04264",
        "CC-BY-NC-SA-4.0, research only (MLVU repository)",
        "download `sy1998/MLVU_dev` and its videos, place each video at its `video_name` beside the metadata "
        "and pass the folder with `--dataset-path`; the repository's `data/` folder (JUNJIE99/MLVU) loads too",
    ),
    Card(
        "Video-MME",
        ("lmms-eval/Video-MME",),
        "Video-MME: The First-Ever Comprehensive Evaluation Benchmark of Multi-modal LLMs in Video Analysis",
        "https://arxiv.org/abs/2405.21075",
        "research only: academic research, commercial use prohibited (Video-MME README)",
        "download `lmms-eval/Video-MME` (questions, video and subtitle archives), unpack `data/` and "
        "`subtitle/` beside the metadata and pass the folder with `--dataset-path`",
    ),
    # audio-visual
    Card(
        "Daily-Omni",
        ("liarliar/Daily-Omni",),
        "Daily-Omni: Towards Audio-Visual Reasoning with Temporal Alignment across Modalities",
        "https://arxiv.org/abs/2505.17862",
        "CC-BY-NC-SA-4.0 (dataset card; the repository's code is GPL-3.0)",
        "local copy: download `liarliar/Daily-Omni`, extract `Videos.tar` beside `qa.json` and pass the "
        "folder with `--dataset-path`",
    ),
    Card(
        "Video-Holmes",
        ("TencentARC/Video-Holmes",),
        "Video-Holmes: Can MLLM Think Like Holmes for Complex Video Reasoning?",
        "https://arxiv.org/abs/2505.21374",
        "Apache-2.0, for academic purposes only (Video-Holmes README)",
        "local copy: download `TencentARC/Video-Holmes`, unzip `videos.zip` beside `test_Video-Holmes.json` "
        "and pass the folder with `--dataset-path`",
    ),
    Card(
        "WorldSense",
        ("honglyhly/WorldSense",),
        "WorldSense: Evaluating Real-world Omnimodal Understanding for Multimodal LLMs",
        "https://arxiv.org/abs/2502.04326",
        "CC-BY-4.0 (dataset card; the paper's v3 says CC-BY-NC-SA-4.0)",
        "local copy: download `honglyhly/WorldSense`, unzip its `worldsense_videos_*.zip` into `videos/` "
        "beside `worldsense_qa.json` and pass the folder with `--dataset-path`",
    ),
    # speech generation
    Card(
        "CV3-Eval (cross-lingual zero-shot)",
        ("github.com/FunAudioLLM/CV3-Eval",),
        "CosyVoice 3: Towards In-the-wild Speech Generation via Scaling-up and Post-training",
        "https://arxiv.org/abs/2505.17589",
        "Apache-2.0 (CV3-Eval repository); its prompt audio comes from Common Voice, FLEURS and other sources",
        "not on the hub: clone https://github.com/FunAudioLLM/CV3-Eval and pass its folder with `--dataset-path`",
    ),
    Card(
        "MiniMax TTS Multilingual Test Set",
        ("MiniMaxAI/TTS-Multilingual-Test-Set",),
        "MiniMax-Speech: Intrinsic Zero-Shot Text-to-Speech with a Learnable Speaker Encoder",
        "https://arxiv.org/abs/2505.07916",
        "CC-BY-SA-4.0 (dataset card)",
        "hub: the files of `MiniMaxAI/TTS-Multilingual-Test-Set` download on first use; `--dataset-path` "
        "reads a local copy in the same layout (`text/`, `speaker/`)",
    ),
    Card(
        "Seed-TTS eval",
        ("zhaochenyang20/seed-tts-eval",),
        "Seed-TTS: A Family of High-Quality Versatile Speech Generation Models",
        "https://arxiv.org/abs/2406.02430",
        UNKNOWN_LICENCE + " (the official BytedanceSpeech/seed-tts-eval repository states none)",
        "hub: the files of the copy `zhaochenyang20/seed-tts-eval` download on first use; or download "
        "`seedtts_testset/` from the link in BytedanceSpeech/seed-tts-eval's README and pass it with "
        "`--dataset-path`",
    ),
)


def _index(cards: tuple[Card, ...]) -> dict[str, Card]:
    index: dict[str, Card] = {}
    for card in cards:
        for hub_id in card.hub_ids:
            if hub_id in index:
                raise ValueError(f"dataset {hub_id} has two cards: {index[hub_id].name} and {card.name}")
            index[hub_id] = card
    return index


_BY_HUB_ID = _index(CARDS)


def card_of(hub_id: str) -> Card | None:
    """The card of the benchmark whose data is the dataset `hub_id`, or None where there is none."""
    return _BY_HUB_ID.get(hub_id)


def card_for(task: Any) -> Card | None:
    """The card of a task's benchmark, found by its dataset id (`task.dataset.hub_id`)."""
    return card_of(task.dataset.hub_id)
