"""`omnieval run --model <tiny checkpoint folder>`: the production path end to end on CPU."""

from __future__ import annotations

import json

import soundfile

from tests.conftest import only_run_dir, read_jsonl, read_run, run_cli


def test_run_on_a_checkpoint_folder_writes_text_speech_and_streams(
    tiny_checkpoints, family, librispeech_parquet, tmp_path
):
    output = tmp_path / "results"
    run_cli(
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        str(tiny_checkpoints[family]),
        "--dataset-path",
        str(librispeech_parquet),
        "--limit",
        "3",
        "--output",
        str(output),
        "--no-cache",
        "--no-progress",
        "-M",
        "talker=true",
        "-M",
        "talker_max_new_tokens=16",
        "-M",
        "batch_size=2",
        "--gen",
        "return_audio=true",
        "--gen",
        "max_new_tokens=4",
        "-T",
        "spoken_asr=pocketsphinx",
    )
    run_dir = only_run_dir(output)
    run = read_run(run_dir)
    errors = [r["error"] for r in read_jsonl(run_dir / "samples.jsonl")]
    assert run["status"] == "complete" and run["counts"]["done"] == 3 and run["counts"]["failed"] == 0, errors
    assert run["runner"]["name"] == "hf-omni" and run["runner"]["resolved"]["family"] == family
    assert "wer" in run["metrics"]
    for record in read_jsonl(run_dir / "samples.jsonl"):
        response = record["response"]
        assert response["inputs"]["audio_s"][0] > 0.5
        wav = run_dir / "media" / f"{record['id'].replace('/', '_')}.wav"
        assert response["audio_path"] == str(wav) and soundfile.info(str(wav)).samplerate == 24000
        assert response["output_tokens"] >= 1 and response["ttft_s"] is not None and response["rtf"] > 0
        # the spoken answer is heard and compared with the text answer, beside the task's text score
        assert "transcript" in record["details"]["spoken"] and "spoken/errors" in record["scores"]
        assert 1.0 <= record["scores"]["spoken/dnsmos"] <= 5.0
    assert {"spoken/audio_s", "spoken/rtf", "spoken/dnsmos", "spoken/flagged/empty"} <= set(run["metrics"])
    assert run["scoring"]["spoken_answers"]["transcriber"] == "pocketsphinx"
    before = read_jsonl(run_dir / "samples.jsonl")
    run_cli("rescore", str(run_dir))
    assert [r["scores"] for r in read_jsonl(run_dir / "samples.jsonl")] == [r["scores"] for r in before]


def test_a_folder_that_is_not_an_omni_checkpoint_is_one_clear_error(tmp_path, librispeech_parquet):
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    proc = run_cli(
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        str(folder),
        "--dataset-path",
        str(librispeech_parquet),
        "--output",
        str(tmp_path / "out"),
        "--no-progress",
        check=False,
    )
    assert proc.returncode == 2
    assert "is not a Qwen omni checkpoint (model_type 'bert')" in proc.stderr
    assert "Traceback" not in proc.stderr
