"""Temporal's history JSON, read and written by durable.

The goldens here are ``fetch_history().to_json()`` of the runs in ``record.py``: from
temporalio 1.35 and its test server (``*.json``), and from durable (``from_durable/``).
A team moving from Temporal replays its production histories on durable's ``Replayer``
before it moves; these tests hold that path: Temporal's events map onto durable's, a code
change is reported as non-determinism as for durable's own histories, and what durable
writes reads back to the same events. The durable-shape goldens one folder up go through
Temporal's JSON and back as well.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest

from durable import workflow
from durable._history import events_to_temporal
from durable._history.proto_json import duration, from_duration, from_timestamp, payload_from, payload_to, timestamp
from durable._http.wire import event_out
from durable._replay import events as ev
from durable._replay.commands import command_key
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine
from durable.client import WorkflowHistory
from durable.worker import Replayer
from statemachines.order import OrderWorkflow
from statemachines.saga import OrderSagaWorkflow
from tests.histories.temporal.workflows import GOLDEN_IDS, WORKFLOWS, charge, shout

HERE = Path(__file__).parent
FROM_TEMPORAL = sorted(HERE.glob("*.json"))
FROM_DURABLE = sorted((HERE / "from_durable").glob("*.json"))
TEMPORAL_SHAPED = FROM_TEMPORAL + FROM_DURABLE
DURABLE_SHAPED = sorted(HERE.parent.glob("*.json"))
ORDER_WORKFLOWS = {d.name: d for d in (WorkflowDefinition.of(OrderWorkflow), WorkflowDefinition.of(OrderSagaWorkflow))}


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.stem}" for p in paths]


def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(GOLDEN_IDS[path.stem], path.read_text())


def _shape(events: list[dict]) -> list[tuple]:
    """What replay compares, and what the code is handed: types, sequence numbers, payloads."""
    out = []
    for e in events:
        a = e["attributes"]
        key = command_key(e) if e["event_type"] in ev.COMMAND_EVENTS else (e["event_type"], a.get("seq"))
        out.append(
            (*key, a.get("input"), a.get("result"), (a.get("failure") or {}).get("message"), a.get("signal_name"))
        )
    return out


def test_there_are_goldens_from_temporal_and_from_durable() -> None:
    assert {p.stem for p in FROM_TEMPORAL} == set(GOLDEN_IDS)
    assert {p.stem for p in FROM_DURABLE} == set(GOLDEN_IDS)


@pytest.mark.parametrize("path", TEMPORAL_SHAPED, ids=_ids(TEMPORAL_SHAPED))
async def test_temporal_json_golden_replays_on_durables_replayer(path: Path) -> None:
    history = _history(path)
    result = await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    assert result.replay_failure is None
    # Every event the code saw or made has its durable counterpart.
    raw = json.loads(path.read_text())["events"]
    kinds = [e["event_type"] for e in history.events]
    for temporal, durable in [
        ("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED", ev.ACTIVITY_SCHEDULED),
        ("EVENT_TYPE_TIMER_STARTED", ev.TIMER_STARTED),
        ("EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED", ev.SIGNALED),
        ("EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED", ev.START_CHILD_INITIATED),
        ("EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED", ev.UPDATE_ACCEPTED),
        ("EVENT_TYPE_WORKFLOW_TASK_COMPLETED", ev.TASK_COMPLETED),
        ("EVENT_TYPE_MARKER_RECORDED", ev.MARKER_RECORDED),
    ]:
        assert kinds.count(durable) == sum(e["eventType"] == temporal for e in raw), temporal
    assert kinds[0] == ev.WORKFLOW_STARTED and kinds[-1] in ev.TERMINAL_EVENTS
    machine = HistoryMachine(lambda name, _queue: WorkflowDefinition.of({w.__name__: w for w in WORKFLOWS}[name]))
    machine.replay(history.events)
    assert machine.replay_error is None and machine.ledger.closed


@pytest.mark.parametrize("path", TEMPORAL_SHAPED, ids=_ids(TEMPORAL_SHAPED))
async def test_temporal_json_golden_round_trips_through_durables_to_json(path: Path) -> None:
    history = _history(path)
    again = WorkflowHistory.from_json(history.workflow_id, history.to_json())
    assert _shape(again.events) == _shape(history.events)
    assert [e["event_time"] for e in again.events] == pytest.approx([e["event_time"] for e in history.events], abs=1e-6)
    assert again.run_id == history.run_id
    assert (await Replayer(workflows=WORKFLOWS).replay_workflow(again)).replay_failure is None
    # Written again, it is the same JSON: the mapping is stable.
    assert again.to_json() == history.to_json()


def test_temporal_goldens_keep_temporals_activity_and_timer_ids() -> None:
    history = _history(HERE / "payment_retried_refused_timer_signal.json")
    scheduled = [e["attributes"] for e in history.events if e["event_type"] == ev.ACTIVITY_SCHEDULED]
    assert [(a["seq"], a["activity_id"], a["activity_type"]) for a in scheduled] == [
        (1, "1", "charge"),
        (2, "2", "refuse"),
    ]
    assert scheduled[0]["retry_policy"]["maximum_attempts"] == 5
    assert scheduled[0]["start_to_close_timeout"] == 10.0
    completed = next(e["attributes"] for e in history.events if e["event_type"] == ev.ACTIVITY_COMPLETED)
    assert completed == {"seq": 1, "attempt": 3, "result": '"charged 250"'}  # the third attempt succeeded
    failed = next(e["attributes"] for e in history.events if e["event_type"] == ev.ACTIVITY_FAILED)
    assert failed["failure"]["message"] == "Activity task failed"
    assert failed["failure"]["activity"]["activity_type"] == "refuse"
    assert failed["failure"]["cause"]["application"] == {
        "type": "Refused",
        "non_retryable": True,
        "details": ['{"code":42}'],
        "next_retry_delay": None,
        "category": 0,
    }
    timer = next(e for e in history.events if e["event_type"] == ev.TIMER_STARTED)
    assert timer["attributes"] == {"seq": 1, "duration": 90.0}


async def test_activities_with_ids_of_their_own_are_numbered_in_order() -> None:
    data = json.loads((HERE / "payment_retried_refused_timer_signal.json").read_text())
    for event in data["events"]:  # as if the code had passed activity_id="charge-250" and so on
        if attrs := event.get("activityTaskScheduledEventAttributes"):
            attrs["activityId"] = f"{attrs['activityType']['name']}-250"
    history = WorkflowHistory.from_json("golden-payment", data)
    scheduled = [e["attributes"] for e in history.events if e["event_type"] == ev.ACTIVITY_SCHEDULED]
    assert [(a["seq"], a["activity_id"]) for a in scheduled] == [(1, "charge-250"), (2, "refuse-250")]
    assert (await Replayer(workflows=WORKFLOWS).replay_workflow(history)).replay_failure is None


def test_temporal_goldens_markers_become_durables_local_activity_and_patch_events() -> None:
    history = _history(HERE / "local_activities_and_patch.json")
    markers = [e["attributes"] for e in history.events if e["event_type"] == ev.MARKER_RECORDED]
    assert [m.get("patch_id") or (m["seq"], m["activity_type"], m["result"]) for m in markers] == [
        (1, "shout", '"HELLO"'),
        "add-suffix",
        (2, "shout", '"HELLO!"'),
    ]
    # core's TemporalChangeVersion upsert beside the patch is core's bookkeeping, not the code's
    assert not any(e["event_type"] == ev.UPSERT_SEARCH_ATTRIBUTES for e in history.events)


async def test_a_local_activity_whose_marker_is_a_task_later_replays() -> None:
    path = HERE / "local_activity_longer_than_its_task.json"
    kinds = [e["eventType"].removeprefix("EVENT_TYPE_") for e in json.loads(path.read_text())["events"]]
    # core heartbeated the first task (completed without commands); the marker is in the next
    first = kinds.index("WORKFLOW_TASK_COMPLETED")
    assert kinds[first + 1 : first + 5] == [
        "WORKFLOW_TASK_SCHEDULED",
        "WORKFLOW_TASK_STARTED",
        "WORKFLOW_TASK_COMPLETED",
        "MARKER_RECORDED",
    ]
    history = _history(path)
    assert (await Replayer(workflows=WORKFLOWS).replay_workflow(history)).replay_failure is None
    # the same history against code that runs another local activity there is still caught
    with pytest.raises(workflow.NondeterminismError, match="where the history records 'nap'"):
        await Replayer(workflows=[LongLocalShouting]).replay_workflow(history)


@workflow.defn(name="LongLocal")
class LongLocalShouting:
    @workflow.run
    async def run(self, seconds: float) -> str:
        return await workflow.execute_local_activity(shout, str(seconds), start_to_close_timeout=timedelta(seconds=30))


def test_temporal_goldens_updates_children_and_continue_as_new_map_to_durable_events() -> None:
    cart = _history(HERE / "cart_updates.json")
    accepted = [e["attributes"] for e in cart.events if e["event_type"] == ev.UPDATE_ACCEPTED]
    assert [(a["name"], a["input"]) for a in accepted] == [("add", ['"apple"']), ("add", ['"pear"'])]
    completed = [e["attributes"]["result"] for e in cart.events if e["event_type"] == ev.UPDATE_COMPLETED]
    assert completed == ["1", "2"]
    parent = _history(HERE / "parent_of_two_children.json")
    started = [e["attributes"] for e in parent.events if e["event_type"] == ev.CHILD_STARTED]
    assert [(a["seq"], a["workflow_id"]) for a in started] == [(1, "golden-parent-a"), (2, "golden-parent-b")]
    initiated = [e["attributes"] for e in parent.events if e["event_type"] == ev.START_CHILD_INITIATED]
    assert [a["run_id"] for a in initiated] == [a["run_id"] for a in started]
    countdown = _history(HERE / "countdown_continued_as_new.json")
    assert countdown.events[-1]["event_type"] == ev.WORKFLOW_CONTINUED_AS_NEW
    assert countdown.events[-1]["attributes"]["input"] == ["1"]


def test_temporal_goldens_externals_timeouts_child_failures_and_search_attributes_map_to_durable_events() -> None:
    history = _history(HERE / "external_signal_cancel_timeout_child_failure.json")
    by_kind: dict[str, list[dict]] = {}
    for e in history.events:
        by_kind.setdefault(e["event_type"], []).append(e["attributes"])
    started = by_kind[ev.WORKFLOW_STARTED][0]
    assert started["memo"] == {"note": '"from the recorder"'}
    assert started["search_attributes"] == {"CustomKeywordField": {"type": "Keyword", "value": "started"}}
    assert started["input"] == ['"golden-listener"', '"golden-sleeper"']
    assert [u["search_attributes"] for u in by_kind[ev.UPSERT_SEARCH_ATTRIBUTES]] == [
        {
            "CustomKeywordField": {"type": "Keyword", "value": "messaging"},
            "CustomIntField": {"type": "Int", "value": 7},
        },
        {"CustomIntField": None},
    ]
    signals = by_kind[ev.SIGNAL_EXTERNAL_INITIATED]
    assert [(a["seq"], a["workflow_id"], a["signal_name"], a["input"]) for a in signals] == [
        (1, "golden-listener", "hear", ['"psst"']),
        (2, "nobody-home", "hear", ['"x"']),
    ]
    assert by_kind[ev.EXTERNAL_SIGNALED] == [{"seq": 1}]
    assert by_kind[ev.EXTERNAL_SIGNAL_FAILED][0]["seq"] == 2
    assert "not found" in by_kind[ev.EXTERNAL_SIGNAL_FAILED][0]["failure"]["message"]
    assert [(a["seq"], a["workflow_id"]) for a in by_kind[ev.CANCEL_EXTERNAL_INITIATED]] == [(1, "golden-sleeper")]
    assert by_kind[ev.EXTERNAL_CANCEL_REQUESTED] == [{"seq": 1}]
    timed_out = by_kind[ev.ACTIVITY_FAILED][0]  # Temporal's ActivityTaskTimedOut
    assert timed_out["retry_state"] == 4  # MAXIMUM_ATTEMPTS_REACHED
    assert timed_out["failure"]["activity"]["activity_type"] == "slow"
    assert timed_out["failure"]["cause"]["timeout"]["type"] == 1  # START_TO_CLOSE
    child = by_kind[ev.CHILD_FAILED][0]
    assert child["failure"]["message"] == "Child Workflow execution failed"
    assert child["failure"]["child_workflow"]["workflow_type"] == "FailingChild"
    assert child["failure"]["cause"]["application"]["type"] == "GivenUp"
    assert child["failure"]["cause"]["message"] == "child gives up"


def test_an_admitted_updates_request_is_read_from_its_admission() -> None:
    # Update-with-start: the server writes the request in WorkflowExecutionUpdateAdmitted and
    # the acceptance only refers to it.
    data = json.loads((HERE / "cart_updates.json").read_text())
    events = data["events"]
    at = next(i for i, e in enumerate(events) if e["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED")
    accepted = events[at]["workflowExecutionUpdateAcceptedEventAttributes"]
    request = accepted.pop("acceptedRequest")
    events.insert(
        1,
        {
            "eventId": "0",
            "eventTime": events[0]["eventTime"],
            "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED",
            "workflowExecutionUpdateAdmittedEventAttributes": {
                "request": request,
                "origin": "UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY",
            },
        },
    )
    history = WorkflowHistory.from_json("golden-cart", data)
    first = next(e["attributes"] for e in history.events if e["event_type"] == ev.UPDATE_ACCEPTED)
    assert (first["update_id"], first["name"], first["input"]) == (accepted["protocolInstanceId"], "add", ['"apple"'])


def test_temporal_goldens_child_cancellation_timer_cancellation_and_a_deprecated_patch_map_to_durable_events() -> None:
    history = _history(HERE / "child_cancelled_timer_cancelled_patch_deprecated.json")
    by_kind: dict[str, list[dict]] = {}
    for e in history.events:
        by_kind.setdefault(e["event_type"], []).append(e["attributes"])
    assert by_kind[ev.MARKER_RECORDED] == [{"patch_id": "old-branch-gone", "deprecated": True}]
    assert ev.UPSERT_SEARCH_ATTRIBUTES not in by_kind  # core's TemporalChangeVersion, dropped
    assert [(a["seq"], a["workflow_id"]) for a in by_kind[ev.CANCEL_EXTERNAL_INITIATED]] == [
        (1, "golden-child-cancel-child")
    ]
    assert by_kind[ev.EXTERNAL_CANCEL_REQUESTED] == [{"seq": 1}]
    cancelled = by_kind[ev.CHILD_CANCELED][0]
    assert cancelled["seq"] == 1
    assert cancelled["failure"]["message"] == "Child Workflow execution cancelled"
    assert cancelled["failure"]["cause"]["canceled"] == {"details": []}
    assert by_kind[ev.TIMER_CANCELED] == [{"seq": 2}]


def test_temporal_goldens_cron_runs_carry_the_last_result_and_close_as_continued_as_new() -> None:
    first, second = _history(HERE / "cron_first_run.json"), _history(HERE / "cron_second_run.json")
    started = second.events[0]["attributes"]
    assert started["continued_run_id"] == first.run_id
    assert started["last_completion_result"] == "1"
    assert first.events[-1]["event_type"] == second.events[-1]["event_type"] == ev.WORKFLOW_CONTINUED_AS_NEW
    assert first.events[-1]["attributes"]["new_execution_run_id"] == second.run_id


def test_a_failed_workflow_task_is_durables_task_failure_and_its_inputs_wait_for_the_next() -> None:
    history = _history(HERE / "workflow_task_failed_then_recovered.json")
    kinds = [e["event_type"] for e in history.events]
    assert kinds[:3] == [ev.WORKFLOW_STARTED, ev.TASK_FAILED, ev.TASK_COMPLETED]
    failed = history.events[1]["attributes"]
    assert failed["attempt"] == 1
    assert failed["failure"]["message"] == "a bug in the first task"
    assert failed["failure"]["application"]["type"] == "RuntimeError"


def test_the_decision_time_is_the_workflow_task_start_as_in_temporalio() -> None:
    raw = json.loads((HERE / "payment_retried_refused_timer_signal.json").read_text())["events"]
    started = [from_timestamp(e["eventTime"]) for e in raw if e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_STARTED"]
    history = _history(HERE / "payment_retried_refused_timer_signal.json")
    assert [e["event_time"] for e in history.events if e["event_type"] == ev.TASK_COMPLETED] == started


@workflow.defn(name="Payment")
class PaymentWithATimerFirst:
    """Payment changed in a way that breaks runs in flight: a timer before the charge."""

    @workflow.signal
    def approve(self, who: str) -> None:
        pass

    @workflow.run
    async def run(self, amount: int) -> dict:
        await workflow.sleep(timedelta(seconds=1))
        await workflow.execute_activity(charge, amount, start_to_close_timeout=timedelta(seconds=10))
        return {}


@workflow.defn(name="LocalSteps")
class LocalStepsRenamedActivity:
    """LocalSteps calling another local activity than the history recorded."""

    @workflow.run
    async def run(self, text: str) -> list[str]:
        return [await workflow.execute_local_activity(charge, 1, start_to_close_timeout=timedelta(seconds=5))]


@pytest.mark.parametrize(
    "golden, changed",
    [
        ("payment_retried_refused_timer_signal", PaymentWithATimerFirst),
        ("local_activities_and_patch", LocalStepsRenamedActivity),
    ],
)
async def test_a_code_change_against_a_temporal_golden_is_nondeterminism(golden: str, changed: type) -> None:
    for path in (HERE / f"{golden}.json", HERE / "from_durable" / f"{golden}.json"):
        history = _history(path)
        replayer = Replayer(workflows=[changed])
        with pytest.raises(workflow.NondeterminismError, match="is not deterministic"):
            await replayer.replay_workflow(history)
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert isinstance(result.replay_failure, workflow.NondeterminismError)
        results = await replayer.replay_workflows([history], raise_on_replay_failure=False)
        assert list(results.replay_failures) == [history.run_id]


@pytest.mark.parametrize("path", DURABLE_SHAPED, ids=_ids(DURABLE_SHAPED))
def test_durable_shaped_golden_goes_through_temporal_json_and_replays(path: Path) -> None:
    data = json.loads(path.read_text())
    history = WorkflowHistory.from_json(data["workflow_id"], data)
    assert history.events == data["events"]  # durable's own form is read as it is
    text = history.to_json()
    temporal = json.loads(text)["events"]
    scheduled = [e for e in temporal if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"]
    assert len(scheduled) == sum(e["event_type"] == ev.ACTIVITY_SCHEDULED for e in history.events)
    # the attempts durable logs one by one are Temporal's ActivityTaskStarted attempt
    retried = [
        e["activityTaskStartedEventAttributes"]
        for e in temporal
        if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_STARTED"
    ]
    last_attempts = [
        e["attributes"]["attempt"]
        for e in history.events
        if e["event_type"] in (ev.ACTIVITY_COMPLETED, ev.ACTIVITY_FAILED)
    ]
    assert [r["attempt"] for r in retried] == last_attempts
    again = WorkflowHistory.from_json(data["workflow_id"], text)
    assert _shape(again.events) == _shape([e for e in history.events if e["event_type"] not in ev.RUNTIME_EVENTS])
    machine = HistoryMachine(lambda workflow_type, _queue: ORDER_WORKFLOWS[workflow_type])
    machine.replay(again.events)
    assert machine.replay_error is None, machine.replay_error
    assert machine.instance is not None and machine.instance.finished
    close, original = machine.ledger.close_event, history.events[-1]
    assert close is not None and close["event_type"] == original["event_type"]
    assert close["attributes"].get("result") == original["attributes"].get("result")
    assert (close["attributes"].get("failure") or {}).get("message") == (
        original["attributes"].get("failure") or {}
    ).get("message")


@pytest.mark.parametrize("path", DURABLE_SHAPED, ids=_ids(DURABLE_SHAPED))
def test_the_http_apis_form_of_a_history_reads_back_as_the_event_log(path: Path) -> None:
    data = json.loads(path.read_text())
    api = {"workflow_id": data["workflow_id"], "run_id": "r", "events": [event_out(e) for e in data["events"]]}
    assert isinstance(api["events"][0]["event_time"], str)  # RFC 3339, payloads as JSON values
    history = WorkflowHistory.from_json(data["workflow_id"], json.dumps(api))
    assert [(e["event_id"], e["event_type"]) for e in history.events] == [
        (e["event_id"], e["event_type"]) for e in data["events"]
    ]
    machine = HistoryMachine(lambda workflow_type, _queue: ORDER_WORKFLOWS[workflow_type])
    machine.replay(history.events)
    assert machine.replay_error is None and machine.ledger.closed


# -- the JSON conventions -------------------------------------------------------------


def test_times_are_written_as_protobuf_writes_them() -> None:
    assert timestamp(0) == "1970-01-01T00:00:00Z"
    assert timestamp(1_700_000_000.25) == "2023-11-14T22:13:20.250Z"
    assert timestamp(1_700_000_000.000001) == "2023-11-14T22:13:20.000001Z"
    assert from_timestamp("2023-11-14T22:13:20.250Z") == 1_700_000_000.25
    assert from_timestamp("2023-11-14T23:13:20.5+01:00") == 1_700_000_000.5
    assert duration(90) == "90s" and duration(1.5) == "1.500s" and duration(0) == "0s"
    assert from_duration("1.500s") == 1.5 and from_duration(None) is None


def test_payloads_are_temporals_json_plain_and_binary_null() -> None:
    assert payload_to('{"a":1}') == {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(b'{"a":1}').decode(),
    }
    assert payload_to("null") == {"metadata": {"encoding": base64.b64encode(b"binary/null").decode()}}
    for text in ('{"a":1}', "null", '"x"', "[1,2]"):
        assert payload_from(payload_to(text)) == text
    raw = {
        "metadata": {"encoding": base64.b64encode(b"binary/plain").decode()},
        "data": base64.b64encode(b"\x00\x01").decode(),
    }
    assert payload_from(raw) == '"AAE="'  # bytes: base64 text, as durable's converter carries them


def test_an_encrypted_payload_is_kept_as_it_is_and_goes_back_out_unchanged() -> None:
    sealed = {
        "metadata": {
            "encoding": base64.b64encode(b"binary/encrypted").decode(),
            "encryption-key-id": base64.b64encode(b"k1").decode(),
        },
        "data": "AAAA",
    }
    stored = payload_from(sealed)
    assert json.loads(stored) == {"@payload": sealed}  # the stored form a codec's payload has
    assert payload_to(stored) == sealed


def test_a_marker_of_another_sdk_is_refused_with_the_reason() -> None:
    data = json.loads((HERE / "local_activities_and_patch.json").read_text())
    marker = next(e for e in data["events"] if e["eventType"] == "EVENT_TYPE_MARKER_RECORDED")
    marker["markerRecordedEventAttributes"]["markerName"] = "Version"  # the Go and Java SDKs' patch marker
    with pytest.raises(ValueError, match="'Version' marker"):
        WorkflowHistory.from_json("golden-local", data)


_ENUM_PREFIXES = (
    "EVENT_TYPE_",
    "RETRY_STATE_",
    "TIMEOUT_TYPE_",
    "PARENT_CLOSE_POLICY_",
    "WORKFLOW_ID_REUSE_POLICY_",
    "TASK_QUEUE_KIND_",
    "CONTINUE_AS_NEW_INITIATOR_",
    "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_",
    "WORKFLOW_TASK_FAILED_CAUSE_",
)


def _ui_spelling(value: object) -> object:
    """The Temporal UI's (and older CLIs') JSON: enums in PascalCase without their prefix."""
    if isinstance(value, dict):
        return {k: _ui_spelling(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ui_spelling(v) for v in value]
    if isinstance(value, str):
        for prefix in _ENUM_PREFIXES:
            if value.startswith(prefix):
                return "".join(w.capitalize() for w in value.removeprefix(prefix).split("_"))
    return value


@pytest.mark.parametrize(
    "name", ["external_signal_cancel_timeout_child_failure", "parent_of_two_children", "cart_updates"]
)
def test_the_ui_spelling_of_enums_is_read_too(name: str) -> None:
    text = (HERE / f"{name}.json").read_text()
    ui = _ui_spelling(json.loads(text))
    assert ui["events"][0]["eventType"] == "WorkflowExecutionStarted"
    assert (
        WorkflowHistory.from_json(GOLDEN_IDS[name], ui).events
        == WorkflowHistory.from_json(GOLDEN_IDS[name], text).events
    )


def test_written_events_are_numbered_from_one_and_refer_to_each_other() -> None:
    history = _history(HERE / "from_durable" / "payment_retried_refused_timer_signal.json")
    out = events_to_temporal(history.events)
    ids = [e["eventId"] for e in out]
    assert ids == [str(i) for i in range(1, len(out) + 1)]
    by_id = {e["eventId"]: e for e in out}
    for e in out:
        attrs = next(v for k, v in e.items() if k.endswith("EventAttributes"))
        for ref, kind in [
            ("scheduledEventId", None),
            ("startedEventId", None),
            ("workflowTaskCompletedEventId", "EVENT_TYPE_WORKFLOW_TASK_COMPLETED"),
        ]:
            if ref in attrs and attrs[ref] != "0":
                assert int(attrs[ref]) < int(e["eventId"])
                if kind:
                    assert by_id[attrs[ref]]["eventType"] == kind
