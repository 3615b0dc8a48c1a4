"""The Ray executor on a two-node cluster (ray.cluster_utils): a node removed mid-run loses its actor,
which comes back on the other node; every sample ends up in the results exactly once."""

from __future__ import annotations

import asyncio
import collections

import pytest
import ray
from ray.cluster_utils import Cluster

from omnieval.config import ModelPreset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import TASKS
from omnieval.scaleout.ray_pool import RayOptions, RayPool
from omnieval.testing.wait_runner import FixedWaitRunner
from tests.conftest import only_run_dir, read_jsonl

#: node failures noticed within about a second instead of Ray's default half minute
FAST_HEALTH_CHECKS = {"health_check_period_ms": 200, "health_check_failure_threshold": 3}


@pytest.fixture(scope="module")
def two_nodes():
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "resources": {"gpu_standin": 2}, "_system_config": FAST_HEALTH_CHECKS},
    )
    second = cluster.add_node(num_cpus=1, resources={"gpu_standin": 1})
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    yield cluster, second
    ray.shutdown()
    cluster.shutdown()


def test_a_node_removed_mid_run_loses_only_its_chunks_in_flight(two_nodes, librispeech_parquet, tmp_path):
    cluster, second = two_nodes
    log = tmp_path / "generated.txt"
    settings = {"delay_s": 0.4, "log": str(log)}
    preset = ModelPreset(name="fixed-wait", runner="fixed-wait", settings=settings)
    options = RayOptions(workers=2, cpus_per_worker=0.5, resources=(("gpu_standin", 1.0),))
    runner = RayPool(FixedWaitRunner, settings, options)
    run_options = RunOptions(output_dir=tmp_path / "out", dataset_path=str(librispeech_parquet), show_progress=False)
    nodes = []

    async def remove_the_second_node_after_the_first_answers() -> None:
        while not log.exists() or len(log.read_text().split()) < 2:
            await asyncio.sleep(0.05)
        nodes.extend([await actor.where.remote() for actor in runner._actors])
        cluster.remove_node(second)

    async def both() -> None:
        evaluation = Evaluation(TASKS.get("librispeech_test_clean"), runner, preset, run_options)
        await asyncio.gather(evaluation.run(), remove_the_second_node_after_the_first_answers())

    try:
        asyncio.run(both())
        after = [ray.get(actor.where.remote()) for actor in runner._actors]
    finally:
        runner.shutdown()
    assert len({node for node, _ in nodes}) == 2  # one model copy on each node
    assert len({node for node, _ in after}) == 1  # both on the node that is left
    records = read_jsonl(only_run_dir(tmp_path / "out") / "samples.jsonl")
    assert sorted(r["index"] for r in records) == list(range(8))
    assert not any(r["error"] for r in records)
    generated = collections.Counter(log.read_text().split())
    assert set(generated) == {r["id"] for r in records} and sum(generated.values()) - 8 <= 2
