"""The zero-shot voice-cloning request: a voice prompt (audio and its transcript) and a text to speak.

As chat turns, which every runner can carry and the cache can key: the prompt is an earlier
assistant turn (its audio, then its transcript), the text to speak the user's turn, and the
request asks for audio (GenConfig.return_audio). A runner that clones voices reads it back
with `read_cloning_request`; one that cannot (espeak-ng) speaks the text in its own voice.
"""

from __future__ import annotations

from dataclasses import dataclass

from omnieval.types import MediaRef, Message, Request, media_part, text_part


@dataclass(frozen=True)
class CloningRequest:
    target_text: str
    prompt_audio: MediaRef | None
    prompt_text: str | None


def cloning_messages(prompt_audio: MediaRef | None, prompt_text: str | None, target_text: str) -> list[Message]:
    messages = []
    if prompt_audio is not None:
        messages.append(Message(role="assistant", content=[media_part(prompt_audio), text_part(prompt_text or "")]))
    messages.append(Message(role="user", content=[text_part(target_text)]))
    return messages


def read_cloning_request(request: Request) -> CloningRequest:
    """The text to speak (the last user turn) and the voice prompt (an assistant turn with audio), if any."""
    users = [m for m in request.messages if m.role == "user"]
    prompt = next((m for m in request.messages if m.role == "assistant" and m.media("audio")), None)
    return CloningRequest(
        target_text=users[-1].text() if users else "",
        prompt_audio=prompt.media("audio")[0] if prompt else None,
        prompt_text=prompt.text() if prompt else None,
    )
