"""The core types: a message's parts are a union told apart by `type` (text, audio, image, video)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from omnieval.types import AudioPart, ImagePart, MediaRef, Message, Part, TextPart, VideoPart, media_part, text_part


def test_each_kind_of_media_gets_its_own_part():
    parts = [media_part(MediaRef(kind=kind, path=f"x.{kind}")) for kind in ("audio", "image", "video")]
    assert [type(p) for p in parts] == [AudioPart, ImagePart, VideoPart]
    assert [p.type for p in parts] == ["audio", "image", "video"]
    assert isinstance(text_part("hi"), TextPart)


def test_parts_round_trip_through_json_as_the_right_class():
    message = Message(
        role="user", content=[media_part(MediaRef(kind="video", path="v.mp4")), text_part("What happens?")]
    )
    again = Message.model_validate_json(message.model_dump_json())
    assert again == message and isinstance(again.content[0], VideoPart)
    assert again.text() == "What happens?" and [ref.path for ref in again.media("video")] == ["v.mp4"]
    assert again.media("audio") == []


def test_a_part_is_read_by_its_type():
    adapter = TypeAdapter(Part)
    assert isinstance(
        adapter.validate_python({"type": "image", "media": {"kind": "image", "path": "a.png"}}), ImagePart
    )
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "picture", "media": {"kind": "image", "path": "a.png"}})
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "text"})  # text is required
    with pytest.raises(ValidationError, match="audio part holds image media"):
        adapter.validate_python({"type": "audio", "media": {"kind": "image", "path": "a.png"}})


def test_messages_written_before_parts_had_a_type_per_kind_still_load():
    legacy = {
        "role": "user",
        "content": [
            {"type": "media", "media": {"kind": "audio", "path": "a.wav"}},
            {"type": "text", "text": "Say it."},
        ],
    }
    message = Message.model_validate(legacy)
    assert isinstance(message.content[0], AudioPart) and message.text() == "Say it."
