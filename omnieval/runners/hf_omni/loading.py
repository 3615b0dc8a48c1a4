"""Loading Qwen omni checkpoints (hub id or local folder): the class comes from the config."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from omnieval.errors import OmnievalError, first_line

#: config model_type -> (model class, processor class) in transformers
FAMILIES: dict[str, tuple[str, str]] = {
    "qwen2_5_omni": ("Qwen2_5OmniForConditionalGeneration", "Qwen2_5OmniProcessor"),
    "qwen3_omni_moe": ("Qwen3OmniMoeForConditionalGeneration", "Qwen3OmniMoeProcessor"),
}
DTYPES = ("auto", "bfloat16", "float16", "float32")
#: the sampling settings a checkpoint's generation_config.json may carry for its thinker
SAMPLING_FIELDS = ("do_sample", "temperature", "top_p", "top_k", "min_p", "repetition_penalty")


@dataclass
class LoadedModel:
    model: Any
    processor: Any
    family: str
    device: str
    dtype: str
    attn_implementation: str

    def speakers(self) -> list[str]:
        """Voices the talker offers (empty without a talker)."""
        if not getattr(self.model, "has_talker", False):
            return []
        if self.family == "qwen2_5_omni":
            return sorted(self.model.speaker_map)
        return sorted(self.model.config.talker_config.speaker_id or {})

    def checkpoint_sampling(self) -> dict[str, Any]:
        """The thinker's sampling settings from the checkpoint's generation_config.json.

        transformers loads that file onto the top-level model only; the thinker, whose
        generate() makes the text, keeps defaults built from its config. Keys may be plain
        (`temperature`) or prefixed as the omni generate() takes them (`thinker_temperature`).
        """
        config = self.model.generation_config
        found = {}
        for name in SAMPLING_FIELDS:
            for key in (f"thinker_{name}", name):
                value = getattr(config, key, None)
                if value is not None:
                    found[name] = value
                    break
        return found


def detect_family(model_id: str, revision: str | None = None) -> str:
    """The checkpoint's model_type, or a clear error when it is not a Qwen omni model."""
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(model_id, revision=revision)
    except (OSError, ValueError) as err:
        raise OmnievalError(f"cannot load a model config from '{model_id}': {first_line(err)}") from err
    family = getattr(config, "model_type", None)
    if family not in FAMILIES:
        raise OmnievalError(
            f"'{model_id}' is not a Qwen omni checkpoint (model_type '{family}'); "
            f"the hf-omni runner loads {', '.join(FAMILIES)}"
        )
    return family


def default_attention() -> str:
    return "flash_attention_2" if importlib.util.find_spec("flash_attn") is not None else "sdpa"


def load(
    model_id: str,
    *,
    dtype: str = "auto",
    device_map: str | None = None,
    attn_implementation: str | None = None,
    talker: bool = False,
    revision: str | None = None,
) -> LoadedModel:
    """Model and processor; without `talker` the speech stages are not built (less memory)."""
    import torch
    import transformers

    if dtype not in DTYPES:
        raise OmnievalError(f"dtype must be one of {', '.join(DTYPES)}, got '{dtype}'")
    family = detect_family(model_id, revision)
    model_cls, processor_cls = (getattr(transformers, name) for name in FAMILIES[family])
    cuda = torch.cuda.is_available()
    resolved_dtype = dtype if dtype != "auto" else ("bfloat16" if cuda else "float32")
    attention = attn_implementation or default_attention()
    try:
        model = model_cls.from_pretrained(
            model_id,
            revision=revision,
            dtype=getattr(torch, resolved_dtype),
            attn_implementation=attention,
            device_map=device_map or ("auto" if cuda else "cpu"),
            enable_audio_output=talker,
            # transformers 5.2x otherwise swaps layers for kernels it fetches from the hub at load time: the
            # numerics would no longer be the reference implementation's, and offline the load fails (seen on
            # a GPU machine without network)
            use_kernels=False,
        )
        processor = processor_cls.from_pretrained(model_id, revision=revision)
    except (OSError, ValueError, ImportError) as err:
        raise OmnievalError(f"cannot load '{model_id}': {first_line(err)}") from err
    model.eval()
    if talker and family == "qwen3_omni_moe":
        _give_talker_the_audio_window(model)
    processor.tokenizer.padding_side = "left"  # batched generation continues every row at the same column
    device = str(next(model.parameters()).device)
    return LoadedModel(model, processor, family, device, resolved_dtype, attention)


def _give_talker_the_audio_window(model) -> None:
    """The Qwen3-Omni talker lays out positions of audio tokens from the audio encoder's window
    (`config.audio_config.n_window`), but its config has no audio_config in transformers 5.24, so
    speech out fails for any prompt with audio beside an image or video. The window is the
    thinker's: that is how many audio tokens the thinker made."""
    talker_config = model.talker.config
    if getattr(talker_config, "audio_config", None) is None:
        talker_config.audio_config = model.config.thinker_config.audio_config
