"""Real judge models: SmolLM2-135M-Instruct from its pip package in transformers, directly and
behind a real OpenAI-compatible server on 127.0.0.1; runs judged by it, re-judged through
`rescore`, and judges that time out, answer garbage or cannot be reached."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading

import pytest
import yaml

from omnieval.config import load_preset
from omnieval.judges.model_judge import JudgeInput, ModelJudge
from omnieval.judges.templates import load_template
from omnieval.runners.openai_compat import OpenAICompatRunner
from omnieval.serve import RunnerServer
from omnieval.types import GenConfig, MediaRef, Message, Request, media_part, text_part
from tests.conftest import only_run_dir, read_jsonl, read_run, run_cli


@pytest.fixture(scope="module")
def smollm2_server(smollm2):
    """The embedded judge behind `omnieval serve`'s HTTP server on 127.0.0.1."""
    server = RunnerServer(smollm2, "smollm2-135m", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def served_judge(folder, url: str, **settings) -> str:
    path = folder / "served-judge.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "served-judge",
                "runner": "openai",
                "gen": {"max_new_tokens": 24},
                "settings": {
                    "base_url": url,
                    "model": "smollm2-135m",
                    "guided_choice": True,
                    "max_retries": 0,
                    **settings,
                },
            }
        )
    )
    return str(path)


def text_request(text: str, **gen) -> Request:
    return Request(
        sample_id="q",
        messages=[Message(role="user", content=[text_part(text)])],
        gen=GenConfig(max_new_tokens=12, **gen),
    )


def test_the_embedded_model_comes_from_its_pip_package_and_keeps_to_choices(smollm2, tmp_path):
    import torch

    cudnn_attention: list[bool] = []  # it took ~25 ms a call while decoding on an H200: generation goes without
    hook = smollm2._model.register_forward_pre_hook(
        lambda module, args: cudnn_attention.append(torch.backends.cuda.cudnn_sdp_enabled())
    )
    free, chosen, with_media = asyncio.run(
        smollm2.generate(
            [
                text_request("What is the capital of France?"),
                text_request("Is Paris in France? Answer yes or no.", choices=["Yes", "No"]),
                Request(
                    sample_id="m",
                    messages=[
                        Message(
                            role="user",
                            content=[
                                media_part(MediaRef(kind="image", path=str(tmp_path / "x.png"))),
                                text_part("What is it?"),
                            ],
                        )
                    ],
                    gen=GenConfig(max_new_tokens=4),
                ),
            ]
        )
    )
    assert free.error is None and free.text and free.output_tokens <= 12
    assert chosen.text in ("Yes", "No")
    assert with_media.error == "the hf-text runner takes text only"
    assert smollm2._model.use_kernels is False  # the reference layers, none fetched from the hub
    hook.remove()
    assert cudnn_attention and not any(cudnn_attention) and torch.backends.cuda.cudnn_sdp_enabled()


def test_an_openai_judge_against_a_real_server_serving_a_real_model(smollm2_server, tmp_path):
    preset = load_preset(served_judge(tmp_path, smollm2_server.url))
    judge = ModelJudge(preset.name, OpenAICompatRunner(**preset.settings), load_template("reference"), gen=preset.gen)
    asyncio.run(judge.start())
    judgments = asyncio.run(
        judge.judge(
            [
                JudgeInput(
                    fields={"question": "What is the capital of France?", "reference": "Paris", "answer": answer}
                )
                for answer in ("Paris.", "Lyon, I believe.")
            ]
        )
    )
    for judgment in judgments:
        assert judgment.error is None and judgment.value in (0.0, 1.0), judgment
        # a weak model seldom ends with the verdict line; the server then keeps it to the exact verdicts
        assert judgment.replies[-1] in ("Verdict: CORRECT", "Verdict: INCORRECT")
    assert smollm2_server.stats["generated"] >= 2


def test_a_run_judged_by_the_embedded_judge_then_rejudged_through_rescore(voicebench_parquet, smollm2_server, tmp_path):
    output = tmp_path / "results"
    run_cli(
        "run",
        "--task",
        "voicebench_commoneval",
        "--model",
        "pocketsphinx-en",
        "--dataset-path",
        voicebench_parquet,
        "--judge",
        "smollm2-135m",
        "--output",
        output,
        "--no-cache",
        "--no-progress",
        "--limit",
        "3",
        timeout=900,
    )
    run_dir = only_run_dir(output)
    run = read_run(run_dir)
    assert run["status"] == "complete" and run["counts"]["done"] == 3
    assert run["counts"]["judged"] == 3 and run["counts"]["judge_failed"] == 0
    judge = run["config"]["judge"]
    assert judge["name"] == "smollm2-135m" and judge["template"]["name"] == "voicebench_open"
    assert judge["runner"]["name"] == "hf-text" and len(judge["template"]["version"]) == 12
    assert run["metrics"]["score"] == pytest.approx(20 * run["metrics"]["rating"])
    before = read_jsonl(run_dir / "samples.jsonl")
    for record in before:
        judgment = record["details"]["judge"]
        assert judgment["judge"] == "smollm2-135m" and judgment["replies"]  # the judge's reasoning is kept
        assert len(judgment["verdicts"]) == 3  # VoiceBench asks its judge three times
        assert record["prediction"]  # pocketsphinx's transcript is its answer

    first_judge = shutil.copytree(run_dir, tmp_path / "judged-by-smollm2")
    run_cli("rescore", run_dir, "--judge", served_judge(tmp_path, smollm2_server.url), timeout=900)
    after = read_jsonl(run_dir / "samples.jsonl")
    rejudged = read_run(run_dir)
    assert rejudged["config"]["judge"]["name"] == "served-judge"
    assert rejudged["config"]["judge"]["runner"]["name"] == "openai"
    # the selection names the new judge too, so regress refuses to compare it with the first judge's run
    assert rejudged["config"]["selection"]["judge"]["name"] == "served-judge"
    refused = run_cli("regress", "--baseline", first_judge, "--candidate", run_dir, check=False)
    assert refused.returncode == 2 and "differ in judge" in refused.stderr
    for old, new in zip(before, after, strict=True):
        assert new["details"]["judge"]["judge"] == "served-judge"
        assert new["details"]["judge"]["value"] is not None, new["details"]["judge"]
        # only the judgment changed: prediction, response, target, metadata and rule scores are as they were
        for record in (old, new):
            record["details"].pop("judge")
            record["scores"].pop("rating", None)
        assert new == old
    # how far the two judges agree, from the command line
    report = json.loads(run_cli("judge-agreement", run_dir, first_judge, "--format", "json").stdout)
    assert report["n"] == 3 and 0.0 <= report["accuracy"] <= 1.0 and "cohen_kappa" in report
    # and a pairwise comparison of the two runs' answers, from the command line
    compared = run_cli(
        "compare",
        "--baseline",
        first_judge,
        "--candidate",
        run_dir,
        "--judge",
        served_judge(tmp_path, smollm2_server.url),
        "--output",
        tmp_path / "compared",
        timeout=900,
    )
    assert "3 pairs judged, 0 failed" in compared.stdout and "win_rate" in compared.stdout
    comparison = read_run(only_run_dir(tmp_path / "compared"))
    assert comparison["runner"]["name"] == "compare" and comparison["counts"]["judged"] == 3


@pytest.mark.parametrize("failure", ["unreachable", "garbage", "timeout"])
def test_a_failing_judge_leaves_a_recorded_failure_and_the_run_goes_on(
    failure, voicebench_parquet, smollm2_server, tmp_path
):
    url = "http://127.0.0.1:9/v1" if failure == "unreachable" else smollm2_server.url
    settings = {"garbage": {"guided_choice": False}, "timeout": {"timeout_s": 0.001}}.get(failure, {})
    output = tmp_path / "results"
    run_cli(
        "run",
        "--task",
        "voicebench_commoneval",
        "--model",
        "pocketsphinx-en",
        "--dataset-path",
        voicebench_parquet,
        "--judge",
        served_judge(tmp_path, url, **settings),
        "--output",
        output,
        "--no-cache",
        "--no-progress",
        "--limit",
        "2",
        timeout=900,
    )
    run_dir = only_run_dir(output)
    run = read_run(run_dir)
    assert run["status"] == "complete" and run["counts"]["done"] == 2 and run["counts"]["failed"] == 0
    assert run["counts"]["judge_failed"] == 2 and "rating" not in run["metrics"]
    expected = {
        "unreachable": "judge unavailable: cannot reach the server",
        "garbage": "unreadable verdict after 1 re-ask(s)",
        "timeout": "judge request failed",
    }[failure]
    for record in read_jsonl(run_dir / "samples.jsonl"):
        assert record["prediction"] and record["error"] is None
        assert record["details"]["judge"]["error"].startswith(expected), record["details"]["judge"]["error"]
