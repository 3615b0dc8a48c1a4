"""The tiny checkpoints' tokenizer (omnieval.testing.tiny): a byte-level BPE trained here on a small corpus,
laid out so that the special tokens and role words keep their ids in the real Qwen vocabulary, with
each family's special tokens and chat template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: the real text vocabulary size (regular tokens + special tokens, padded)
TEXT_VOCAB = 151936
FIRST_SPECIAL_ID = 151643
#: ids of the role words in the real vocabulary; both families' talkers look them up
ROLE_IDS = {"user": 872, "system": 8948, "assistant": 77091}

_CORPUS = (
    "the quick brown fox jumps over the lazy dog. a cat sat on the mat and looked at the bird. "
    "what is said in the audio? transcribe the speech. describe the image. how many shapes are there? "
    "answer with the letter of the correct option. one two three four five six seven eight nine ten. "
    "system user assistant. you are a helpful assistant. the answer is b. "
)

QWEN2_5_SPECIALS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|AUDIO|>",
    "<|audio_bos|>",
    "<|audio_eos|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_bos|>",
    "<|vision_eos|>",
    "<|vision_pad|>",
    "<|IMAGE|>",
    "<|VIDEO|>",
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
]
QWEN3_SPECIALS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
    "<|audio_start|>",
    "<|audio_end|>",
    "<tts_pad>",
    "<tts_text_bos>",
    "<tts_text_eod>",
    "<tts_text_bos_single>",
    "<|audio_pad|>",
]

# The chat templates of the real checkpoints, reduced to what evaluation uses: an optional
# system turn, media markers where the parts are, text, and the generation prompt.
_QWEN2_5_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_bos|><|IMAGE|><|vision_eos|>"
    "{% elif content['type'] == 'audio' %}<|audio_bos|><|AUDIO|><|audio_eos|>"
    "{% elif content['type'] == 'video' %}<|vision_bos|><|VIDEO|><|vision_eos|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_QWEN3_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'audio' %}<|audio_start|><|audio_pad|><|audio_end|>"
    "{% elif content['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class _Family:
    specials: list[str]
    token_names: dict[str, str]
    template: str


_FAMILY = {
    "qwen2_5_omni": _Family(
        QWEN2_5_SPECIALS,
        {
            "image_token": "<|IMAGE|>",
            "audio_token": "<|AUDIO|>",
            "video_token": "<|VIDEO|>",
            "vision_bos_token": "<|vision_bos|>",
            "vision_eos_token": "<|vision_eos|>",
            "audio_bos_token": "<|audio_bos|>",
            "audio_eos_token": "<|audio_eos|>",
        },
        _QWEN2_5_TEMPLATE,
    ),
    "qwen3_omni_moe": _Family(
        QWEN3_SPECIALS,
        {
            "image_token": "<|image_pad|>",
            "audio_token": "<|audio_pad|>",
            "video_token": "<|video_pad|>",
            "vision_bos_token": "<|vision_start|>",
            "vision_eos_token": "<|vision_end|>",
            "audio_bos_token": "<|audio_start|>",
            "audio_eos_token": "<|audio_end|>",
        },
        _QWEN3_TEMPLATE,
    ),
}


def token_id(family: str, token: str) -> int:
    return FIRST_SPECIAL_ID + _FAMILY[family].specials.index(token)


def build_tokenizer(family: str):
    """A byte-level BPE trained on a small corpus, laid out so that every special token and
    role word has its id in the real Qwen vocabulary; unused ids are unreachable fillers."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
    from transformers import AddedToken, Qwen2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    trained = Tokenizer(models.BPE())
    trained.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=1000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    trained.train_from_iterator([_CORPUS] * 20 + list(ROLE_IDS) * 50, trainer)
    learned = _learned_model(trained)
    ordered = [token for token, _ in sorted(learned["vocab"].items(), key=lambda item: item[1])]
    slots: list[str | None] = [None] * FIRST_SPECIAL_ID
    for word, wanted in ROLE_IDS.items():
        if word not in ordered:
            raise RuntimeError(f"the tiny tokenizer did not learn the role word '{word}'")
        slots[wanted] = word
        ordered.remove(word)
    free = (i for i, slot in enumerate(slots) if slot is None)
    for token in ordered:
        slots[next(free)] = token
    spec = _FAMILY[family]
    vocab = {(token if token is not None else f"<|unused_{i}|>"): i for i, token in enumerate(slots)}
    vocab.update({token: token_id(family, token) for token in spec.specials})
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        # transformers' annotations are too narrow: merges go to tokenizers' BPE, which takes (left, right)
        # pairs, not only "left right" strings; unk_token=None (no unknown token) is accepted by the base class
        merges=[tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in learned["merges"]],  # type: ignore[misc]
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,  # type: ignore[arg-type]
        extra_special_tokens=dict(spec.token_names),
    )
    tokenizer.add_tokens([AddedToken(t, special=True) for t in spec.specials], special_tokens=True)
    for token in spec.specials:
        if tokenizer.convert_tokens_to_ids(token) != token_id(family, token):
            raise RuntimeError(f"special token {token} did not get its real id")
    tokenizer.chat_template = spec.template
    return tokenizer


def _learned_model(tokenizer) -> dict[str, Any]:
    import json

    return json.loads(tokenizer.to_str())["model"]
