"""Runs stay on the code they started on, across a deploy (``durable._runtime.pinning``).

A deploy in one process: build A's and build B's orchestrators (two registries, one
workflow type whose B code does not replay A's runs) over one backend, each build's
handler published as a version (``LocalVersions``; on moto, moto's Lambda holds the
aliases, so whether a build still has a version is Lambda's answer). The test plays the
inbox's event source mapping by hand: it receives a batch, calls the live handler with the
SQS event Lambda would pass, and deletes what the handler did not report failed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from durable._aws.app import LambdaApp
from durable._aws.provision import create_function
from durable._aws.versions import LambdaVersions
from durable._batch.job import BATCH_TASK_QUEUE
from durable._converter import decode, encode_args
from durable._local.backends import Backend, make_backend
from durable._local.dispatcher import sqs_event
from durable._local.versions import LocalVersions
from durable._metrics.engine import EngineMetrics
from durable._replay import events as ev
from durable._replay.events import Event
from durable._runtime.build_retirement import retire_builds
from durable._runtime.control import Control
from durable._runtime.delivery_event import delivery_event
from durable._runtime.inbox import inbox_body
from durable._runtime.lambda_handlers import BatchFailed, orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.pinning import Pinning, build_alias, first_build_id
from durable._runtime.registry import Registry
from durable._runtime.services import Services, execution_key
from durable._settings import BUILD_ID
from durable.runtime import MetricBuffer, Runtime, TelemetryConfig
from tests.helpers.pinned_workflows import DeployOnA, DeployOnB

A, B = "build-a", "build-b"
QUEUE = "deploy"

Handler = Callable[[dict[str, Any]], PartialItemFailureResponse]


@dataclass
class Deploy:
    """Two builds of the orchestrator over one backend, and what publishes their versions."""

    backend: Backend
    services: Services
    builds: dict[str, Orchestrator]
    versions: LocalVersions
    calls: dict[str, int]
    metrics: MetricBuffer
    updates: list[Any] = field(default_factory=list)

    def counted(self, name: str) -> int:
        """How much the engine's counter ``name`` went up in all."""
        self.updates += self.metrics.retrieve_updates()
        return sum(int(u.value) for u in self.updates if u.metric.name == name)

    def live(self, build_id: str) -> Handler:
        """The handler of the build the inbox's mapping invokes (its ``live`` alias)."""
        pinning = Pinning(self.builds[build_id], build_id, self.versions)
        return lambda event: orchestrator_handler(self.builds[build_id], event, pinning=pinning)

    def start(self, build_id: str, workflow_id: str) -> str:
        """A start through the API function of a build (its control), decided by the inbox."""
        control = Control(self.services, self.builds[build_id])
        return control.start(workflow_type="Deploy", workflow_id=workflow_id, task_queue=QUEUE, input=encode_args([]))

    def signal(self, workflow_id: str, run_id: str) -> None:
        Control(self.services, self.builds[B]).signal(workflow_id, run_id, "proceed", encode_args([]))

    def history(self, workflow_id: str, run_id: str) -> list[Event]:
        return self.services.history.load(execution_key(workflow_id, run_id))


def _published(backend: Backend, handlers: dict[str, Handler], kind: str) -> LocalVersions:
    """Each build's handler as a version; on moto, each under its alias in moto's Lambda."""
    if kind == "memory":
        return LocalVersions(handlers)
    lam = next(c for c in backend.boto_clients if c.meta.service_model.service_name == "lambda")
    iam = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("iam", endpoint_url=lam.meta.endpoint_url)
    function = create_function(lam, iam, f"orchestrator-{uuid.uuid4().hex[:8]}")
    for build_id in handlers:  # one version per deploy (a configuration change publishes a new one)
        lam.update_function_configuration(FunctionName=function, Description=f"deploy of {build_id}")
        version = lam.publish_version(FunctionName=function)["Version"]
        lam.create_alias(FunctionName=function, Name=build_alias(build_id), FunctionVersion=version)
    return LocalVersions(handlers, aws=LambdaVersions(function, client=lam))


@pytest.fixture(params=["memory", "moto"])
def deploy(request: pytest.FixtureRequest) -> Iterator[Deploy]:
    backend = make_backend(request.param, skipping=True)
    services = backend.services
    metrics = MetricBuffer(10_000)
    services.metrics = EngineMetrics(Runtime(telemetry=TelemetryConfig(metrics=metrics)).metric_meter)
    builds: dict[str, Orchestrator] = {}
    for build_id, workflow in ((A, DeployOnA), (B, DeployOnB)):
        registry = Registry()
        registry.register(QUEUE, workflows=[workflow], build_id=build_id)
        builds[build_id] = Orchestrator(services, registry)
    calls = {A: 0, B: 0}

    def version(build_id: str) -> Handler:
        def handler(event: dict[str, Any]) -> PartialItemFailureResponse:
            calls[build_id] += 1
            return orchestrator_handler(builds[build_id], event)

        return handler

    versions = _published(backend, {A: version(A), B: version(B)}, request.param)
    try:
        yield Deploy(backend, services, builds, versions, calls, metrics)
    finally:
        backend.stop()


def pump(deploy: Deploy, handler: Handler, *, crash_before_delete: bool = False) -> int:
    """Deliver the inbox to ``handler`` until it is empty; returns how many batches it took.

    ``crash_before_delete``: the first batch's messages are not deleted (the invocation
    died after its handler returned), so they are received again.
    """
    inbox = deploy.services.inbox
    batches = 0
    while messages := inbox.receive(10):
        batches += 1
        try:
            response = handler(sqs_event(inbox, messages))
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        except BatchFailed:
            failed = {m.message_id for m in messages}
        if crash_before_delete and batches == 1:
            failed = {m.message_id for m in messages}
        inbox.delete([m.receipt for m in messages if m.message_id not in failed])
        for m in messages:
            if m.message_id in failed:
                inbox.release(m.receipt)  # visible again, as after the visibility timeout
        assert batches < 50, "the inbox does not drain"
    return batches


def result_of(history: list[Event]) -> str:
    (closed,) = [e for e in history if e["event_type"] == ev.WORKFLOW_COMPLETED]
    return str(decode(closed["attributes"]["result"]))


def task_builds(history: list[Event]) -> list[str]:
    return [e["attributes"].get("build_id") for e in history if e["event_type"] in ev.TASK_MARKERS]


def signals(history: list[Event]) -> int:
    return sum(e["event_type"] == ev.SIGNALED for e in history)


def test_a_run_started_on_a_keeps_deciding_on_a_after_b_became_live(deploy: Deploy) -> None:
    old = f"old-{uuid.uuid4().hex[:6]}"
    old_run = deploy.start(A, old)
    pump(deploy, deploy.live(A))  # the first task, on A (A was live)
    assert task_builds(deploy.history(old, old_run)) == [A]
    assert deploy.calls == {A: 0, B: 0}  # runs on the live build are not forwarded

    # The deploy: B is live; a run started now is B's.
    new = f"new-{uuid.uuid4().hex[:6]}"
    new_run = deploy.start(B, new)
    deploy.signal(old, old_run)
    deploy.signal(new, new_run)
    pump(deploy, deploy.live(B))

    old_history, new_history = deploy.history(old, old_run), deploy.history(new, new_run)
    assert result_of(old_history) == "decided by A"  # no non-determinism: B's code never replayed it
    assert task_builds(old_history) == [A, A]
    assert result_of(new_history) == "decided by B"
    assert set(task_builds(new_history)) == {B}
    assert deploy.calls[A] >= 1 and deploy.calls[B] == 0  # A's run went to A's version, once per batch
    assert deploy.versions.invocations == deploy.calls[A] == deploy.counted("InboxBatchesForwarded")


def test_a_forwarded_batch_that_fails_stays_in_the_inbox_and_is_decided_once_later(deploy: Deploy) -> None:
    wf = f"flaky-{uuid.uuid4().hex[:6]}"
    run = deploy.start(A, wf)
    pump(deploy, deploy.live(A))
    # A's version fails its next invocation as a whole (Lambda's FunctionError: a crash, a timeout).
    real = deploy.versions.handlers[A]
    failures = {"left": 1}

    def crashing(event: dict[str, Any]) -> PartialItemFailureResponse:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the pinned version crashed")
        return real(event)

    deploy.versions.handlers[A] = crashing
    deploy.signal(wf, run)
    inbox = deploy.services.inbox
    messages = inbox.receive(10)
    with pytest.raises(BatchFailed):  # every message of the batch failed: the invocation fails, as on Lambda
        deploy.live(B)(sqs_event(inbox, messages))
    for m in messages:
        inbox.release(m.receipt)  # nothing deleted: the inbox keeps the signal
    assert signals(deploy.history(wf, run)) == 0

    pump(deploy, deploy.live(B))
    history = deploy.history(wf, run)
    assert signals(history) == 1 and result_of(history) == "decided by A"


def test_a_crash_between_the_forwarded_invocation_and_the_delete_decides_once(deploy: Deploy) -> None:
    wf = f"crash-{uuid.uuid4().hex[:6]}"
    run = deploy.start(A, wf)
    pump(deploy, deploy.live(A))
    deploy.signal(wf, run)
    batches = pump(deploy, deploy.live(B), crash_before_delete=True)  # A decided, the delete never came
    history = deploy.history(wf, run)
    assert batches == 2  # the signal was received again ...
    assert signals(history) == 1 and result_of(history) == "decided by A"  # ... and applied once
    assert task_builds(history) == [A, A]


def test_a_run_whose_build_has_no_version_is_decided_by_the_live_code(deploy: Deploy) -> None:
    wf = f"orphan-{uuid.uuid4().hex[:6]}"
    run = deploy.start(A, wf)
    pump(deploy, deploy.live(A))
    deploy.versions.retire(A, deploy.versions.published()[A])  # A's version is gone
    deploy.signal(wf, run)
    pump(deploy, deploy.live(B))
    # B decided (it cannot replay A's run: its task fails, as a deploy without pinning would).
    assert task_builds(deploy.history(wf, run))[-1] == B
    assert deploy.calls[A] == 0 and deploy.counted("UnpinnedDecisions") >= 1


def test_a_forwarded_event_is_never_forwarded_again(deploy: Deploy) -> None:
    wf = f"loop-{uuid.uuid4().hex[:6]}"
    run = deploy.start(A, wf)
    pump(deploy, deploy.live(A))
    deploy.signal(wf, run)
    inbox = deploy.services.inbox
    messages = inbox.receive(10)
    # B's live handler given an event forwarded to B (as A's version would be): decided there.
    event = {**sqs_event(inbox, messages), "durable_pinned_build": B}
    deploy.live(B)(event)
    assert deploy.calls[A] == 0
    assert task_builds(deploy.history(wf, run))[-1] == B


def test_the_reconciler_retires_an_older_build_once_no_running_run_started_on_it(deploy: Deploy) -> None:
    wf = f"retire-{uuid.uuid4().hex[:6]}"
    run = deploy.start(A, wf)
    pump(deploy, deploy.live(A))
    assert retire_builds(deploy.services, deploy.versions, B) == []  # the run on A still needs it
    assert set(deploy.versions.published()) == {A, B}

    deploy.signal(wf, run)
    pump(deploy, deploy.live(B))
    assert result_of(deploy.history(wf, run)) == "decided by A"
    assert retire_builds(deploy.services, deploy.versions, B) == [A]
    assert set(deploy.versions.published()) == {B}  # the live build is never retired
    assert retire_builds(deploy.services, deploy.versions, B) == []


def test_the_live_build_and_newer_ones_are_never_retired(deploy: Deploy) -> None:
    # A rollback: A is live again; B (newer) has no run, but only older builds are retired.
    assert retire_builds(deploy.services, deploy.versions, A) == []
    assert set(deploy.versions.published()) == {A, B}


def test_an_outcome_delivered_to_live_for_a_run_on_a_goes_through_the_inbox_to_a(deploy: Deploy) -> None:
    wf = f"delivered-{uuid.uuid4().hex[:6]}"
    run = deploy.start(A, wf)
    pump(deploy, deploy.live(A))
    # A message delivered straight to an invocation of live (as activity outcomes are): B must not decide it.
    body = inbox_body(wf, run, "signal", "delivered-signal", name="proceed", input=encode_args([]))
    deploy.live(B)(json.loads(delivery_event([body])))
    assert task_builds(deploy.history(wf, run)) == [A] and signals(deploy.history(wf, run)) == 0
    pump(deploy, deploy.live(B))  # the inbox took it: forwarded to A
    history = deploy.history(wf, run)
    assert signals(history) == 1 and result_of(history) == "decided by A"
    assert task_builds(history) == [A, A]


class _CountingHistory:
    """The history store, counting whole-log reads."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.loads = 0

    def load(self, execution: str, after_event_id: int = 0) -> list[Event]:
        self.loads += after_event_id == 0
        return self._inner.load(execution, after_event_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_run_on_the_live_build_costs_no_extra_read(deploy: Deploy) -> None:
    counting = _CountingHistory(deploy.services.history)
    deploy.services.history = counting
    reads = []
    for pinned in (False, True):
        deploy.builds[B] = Orchestrator(deploy.services, deploy.builds[B].registry)  # a cold container
        wf = f"cold-{pinned}-{uuid.uuid4().hex[:6]}"
        run = deploy.start(B, wf)
        before = counting.loads
        live = deploy.live(B) if pinned else (lambda event: orchestrator_handler(deploy.builds[B], event))
        pump(deploy, live)
        reads.append(counting.loads - before)
        assert task_builds(deploy.history(wf, run)) == [B]
    assert reads[1] == reads[0] >= 1  # the check read the log the decision replays: one read either way


def test_every_run_of_a_deployment_names_its_build_batch_jobs_included() -> None:
    # A batch job's tasks named a hash of the batcher's module before: the live build took its
    # runs for another build's and forwarded them to an alias that no deploy made.
    app = LambdaApp(workflows={QUEUE: [DeployOnB]}, environ={BUILD_ID: "deploy-42"})
    assert {app.registry.build_id(q) for q in (QUEUE, BATCH_TASK_QUEUE)} == {"deploy-42"}


def _task(kind: str, event_id: int, **attrs: Any) -> Event:
    event = ev.make_event(kind, 0.0, **attrs)
    event["event_id"] = event_id
    return event


def test_a_run_started_on_the_build_of_its_first_completed_task_after_its_last_reset() -> None:
    started = _task(ev.WORKFLOW_STARTED, 1, workflow_id="w", run_id="r")
    on_a = [
        started,
        _task(ev.TASK_FAILED, 2, build_id="x", cause="WorkflowTaskFailed"),
        _task(ev.TASK_COMPLETED, 3, build_id=A),
    ]
    assert first_build_id([started]) is None
    assert first_build_id(on_a) == A  # a failed task does not count
    assert first_build_id([*on_a, _task(ev.TASK_COMPLETED, 4, build_id=B)]) == A
    # A reset run copies its base run's prefix (decided on A): the reset moves it to the next code.
    reset = _task(ev.TASK_FAILED, 4, cause="ResetWorkflow", base_run_id="r0", new_run_id="r")
    assert first_build_id([*on_a, reset]) is None
    assert first_build_id([*on_a, reset, _task(ev.TASK_COMPLETED, 5, build_id=B)]) == B


def test_a_run_of_another_build_costs_one_log_read_per_container_then_only_the_invocation(deploy: Deploy) -> None:
    wf = f"reads-{uuid.uuid4().hex[:6]}"
    run = deploy.start(A, wf)
    pump(deploy, deploy.live(A))  # A's container has the run warm
    counting = _CountingHistory(deploy.services.history)
    deploy.services.history = counting
    live = deploy.live(B)  # one container of B
    reads = []
    for _ in range(3):
        Control(deploy.services, deploy.builds[B]).signal(wf, run, "note", encode_args([]))
        before = counting.loads
        pump(deploy, live)
        reads.append(counting.loads - before)
    assert reads == [1, 0, 0]  # B read the log once to learn the run's build; A decided warm
    assert deploy.calls[A] == 3 and signals(deploy.history(wf, run)) == 3
