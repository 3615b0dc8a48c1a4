"""Model presets and suites from YAML: lookup by name or path, overrides, and clear errors."""

from __future__ import annotations

import pytest

from omnieval.config import list_presets, load_preset, load_suite, parse_assignments
from omnieval.errors import OmnievalError
from omnieval.registry import RUNNERS, TASKS


def test_every_shipped_preset_names_a_registered_runner_with_valid_settings():
    presets = list_presets()
    assert {"pocketsphinx-en", "gpt-4o-audio", "vllm-server"} <= set(presets)
    for preset in presets.values():
        RUNNERS.get(preset.runner)(**preset.settings)


def test_every_shipped_suite_names_registered_tasks():
    for name in ("asr-en", "asr-qwen3-omni", "fleurs-19"):
        suite = load_suite(name)
        assert suite.tasks and all(TASKS.get(entry.task) for entry in suite.tasks)
    assert len(load_suite("fleurs-19").tasks) == 19


def test_preset_by_path_and_overrides(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("runner: openai\nsettings:\n  model: a\n  max_concurrency: 2\n")
    preset = load_preset(str(path), {"max_concurrency": 16})
    assert preset.name == "mine" and preset.settings == {"model": "a", "max_concurrency": 16}


def test_bad_configs_are_clear_errors(tmp_path):
    with pytest.raises(OmnievalError, match="model preset file not found"):
        load_preset(str(tmp_path / "absent.yaml"))
    (tmp_path / "bad.yaml").write_text("runner: [unclosed\n")
    with pytest.raises(OmnievalError, match="cannot read"):
        load_preset(str(tmp_path / "bad.yaml"))
    (tmp_path / "typo.yaml").write_text("runer: openai\n")
    with pytest.raises(OmnievalError, match="typo.yaml: runner: Field required"):
        load_preset(str(tmp_path / "typo.yaml"))
    with pytest.raises(OmnievalError, match="unknown suite 'asr-e'; did you mean asr-en"):
        load_suite("asr-e")


def test_assignments_parse_yaml_scalars():
    assert parse_assignments(["a=1", "b=0.5", "c=true", "d=text", "e="], "--x") == {
        "a": 1,
        "b": 0.5,
        "c": True,
        "d": "text",
        "e": "",
    }
    with pytest.raises(OmnievalError, match="--x must look like key=value"):
        parse_assignments(["novalue"], "--x")


QWEN25_SYSTEM_PROMPT = (
    "You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of "
    "perceiving auditory and visual inputs, as well as generating text and speech."
)


def test_qwen_omni_presets_carry_the_settings_their_reports_evaluate_with():
    """Qwen3-Omni's "Setting for Evaluation": Instruct greedy, Thinking with the checkpoint's sampling,
    no system prompt, video at 2 fps; Qwen2.5-Omni with its own system prompt (needed for speech)."""
    for name in ("qwen3-omni-30b-a3b-instruct", "qwen3-omni-30b-a3b-thinking", "qwen3-omni-30b-a3b-captioner"):
        preset = load_preset(name)
        assert preset.runner == "hf-omni" and preset.settings["model"].lower() == f"qwen/{name}"
        assert "system_prompt" not in preset.gen
    assert load_preset("qwen3-omni-30b-a3b-instruct").gen["temperature"] == 0.0
    assert load_preset("qwen3-omni-30b-a3b-instruct").settings["video_fps"] == 2.0
    thinking = load_preset("qwen3-omni-30b-a3b-thinking")
    assert thinking.settings["checkpoint_sampling"] is True and thinking.settings["video_fps"] == 2.0
    for name in ("qwen2.5-omni-7b", "qwen2.5-omni-3b"):
        preset = load_preset(name)
        assert preset.settings["model"].lower() == f"qwen/{name}"
        assert " ".join(preset.gen["system_prompt"].split()) == QWEN25_SYSTEM_PROMPT
        assert preset.gen["temperature"] == 0.0


def test_the_ci_smoke_suite_covers_every_family_in_small_draws():
    suite = load_suite("ci-smoke")
    families = {TASKS.get(entry.task).family for entry in suite.tasks}
    assert families == {task.family for _, task in TASKS.items()}
    assert all(entry.limit is not None and entry.limit <= 100 for entry in suite.tasks)


def test_a_preset_setting_of_the_wrong_type_names_the_file_and_the_field(tmp_path):
    (tmp_path / "slow.yaml").write_text("runner: openai\nsettings:\n  model: a\n  timeout_s: soon\n")
    with pytest.raises(OmnievalError, match=r"slow\.yaml: settings\.timeout_s takes a number, not 'soon'"):
        load_preset(str(tmp_path / "slow.yaml"))
    (tmp_path / "many.yaml").write_text("runner: pocketsphinx\nsettings:\n  workers: lots\n")
    with pytest.raises(OmnievalError, match=r"many\.yaml: settings\.workers takes a whole number, not 'lots'"):
        load_preset(str(tmp_path / "many.yaml"))
    (tmp_path / "fine.yaml").write_text("runner: openai\nsettings:\n  model: a\n  timeout_s: 30\n  max_retries: '2'\n")
    assert load_preset(str(tmp_path / "fine.yaml")).settings["timeout_s"] == 30
