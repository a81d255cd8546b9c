"""The dev server's inbox drain rate with 10,000 queued messages, with and without a
hundred callers waiting on results.

A dev server on moto (in this process, real time) runs ``--workflows`` workflows that
each wait for signals. ``--messages`` signals are sent to them round robin (through the
engine's Control, the API's path without HTTP, from a few threads) far faster than the
engine applies them, so the inbox deepens to thousands of messages. Meanwhile ``--callers``
threads wait on ``GET /workflows/{id}/result`` over HTTP (long polls of 20 s, as the remote
client's ``result()`` makes them, that end 202 and are asked again). Every ``--sample``
seconds the inbox's depth (SQS's ApproximateNumberOfMessages) and the messages deleted from
it so far (each one applied by the orchestrator) are read. Once every message was sent, the
inbox drains on its own until it holds fewer than ``--until``: the drain rate is given per
band of depth (over 8,000, 4,000-8,000, 1,000-4,000, under 1,000 queued).

The last line is one JSON object with the figures.

    .venv/bin/python benchmarks/drain.py [--messages 10000] [--callers 100] [--window 30]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable import workflow  # noqa: E402
from durable._http.connection import HttpSender, Unreachable  # noqa: E402
from durable._http.devserver import DevServer  # noqa: E402
from durable._local.environment import LocalRuntime  # noqa: E402
from durable._runtime.services import INBOX  # noqa: E402

TASK_QUEUE = "bench-drain"


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.count = 0

    @workflow.run
    async def run(self, until: int) -> int:
        await workflow.wait_condition(lambda: self.count >= until)
        return self.count

    @workflow.signal
    def tick(self) -> None:
        self.count += 1


class InboxDeletes:
    """Messages deleted from the inbox (applied), counted on the SQS client."""

    def __init__(self, client: Any, inbox_url: str) -> None:
        self.deleted = 0
        self._url = inbox_url
        self._lock = threading.Lock()
        client.meta.events.register("after-call.sqs.DeleteMessageBatch", self._after)

    def _after(self, parsed: dict[str, Any], params: Any = None, **_: Any) -> None:
        with self._lock:
            self.deleted += len(parsed.get("Successful", []))

    def count(self) -> int:
        with self._lock:
            return self.deleted


def _waiting_caller(url: str, workflow_id: str, stop: threading.Event, answers: list[int]) -> None:
    with HttpSender(timeout=60) as sender:
        while not stop.is_set():
            try:  # as the remote client's result() asks: long polls of 20 s
                status, _ = sender.send("GET", f"{url}/api/v1/workflows/{workflow_id}/result?wait_seconds=20")
            except Unreachable:  # the server stopped at the end of the run
                return
            answers.append(status)


def run(args: Any, callers: int) -> dict[str, Any]:
    runtime = LocalRuntime(backend="moto", skipping=False)
    runtime.register(TASK_QUEUE, [Counter], [], None)
    server = DevServer(runtime, port=0, strict=False).start()
    services = runtime.backend.services
    sqs = runtime.backend.boto_clients[1]
    inbox_url = sqs.get_queue_url(QueueName=services.queue_for(INBOX).name)["QueueUrl"]
    deletes = InboxDeletes(sqs, inbox_url)
    control = runtime.control
    ids = [f"counter-{i}" for i in range(args.workflows)]
    for workflow_id in ids:
        control.start_run(workflow_type="Counter", workflow_id=workflow_id, task_queue=TASK_QUEUE, input=["1000000"])
    runtime.dispatcher.wait_idle(120)

    stop = threading.Event()
    answers: list[int] = []
    waiting = [
        threading.Thread(target=_waiting_caller, args=(server.url, ids[i % len(ids)], stop, answers), daemon=True)
        for i in range(callers)
    ]
    for t in waiting:
        t.start()

    def send(part: int) -> None:
        for n in range(part, args.messages, args.senders):
            control.signal(ids[n % len(ids)], None, "tick", [])

    senders = [threading.Thread(target=send, args=(p,), daemon=True) for p in range(args.senders)]
    began = time.monotonic()
    base = deletes.count()
    for t in senders:
        t.start()
    samples: list[tuple[float, int, int]] = []  # (seconds, depth, deleted)

    def depth() -> int:
        attrs = sqs.get_queue_attributes(QueueUrl=inbox_url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    filled_at: float | None = None
    while True:
        time.sleep(args.sample)
        now = time.monotonic() - began
        samples.append((now, depth(), deletes.count() - base))
        if filled_at is None and not any(t.is_alive() for t in senders):
            filled_at = now
        if filled_at is not None and (samples[-1][1] < args.until or now - filled_at >= args.window):
            break
    stop.set()
    server.stop()
    runtime.shutdown()

    def rate(picked: list[tuple[float, int, int]]) -> float | None:
        if len(picked) < 2:
            return None
        return round((picked[-1][2] - picked[0][2]) / (picked[-1][0] - picked[0][0]), 1)

    # Once every message was sent (no sender competes for the CPU): the rate at each depth.
    drained = [s for s in samples if filled_at is not None and s[0] >= filled_at]
    bands = {"over_8000": (8000, 10**9), "4000_8000": (4000, 8000), "1000_4000": (1000, 4000), "under_1000": (0, 1000)}
    return {
        "callers": callers,
        "max_depth": max(s[1] for s in samples),
        "drain_per_s": {name: rate([s for s in drained if low <= s[1] < high]) for name, (low, high) in bands.items()},
        "result_polls": len(answers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workflows", type=int, default=100)
    parser.add_argument("--callers", type=int, default=100, help="waiting callers in the second run")
    parser.add_argument("--senders", type=int, default=4, help="threads sending the signals")
    parser.add_argument("--window", type=float, default=300.0, help="at most this many seconds once all are sent")
    parser.add_argument("--until", type=int, default=300, help="stop once the inbox holds fewer messages")
    parser.add_argument("--sample", type=float, default=2.0)
    args = parser.parse_args()

    figures = [run(args, 0), run(args, args.callers)]
    print(f"inbox drain on the dev server (moto), {args.messages} signals to {args.workflows} workflows")
    for f in figures:
        rates = ", ".join(f"{rate} at {band.replace('_', '-')}" for band, rate in f["drain_per_s"].items())
        print(f"  {f['callers']:3} waiting callers (max depth {f['max_depth']}): messages/s {rates} queued")
    print(json.dumps({"messages": args.messages, "runs": figures}))


if __name__ == "__main__":
    main()
