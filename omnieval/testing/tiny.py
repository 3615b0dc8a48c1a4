"""Tiny random-weight Qwen2.5-Omni and Qwen3-Omni checkpoints for tests, demos and smoke runs.

The checkpoints have the exact architectures (thinker with audio and vision towers, talker,
code-to-waveform stage) at toy sizes, and a processor that behaves like the real one: a small
byte-level BPE tokenizer trained here (omnieval.testing.tiny_tokenizer) whose special tokens
keep their real ids (the models look tokens such as <|AUDIO|> and the role words up by id), the
real chat-template shape, the Whisper-style 128-bin feature extractor and the Qwen2-VL
image/video processors. They are written with save_pretrained and load back through the
production loading code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnieval.testing.tiny_tokenizer import (
    QWEN2_5_SPECIALS,
    QWEN3_SPECIALS,
    ROLE_IDS,
    TEXT_VOCAB,
    build_tokenizer,
    token_id,
)

FAMILIES = ("qwen2_5_omni", "qwen3_omni_moe")


def _text(hidden: int = 32, **extra: Any) -> dict[str, Any]:
    # head_dim = hidden / heads = 8, so mrope_section must cover 8 / 2 = 4 rotary pairs
    return {
        "vocab_size": TEXT_VOCAB,
        "hidden_size": hidden,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [1, 1, 2]},
        **extra,
    }


def _qwen2_5_config():
    from transformers import Qwen2_5OmniConfig

    ids = {t: token_id("qwen2_5_omni", t) for t in QWEN2_5_SPECIALS}
    thinker = {
        "audio_config": {
            "d_model": 32,
            "encoder_layers": 2,
            "encoder_attention_heads": 4,
            "encoder_ffn_dim": 64,
            "num_mel_bins": 128,
            "output_dim": 32,
            "n_window": 100,
        },
        "vision_config": {
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 4,
            "out_hidden_size": 32,
            "fullatt_block_indexes": [1],
            "window_size": 112,
        },
        "text_config": _text(eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"]),
        "audio_token_index": ids["<|AUDIO|>"],
        "image_token_index": ids["<|IMAGE|>"],
        "video_token_index": ids["<|VIDEO|>"],
        "audio_start_token_id": ids["<|audio_bos|>"],
        "audio_end_token_id": ids["<|audio_eos|>"],
        "vision_start_token_id": ids["<|vision_bos|>"],
        "vision_end_token_id": ids["<|vision_eos|>"],
        "vision_token_id": ids["<|vision_pad|>"],
        "user_token_id": ROLE_IDS["user"],
    }
    talker = {
        "vocab_size": 8448,
        "embedding_size": 32,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 8,
        "max_position_embeddings": 4096,
        "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [1, 1, 2]},
        "audio_token_index": ids["<|AUDIO|>"],
        "image_token_index": ids["<|IMAGE|>"],
        "video_token_index": ids["<|VIDEO|>"],
        "audio_start_token_id": ids["<|audio_bos|>"],
        "audio_end_token_id": ids["<|audio_eos|>"],
        "vision_start_token_id": ids["<|vision_bos|>"],
        "vision_end_token_id": ids["<|vision_eos|>"],
    }
    token2wav = {
        "dit_config": {
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "head_dim": 16,
            "ff_mult": 2,
            "emb_dim": 16,
            "num_embeds": 8448,
            "mel_dim": 80,
            "enc_emb_dim": 16,
            "enc_dim": 16,
            "enc_channels": [16, 16, 16, 16, 48],
            "enc_attention_channels": 8,
            "enc_se_channels": 8,
            "look_ahead_layers": [1],
            "look_backward_layers": [0],
            "block_size": 24,
            "repeats": 2,
        },
        "bigvgan_config": {
            "mel_dim": 80,
            "upsample_initial_channel": 128,
            "resblock_kernel_sizes": [3],
            "resblock_dilation_sizes": [[1, 3, 5]],
        },
    }
    return Qwen2_5OmniConfig(
        thinker_config=thinker, talker_config=talker, token2wav_config=token2wav, enable_audio_output=True
    )


def _qwen2_5_speakers(config) -> dict[str, dict[str, Any]]:
    import torch

    generator = torch.Generator().manual_seed(0)
    dit = config.token2wav_config.dit_config
    # Each speaker: the talker's text-bos token, a speaker embedding and a reference mel.
    return {
        name: {
            "bos_token": bos,
            "cond": torch.randn(dit.enc_emb_dim, generator=generator),
            "ref_mel": torch.randn(1, 30, dit.mel_dim, generator=generator),
        }
        for name, bos in (("Chelsie", 151870), ("Ethan", 151872))
    }


def build_processor(family: str):
    """The processor: tiny tokenizer, 128-bin Whisper features, Qwen2-VL image/video processors."""
    from transformers import (
        Qwen2_5OmniProcessor,
        Qwen2VLImageProcessor,
        Qwen2VLVideoProcessor,
        Qwen3OmniMoeProcessor,
        WhisperFeatureExtractor,
    )

    patch = 14 if family == "qwen2_5_omni" else 16
    # small pixel budgets keep the tiny vision tower fast; the real processors use the same classes
    image = Qwen2VLImageProcessor(
        patch_size=patch,
        merge_size=2,
        temporal_patch_size=2,
        min_pixels=4 * (2 * patch) ** 2,
        max_pixels=64 * (2 * patch) ** 2,
    )
    video = Qwen2VLVideoProcessor(
        patch_size=patch,
        merge_size=2,
        temporal_patch_size=2,
        min_pixels=4 * (2 * patch) ** 2,
        max_pixels=16 * (2 * patch) ** 2,
    )
    features = WhisperFeatureExtractor(
        feature_size=128,
        sampling_rate=16000,
        hop_length=160,
        chunk_size=30,
        n_fft=400,
        padding_value=0.0,
        return_attention_mask=True,
    )
    cls = Qwen2_5OmniProcessor if family == "qwen2_5_omni" else Qwen3OmniMoeProcessor
    tokenizer = build_tokenizer(family)
    return cls(
        image_processor=image,
        video_processor=video,
        feature_extractor=features,
        tokenizer=tokenizer,
        chat_template=tokenizer.chat_template,
    )


def _initialize_talker_experts(model) -> None:
    """transformers leaves the Qwen3-Omni talker's expert weights as allocated (uninitialized
    memory: a checkpoint would differ from run to run and may hold NaN); draw them like the rest."""
    import torch

    with torch.no_grad():
        for name, parameter in model.talker.named_parameters():
            if ".experts." in name:
                parameter.normal_(0.0, 0.02)


def build_tiny_checkpoint(family: str, output: str | Path, seed: int = 0) -> Path:
    """Write a tiny random-weight checkpoint of `family` (qwen2_5_omni or qwen3_omni_moe) to `output`."""
    import torch
    from transformers import Qwen2_5OmniForConditionalGeneration, Qwen3OmniMoeForConditionalGeneration

    if family not in FAMILIES:
        raise ValueError(f"unknown family '{family}'; choose one of {', '.join(FAMILIES)}")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model: Qwen2_5OmniForConditionalGeneration | Qwen3OmniMoeForConditionalGeneration
    if family == "qwen2_5_omni":
        config = _qwen2_5_config()
        model = Qwen2_5OmniForConditionalGeneration(config)
        torch.save(_qwen2_5_speakers(config), output / "spk_dict.pt")
    else:
        config = _qwen3_config()
        model = Qwen3OmniMoeForConditionalGeneration(config)
        _initialize_talker_experts(model)
    model.eval()
    model.save_pretrained(output)
    build_processor(family).save_pretrained(output)
    return output


#: Qwen3-Omni's speaker codes (talker_config.speaker_id of the released checkpoints)
QWEN3_SPEAKERS = {"chelsie": 2301, "ethan": 2302, "aiden": 2303}


def _qwen3_config():
    from transformers import Qwen3OmniMoeConfig

    ids = {t: token_id("qwen3_omni_moe", t) for t in QWEN3_SPECIALS}
    moe = {"moe_intermediate_size": 32, "num_experts": 4, "num_experts_per_tok": 2, "decoder_sparse_step": 1}
    rope = {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [1, 1, 2], "interleaved": True}
    thinker = {
        "audio_config": {
            "d_model": 32,
            "encoder_layers": 2,
            "encoder_attention_heads": 4,
            "encoder_ffn_dim": 64,
            "num_mel_bins": 128,
            "output_dim": 32,
            "downsample_hidden_size": 32,
            "n_window": 50,
            "n_window_infer": 800,
        },
        "vision_config": {
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 4,
            "out_hidden_size": 32,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "deepstack_visual_indexes": [1],
            "num_position_embeddings": 256,
        },
        "text_config": _text(
            eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"], rope_parameters=rope, **moe
        ),
        "audio_token_id": ids["<|audio_pad|>"],
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "audio_start_token_id": ids["<|audio_start|>"],
        "audio_end_token_id": ids["<|audio_end|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "user_token_id": ROLE_IDS["user"],
    }
    talker = {
        "text_config": {
            "vocab_size": 3072,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 8,
            "rope_parameters": rope,
            "max_position_embeddings": 4096,
            "shared_expert_intermediate_size": 32,
            **moe,
        },
        "code_predictor_config": {
            "vocab_size": 2048,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 8,
            "num_code_groups": 16,
        },
        "num_code_groups": 16,
        "thinker_hidden_size": 32,
        "accept_hidden_layer": 1,
        "codec_pad_id": 2148,
        "codec_bos_id": 2149,
        "codec_eos_token_id": 2150,
        "codec_nothink_id": 2155,
        "codec_think_bos_id": 2156,
        "codec_think_eos_id": 2157,
        "speaker_id": dict(QWEN3_SPEAKERS),
        "audio_token_id": ids["<|audio_pad|>"],
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "audio_start_token_id": ids["<|audio_start|>"],
        "spatial_merge_size": 2,
    }
    code2wav = {
        "codebook_size": 2048,
        "hidden_size": 32,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_quantizers": 16,
        "decoder_dim": 64,
    }
    return Qwen3OmniMoeConfig(
        thinker_config=thinker,
        talker_config=talker,
        code2wav_config=code2wav,
        enable_audio_output=True,
        im_start_token_id=ids["<|im_start|>"],
        im_end_token_id=ids["<|im_end|>"],
        tts_pad_token_id=ids["<tts_pad>"],
        tts_bos_token_id=ids["<tts_text_bos>"],
        tts_eos_token_id=ids["<tts_text_eod>"],
        system_token_id=ROLE_IDS["system"],
        user_token_id=ROLE_IDS["user"],
        assistant_token_id=ROLE_IDS["assistant"],
    )
