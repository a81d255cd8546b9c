"""A load test through the HTTP API: N workflows x M signals on the dev server.

A dev server runs in this process (the embedded engine, on moto by default, real time).
N workflows start; one client thread per workflow sends it M signals, one after another,
over a kept-open connection, each with its own request id; a seeded share of them is sent
twice with the same request id, as a client retries after a lost answer. After each signal
the thread queries the workflow until the signal's id shows in its state. Then each
workflow is told to finish and returns every signal id it recorded, in order.

Printed: throughput (signals applied per second, end to end), p50/p95 latency of a signal's
acceptance (the POST's answer) and of the signal to its visibility (the query that first
shows it), and the lost (sent, never recorded) and duplicated (recorded more than once)
signals, both of which must be 0. The last line is one JSON object with the figures.

    .venv/bin/python benchmarks/load.py [--workflows 10] [--signals 10] [--clients 1] [--seed 7] [--backend moto]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable import workflow  # noqa: E402
from durable._http.connection import HttpSender  # noqa: E402
from durable._http.devserver import DevServer  # noqa: E402
from durable._local.environment import LocalRuntime  # noqa: E402

TASK_QUEUE = "bench-load"
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


@workflow.defn
class SignalLedger:
    """Records the id of every signal it receives, in order, until told to finish."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.done = False

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self.done)
        return self.ids

    @workflow.signal
    def record(self, signal_id: str) -> None:
        self.ids.append(signal_id)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def has(self, signal_id: str) -> bool:
        return signal_id in self.ids


@dataclass
class LoadFigures:
    """What one load run measured."""

    workflows: int
    signals_per_workflow: int
    signals: int
    retried: int
    seconds: float
    signals_per_s: float
    accept_ms_p50: float
    accept_ms_p95: float
    visible_ms_p50: float
    visible_ms_p95: float
    lost: int
    duplicated: int


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 1)


class _Client:
    """One workflow's client: a kept-open connection to the API."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/api/v1"
        self.sender = HttpSender(timeout=60)

    def call(self, method: str, path: str, body: Any, expected: int) -> Any:
        data = None if body is None else json.dumps(body).encode()
        status, answer = self.sender.send(method, f"{self.url}{path}", body=data, headers=JSON)
        if status != expected:
            raise RuntimeError(f"{method} {path}: HTTP {status} {answer[:300]!r}")
        return json.loads(answer)


def _drive(
    url: str, workflow_id: str, signals: int, rng: random.Random, retry_rate: float, out: dict[str, Any]
) -> None:
    """Send one workflow its signals, each followed by queries until it shows; then finish it."""
    client = _Client(url)
    accepted: list[float] = []
    visible: list[float] = []
    sent: list[str] = []
    retried = 0
    try:
        for n in range(signals):
            signal_id = f"{workflow_id}/{n}"
            body = {"input": [signal_id], "request_id": f"req-{signal_id}"}
            began = time.perf_counter()
            client.call("POST", f"/workflows/{workflow_id}/signals/record", body, 202)
            accepted.append(time.perf_counter() - began)
            sent.append(signal_id)
            if rng.random() < retry_rate:  # the answer was "lost": the client sends it again, same request id
                client.call("POST", f"/workflows/{workflow_id}/signals/record", body, 202)
                retried += 1
            while not client.call("POST", f"/workflows/{workflow_id}/queries/has", {"args": [signal_id]}, 200)[
                "result"
            ]:
                time.sleep(0.001)
            visible.append(time.perf_counter() - began)
        client.call("POST", f"/workflows/{workflow_id}/signals/finish", {"input": []}, 202)
        outcome = client.call("GET", f"/workflows/{workflow_id}/result?wait_seconds=20", None, 200)
        out.update(accepted=accepted, visible=visible, sent=sent, recorded=outcome["result"], retried=retried)
    except BaseException as err:  # reported by the caller, which must not hang on it
        out["error"] = err
    finally:
        client.sender.close()


def run_load(
    url: str, *, workflows: int, signals: int, seed: int, retry_rate: float = 0.2, clients: int | None = None
) -> LoadFigures:
    """Drive a dev server at ``url`` (serving :class:`SignalLedger` on ``bench-load``), at most
    ``clients`` workflows at once (all of them by default)."""
    rng = random.Random(seed)
    run_tag = f"{seed}-{rng.randrange(1 << 30):x}"
    ids = [f"ledger-{run_tag}-{i}" for i in range(workflows)]
    starter = _Client(url)
    try:
        for workflow_id in ids:
            start = {"workflow_type": "SignalLedger", "workflow_id": workflow_id, "task_queue": TASK_QUEUE, "input": []}
            starter.call("POST", "/workflows", start, 201)
    finally:
        starter.sender.close()
    results: list[dict[str, Any]] = [{} for _ in ids]
    at_once = threading.Semaphore(clients or workflows)

    def drive(workflow_id: str, workflow_rng: random.Random, out: dict[str, Any]) -> None:
        with at_once:
            _drive(url, workflow_id, signals, workflow_rng, retry_rate, out)

    threads = [
        threading.Thread(target=drive, args=(wid, random.Random(rng.random()), results[i]), daemon=True)
        for i, wid in enumerate(ids)
    ]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    for r in results:
        if "error" in r:
            raise RuntimeError(f"a client failed: {r['error']!r}") from r["error"]

    lost = duplicated = 0
    for r in results:
        recorded = Counter(r["recorded"])
        lost += sum(1 for s in r["sent"] if recorded[s] == 0)
        duplicated += sum(count - 1 for count in recorded.values() if count > 1)
    accepted = [s for r in results for s in r["accepted"]]
    visible = [s for r in results for s in r["visible"]]
    total = workflows * signals
    return LoadFigures(
        workflows=workflows,
        signals_per_workflow=signals,
        signals=total,
        retried=sum(r["retried"] for r in results),
        seconds=round(seconds, 2),
        signals_per_s=round(total / seconds, 1),
        accept_ms_p50=_percentile(accepted, 0.5),
        accept_ms_p95=_percentile(accepted, 0.95),
        visible_ms_p50=_percentile(visible, 0.5),
        visible_ms_p95=_percentile(visible, 0.95),
        lost=lost,
        duplicated=duplicated,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workflows", type=int, default=10)
    parser.add_argument("--signals", type=int, default=10, help="signals per workflow")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--retry-rate", type=float, default=0.2, help="share of signals sent twice (same request id)")
    parser.add_argument("--backend", default="moto", choices=["moto", "memory", "sqlite"])
    # One at a time by default: several at once can hang the dev server (a query's replay) or
    # mix two requests' validation (see tests/client/test_load_slice.py).
    parser.add_argument("--clients", type=int, default=1, help="workflows driven at once (0: all)")
    args = parser.parse_args()

    runtime = LocalRuntime(backend=args.backend, skipping=False)
    runtime.register(TASK_QUEUE, [SignalLedger], [], None)
    server = DevServer(runtime, port=0).start()
    try:
        figures = run_load(
            server.url,
            workflows=args.workflows,
            signals=args.signals,
            seed=args.seed,
            retry_rate=args.retry_rate,
            clients=args.clients or None,
        )
    finally:
        server.stop()
        runtime.shutdown()
    f = figures
    print(
        f"{f.workflows} workflows x {f.signals_per_workflow} signals through the HTTP API on the dev server "
        f"({args.backend}), {args.clients or f.workflows} at once, seed {args.seed}, {f.retried} signals sent twice"
    )
    print(f"  throughput: {f.signals_per_s} signals/s applied end to end ({f.signals} in {f.seconds} s)")
    print(f"  signal accepted:         p50 {f.accept_ms_p50} ms, p95 {f.accept_ms_p95} ms")
    print(f"  signal visible (query):  p50 {f.visible_ms_p50} ms, p95 {f.visible_ms_p95} ms")
    print(f"  lost: {f.lost}, duplicated: {f.duplicated}")
    print(json.dumps({"backend": args.backend, "seed": args.seed, "clients": args.clients or f.workflows, **asdict(f)}))
    if f.lost or f.duplicated:
        sys.exit(1)


if __name__ == "__main__":
    main()
