"""Core data types that travel through the pipeline (see docs/design.md, "The flow of a run").

Everything here is a pydantic model so that it round-trips through JSON unchanged:
samples.jsonl and run.json are these types serialized.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MediaKind = Literal["audio", "image", "video"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MediaRef(_Model):
    """A media item by reference; bytes are loaded late by omnieval.media."""

    @property
    def label(self) -> str:
        """How messages name this item: its dataset name, else its file name."""
        return self.name or (self.path and self.path.rsplit("/", 1)[-1]) or self.url or f"<{self.kind}>"

    kind: MediaKind
    path: str | None = None
    #: the item's name in its dataset (the path there), for messages; not part of its identity
    name: str | None = None
    url: str | None = None
    sha256: str | None = None
    sample_rate: int | None = None
    duration_s: float | None = None


class TextPart(_Model):
    """A piece of text in a message."""

    type: Literal["text"] = "text"
    text: str


class _MediaPart(_Model):
    """A media item in a message; the part's type is the item's kind."""

    type: MediaKind
    media: MediaRef

    @model_validator(mode="after")
    def _kind_is_type(self) -> _MediaPart:
        if self.media.kind != self.type:
            raise ValueError(f"a {self.type} part holds {self.media.kind} media")
        return self


class AudioPart(_MediaPart):
    type: Literal["audio"] = "audio"


class ImagePart(_MediaPart):
    type: Literal["image"] = "image"


class VideoPart(_MediaPart):
    type: Literal["video"] = "video"


MediaPart = AudioPart | ImagePart | VideoPart
#: one piece of a message, told apart by its `type`: text, audio, image or video
Part = Annotated[TextPart | AudioPart | ImagePart | VideoPart, Field(discriminator="type")]
_MEDIA_PARTS: dict[str, type[AudioPart] | type[ImagePart] | type[VideoPart]] = {
    "audio": AudioPart,
    "image": ImagePart,
    "video": VideoPart,
}


def text_part(text: str) -> TextPart:
    return TextPart(text=text)


def media_part(media: MediaRef) -> MediaPart:
    """The part of `media`'s kind holding it."""
    return _MEDIA_PARTS[media.kind](media=media)


class Message(_Model):
    role: Literal["system", "user", "assistant"]
    content: list[Part]

    @model_validator(mode="before")
    @classmethod
    def _legacy_media_parts(cls, data: Any) -> Any:
        """Messages written before parts had a type per kind ({"type": "media", "media": {"kind": ...}})."""
        if isinstance(data, dict) and isinstance(data.get("content"), list):
            content = [
                {**part, "type": part["media"].get("kind")}
                if isinstance(part, dict) and part.get("type") == "media" and isinstance(part.get("media"), dict)
                else part
                for part in data["content"]
            ]
            data = {**data, "content": content}
        return data

    def media(self, kind: MediaKind | None = None) -> list[MediaRef]:
        return [p.media for p in self.content if not isinstance(p, TextPart) and (kind is None or p.media.kind == kind)]

    def text(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, TextPart))


class Sample(_Model):
    """One benchmark item: what the model sees, the reference answer and metadata."""

    id: str
    index: int
    messages: list[Message] = Field(default_factory=list)
    target: Any = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class GenConfig(_Model):
    max_new_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    system_prompt: str | None = None
    speaker: str | None = None
    return_audio: bool = False
    use_audio_in_video: bool = False
    fps: float | None = None
    max_frames: int | None = None
    #: per image or video frame
    max_pixels: int | None = None
    #: answer with exactly one of these strings (runners that can constrain decoding do; a judge's re-ask)
    choices: list[str] | None = None


class Request(_Model):
    sample_id: str
    messages: list[Message]
    gen: GenConfig


class Response(_Model):
    text: str = ""
    audio_path: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    ttfa_s: float | None = None
    tokens_per_s: float | None = None
    #: seconds of generated speech, and generation time / speech time
    audio_s: float | None = None
    rtf: float | None = None
    #: what reached the model: audio seconds, image sizes, video frames, whether a video's audio was used
    inputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def empty(self) -> bool:
        """A success with neither text nor speech: what older versions recorded for a server's broken
        answer (no choices), so `--retry-failed` asks again."""
        return self.ok and not self.text and self.audio_path is None

    @property
    def speech_gone(self) -> bool:
        """It points to generated speech whose file is no longer there (its run folder deleted or moved)."""
        return self.audio_path is not None and not Path(self.audio_path).is_file()


class Score(_Model):
    """One judgment of one answer: a named value and what it rests on (the extracted answer, or a
    judge's reasoning); `explanation` is None when no answer could be read."""

    name: str
    value: float
    explanation: str | None = None


class SampleRecord(_Model):
    """One line of samples.jsonl."""

    id: str
    index: int
    request_hash: str | None = None
    prediction: str = ""
    target: Any = None
    scores: dict[str, float] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    response: Response | None = None
    error: str | None = None
    cached: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None


#: the version of the results layout (run.json, samples.jsonl) a run was written in; a change that readers must
#: know about raises it
FORMAT_VERSION = 1


class RunRecord(_Model):
    """run.json: everything needed to read, compare and reproduce a run."""

    #: the results layout's version (FORMAT_VERSION when written; runs from before it was recorded read as 1)
    format_version: int = FORMAT_VERSION
    run_id: str
    #: running (or killed), complete, aborted (the model could not serve, or the results could not be written),
    #: interrupted (SIGINT or SIGTERM); `--resume` continues every one but a complete run
    status: Literal["running", "complete", "aborted", "interrupted"] = "running"
    task: str
    task_version: str
    model: str
    runner: dict[str, Any]
    gen_config: GenConfig
    config: dict[str, Any]
    dataset: dict[str, Any]
    metrics: dict[str, float] = Field(default_factory=dict)
    #: metric -> [low, high], a bootstrap interval over samples; `statistics` says how it was made
    intervals: dict[str, list[float]] = Field(default_factory=dict)
    statistics: dict[str, Any] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)
    #: how the metrics were made beyond the task's parameters (e.g. sacrebleu's signatures)
    scoring: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    timings: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
