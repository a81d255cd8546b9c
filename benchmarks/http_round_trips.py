"""HTTP round trips to a dev server in this process (the embedded engine in memory).

A round is what a client of a deployed stack does most: start a workflow, signal it,
describe it. Measured two ways:

- through the remote client, ``Client.connect(url)`` and its handles (whatever transport
  it has: kept-open connections through HttpSender);
- as raw keep-alive requests through :class:`durable._http.connection.HttpSender` (one kept
  connection): the floor the HTTP API and the engine set.

Then the latency of one keep-alive request (a describe) on loopback, median and p90.
The last line is one JSON object with the figures.

    .venv/bin/python benchmarks/http_round_trips.py [--rounds 200] [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable import workflow  # noqa: E402
from durable._http.connection import HttpSender  # noqa: E402
from durable._http.devserver import DevServer  # noqa: E402
from durable._local.environment import LocalRuntime  # noqa: E402
from durable.client import Client  # noqa: E402

TASK_QUEUE = "bench-http"
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


@workflow.defn
class Tally:
    def __init__(self) -> None:
        self.total = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.total >= 1_000_000)
        return self.total

    @workflow.signal
    def add(self, amount: int) -> None:
        self.total += amount


async def client_rounds(url: str, rounds: int) -> float:
    """Rounds per second through ``Client.connect``."""
    client = await Client.connect(url)
    started = time.perf_counter()
    for i in range(rounds):
        handle = await client.start_workflow(Tally.run, id=f"client-{i}", task_queue=TASK_QUEUE)
        await handle.signal(Tally.add, 1)
        description = await handle.describe()
        assert description.id == f"client-{i}", description
    return rounds / (time.perf_counter() - started)


def _call(sender: HttpSender, url: str, method: str, path: str, body: Any, expected: int) -> None:
    data = None if body is None else json.dumps(body).encode()
    status, answer = sender.send(method, f"{url}/api/v1{path}", body=data, headers=JSON)
    if status != expected:
        raise RuntimeError(f"{method} {path}: HTTP {status} {answer[:300]!r}")


def keep_alive_rounds(sender: HttpSender, url: str, rounds: int) -> float:
    """Rounds per second as raw requests on one kept-open connection."""
    started = time.perf_counter()
    for i in range(rounds):
        workflow_id = f"raw-{i}"
        start = {"workflow_type": "Tally", "workflow_id": workflow_id, "task_queue": TASK_QUEUE, "input": []}
        _call(sender, url, "POST", "/workflows", start, 201)
        _call(sender, url, "POST", f"/workflows/{workflow_id}/signals/add", {"input": [1]}, 202)
        _call(sender, url, "GET", f"/workflows/{workflow_id}", None, 200)
    return rounds / (time.perf_counter() - started)


def request_latencies(sender: HttpSender, url: str, requests: int) -> list[float]:
    """Seconds per keep-alive describe request."""
    _call(sender, url, "GET", "/workflows/raw-0", None, 200)  # the connection is open
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        _call(sender, url, "GET", "/workflows/raw-0", None, 200)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="start + signal + describe rounds per way")
    parser.add_argument("--requests", type=int, default=500, help="keep-alive requests timed one by one")
    args = parser.parse_args()

    runtime = LocalRuntime(backend="memory", skipping=False)
    runtime.register(TASK_QUEUE, [Tally], [], None)
    server = DevServer(runtime, port=0).start()
    try:
        with HttpSender(timeout=30) as sender:
            raw = keep_alive_rounds(sender, server.url, args.rounds)
            latencies = sorted(request_latencies(sender, server.url, args.requests))
        remote = asyncio.run(client_rounds(server.url, args.rounds))
    finally:
        server.stop()
        runtime.shutdown()

    median_ms = statistics.median(latencies) * 1000
    p90_ms = latencies[int(len(latencies) * 0.9)] * 1000
    print(f"dev server {server.url}, {args.rounds} rounds of start + signal + describe each way")
    print(f"  Client.connect (remote client):        {remote:8.1f} rounds/s  ({remote * 3:7.1f} requests/s)")
    print(f"  keep-alive requests (HttpSender):      {raw:8.1f} rounds/s  ({raw * 3:7.1f} requests/s)")
    print(f"  one keep-alive describe request:       median {median_ms:.2f} ms, p90 {p90_ms:.2f} ms")
    print(
        json.dumps(
            {
                "rounds": args.rounds,
                "client_connect_rounds_per_s": round(remote, 1),
                "keep_alive_rounds_per_s": round(raw, 1),
                "keep_alive_request_ms_median": round(median_ms, 3),
                "keep_alive_request_ms_p90": round(p90_ms, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
