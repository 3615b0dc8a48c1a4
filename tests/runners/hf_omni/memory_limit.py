"""Run the omni runner under a real memory limit (a subprocess of the OOM test).

    python -m tests.runners.hf_omni.memory_limit CHECKPOINT MARGIN_GIB KIND:SMALL_MEDIA KIND:BIG_MEDIA

Loads the runner and warms it up on the small media item, then caps the process's address space
at its current size plus MARGIN_GIB (RLIMIT_AS) so that allocations beyond it really fail,
and generates one batch of [big, small]. Prints the responses as JSON lines.
"""

from __future__ import annotations

import asyncio
import resource
import sys

from omnieval.runners.hf_omni.runner import HfOmniRunner
from omnieval.types import GenConfig, MediaRef, Message, Request, media_part, text_part


def ask(sample_id: str, media: str) -> Request:
    kind, path = media.split(":", 1)
    parts = [media_part(MediaRef(kind=kind, path=path)), text_part("What is it?")]
    return Request(sample_id=sample_id, messages=[Message(role="user", content=parts)], gen=GenConfig(max_new_tokens=4))


def address_space() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


def main() -> None:
    checkpoint, margin, small, big = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
    runner = HfOmniRunner(model=checkpoint, batch_size=2, image_max_pixels=10**8)
    asyncio.run(runner.start())
    asyncio.run(runner.generate([ask("warm-up", small)]))
    resource.setrlimit(resource.RLIMIT_AS, (address_space() + int(margin * 2**30), resource.RLIM_INFINITY))
    for response in asyncio.run(runner.generate([ask("big", big), ask("small", small)])):
        print(response.model_dump_json())


if __name__ == "__main__":
    main()
