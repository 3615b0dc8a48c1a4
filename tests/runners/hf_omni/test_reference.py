"""Our preprocessing adds no divergence: on the tiny checkpoints, the runner's input tensors and
greedy outputs equal those of the reference recipe of the Qwen omni model cards (the processor's
chat template + qwen-omni-utils' process_mm_info + the processor + model.generate)."""

from __future__ import annotations

import pytest
import torch

from omnieval.runners.hf_omni.inputs import prepare
from omnieval.runners.hf_omni.loading import load
from omnieval.runners.hf_omni.runner import HfOmniRunner
from omnieval.types import text_part
from tests.runners.hf_omni.conftest import file_part, make_request, start

QUESTION = "What is in the media?"
CASES = {  # name: (media kind, media fixture, use_audio_in_video)
    "audio": ("audio", "speech", False),
    "image": ("image", "image", False),
    "video": ("video", "video", False),
    "audio_in_video": ("video", "video", True),
}


@pytest.fixture(scope="module")
def reference_models(tiny_checkpoints):
    """The reference side loads the full model (talker included) and calls its own generate()."""
    return {name: load(str(path), talker=True) for name, path in tiny_checkpoints.items()}


def reference_inputs(processor, kind: str, path, use_audio_in_video: bool):
    from qwen_omni_utils import process_mm_info

    conversation = [{"role": "user", "content": [{"type": kind, kind: str(path)}, {"type": "text", "text": QUESTION}]}]
    text = processor.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
    audios, images, videos = process_mm_info(conversation, use_audio_in_video=use_audio_in_video)
    extra = {"fps": 2.0} if videos else {}
    if use_audio_in_video:
        # transformers 5 asks which audio came from which video when both are given
        extra.update(use_audio_in_video=True, audio_from_video_indices=[0])
    return processor(text=text, audio=audios, images=images, videos=videos, return_tensors="pt", padding=True, **extra)


@pytest.mark.parametrize("case", list(CASES))
def test_inputs_and_greedy_output_equal_the_reference_recipe(tiny_checkpoints, reference_models, family, media, case):
    kind, fixture, use_audio_in_video = CASES[case]
    runner = start(HfOmniRunner(model=str(tiny_checkpoints[family])))
    request = make_request(
        case,
        file_part(kind, media[fixture]),
        text_part(QUESTION),
        max_new_tokens=12,
        use_audio_in_video=use_audio_in_video,
    )
    ours = runner.processor_inputs([prepare(request, runner.media)], request.gen)

    reference = reference_models[family]
    theirs = reference_inputs(reference.processor, kind, media[fixture], use_audio_in_video)
    assert sorted(ours.keys()) == sorted(theirs.keys())
    for key in theirs:
        assert torch.equal(torch.as_tensor(ours[key]), torch.as_tensor(theirs[key])), key

    with torch.inference_mode():
        our_tokens = runner.run_model(ours, request.gen)
        their_result = reference.model.generate(
            **theirs,
            use_audio_in_video=use_audio_in_video,
            generation_mode="text",
            thinker_max_new_tokens=12,
            thinker_do_sample=False,
        )
    their_tokens = getattr(their_result, "sequences", their_result)
    assert torch.equal(our_tokens, their_tokens)
    assert our_tokens.shape[1] > theirs["input_ids"].shape[1]  # something was generated
