"""The tiny checkpoints: real special-token ids, role words where the talkers look them up, speakers."""

from __future__ import annotations

import pytest

from omnieval.runners.hf_omni.loading import load
from omnieval.testing.tiny import build_tiny_checkpoint
from omnieval.testing.tiny_tokenizer import FIRST_SPECIAL_ID, ROLE_IDS

REAL_IDS = {
    "qwen2_5_omni": {
        "<|im_start|>": 151644,
        "<|im_end|>": 151645,
        "<|AUDIO|>": 151646,
        "<|IMAGE|>": 151655,
        "<|VIDEO|>": 151656,
        "<|audio_bos|>": 151647,
        "<|vision_bos|>": 151652,
    },
    "qwen3_omni_moe": {
        "<|im_start|>": 151644,
        "<|im_end|>": 151645,
        "<|audio_start|>": 151669,
        "<|audio_pad|>": 151675,
        "<|image_pad|>": 151655,
        "<|video_pad|>": 151656,
        "<|vision_start|>": 151652,
    },
}
SPEAKERS = {"qwen2_5_omni": ["Chelsie", "Ethan"], "qwen3_omni_moe": ["aiden", "chelsie", "ethan"]}


def test_checkpoint_loads_back_with_real_token_ids_and_speakers(tiny_checkpoints, family):
    loaded = load(str(tiny_checkpoints[family]), talker=True)
    tokenizer = loaded.processor.tokenizer
    for token, wanted in REAL_IDS[family].items():
        assert tokenizer.convert_tokens_to_ids(token) == wanted
    prompt = loaded.processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "text", "text": "hi"}]}], add_generation_prompt=True, tokenize=False
    )
    ids = tokenizer(prompt)["input_ids"]
    assert ROLE_IDS["user"] in ids and ROLE_IDS["assistant"] in ids  # the role words keep their real ids
    assert tokenizer.decode(tokenizer("the cat sat")["input_ids"]) == "the cat sat"
    assert loaded.model.config.thinker_config.text_config.vocab_size > max(REAL_IDS[family].values())
    assert loaded.speakers() == SPEAKERS[family]
    assert loaded.processor.feature_extractor.feature_size == 128
    assert sum(p.numel() for p in loaded.model.parameters()) < 20_000_000


def test_thinker_only_loading_builds_no_talker(tiny_checkpoints, family):
    loaded = load(str(tiny_checkpoints[family]), talker=False)
    assert not loaded.model.has_talker and loaded.speakers() == []
    assert not hasattr(loaded.model, "talker")


def test_the_same_seed_gives_the_same_finite_weights(family, tmp_path):
    """Every weight is drawn from the seed (none left as uninitialized memory)."""
    import safetensors.torch
    import torch

    first = build_tiny_checkpoint(family, tmp_path / "a", seed=3)
    second = build_tiny_checkpoint(family, tmp_path / "b", seed=3)
    a = safetensors.torch.load_file(first / "model.safetensors")
    b = safetensors.torch.load_file(second / "model.safetensors")
    assert a.keys() == b.keys()
    assert [k for k in a if not torch.equal(a[k], b[k])] == []
    assert [k for k in a if not torch.isfinite(a[k]).all()] == []


def test_an_unknown_family_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown family"):
        build_tiny_checkpoint("llama", tmp_path)


def test_special_tokens_start_where_qwen_puts_them():
    assert FIRST_SPECIAL_ID == 151643
