"""Workflows for test_sandbox.py, in their own module as temporalio's sandbox wants them:
it re-imports a workflow's module for each run (durable does not), and pytest's modules
have no place in there."""

from __future__ import annotations

import datetime as datetime_module
import json
import os
import random
import socket
import subprocess
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from time import time as imported_time
from uuid import uuid4

from tests.compat.sandbox_helpers import wall_clock as helper_wall_clock
from tests.compat.sdk import activity, workflow

# Absolute imports: temporalio passes through what it imports by name, not a module
# reached as an attribute of its re-imported package (``from . import x``).
with workflow.unsafe.imports_passed_through():
    from tests.compat.sandbox_passed_through import wall_clock as passed_through_wall_clock

RESTRICTED = {
    "time.time": lambda: time.time(),
    "from time import time": lambda: imported_time(),
    "time.monotonic": lambda: time.monotonic(),
    "time.sleep": lambda: time.sleep(0),
    "datetime.now": lambda: datetime.now(),
    "datetime.utcnow": lambda: datetime.utcnow(),
    "datetime.today": lambda: datetime.today(),
    "datetime.datetime.now": lambda: datetime_module.datetime.now(datetime_module.UTC),
    "date.today": lambda: date.today(),
    "uuid.uuid4": lambda: uuid.uuid4(),
    "from uuid import uuid4": lambda: uuid4(),
    "uuid.uuid1": lambda: uuid.uuid1(),
    "random.random": lambda: random.random(),
    "random.randint": lambda: random.randint(1, 6),
    "random.choice": lambda: random.choice("ab"),
    "open": lambda: open(__file__).read(),
    "os.listdir": lambda: os.listdir("."),
    "os.getenv": lambda: os.getenv("HOME"),
    "socket.socket": lambda: socket.socket(),
    "socket.gethostname": lambda: socket.gethostname(),
    "subprocess.run": lambda: subprocess.run(["true"]),
    "threading.Thread": lambda: threading.Thread(target=print),
    "helper module": lambda: helper_wall_clock(),
}

ALLOWED = {
    "random.Random": lambda: random.Random(7).random(),
    "datetime(...)": lambda: datetime(2020, 1, 2, 3, 4) + timedelta(days=1),
    "datetime.fromisoformat": lambda: datetime.fromisoformat("2020-01-02T03:04:05"),
    "uuid.UUID": lambda: uuid.UUID(int=7),
    "time.strftime of a given time": lambda: time.strftime("%Y", time.gmtime(0)),
    "json": lambda: json.dumps({"a": [1, 2]}),
    "workflow.now": lambda: workflow.now(),
    "workflow.random": lambda: workflow.random().random(),
    "workflow.uuid4": lambda: workflow.uuid4(),
    "workflow.logger": lambda: workflow.logger.info("logging reads the clock: allowed"),
    "passed-through module": lambda: passed_through_wall_clock(),
}


def _attempt(name: str) -> str:
    fn = RESTRICTED.get(name) or ALLOWED[name]
    try:
        fn()
    except Exception as err:
        nondeterminism = isinstance(err, workflow.NondeterminismError)
        return f"{type(err).__name__}({getattr(err, 'qualified_name', None)}, nondeterminism={nondeterminism})"
    return "allowed"


@workflow.defn
class TriesCalls:
    """Attempts each named call and says what happened."""

    @workflow.run
    async def run(self, names: list[str]) -> dict[str, str]:
        return {name: _attempt(name) for name in names}


@workflow.defn
class ReportsMessage:
    @workflow.run
    async def run(self) -> str:
        try:
            datetime.now()
        except Exception as err:
            return str(err)
        return "allowed"


@workflow.defn
class EscapeHatches:
    @workflow.run
    async def run(self) -> dict:
        out: dict = {"in_sandbox": workflow.unsafe.in_sandbox()}
        with workflow.unsafe.sandbox_unrestricted():
            out["unrestricted"] = workflow.unsafe.is_sandbox_unrestricted()
            out["time.time"] = time.time() > 0
            out["datetime.now"] = datetime.now().year > 2000
        out["after"] = workflow.unsafe.is_sandbox_unrestricted()
        out["afterwards"] = _attempt("time.time")
        return out


@workflow.defn(sandboxed=False)
class NotSandboxed:
    @workflow.run
    async def run(self) -> dict:
        return {"in_sandbox": workflow.unsafe.in_sandbox(), "time.time": _attempt("time.time")}


@workflow.defn
class ReadsClockUncaught:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()


@workflow.defn
class QueriesClock:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.done)
        return "done"

    @workflow.query
    def clock(self) -> float:
        return time.time()

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@activity.defn
async def stamp() -> str:
    """Activities are not workflow code: the clock, ids and files are theirs to use."""
    with open(__file__) as source:
        source.read(1)
    return f"{datetime.now().year > 2000} {time.time() > 0} {len(str(uuid.uuid4()))}"


@workflow.defn
class CallsActivity:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(stamp, start_to_close_timeout=timedelta(seconds=10))
