"""Images and videos for the Qwen omni processors: decoding, frame sampling, pixel budgets.

The rules follow qwen-omni-utils (the reference preprocessing of the Qwen omni model cards)
so that a run sees exactly the tensors the published recipe makes: images resized so that
both sides are multiples of the patch factor within a pixel range; videos sampled at `fps`
(2 by default) into an even number of frames between min and max, linearly spaced over the
clip, resized under a per-frame budget derived from a total pixel budget; the audio track of
a video decoded to 16 kHz mono like any audio file. Decoding uses torchcodec (FFmpeg), on all the
CPUs given and without the pictures the sampled frames do not need (omnieval.video_frames), and
resized chunk by chunk as torchvision resizes them (omnieval.video_resize); decoded frames and
tracks are kept on disk by content (omnieval.decoded_cache).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from omnieval import decoded_cache
from omnieval.errors import FatalRunnerError, MediaError, first_line
from omnieval.ffmpeg_audio import StreamHeader
from omnieval.media import load_audio
from omnieval.media_checks import MAX_MEDIA_SECONDS, check_deadline, decode_timeout_s, with_time_limit
from omnieval.types import MediaRef

if TYPE_CHECKING:
    import torch

FRAME_FACTOR = 2
MAX_ASPECT_RATIO = 200
IMAGE_MIN_TOKENS, IMAGE_MAX_TOKENS = 4, 16384
VIDEO_MIN_TOKENS, VIDEO_MAX_TOKENS = 128, 768
DEFAULT_FPS, DEFAULT_MIN_FRAMES, DEFAULT_MAX_FRAMES = 2.0, 4, 768
#: qwen-omni-utils' total budget: 128k positions of 28x28 pixels, 90% of it for video
DEFAULT_SEQ_LEN = 128000
#: the largest video frame accepted (8192 x 8192: 8K and DCI 8K fit); the header is checked before decoding.
#: Images are held to Pillow's own limit (Image.MAX_IMAGE_PIXELS, twice of which is refused as a bomb).
MAX_VIDEO_PIXELS = 8192 * 8192


def torchcodec_decoders() -> ModuleType:
    """torchcodec's decoders module. FatalRunnerError when it cannot be had (torchcodec not installed, or
    FFmpeg's libraries missing): then no video of the run can be decoded, and the run stops with what to
    install instead of failing every video sample for a reason that is not theirs."""
    try:
        import torchcodec.decoders
    except (ImportError, OSError, RuntimeError) as err:
        raise FatalRunnerError(
            f"decoding video needs torchcodec and FFmpeg's shared libraries (FFmpeg 4 to 7): {first_line(err)}; "
            "install them (pip install 'omnieval[gpu]', and FFmpeg from the system's packages), then --resume"
        ) from err
    return torchcodec.decoders


@dataclass
class VideoClip:
    """Frames sampled from a video, as the processors take them."""

    frames: torch.Tensor  # (T, C, H, W) float32, 0..255
    sample_fps: float
    source_fps: float
    total_frames: int
    indices: list[int]

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.source_fps if self.source_fps else 0.0


def smart_resize(height: int, width: int, factor: int, min_pixels: float, max_pixels: float) -> tuple[int, int]:
    """Sides rounded to multiples of `factor`, area brought into [min_pixels, max_pixels], aspect kept."""
    if min(height, width) <= 0:
        raise MediaError(f"image has no pixels ({width}x{height})")
    if max(height, width) / min(height, width) > MAX_ASPECT_RATIO:
        raise MediaError(f"aspect ratio {max(height, width) / min(height, width):.0f} exceeds {MAX_ASPECT_RATIO}")
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = math.floor(height / beta / factor) * factor
        w_bar = math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def _local_path(ref: MediaRef) -> Path:
    if ref.path is None:
        raise MediaError(f"{ref.kind} {ref.label} has no local path")
    path = Path(ref.path)
    if not path.is_file():
        raise MediaError(f"{ref.kind} file not found: {ref.path}")
    return path


def load_image(ref: MediaRef, patch_factor: int = 28, min_pixels: float | None = None, max_pixels: float | None = None):
    """An RGB PIL image resized for the vision tower (transparent areas become white); one larger than
    Pillow's limit, or whose decoding takes longer than `decode_timeout_s()`, is this sample's MediaError."""
    from PIL import Image, UnidentifiedImageError

    path = _local_path(ref)

    def decode(deadline: float) -> Image.Image:
        with Image.open(path) as opened:  # reads the header; refuses a size over twice Image.MAX_IMAGE_PIXELS
            check_deadline(deadline, f"image {ref.label}")
            opened.load()
            return opened.copy()

    try:
        image = with_time_limit(decode, f"image {ref.label}", decode_timeout_s("image"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise MediaError(f"cannot decode image {ref.label}: {err}") from err
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.split()[3])
        image = background
    else:
        image = image.convert("RGB")
    width, height = image.size
    height, width = smart_resize(
        height,
        width,
        patch_factor,
        min_pixels if min_pixels is not None else IMAGE_MIN_TOKENS * patch_factor**2,
        max_pixels if max_pixels is not None else IMAGE_MAX_TOKENS * patch_factor**2,
    )
    return image.resize((width, height))


def frame_count(total_frames: int, source_fps: float, fps: float, min_frames: int, max_frames: int) -> int:
    """How many frames to sample: `fps` over the clip, within [min, max], even, at most all frames."""
    low = math.ceil(min_frames / FRAME_FACTOR) * FRAME_FACTOR
    high = math.floor(min(max_frames, total_frames) / FRAME_FACTOR) * FRAME_FACTOR
    wanted = total_frames / source_fps * fps
    count = math.floor(min(max(wanted, low), high, total_frames) / FRAME_FACTOR) * FRAME_FACTOR
    if not FRAME_FACTOR <= count <= total_frames:
        raise MediaError(f"video has {total_frames} frames; need at least {FRAME_FACTOR}")
    return count


#: what a decoded video depends on besides its bytes and the sampling asked for
_VIDEO_DECODERS = ("torchcodec", "torchvision", "torch")


def load_video(
    ref: MediaRef,
    fps: float | None = None,
    min_frames: int | None = None,
    max_frames: int | None = None,
    patch_factor: int = 28,
    min_pixels: float | None = None,
    max_pixels: float | None = None,
    total_pixels: float | None = None,
) -> VideoClip:
    """Sample and resize frames of a video file (from the decoded-media cache when it holds them)."""
    import torch

    path = _local_path(ref)
    wanted_fps = fps or DEFAULT_FPS
    frames_low = min_frames or DEFAULT_MIN_FRAMES
    frames_high = max_frames or DEFAULT_MAX_FRAMES
    params = {
        "fps": wanted_fps,
        "min_frames": frames_low,
        "max_frames": frames_high,
        "patch_factor": patch_factor,
        "min_pixels": min_pixels,
        "max_pixels": max_pixels,
        "total_pixels": total_pixels,
    }
    rules = {"frame_factor": FRAME_FACTOR, "tokens": [VIDEO_MIN_TOKENS, VIDEO_MAX_TOKENS], "seq_len": DEFAULT_SEQ_LEN}

    decoded: list[torch.Tensor] = []  # the float frames of a decode here, which a cache hit has not
    storing = decoded_cache.decoded_dir() is not None  # the cache keeps the frames as uint8

    def decode() -> tuple[dict[str, np.ndarray], dict]:
        meta, frames, frames_uint8 = with_time_limit(
            lambda deadline: _decode_video(
                path,
                ref.label,
                fps=wanted_fps,
                min_frames=frames_low,
                max_frames=frames_high,
                patch_factor=patch_factor,
                min_pixels=min_pixels,
                max_pixels=max_pixels,
                total_pixels=total_pixels,
                keep_uint8=storing,
                deadline=deadline,
            ),
            f"video {ref.label}",
            decode_timeout_s("video"),
        )
        decoded.append(frames)
        return ({} if frames_uint8 is None else {"frames": frames_uint8.numpy()}), meta

    arrays, meta = decoded_cache.cached("video-frames", ref, {**params, "rules": rules}, _VIDEO_DECODERS, decode)
    return VideoClip(
        frames=decoded[0] if decoded else torch.from_numpy(np.array(arrays["frames"], dtype=np.float32)),
        sample_fps=meta["sample_fps"],
        source_fps=meta["source_fps"],
        total_frames=meta["total_frames"],
        indices=meta["indices"],
    )


def _decode_video(
    path: Path,
    label: str,
    fps: float,
    min_frames: int,
    max_frames: int,
    patch_factor: int,
    min_pixels: float | None,
    max_pixels: float | None,
    total_pixels: float | None,
    keep_uint8: bool,
    deadline: float | None = None,
) -> tuple[dict, torch.Tensor, torch.Tensor | None]:
    """How the frames were sampled, and the sampled, resized frames (T x C x H x W, float32 0..255, and the
    same as uint8 when `keep_uint8`); the header is checked first (check_video_header), then the frame rate
    and length the decoder found. Only the frames the sampled ones need are decoded (omnieval.video_frames),
    on all the CPUs given."""
    from omnieval.video_frames import decode_threads, sampled_frames
    from omnieval.video_resize import ResizedFrames

    decoders = torchcodec_decoders()
    try:
        container = decoders.get_container_metadata(str(path))
        if container.best_video_stream_index is not None:
            check_video_header(label, container.streams[container.best_video_stream_index])
        check_deadline(deadline, f"video {label}")
        metadata = decoders.VideoDecoder(str(path)).metadata
        source_fps = float(metadata.average_fps or 0)
        total = int(metadata.num_frames or 0)
        if total <= 0 or source_fps <= 0:
            raise MediaError(f"video {label} has no frames")
        if total / source_fps > MAX_MEDIA_SECONDS:
            raise MediaError(
                f"video {label} lasts {total / source_fps / 3600:.1f} h ({total} frames at {source_fps:g} fps), "
                f"over the limit of {MAX_MEDIA_SECONDS / 3600:g} h"
            )
        count = frame_count(total, source_fps, fps, min_frames, max_frames)
        indices = _reference_indices(total, count)

        def frame_size(height: int, width: int) -> tuple[int, int]:
            floor = min_pixels if min_pixels is not None else VIDEO_MIN_TOKENS * patch_factor**2
            budget = total_pixels if total_pixels is not None else DEFAULT_SEQ_LEN * patch_factor**2 * 0.9
            ceiling = max(min(VIDEO_MAX_TOKENS * patch_factor**2, budget / count * FRAME_FACTOR), int(floor * 1.05))
            if max_pixels is not None:
                ceiling = min(ceiling, max_pixels)
            return smart_resize(height, width, patch_factor, floor, ceiling)

        resized = ResizedFrames(count, frame_size, keep_uint8)
        check_deadline(deadline, f"video {label}")
        sampled_frames(
            path, indices, decode_threads(), resized.take, between=lambda: check_deadline(deadline, f"video {label}")
        )
        frames, frames_uint8 = resized.result()
    except MediaError:
        raise
    except Exception as err:  # noqa: BLE001 - any decoder failure is this sample's media error
        raise MediaError(f"cannot decode video {label}: {first_line(err)}") from err
    meta = {
        "sample_fps": count / max(total, 1e-6) * source_fps,
        "source_fps": source_fps,
        "total_frames": total,
        "indices": indices,
    }
    return meta, frames, frames_uint8


def _reference_indices(total: int, count: int) -> list[int]:
    """qwen-omni-utils' frame indices: `count` spread evenly over [0, total - 1], rounded half to even."""
    import torch

    return torch.linspace(0, total - 1, count).round().long().tolist()


def check_video_header(label: str, stream) -> None:
    """MediaError when a video stream's metadata claims frames larger than MAX_VIDEO_PIXELS, or a duration
    over MAX_MEDIA_SECONDS: decoding it as it claims to be would take all the memory, or hours."""
    width, height = int(stream.width or 0), int(stream.height or 0)
    if width * height > MAX_VIDEO_PIXELS:
        raise MediaError(
            f"video {label} has implausibly large frames in its header: {width}x{height} "
            f"(accepted: up to {MAX_VIDEO_PIXELS} pixels)"
        )
    duration = stream.duration_seconds_from_header
    if duration is not None and duration > MAX_MEDIA_SECONDS:
        raise MediaError(
            f"video {label} has an implausible length in its header: {duration / 3600:.1f} h "
            f"(accepted: up to {MAX_MEDIA_SECONDS / 3600:g} h)"
        )


def audio_track_header(ref: MediaRef) -> StreamHeader | None:
    """The header of a video's first audio track as the demuxer read it (0 for a rate or a number of channels
    it does not give); None when the video has no audio track."""
    decoders = torchcodec_decoders()
    try:
        metadata = decoders.get_container_metadata(str(_local_path(ref)))
    except MediaError:
        raise
    except Exception as err:  # noqa: BLE001
        raise MediaError(f"cannot read video {ref.label}: {first_line(err)}") from err
    for stream in metadata.streams:
        if stream.media_type == "audio":
            return StreamHeader(
                int(stream.sample_rate or 0), int(stream.num_channels or 0), stream.duration_seconds_from_header
            )
    return None


#: a track whose loudest sample stays below this (-80 dBFS) is digital silence
SILENCE_PEAK = 1e-4


def load_video_audio(ref: MediaRef, sample_rate: int = 16000) -> np.ndarray:
    """The audio track of a video as mono float32 at `sample_rate` (from the decoded-media cache when it
    holds it); a video without one, or with a silent one, is an error: its sound was asked for."""

    def decode() -> tuple[dict[str, np.ndarray], dict]:
        header = audio_track_header(ref)
        if header is None:
            raise MediaError(f"video {ref.label} has no audio track, and this request uses the video's audio")
        track = MediaRef(kind="audio", path=ref.path, name=ref.name, sha256=ref.sha256)
        # a header without a rate or channels is left to ffprobe, as for any file libsndfile cannot read
        audio, _ = load_audio(track, sample_rate, header if header.rate and header.channels else None)
        return {"audio": audio}, {}

    _local_path(ref)
    # "length": tracks are librosa's length since resample() pads as librosa does; older entries were one short
    params = {"sample_rate": sample_rate, "length": "librosa"}
    arrays, _ = decoded_cache.cached("video-audio", ref, params, ("soxr", "soundfile"), decode)
    audio = arrays["audio"]
    if audio.size == 0:
        raise MediaError(f"the audio track of video {ref.label} is empty, and this request uses the video's audio")
    if float(np.abs(audio).max()) < SILENCE_PEAK:
        raise MediaError(f"the audio track of video {ref.label} is silent, and this request uses the video's audio")
    return audio.copy()
