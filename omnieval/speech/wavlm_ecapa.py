"""seed-tts-eval's speaker-similarity model: WavLM-Large with an ECAPA-TDNN head, fine-tuned for
speaker verification (UniSpeech's `downstreams/speaker_verification`, checkpoint
`wavlm_large_finetune.pth`), rebuilt on transformers' WavLMModel.

The official recipe (seed-tts-eval `verification.py`, UniSpeech `models/ecapa_tdnn.py`, s3prl's
WavLM expert): the 16 kHz waveform is layer-normalized as a whole; WavLM gives 25 hidden states
(the input of each of its 24 layers and the encoder's layer-normed output); their softmax-weighted
sum (`feature_weight`) is instance-normalized over time and goes through the ECAPA-TDNN head
(`ECAPA_TDNN_SMALL`: 512 channels, three SE-Res2 blocks of scale 8 with dilations 2, 3 and 4,
attentive statistics pooling) to a 256-dimensional embedding; SIM is the cosine of two embeddings.

The checkpoint holds every weight, WavLM's included (fine-tuned), in the official names; sizes are
read from it, so a small checkpoint in the same layout loads the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from omnieval.errors import OmnievalError

WAVLM_PREFIX = "feature_extract.model."
#: training-only weights of the checkpoint (the AAM-softmax classifier), not part of the scorer
TRAINING_ONLY = ("loss_calculator.",)
#: official WavLM names (s3prl) -> transformers WavLMModel names
_WAVLM_RENAMES = (
    (r"feature_extractor\.conv_layers\.(\d+)\.0\.weight", r"feature_extractor.conv_layers.\1.conv.weight"),
    (r"feature_extractor\.conv_layers\.(\d+)\.2\.1\.(weight|bias)", r"feature_extractor.conv_layers.\1.layer_norm.\2"),
    (r"layer_norm\.(weight|bias)", r"feature_projection.layer_norm.\1"),
    (r"post_extract_proj\.(weight|bias)", r"feature_projection.projection.\1"),
    (r"encoder\.pos_conv\.0\.weight_g", "encoder.pos_conv_embed.conv.parametrizations.weight.original0"),
    (r"encoder\.pos_conv\.0\.weight_v", "encoder.pos_conv_embed.conv.parametrizations.weight.original1"),
    (r"encoder\.pos_conv\.0\.bias", "encoder.pos_conv_embed.conv.bias"),
    (r"encoder\.layers\.(\d+)\.self_attn\.(k|v|q|out)_proj\.(weight|bias)", r"encoder.layers.\1.attention.\2_proj.\3"),
    (
        r"encoder\.layers\.(\d+)\.self_attn\.grep_linear\.(weight|bias)",
        r"encoder.layers.\1.attention.gru_rel_pos_linear.\2",
    ),
    (r"encoder\.layers\.(\d+)\.self_attn\.grep_a", r"encoder.layers.\1.attention.gru_rel_pos_const"),
    (
        r"encoder\.layers\.(\d+)\.self_attn\.relative_attention_bias\.weight",
        r"encoder.layers.\1.attention.rel_attn_embed.weight",
    ),
    (r"encoder\.layers\.(\d+)\.self_attn_layer_norm\.(weight|bias)", r"encoder.layers.\1.layer_norm.\2"),
    (r"encoder\.layers\.(\d+)\.fc1\.(weight|bias)", r"encoder.layers.\1.feed_forward.intermediate_dense.\2"),
    (r"encoder\.layers\.(\d+)\.fc2\.(weight|bias)", r"encoder.layers.\1.feed_forward.output_dense.\2"),
    (r"encoder\.layers\.(\d+)\.final_layer_norm\.(weight|bias)", r"encoder.layers.\1.final_layer_norm.\2"),
    (r"encoder\.layer_norm\.(weight|bias)", r"encoder.layer_norm.\1"),
    (r"mask_emb", None),  # the pre-training mask embedding: unused when nothing is masked
)


def wavlm_name(official: str) -> str | None:
    """The transformers name of an official WavLM weight (None: a weight the scorer does not use)."""
    for pattern, replacement in _WAVLM_RENAMES:
        if re.fullmatch(pattern, official):
            return None if replacement is None else re.sub(pattern, replacement, official)
    raise OmnievalError(f"unknown WavLM weight '{official}' in the speaker-verification checkpoint")


class ConvReluBn(nn.Module):
    """conv -> ReLU -> batch norm (the official `Conv1dReluBn`)."""

    def __init__(self, channels_in: int, channels_out: int, kernel_size: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv1d(
            channels_in, channels_out, kernel_size, padding=dilation * (kernel_size - 1) // 2, dilation=dilation
        )
        self.bn = nn.BatchNorm1d(channels_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(F.relu(self.conv(x)))


class Res2ConvReluBn(nn.Module):
    """Res2Net's hierarchical convolutions over `scale` channel groups, the last group passed through."""

    def __init__(self, channels: int, kernel_size: int, dilation: int, scale: int) -> None:
        super().__init__()
        self.width = channels // scale
        padding = dilation * (kernel_size - 1) // 2
        self.convs = nn.ModuleList(
            nn.Conv1d(self.width, self.width, kernel_size, padding=padding, dilation=dilation) for _ in range(scale - 1)
        )
        self.bns = nn.ModuleList(nn.BatchNorm1d(self.width) for _ in range(scale - 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        groups = torch.split(x, self.width, dim=1)
        out, carried = [], None
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns, strict=False)):
            carried = groups[i] if carried is None else carried + groups[i]
            carried = bn(F.relu(conv(carried)))
            out.append(carried)
        return torch.cat(out + [groups[-1]], dim=1)


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, bottleneck: int) -> None:
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(channels, bottleneck), nn.Linear(bottleneck, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.linear2(F.relu(self.linear1(x.mean(dim=2))))).unsqueeze(2)


class SERes2Block(nn.Module):
    """The official `SE_Res2Block` (its attribute names are the checkpoint's)."""

    def __init__(self, channels: int, kernel_size: int, dilation: int, scale: int, bottleneck: int) -> None:
        super().__init__()
        self.Conv1dReluBn1 = ConvReluBn(channels, channels)
        self.Res2Conv1dReluBn = Res2ConvReluBn(channels, kernel_size, dilation, scale)
        self.Conv1dReluBn2 = ConvReluBn(channels, channels)
        self.SE_Connect = SqueezeExcite(channels, bottleneck)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.SE_Connect(self.Conv1dReluBn2(self.Res2Conv1dReluBn(self.Conv1dReluBn1(x)))) + x


class AttentiveStatsPool(nn.Module):
    def __init__(self, channels: int, attention_channels: int) -> None:
        super().__init__()
        self.linear1 = nn.Conv1d(channels, attention_channels, kernel_size=1)
        self.linear2 = nn.Conv1d(attention_channels, channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = torch.softmax(self.linear2(torch.tanh(self.linear1(x))), dim=2)
        mean = torch.sum(alpha * x, dim=2)
        std = torch.sqrt((torch.sum(alpha * x**2, dim=2) - mean**2).clamp(min=1e-9))
        return torch.cat([mean, std], dim=1)


class EcapaHead(nn.Module):
    """Weighted hidden states -> speaker embedding (sizes read from the checkpoint's weights)."""

    def __init__(self, weights: dict[str, torch.Tensor]) -> None:
        super().__init__()
        channels, features, kernel = weights["layer1.conv.weight"].shape
        scale = len([k for k in weights if re.fullmatch(r"layer2\.Res2Conv1dReluBn\.convs\.\d+\.weight", k)]) + 1
        res2_kernel = weights["layer2.Res2Conv1dReluBn.convs.0.weight"].shape[-1]
        bottleneck = weights["layer2.SE_Connect.linear1.weight"].shape[0]
        self.feature_weight = nn.Parameter(torch.zeros(weights["feature_weight"].shape[0]))
        self.instance_norm = nn.InstanceNorm1d(features)
        self.layer1 = ConvReluBn(features, channels, kernel_size=kernel)
        self.layer2, self.layer3, self.layer4 = (
            SERes2Block(channels, res2_kernel, dilation, scale, bottleneck) for dilation in (2, 3, 4)
        )
        joined = weights["conv.weight"].shape[0]
        self.conv = nn.Conv1d(3 * channels, joined, kernel_size=1)
        self.pooling = AttentiveStatsPool(joined, weights["pooling.linear1.weight"].shape[0])
        self.bn = nn.BatchNorm1d(2 * joined)
        self.linear = nn.Linear(2 * joined, weights["linear.weight"].shape[0])

    def forward(self, hidden_states: list[torch.Tensor]) -> torch.Tensor:
        weights = F.softmax(self.feature_weight, dim=-1)[:, None, None, None]
        x = (weights * torch.stack(hidden_states, dim=0)).sum(dim=0)
        x = self.instance_norm(x.transpose(1, 2) + 1e-6)
        out1 = self.layer1(x)
        out2 = self.layer2(out1)
        out3 = self.layer3(out2)
        out4 = self.layer4(out3)
        out = F.relu(self.conv(torch.cat([out2, out3, out4], dim=1)))
        return self.linear(self.bn(self.pooling(out)))


def _wavlm_config(weights: dict[str, torch.Tensor]):
    """A transformers WavLMConfig with the sizes of the checkpoint's (Large-style) WavLM."""
    from transformers import WavLMConfig

    convs = sorted(
        (int(m.group(1)), w.shape)
        for k, w in weights.items()
        if (m := re.fullmatch(r"feature_extractor\.conv_layers\.(\d+)\.conv\.weight", k))
    )
    layers = {int(m.group(1)) for k in weights if (m := re.match(r"encoder\.layers\.(\d+)\.", k))}
    hidden = weights["feature_projection.projection.weight"].shape[0]
    positional = weights["encoder.pos_conv_embed.conv.parametrizations.weight.original1"].shape
    return WavLMConfig(
        hidden_size=hidden,
        num_hidden_layers=len(layers),
        num_attention_heads=weights["encoder.layers.0.attention.gru_rel_pos_const"].shape[1],
        intermediate_size=weights["encoder.layers.0.feed_forward.intermediate_dense.weight"].shape[0],
        conv_dim=tuple(shape[0] for _, shape in convs),
        conv_kernel=tuple(shape[-1] for _, shape in convs),
        conv_stride=tuple(5 if shape[-1] == 10 else 2 for _, shape in convs),
        conv_bias=False,
        feat_extract_norm="layer",
        do_stable_layer_norm=True,
        num_conv_pos_embeddings=positional[-1],
        num_conv_pos_embedding_groups=hidden // positional[1],
        num_buckets=weights["encoder.layers.0.attention.rel_attn_embed.weight"].shape[0],
        max_bucket_distance=800,
        mask_time_prob=0.0,
        mask_feature_prob=0.0,
        hidden_dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        feat_proj_dropout=0.0,
        layerdrop=0.0,
    )


class WavLMEcapa(nn.Module):
    """The whole scorer: `embed(waveform at 16 kHz)` -> speaker embedding."""

    def __init__(self, checkpoint: dict[str, torch.Tensor]) -> None:
        from transformers import WavLMModel

        super().__init__()
        wavlm, head = split_checkpoint(checkpoint)
        self.wavlm = WavLMModel(_wavlm_config(wavlm))
        self.head = EcapaHead(head)
        for part, weights in ((self.wavlm, wavlm), (self.head, head)):
            missing, unexpected = part.load_state_dict(weights, strict=False)
            if missing or unexpected:
                raise OmnievalError(
                    f"the speaker-verification checkpoint does not fit the model: "
                    f"missing {missing[:3]}, unexpected {unexpected[:3]}"
                )
        self.eval()

    @torch.no_grad()
    def hidden_states(self, waveform: torch.Tensor) -> list[torch.Tensor]:
        """WavLM's hidden states as s3prl's expert gives them: the input of each layer, then the encoder's
        output after its final layer norm (transformers 5 records the last layer's output before it)."""
        normalized = F.layer_norm(waveform, waveform.shape)  # the expert does this for WavLM-Large
        out = self.wavlm(normalized[None], output_hidden_states=True)
        return list(out.hidden_states[: self.wavlm.config.num_hidden_layers]) + [out.last_hidden_state]

    @torch.no_grad()
    def embed(self, waveform: torch.Tensor) -> torch.Tensor:
        """The embedding of one mono recording at 16 kHz (1-D)."""
        return self.head(self.hidden_states(waveform))[0]


def split_checkpoint(checkpoint: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """The official state dict as (WavLM weights in transformers' names, head weights)."""
    wavlm, head = {}, {}
    for key, weight in checkpoint.items():
        if key.startswith(TRAINING_ONLY):
            continue
        if key.startswith(WAVLM_PREFIX):
            name = wavlm_name(key[len(WAVLM_PREFIX) :])
            if name is not None:
                wavlm[name] = weight
        else:
            head[key] = weight
    if not wavlm or "feature_weight" not in head:
        raise OmnievalError(
            "not a WavLM + ECAPA-TDNN speaker-verification checkpoint (no "
            f"'{WAVLM_PREFIX}*' or 'feature_weight' weights)"
        )
    return wavlm, head


def read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """The state dict of a `wavlm_large_finetune.pth` file (its 'model' entry)."""
    if not path.is_file():
        raise OmnievalError(f"speaker-verification checkpoint not found: {path}")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - a corrupt or foreign file, whatever torch raised
        raise OmnievalError(f"cannot read the speaker-verification checkpoint {path}: {err}") from err
    state = saved.get("model", saved) if isinstance(saved, dict) else None
    if not isinstance(state, dict):
        raise OmnievalError(f"{path} holds no state dict")
    return state
