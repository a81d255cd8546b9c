"""What a caller waiting for a result costs: DynamoDB reads per waiting second.

A workflow with a history of a few hundred events waits for a signal; a caller asks the
result route (``GET /workflows/{id}/result``, a long poll) and waits ``--wait`` seconds for
it. Every DynamoDB call the engine makes meanwhile is counted on moto (botocore's
after-call hook), two ways:

- the API as deployed (the Lambda's engine: no notification of a close, it looks again
  with back-off);
- the dev server's engine (the engine runs in the same process and tells waiters when a
  run closes).

Then the caller is released (the workflow is signalled to finish) and the latency from
the signal to the answer is measured. The last line is one JSON object with the figures.

    .venv/bin/python benchmarks/waiting.py [--wait 5] [--events 300]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable import workflow  # noqa: E402
from durable._http.app import HttpApi  # noqa: E402
from durable._http.devserver import LocalEngine  # noqa: E402
from durable._http.engine import Engine  # noqa: E402
from durable._http.proxy import request_event  # noqa: E402
from durable._local.environment import LocalRuntime  # noqa: E402

TASK_QUEUE = "bench-waiting"


@workflow.defn
class Waiter:
    def __init__(self) -> None:
        self.seen = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.seen

    @workflow.signal
    def note(self) -> None:
        self.seen += 1

    @workflow.signal
    def finish(self) -> None:
        self.done = True


class DynamoCalls:
    """DynamoDB calls and the items they returned, counted on a boto3 client."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.items = 0
        self._lock = threading.Lock()
        client.meta.events.register("after-call.dynamodb", self._after)

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1
            self.items += len(parsed.get("Items", [])) + (1 if "Item" in parsed else 0)

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return sum(self.calls.values()), self.items


def _post(api: HttpApi, path: str, body: dict[str, Any]) -> dict[str, Any]:
    event = request_event("POST", f"/api/v1{path}", [("Content-Type", "application/json")], json.dumps(body).encode())
    answer = api.handle(event)
    if answer["statusCode"] >= 300:
        raise RuntimeError(f"POST {path}: {answer['statusCode']} {answer['body'][:300]}")
    return answer


def _result(api: HttpApi, workflow_id: str, wait: float) -> dict[str, Any]:
    event = request_event("GET", f"/api/v1/workflows/{workflow_id}/result?wait_seconds={wait}", [], b"")
    return api.handle(event)


def measure(runtime: LocalRuntime, engine: Engine, counter: DynamoCalls, label: str, args: Any) -> dict[str, float]:
    """Reads per waiting second of one caller, then its latency once the run closes."""
    api = HttpApi(engine, title="bench")
    workflow_id = f"waiter-{label}"
    _post(api, "/workflows", {"workflow_type": "Waiter", "workflow_id": workflow_id, "task_queue": TASK_QUEUE})
    for _ in range(args.signals):
        _post(api, f"/workflows/{workflow_id}/signals/note", {"input": []})
    runtime.dispatcher.wait_idle(60)
    events = len(runtime.control.history(workflow_id, None)[1])

    calls_before, items_before = counter.snapshot()
    began = time.perf_counter()
    answer = _result(api, workflow_id, args.wait)
    waited = time.perf_counter() - began
    calls, items = counter.snapshot()
    assert answer["statusCode"] == 202, answer

    # Release a second caller by closing the run: how long from the signal to its answer.
    answers: list[dict[str, Any]] = []
    caller = threading.Thread(target=lambda: answers.append(_result(api, workflow_id, 20)))
    caller.start()
    time.sleep(2.0)  # the caller waits (its back-off, if any, grows)
    signalled = time.perf_counter()
    _post(api, f"/workflows/{workflow_id}/signals/finish", {"input": []})
    caller.join()
    latency = time.perf_counter() - signalled
    assert answers and answers[0]["statusCode"] == 200, answers
    return {
        "history_events": events,
        "dynamodb_requests_per_waiting_s": round((calls - calls_before) / waited, 2),
        "items_read_per_waiting_s": round((items - items_before) / waited, 1),
        "close_to_answer_ms": round(latency * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wait", type=float, default=5.0, help="seconds the measured caller waits")
    parser.add_argument("--signals", type=int, default=100, help="signals before the wait (history size)")
    args = parser.parse_args()

    runtime = LocalRuntime(backend="moto", skipping=False)
    runtime.register(TASK_QUEUE, [Waiter], [], None)
    counter = DynamoCalls(runtime.backend.boto_clients[0])
    try:
        deployed = measure(runtime, Engine(runtime.control), counter, "deployed", args)
        dev = measure(runtime, LocalEngine(runtime, strict=False), counter, "dev", args)
    finally:
        runtime.shutdown()
    print(f"one caller waiting {args.wait:g} s on GET /result, history of {deployed['history_events']} events (moto)")
    for label, figures in (("API as deployed", deployed), ("dev server", dev)):
        print(
            f"  {label:16} {figures['dynamodb_requests_per_waiting_s']:6.2f} DynamoDB requests/s, "
            f"{figures['items_read_per_waiting_s']:7.1f} items read/s; close to answer "
            f"{figures['close_to_answer_ms']:.0f} ms"
        )
    print(json.dumps({"deployed": deployed, "dev": dev}))


if __name__ == "__main__":
    main()
