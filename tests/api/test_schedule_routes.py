"""The schedule routes, on the engine, through real proxy events (what the API Lambda runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from durable._http.app import HttpApi
from durable._schedules.overlap import ScheduleOverlapPolicy

from .workflows import TASK_QUEUE

BASE = "/api/v1/schedules"


def schedule(*, input: list | None = None, **parts) -> dict:
    return {
        "action": {
            "workflow_type": "Sleeper",
            "workflow_id": "nap",
            "task_queue": TASK_QUEUE,
            "input": input or [3600],
        },
        **parts,
    }


def create(call, schedule_id: str, **fields):
    body = {"schedule_id": schedule_id, "schedule": fields.pop("schedule", schedule()), **fields}
    return call("POST", BASE, body)


def rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def test_a_created_schedule_is_described_as_temporal_s_server_shows_it(call):
    hourly = schedule(
        spec={"cron_expressions": ["15 * * * *"], "end_at": "2100-01-01T00:00:00Z"},
        policy={"overlap": "BUFFER_ONE", "catchup_window": 600},
        state={"note": "hello"},
    )
    reply = create(call, "hourly", schedule=hourly, memo={"team": "ops", "weights": [1, 2]})
    assert (reply.status, reply.body) == (201, {"schedule_id": "hourly"})

    described = call("GET", f"{BASE}/hourly")
    assert described.status == 200
    body = described.body
    assert body["schedule_id"] == "hourly" and body["memo"] == {"team": "ops", "weights": [1, 2]}
    assert body["schedule"]["action"] == hourly["action"]
    assert body["schedule"]["policy"] == {"overlap": "BUFFER_ONE", "catchup_window": 600.0, "pause_on_failure": False}
    assert body["schedule"]["state"] == {
        "note": "hello",
        "paused": False,
        "limited_actions": False,
        "remaining_actions": 0,
    }
    spec = body["schedule"]["spec"]
    # the cron expression became a calendar, as Temporal's server describes it
    assert spec["cron_expressions"] == [] and spec["end_at"] == "2100-01-01T00:00:00.000000Z"
    (calendar,) = spec["calendars"]
    assert calendar["minute"] == [{"start": 15, "end": 15, "step": 1}]
    assert calendar["hour"] == [{"start": 0, "end": 23, "step": 1}]
    info = body["info"]
    assert info["num_actions"] == 0 and info["recent_actions"] == [] and info["running_actions"] == []
    times = [datetime.fromisoformat(t) for t in info["next_action_times"]]
    assert len(times) == 10 and all(t.minute == 15 and t.second == 0 for t in times)
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == [timedelta(hours=1)] * 9
    assert info["last_updated_at"] is None and datetime.fromisoformat(info["created_at"]) <= datetime.now(UTC)


def test_a_calendar_sent_with_only_some_fields_gets_temporalio_s_defaults(call):
    create(call, "nine", schedule=schedule(spec={"calendars": [{"hour": [{"start": 9}]}]}))
    (calendar,) = call("GET", f"{BASE}/nine").body["schedule"]["spec"]["calendars"]
    assert calendar == {
        "second": [{"start": 0, "end": 0, "step": 1}],
        "minute": [{"start": 0, "end": 0, "step": 1}],
        "hour": [{"start": 9, "end": 9, "step": 1}],
        "day_of_month": [{"start": 1, "end": 31, "step": 1}],
        "month": [{"start": 1, "end": 12, "step": 1}],
        "year": [],
        "day_of_week": [{"start": 0, "end": 6, "step": 1}],
        "comment": None,
    }
    times = call("GET", f"{BASE}/nine").body["info"]["next_action_times"]
    assert all(t.endswith("T09:00:00.000000Z") for t in times)


def test_a_taken_id_is_409_and_a_spec_that_cannot_fire_is_400_naming_the_field(call):
    assert create(call, "taken").status == 201
    again = create(call, "taken")
    assert again.status == 409
    assert again.error["code"] == "schedule_already_exists" and again.error["field"] == "schedule_id"
    bad = create(call, "bad", schedule=schedule(spec={"cron_expressions": ["61 * * * *"]}))
    assert bad.status == 400 and bad.error["code"] == "invalid_schedule"
    assert "spec.cron_expressions[0]" in bad.error["message"] and "'61'" in bad.error["message"]
    assert call("GET", f"{BASE}/bad").status == 404  # nothing was stored


def test_bodies_are_checked_field_by_field(call):
    wrong_policy = create(call, "x", schedule=schedule(policy={"overlap": "SOMETIMES"}))
    assert wrong_policy.status == 400 and wrong_policy.error["field"] == "schedule.policy.overlap"
    unknown = create(call, "x", schedule=schedule(spec={"every": 60}))
    assert unknown.status == 400 and unknown.error["field"] == "schedule.spec.every"
    bad_time = create(call, "x", schedule=schedule(spec={"start_at": "tomorrow"}))
    assert bad_time.status == 400 and bad_time.error["field"] == "schedule.spec.start_at"
    assert "RFC 3339" in bad_time.error["message"]
    no_action = call("POST", BASE, {"schedule_id": "x", "schedule": {}})
    assert no_action.status == 400 and no_action.error["field"] == "schedule.action"
    assert call("GET", BASE).body["schedules"] == []


def test_every_operation_on_an_unknown_schedule_is_404(call):
    for method, path, body in [
        ("GET", f"{BASE}/nope", None),
        ("PUT", f"{BASE}/nope", {"schedule": schedule()}),
        ("DELETE", f"{BASE}/nope", None),
        ("POST", f"{BASE}/nope/pause", {}),
        ("POST", f"{BASE}/nope/unpause", {}),
        ("POST", f"{BASE}/nope/trigger", {}),
        (
            "POST",
            f"{BASE}/nope/backfill",
            {"backfills": [{"start_at": "2026-01-01T00:00:00Z", "end_at": "2026-01-01T01:00:00Z"}]},
        ),
    ]:
        reply = call(method, path, body)
        assert (reply.status, reply.error["code"], reply.error["field"]) == (
            404,
            "schedule_not_found",
            "schedule_id",
        ), (
            method,
            path,
        )


def test_trigger_starts_a_run_named_after_its_time_even_when_paused(call):
    create(call, "manual", schedule=schedule(state={"paused": True}))
    before = datetime.now(UTC).replace(microsecond=0)
    assert call("POST", f"{BASE}/manual/trigger", {}).status == 202
    info = call("GET", f"{BASE}/manual").body["info"]
    (action,) = info["recent_actions"]
    scheduled = datetime.fromisoformat(action["scheduled_at"])
    assert before <= scheduled <= datetime.now(UTC)
    assert action["workflow_id"] == f"nap-{scheduled.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    assert info["running_actions"] == [{"workflow_id": action["workflow_id"], "run_id": action["run_id"]}]
    run = call("GET", f"/api/v1/workflows/{action['workflow_id']}")
    assert run.status == 200 and run.body["run_id"] == action["run_id"] and run.body["workflow_type"] == "Sleeper"
    # describe shows the schedule's search attributes, as listings do (and BuildIds once a task completed)
    assert {k: v for k, v in run.body["search_attributes"].items() if k != "BuildIds"} == {
        "TemporalScheduledById": {"type": "Keyword", "value": "manual"},
        "TemporalScheduledStartTime": {"type": "Datetime", "value": scheduled.isoformat()},
    }
    listed = call("GET", "/api/v1/workflows", query={"query": "TemporalScheduledById = 'manual'"}).body
    assert [e["workflow_id"] for e in listed["executions"]] == [action["workflow_id"]]
    # SKIP: the first still runs; ALLOW_ALL overrides it for one trigger
    call("POST", f"{BASE}/manual/trigger", {})
    assert call("GET", f"{BASE}/manual").body["info"]["num_actions_skipped_overlap"] == 1
    assert call("POST", f"{BASE}/manual/trigger", {"overlap": "ALLOW_ALL"}).status == 202
    assert call("GET", f"{BASE}/manual").body["info"]["num_actions"] in (1, 2)  # two in one second are one run


def test_pause_and_unpause_with_and_without_a_note(call):
    create(call, "pausable", schedule=schedule(spec={"intervals": [{"every": 600}]}))
    assert call("POST", f"{BASE}/pausable/pause", {"note": "maintenance"}).status == 200
    body = call("GET", f"{BASE}/pausable").body
    assert body["schedule"]["state"]["paused"] and body["schedule"]["state"]["note"] == "maintenance"
    assert body["info"]["last_updated_at"] is not None
    assert call("POST", f"{BASE}/pausable/unpause", {}).status == 200
    state = call("GET", f"{BASE}/pausable").body["schedule"]["state"]
    assert state == {
        "note": "Unpaused via Python SDK",
        "paused": False,
        "limited_actions": False,
        "remaining_actions": 0,
    }


def test_put_replaces_the_schedule(call):
    create(call, "changing", schedule=schedule(spec={"intervals": [{"every": 600}]}))
    replaced = schedule(input=[5], spec={"cron_expressions": ["0 12 * * *"]}, state={"paused": True, "note": "later"})
    assert call("PUT", f"{BASE}/changing", {"schedule": replaced}).status == 200
    body = call("GET", f"{BASE}/changing").body
    assert body["schedule"]["action"]["input"] == [5]
    assert body["schedule"]["state"]["paused"] and body["schedule"]["spec"]["intervals"] == []
    assert all(t.endswith("T12:00:00.000000Z") for t in body["info"]["next_action_times"])
    bad = call("PUT", f"{BASE}/changing", {"schedule": schedule(spec={"intervals": [{"every": 0}]})})
    assert bad.status == 400 and "every must be positive" in bad.error["message"]


def test_delete_removes_the_schedule(call):
    create(call, "doomed")
    assert call("DELETE", f"{BASE}/doomed").status == 200
    assert call("GET", f"{BASE}/doomed").status == 404
    assert call("GET", BASE).body == {"schedules": [], "next_page_token": None}


def test_the_list_pages_by_id_and_filters_by_id_and_pause(call):
    for name in ("c", "a", "d", "b"):
        create(call, name, schedule=schedule(state={"paused": name in "ab", "note": f"note {name}"}))
    first = call("GET", BASE, query={"page_size": "3"}).body
    assert [s["schedule_id"] for s in first["schedules"]] == ["a", "b", "c"]
    token = first["next_page_token"]
    assert token
    rest = call("GET", BASE, query={"page_size": "3", "next_page_token": token}).body
    assert [s["schedule_id"] for s in rest["schedules"]] == ["d"] and rest["next_page_token"] is None
    entry = first["schedules"][0]
    assert entry["action"] == {"workflow_type": "Sleeper"}
    assert entry["state"] == {"note": "note a", "paused": True}
    assert set(entry["info"]) == {"recent_actions", "next_action_times"}
    paused = call("GET", BASE, query={"query": "TemporalSchedulePaused = true"}).body
    assert [s["schedule_id"] for s in paused["schedules"]] == ["a", "b"]
    by_id = call("GET", BASE, query={"query": "ScheduleId IN ('c', 'd') AND TemporalSchedulePaused = false"}).body
    assert [s["schedule_id"] for s in by_id["schedules"]] == ["c", "d"]
    bad = call("GET", BASE, query={"query": "ScheduleId = "})
    assert bad.status == 400 and bad.error["code"] == "invalid_query" and bad.error["field"] == "query"
    other = call("GET", BASE, query={"query": "TemporalSchedulePaused = true", "next_page_token": token})
    assert other.status == 400 and other.error["field"] == "next_page_token"


def test_backfill_takes_the_actions_of_past_hours_once_per_request_id(call):
    create(call, "filled", schedule=schedule(spec={"cron_expressions": ["0 * * * *"]}, state={"paused": True}))
    top = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [top - timedelta(hours=3), top - timedelta(hours=2)]
    request = {
        "backfills": [{"start_at": rfc3339(hours[0]), "end_at": rfc3339(hours[1]), "overlap": "ALLOW_ALL"}],
        "request_id": "fill-1",
    }
    assert call("POST", f"{BASE}/filled/backfill", request).status == 202
    assert call("POST", f"{BASE}/filled/backfill", request).status == 202  # a retry adds nothing
    actions = call("GET", f"{BASE}/filled").body["info"]["recent_actions"]
    assert [a["scheduled_at"] for a in actions] == [rfc3339(h) for h in hours]
    backwards = {"backfills": [{"start_at": rfc3339(hours[1]), "end_at": rfc3339(hours[0])}]}
    refused = call("POST", f"{BASE}/filled/backfill", backwards)
    assert refused.status == 400 and refused.error["field"] == "backfills"
    assert call("POST", f"{BASE}/filled/backfill", {"backfills": []}).status == 400


def test_the_openapi_document_types_every_schedule_body(call):
    doc = HttpApi.openapi_document(call.api)
    paths = doc["paths"]
    assert {(path, method) for path, operations in paths.items() if path.startswith(BASE) for method in operations} == {
        (BASE, "post"),
        (BASE, "get"),
        (f"{BASE}/{{schedule_id}}", "get"),
        (f"{BASE}/{{schedule_id}}", "put"),
        (f"{BASE}/{{schedule_id}}", "delete"),
        (f"{BASE}/{{schedule_id}}/pause", "post"),
        (f"{BASE}/{{schedule_id}}/unpause", "post"),
        (f"{BASE}/{{schedule_id}}/trigger", "post"),
        (f"{BASE}/{{schedule_id}}/backfill", "post"),
    }
    created = paths[BASE]["post"]
    assert created["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateScheduleRequest"
    }
    assert set(created["responses"]) == {"201", "400", "404", "409", "415"}
    schemas = doc["components"]["schemas"]
    assert schemas["SchedulePolicy"]["properties"]["overlap"]["enum"] == [p.name for p in ScheduleOverlapPolicy]
    assert set(schemas["ScheduleSpec"]["properties"]) == {
        "calendars",
        "skip",
        "cron_expressions",
        "intervals",
        "start_at",
        "end_at",
        "jitter",
        "time_zone_name",
    }
    assert paths[f"{BASE}/{{schedule_id}}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ScheduleDescription"
    }


def test_a_trigger_sent_again_with_its_request_id_takes_no_other_action(call):
    create(call, "once", schedule=schedule(state={"paused": True}))
    for _ in range(2):
        assert call("POST", f"{BASE}/once/trigger", {"overlap": "ALLOW_ALL", "request_id": "t-1"}).status == 202
    for _ in range(2):
        sent = call("POST", f"{BASE}/once/trigger", {"overlap": "ALLOW_ALL"}, headers={"Idempotency-Key": "t-2"})
        assert sent.status == 202
    info = call("GET", f"{BASE}/once").body["info"]
    # t-1 took one action; t-2 one more (the same second's run: counted as skipped), no repeat of either
    assert info["num_actions"] + info["num_actions_skipped_overlap"] == 2
    bad = call("POST", f"{BASE}/once/trigger", {}, headers={"Idempotency-Key": "has spaces"})
    assert bad.status == 400 and bad.error["field"] == "Idempotency-Key"
