"""The determinism sandbox: what workflow code may not call, and the ways out.

Run with the sandboxed runner on both backends (``new_sandboxed_worker``); the workflows
live in ``sandbox_workflows.py``, which temporalio re-imports for each run.
"""

from __future__ import annotations

import asyncio
import dataclasses

from .sandbox_workflows import (
    ALLOWED,
    RESTRICTED,
    CallsActivity,
    EscapeHatches,
    NotSandboxed,
    QueriesClock,
    ReadsClockUncaught,
    ReportsMessage,
    TriesCalls,
    stamp,
)
from .sdk import (
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    event_types,
    new_sandboxed_worker,
    new_unsandboxed_runner,
    sandbox_module,
)

EXPECTED = {
    "time.time": "time.time.__call__",
    "from time import time": "time.time.__call__",
    "time.monotonic": "time.monotonic.__call__",
    "time.sleep": "time.sleep.__call__",
    "datetime.now": "datetime.datetime.now.__call__",
    "datetime.utcnow": "datetime.datetime.utcnow.__call__",
    "datetime.today": "datetime.datetime.today.__call__",
    "datetime.datetime.now": "datetime.datetime.now.__call__",
    "date.today": "datetime.date.today.__call__",
    "uuid.uuid4": "uuid.uuid4.__call__",
    "from uuid import uuid4": "uuid.uuid4.__call__",
    "uuid.uuid1": "uuid.uuid1.__call__",
    "random.random": "random.random.__call__",
    "random.randint": "random.randint.__call__",
    "random.choice": "random.choice.__call__",
    "open": "__builtins__.open",
    "os.listdir": "os.listdir.__call__",
    "os.getenv": "os.getenv.__call__",
    "socket.socket": "socket.socket.__call__",
    "socket.gethostname": "socket.gethostname.__call__",
    "subprocess.run": "subprocess.run.__call__",
    "threading.Thread": "threading.Thread.__call__",
    "helper module": "time.time.__call__",
}


def refused(qualified_name: str) -> str:
    return f"RestrictedWorkflowAccessError({qualified_name}, nondeterminism=True)"


async def test_calls_that_break_determinism_raise_restricted_workflow_access_error(client, task_queue):
    assert set(EXPECTED) == set(RESTRICTED)
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[TriesCalls]):
        outcome = await client.execute_workflow(
            TriesCalls.run, list(RESTRICTED), id="sandbox-refused", task_queue=task_queue
        )
    assert outcome == {name: refused(qualified) for name, qualified in EXPECTED.items()}


async def test_deterministic_calls_and_workflow_apis_are_allowed(client, task_queue):
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[TriesCalls]):
        outcome = await client.execute_workflow(
            TriesCalls.run, list(ALLOWED), id="sandbox-allowed", task_queue=task_queue
        )
    assert outcome == {name: "allowed" for name in ALLOWED}


async def test_the_error_message_is_temporalios(client, task_queue):
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[ReportsMessage]):
        message = await client.execute_workflow(ReportsMessage.run, id="sandbox-message", task_queue=task_queue)
    assert message == (
        "Cannot access datetime.datetime.now.__call__ from inside a workflow. If this is code from a module "
        "not used in a workflow or known to only be used deterministically from a workflow, mark the import "
        "as pass through."
    )


async def test_an_uncaught_restricted_call_fails_the_workflow_task_not_the_workflow(client, task_queue):
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[ReadsClockUncaught]):
        handle = await client.start_workflow(ReadsClockUncaught.run, id="sandbox-uncaught", task_queue=task_queue)
        while "WorkflowTaskFailed" not in event_types(await handle.fetch_history()):
            await asyncio.sleep(0.05)
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await handle.terminate(reason="cleanup")
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED


async def test_sandbox_unrestricted_lets_calls_through_for_the_block_only(client, task_queue):
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[EscapeHatches]):
        outcome = await client.execute_workflow(EscapeHatches.run, id="sandbox-hatch", task_queue=task_queue)
    assert outcome == {
        "in_sandbox": True,
        "unrestricted": True,
        "time.time": True,
        "datetime.now": True,
        "after": False,
        "afterwards": refused("time.time.__call__"),
    }


async def test_defn_sandboxed_false_runs_unrestricted_under_the_sandboxed_runner(client, task_queue):
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[NotSandboxed]):
        outcome = await client.execute_workflow(NotSandboxed.run, id="sandbox-off", task_queue=task_queue)
    assert outcome == {"in_sandbox": False, "time.time": "allowed"}


async def test_the_unsandboxed_runner_runs_unrestricted(client, task_queue):
    async with new_sandboxed_worker(
        client, task_queue=task_queue, workflows=[TriesCalls], workflow_runner=new_unsandboxed_runner()
    ):
        outcome = await client.execute_workflow(
            TriesCalls.run, ["time.time", "datetime.now", "helper module"], id="sandbox-none", task_queue=task_queue
        )
    assert outcome == {"time.time": "allowed", "datetime.now": "allowed", "helper module": "allowed"}


async def test_restrictions_pass_a_module_through(client, task_queue):
    sandbox = sandbox_module()
    restrictions = sandbox.SandboxRestrictions.default.with_passthrough_modules("tests.compat.sandbox_helpers")
    runner = sandbox.SandboxedWorkflowRunner(restrictions=restrictions)
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[TriesCalls], workflow_runner=runner):
        outcome = await client.execute_workflow(
            TriesCalls.run, ["helper module", "time.time"], id="sandbox-passthrough", task_queue=task_queue
        )
    assert outcome == {"helper module": "allowed", "time.time": refused("time.time.__call__")}


async def test_a_member_unrestricted_in_the_matcher_may_be_called(client, task_queue):
    sandbox = sandbox_module()
    default = sandbox.SandboxRestrictions.default
    restrictions = dataclasses.replace(
        default, invalid_module_members=default.invalid_module_members.with_child_unrestricted("time", "time")
    )
    runner = sandbox.SandboxedWorkflowRunner(restrictions=restrictions)
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[TriesCalls], workflow_runner=runner):
        outcome = await client.execute_workflow(
            TriesCalls.run, ["time.time", "time.monotonic"], id="sandbox-matcher", task_queue=task_queue
        )
    assert outcome == {"time.time": "allowed", "time.monotonic": refused("time.monotonic.__call__")}


async def test_a_restricted_call_in_a_query_fails_that_query(client, task_queue):
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[QueriesClock]):
        handle = await client.start_workflow(QueriesClock.run, id="sandbox-query", task_queue=task_queue)
        try:
            await handle.query(QueriesClock.clock)
        except WorkflowQueryFailedError as err:
            assert "Cannot access time.time.__call__ from inside a workflow" in str(err)
        else:
            raise AssertionError("the query read the wall clock")
        await handle.signal(QueriesClock.finish)
        assert await handle.result() == "done"


async def test_activities_are_not_workflow_code(client, task_queue):
    async with new_sandboxed_worker(client, task_queue=task_queue, workflows=[CallsActivity], activities=[stamp]):
        outcome = await client.execute_workflow(CallsActivity.run, id="sandbox-activity", task_queue=task_queue)
    assert outcome == "True True 36"


async def test_the_sandbox_names_are_temporalios():
    sandbox = sandbox_module()
    assert issubclass(sandbox.RestrictedWorkflowAccessError, Exception)
    error = sandbox.RestrictedWorkflowAccessError("time.time")
    assert error.qualified_name == "time.time"
    assert str(error) == sandbox.RestrictedWorkflowAccessError.default_message("time.time")
    default = sandbox.SandboxRestrictions.default
    assert "datetime" in default.passthrough_modules and "temporalio" in default.passthrough_modules
    assert default.with_passthrough_modules("my_lib").passthrough_modules == default.passthrough_modules | {"my_lib"}
    assert default.with_passthrough_all_modules().passthrough_all_modules is True
    assert default.invalid_module_members is sandbox.SandboxRestrictions.invalid_module_members_default
    assert sandbox.SandboxedWorkflowRunner().restrictions is default
