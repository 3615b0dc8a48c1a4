"""The Ray pool's options: the preset's ray section, then the command line; bad values named (no cluster)."""

from __future__ import annotations

import pytest

from omnieval.errors import OmnievalError
from omnieval.scaleout.ray_pool import RayOptions, ray_options


def test_the_command_line_overrides_the_preset_and_numbers_are_numbers():
    preset = {"gpus_per_worker": 2, "cpus_per_worker": 8, "resources": {"H100": 2}, "in_flight": 3}
    options = ray_options(preset, {"workers": 4, "gpus_per_worker": None, "cpus_per_worker": 4.0, "address": "auto"})
    assert options == RayOptions(
        address="auto", workers=4, gpus_per_worker=2.0, cpus_per_worker=4.0, in_flight=3, resources=(("H100", 2.0),)
    )


@pytest.mark.parametrize(
    ("preset", "message"),
    [
        ({"gpus_per_worker": "two"}, "ray gpus_per_worker takes a number, not 'two'"),
        ({"in_flight": 2.5}, "ray in_flight takes a whole number, not 2.5"),
        ({"chunk_size": True}, "ray chunk_size takes a whole number, not True"),
        ({"cpus_per_worker": float("inf")}, "ray cpus_per_worker takes a number, not inf"),
        ({"resources": {"A100": "lots"}}, "ray resources.A100 takes a number, not 'lots'"),
        ({"resources": ["A100"]}, "ray resources take a mapping of name to amount"),
        ({"gpus": 1}, "the preset's ray section has no gpus"),
    ],
)
def test_a_bad_value_is_named(preset, message):
    with pytest.raises(OmnievalError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ray_options(preset, {})


def test_the_command_line_is_checked_too():
    with pytest.raises(OmnievalError, match="--workers takes a number of model copies >= 1, not 0"):
        ray_options({}, {"workers": 0})
    with pytest.raises(OmnievalError, match="ray workers takes a whole number, not 'many'"):
        ray_options({}, {"workers": "many"})
