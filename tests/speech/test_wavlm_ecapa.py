"""seed-tts-eval's SIM model rebuilt on transformers: a small random-weight checkpoint written in the
official layout (UniSpeech's ECAPA_TDNN_SMALL around s3prl's WavLM, the names of
`wavlm_large_finetune.pth`) loads whole, and scores real espeak-ng speech."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
import soxr
import torch

from omnieval.errors import OmnievalError
from omnieval.speech.backends import RATE, load_backends, similarity
from omnieval.speech.wavlm_ecapa import WavLMEcapa, read_checkpoint
from omnieval.testing.sample_data import speak

HIDDEN, LAYERS, HEADS, FFN, CONV, CHANNELS, EMBEDDING = 32, 2, 4, 48, 16, 16, 8
#: the kernel of each of WavLM's seven feature-extractor convolutions
KERNELS = (10, 3, 3, 3, 3, 2, 2)


def official_checkpoint(seed: int = 0) -> dict[str, torch.Tensor]:
    """A random state dict with the official checkpoint's names (s3prl WavLM under
    `feature_extract.model.`, the ECAPA head at the top level) at a small size."""
    generator = torch.Generator().manual_seed(seed)
    weights: dict[str, torch.Tensor] = {}

    def add(name: str, *shape: int) -> None:
        weights[name] = 0.2 * torch.randn(*shape, generator=generator)

    def batch_norm(name: str, size: int) -> None:
        add(f"{name}.weight", size)
        add(f"{name}.bias", size)
        add(f"{name}.running_mean", size)
        weights[f"{name}.running_var"] = torch.rand(size, generator=generator) + 0.5
        weights[f"{name}.num_batches_tracked"] = torch.tensor(100)

    wavlm = "feature_extract.model."
    for i, kernel in enumerate(KERNELS):
        add(f"{wavlm}feature_extractor.conv_layers.{i}.0.weight", CONV, 1 if i == 0 else CONV, kernel)
        add(f"{wavlm}feature_extractor.conv_layers.{i}.2.1.weight", CONV)
        add(f"{wavlm}feature_extractor.conv_layers.{i}.2.1.bias", CONV)
    add(f"{wavlm}layer_norm.weight", CONV)
    add(f"{wavlm}layer_norm.bias", CONV)
    add(f"{wavlm}post_extract_proj.weight", HIDDEN, CONV)
    add(f"{wavlm}post_extract_proj.bias", HIDDEN)
    add(f"{wavlm}mask_emb", HIDDEN)
    add(f"{wavlm}encoder.pos_conv.0.weight_g", 1, 1, 16)
    add(f"{wavlm}encoder.pos_conv.0.weight_v", HIDDEN, HIDDEN // 4, 16)
    add(f"{wavlm}encoder.pos_conv.0.bias", HIDDEN)
    for i in range(LAYERS):
        layer = f"{wavlm}encoder.layers.{i}."
        for projection in ("k", "v", "q", "out"):
            add(f"{layer}self_attn.{projection}_proj.weight", HIDDEN, HIDDEN)
            add(f"{layer}self_attn.{projection}_proj.bias", HIDDEN)
        add(f"{layer}self_attn.grep_linear.weight", 8, HIDDEN // HEADS)
        add(f"{layer}self_attn.grep_linear.bias", 8)
        add(f"{layer}self_attn.grep_a", 1, HEADS, 1, 1)
        if i == 0:
            add(f"{layer}self_attn.relative_attention_bias.weight", 320, HEADS)
        for norm in ("self_attn_layer_norm", "final_layer_norm"):
            add(f"{layer}{norm}.weight", HIDDEN)
            add(f"{layer}{norm}.bias", HIDDEN)
        add(f"{layer}fc1.weight", FFN, HIDDEN)
        add(f"{layer}fc1.bias", FFN)
        add(f"{layer}fc2.weight", HIDDEN, FFN)
        add(f"{layer}fc2.bias", HIDDEN)
    add(f"{wavlm}encoder.layer_norm.weight", HIDDEN)
    add(f"{wavlm}encoder.layer_norm.bias", HIDDEN)

    add("feature_weight", LAYERS + 1)
    add("layer1.conv.weight", CHANNELS, HIDDEN, 5)
    add("layer1.conv.bias", CHANNELS)
    batch_norm("layer1.bn", CHANNELS)
    width = CHANNELS // 8
    for block in ("layer2", "layer3", "layer4"):
        for conv in ("Conv1dReluBn1", "Conv1dReluBn2"):
            add(f"{block}.{conv}.conv.weight", CHANNELS, CHANNELS, 1)
            add(f"{block}.{conv}.conv.bias", CHANNELS)
            batch_norm(f"{block}.{conv}.bn", CHANNELS)
        for j in range(7):
            add(f"{block}.Res2Conv1dReluBn.convs.{j}.weight", width, width, 3)
            add(f"{block}.Res2Conv1dReluBn.convs.{j}.bias", width)
            batch_norm(f"{block}.Res2Conv1dReluBn.bns.{j}", width)
        add(f"{block}.SE_Connect.linear1.weight", 4, CHANNELS)
        add(f"{block}.SE_Connect.linear1.bias", 4)
        add(f"{block}.SE_Connect.linear2.weight", CHANNELS, 4)
        add(f"{block}.SE_Connect.linear2.bias", CHANNELS)
    add("conv.weight", 3 * CHANNELS, 3 * CHANNELS, 1)
    add("conv.bias", 3 * CHANNELS)
    add("pooling.linear1.weight", 6, 3 * CHANNELS, 1)
    add("pooling.linear1.bias", 6)
    add("pooling.linear2.weight", 3 * CHANNELS, 6, 1)
    add("pooling.linear2.bias", 3 * CHANNELS)
    batch_norm("bn", 6 * CHANNELS)
    add("linear.weight", EMBEDDING, 6 * CHANNELS)
    add("linear.bias", EMBEDDING)
    add("loss_calculator.projection.weight", 5, EMBEDDING)  # the training classifier, which scoring ignores
    return weights


def voice(text: str, name: str) -> np.ndarray:
    audio, rate = soundfile.read(io.BytesIO(speak(text, name)), dtype="float32")
    return soxr.resample(audio, rate, RATE).astype(np.float32)


@pytest.fixture(scope="module")
def checkpoint_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sv") / "wavlm_large_finetune.pth"
    torch.save({"model": official_checkpoint(), "best_valid_eer": 0.5}, path)
    return path


def test_every_weight_of_the_official_layout_is_loaded_where_it_belongs(checkpoint_file):
    official = official_checkpoint()
    model = WavLMEcapa(read_checkpoint(checkpoint_file))
    assert model.wavlm.config.num_hidden_layers == LAYERS and model.wavlm.config.num_attention_heads == HEADS
    loaded = model.wavlm.state_dict()
    prefix = "feature_extract.model."
    assert torch.equal(
        loaded["encoder.layers.1.feed_forward.output_dense.weight"], official[f"{prefix}encoder.layers.1.fc2.weight"]
    )
    assert torch.equal(
        loaded["encoder.layers.0.attention.gru_rel_pos_const"], official[f"{prefix}encoder.layers.0.self_attn.grep_a"]
    )
    assert torch.equal(
        loaded["feature_extractor.conv_layers.6.layer_norm.bias"],
        official[f"{prefix}feature_extractor.conv_layers.6.2.1.bias"],
    )
    assert torch.equal(
        loaded["encoder.pos_conv_embed.conv.parametrizations.weight.original0"],
        official[f"{prefix}encoder.pos_conv.0.weight_g"],
    )
    assert torch.equal(
        model.head.state_dict()["layer3.Res2Conv1dReluBn.bns.6.running_var"],
        official["layer3.Res2Conv1dReluBn.bns.6.running_var"],
    )


def test_the_head_sees_the_input_of_each_layer_then_the_layer_normed_output(checkpoint_file):
    model = WavLMEcapa(read_checkpoint(checkpoint_file))
    waveform = torch.from_numpy(voice("one two three", "en-us"))
    hidden = model.hidden_states(waveform)
    assert len(hidden) == LAYERS + 1 == model.head.feature_weight.shape[0]
    out = model.wavlm(torch.nn.functional.layer_norm(waveform, waveform.shape)[None], output_hidden_states=True)
    for k in range(LAYERS):
        assert torch.equal(hidden[k], out.hidden_states[k])
    assert torch.equal(hidden[-1], out.last_hidden_state)
    encoder_norm = model.wavlm.encoder.layer_norm
    centred = (hidden[-1] - encoder_norm.bias) / encoder_norm.weight  # the norm undone: zero mean per frame
    assert centred.mean(dim=-1).abs().max() < 1e-3


def test_sim_of_real_speech_through_the_backend(checkpoint_file):
    load_backends("pocketsphinx", f"wavlm-ecapa:{checkpoint_file}", None, "en")
    sim = similarity(f"wavlm-ecapa:{checkpoint_file}")
    a, b = voice("the quick brown fox jumps over the lazy dog", "en-us+m3"), voice("hello there my friend", "en-us+f3")
    assert sim(a, a) == pytest.approx(1.0, abs=1e-5)
    assert -1.0 <= sim(a, b) < 0.99999
    assert sim(a, b) == pytest.approx(sim(b, a), abs=1e-5)


def test_checkpoints_that_do_not_fit_are_clear_errors(tmp_path):
    broken = official_checkpoint()
    del broken["layer2.SE_Connect.linear1.bias"]
    with pytest.raises(OmnievalError, match="does not fit the model: missing"):
        WavLMEcapa(broken)
    foreign = {**official_checkpoint(), "feature_extract.model.encoder.quantizer.vars": torch.zeros(1)}
    with pytest.raises(OmnievalError, match="unknown WavLM weight 'encoder.quantizer.vars'"):
        WavLMEcapa(foreign)
    with pytest.raises(OmnievalError, match="not a WavLM \\+ ECAPA-TDNN"):
        WavLMEcapa({"linear.weight": torch.zeros(2, 2)})
    with pytest.raises(OmnievalError, match="checkpoint not found"):
        read_checkpoint(tmp_path / "missing.pth")
    with pytest.raises(OmnievalError, match="unknown speaker-similarity model"):
        load_backends("pocketsphinx", "ecapa", None, "en")
    with pytest.raises(OmnievalError, match="speaker-verification checkpoint not found"):
        load_backends("pocketsphinx", f"wavlm-ecapa:{tmp_path / 'nowhere.pth'}", None, "en")
