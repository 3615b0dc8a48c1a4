"""Requests -> what the Qwen omni processors take: a chat conversation and decoded media.

Media are decoded here once per request (audio at 16 kHz mono for the 128-bin mel front end,
images and video frames by omnieval.vision). With `use_audio_in_video` the audio track of
each video is decoded too and marked as belonging to that video, so that the processor
interleaves its tokens with the video's frames (a video without an audio track is then an
error for that request: its sound must never be dropped silently). `streams` records what
reaches the model, for samples.jsonl.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from omnieval.media import load_audio
from omnieval.types import Request, TextPart
from omnieval.vision import load_image, load_video, load_video_audio

SAMPLE_RATE = 16000
#: decodes videos' audio tracks beside their frames (one per preparing thread is enough)
_AUDIO_TRACKS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="omnieval-video-audio")
#: the mel front end counts audio in 10 ms frames; shorter differences are rounding, not a cut
CUT_TOLERANCE_S = 0.05


@dataclass
class MediaOptions:
    """Runner-level media settings; GenConfig fields override them per request."""

    image_patch_size: int = 14
    image_min_pixels: int | None = None
    image_max_pixels: int | None = None
    video_fps: float = 2.0
    video_min_frames: int = 4
    video_max_frames: int = 768
    video_max_pixels: int | None = None
    video_total_pixels: int | None = None


@dataclass
class PreparedInputs:
    conversation: list[dict[str, Any]]
    audios: list[np.ndarray] = field(default_factory=list)
    images: list[Any] = field(default_factory=list)
    videos: list[Any] = field(default_factory=list)
    video_fps: list[float] = field(default_factory=list)
    #: for each entry of `audios`: None (a standalone audio) or the index of the video it came from
    audio_sources: list[int | None] = field(default_factory=list)
    streams: dict[str, Any] = field(default_factory=dict)


def prepare(request: Request, options: MediaOptions) -> PreparedInputs:
    """Decode a request's media and build its conversation; raises MediaError for bad media."""
    gen = request.gen
    factor = options.image_patch_size * 2
    prepared = PreparedInputs(conversation=[])
    streams: dict[str, Any] = {
        "audio_s": [],
        "images": [],
        "video_frames": [],
        "video_size": [],
        "video_audio_s": [],
        "use_audio_in_video": gen.use_audio_in_video,
    }
    if gen.system_prompt is not None and not any(m.role == "system" for m in request.messages):
        prepared.conversation.append({"role": "system", "content": [{"type": "text", "text": gen.system_prompt}]})
    for message in request.messages:
        content = []
        for part in message.content:
            if isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
                continue
            ref = part.media
            if ref.kind == "audio":
                audio, _ = load_audio(ref, SAMPLE_RATE)
                prepared.audios.append(audio)
                prepared.audio_sources.append(None)
                streams["audio_s"].append(round(len(audio) / SAMPLE_RATE, 3))
            elif ref.kind == "image":
                image = load_image(ref, factor, options.image_min_pixels, gen.max_pixels or options.image_max_pixels)
                prepared.images.append(image)
                streams["images"].append(list(image.size))
            else:
                # the track decodes (ffmpeg, soxr) while the frames do: it waits on a process most of its time
                track = (
                    _AUDIO_TRACKS.submit(contextvars.copy_context().run, load_video_audio, ref, SAMPLE_RATE)
                    if gen.use_audio_in_video
                    else None
                )
                try:
                    clip = load_video(
                        ref,
                        fps=gen.fps or options.video_fps,
                        min_frames=options.video_min_frames,
                        max_frames=gen.max_frames or options.video_max_frames,
                        patch_factor=factor,
                        max_pixels=gen.max_pixels or options.video_max_pixels,
                        total_pixels=options.video_total_pixels,
                    )
                except BaseException:
                    if track is not None:
                        wait([track])  # the video's error is the request's; its track is not left running
                    raise
                prepared.videos.append(clip.frames)
                prepared.video_fps.append(clip.sample_fps)
                streams["video_frames"].append(len(clip.indices))
                streams["video_size"].append([int(clip.frames.shape[3]), int(clip.frames.shape[2])])
                if track is not None:
                    audio = track.result()
                    prepared.audios.append(audio)
                    prepared.audio_sources.append(len(prepared.videos) - 1)
                    streams["video_audio_s"].append(round(len(audio) / SAMPLE_RATE, 3))
            content.append({"type": ref.kind})
        prepared.conversation.append({"role": message.role, "content": content})
    prepared.streams = {k: v for k, v in streams.items() if v not in ([], None)}
    prepared.streams["use_audio_in_video"] = bool(gen.use_audio_in_video and prepared.videos)
    return prepared


def heard_streams(prepared: PreparedInputs, heard_s: list[float]) -> dict[str, Any]:
    """A request's streams with audio as the model heard it, given the seconds of each of its audios
    that the processor kept. Qwen2.5-Omni's processor keeps the first 30 s of each audio (Whisper's
    window); a cut audio gets its decoded length beside it, under `<stream>_cut_from`."""
    streams = dict(prepared.streams)
    for key, from_video in (("audio_s", False), ("video_audio_s", True)):
        kept = [
            round(seconds, 3)
            for seconds, source in zip(heard_s, prepared.audio_sources, strict=True)
            if (source is not None) == from_video
        ]
        decoded = streams.get(key, [])
        if any(k < d - CUT_TOLERANCE_S for k, d in zip(kept, decoded, strict=True)):
            streams[key] = [min(k, d) for k, d in zip(kept, decoded, strict=True)]
            streams[f"{key}_cut_from"] = decoded
    return streams


__all__ = ["MediaOptions", "PreparedInputs", "heard_streams", "prepare"]
