"""What a payload codec costs: N sequential activity steps with and without an AES-GCM codec.

Each step is an activity whose argument and result (a 1 KB value) the codec encrypts, with
the events, inbox messages and activity tasks that carry them. Prints the wall time per
step on each backend, with and without the codec, and how many times the codec ran (one
call per stored record, message or task: the catalogue batches a value's payloads).

    .venv/bin/python benchmarks/codec.py [--steps 200] [--backends memory,moto]

Measured (2 shared cores): memory 1.3 ms/step plain, 2.3 ms with the codec (+1.0 ms); moto
38.0 ms plain, 38.3 ms with it; 5 codec calls for 6 payloads per step.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for var, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(var, value)

from durable import activity, workflow  # noqa: E402
from durable.api.common.v1 import Payload  # noqa: E402
from durable.converter import DataConverter, PayloadCodec  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402
from tests.helpers.encryption import EncryptionCodec  # noqa: E402


class CountingCodec(PayloadCodec):
    """The AES-GCM codec, counting its calls and payloads."""

    def __init__(self) -> None:
        self.inner = EncryptionCodec()
        self.calls = 0
        self.payloads = 0

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.calls += 1
        self.payloads += len(payloads)
        return await self.inner.encode(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.calls += 1
        self.payloads += len(payloads)
        return await self.inner.decode(payloads)


@activity.defn
async def step(text: str) -> str:
    return text


@workflow.defn
class Steps:
    @workflow.run
    async def run(self, steps: int) -> int:
        text = "x" * 1024
        for _ in range(steps):
            text = await workflow.execute_activity(step, text, start_to_close_timeout=timedelta(seconds=10))
        return steps


async def measure(backend: str, steps: int, codec: CountingCodec | None) -> float:
    converter = DataConverter(payload_codec=codec) if codec else DataConverter.default
    async with await WorkflowEnvironment.start_time_skipping(backend=backend, data_converter=converter) as env:
        async with Worker(env.client, task_queue="bench", workflows=[Steps], activities=[step]):
            started = time.perf_counter()
            await env.client.execute_workflow(Steps.run, steps, id=f"steps-{backend}", task_queue="bench")
            return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--backends", default="memory,moto")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if len(backends) > 1:
        # One process per backend: moto's server fails to start in a process that ran the
        # memory backend's workflows first (benchmarks/local_steps.py meets it too).
        for backend in backends:
            subprocess.run([sys.executable, __file__, "--steps", str(args.steps), "--backends", backend], check=True)
        return
    for backend in backends:
        plain = await measure(backend, args.steps, None)
        codec = CountingCodec()
        encoded = await measure(backend, args.steps, codec)
        print(
            f"{backend:>6}: {plain / args.steps * 1000:6.2f} ms/step plain, "
            f"{encoded / args.steps * 1000:6.2f} ms/step with AES-GCM "
            f"(+{(encoded - plain) / args.steps * 1000:.2f} ms); "
            f"{codec.calls / args.steps:.1f} codec calls and {codec.payloads / args.steps:.1f} payloads per step"
        )


if __name__ == "__main__":
    asyncio.run(main())
