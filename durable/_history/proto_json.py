"""Temporal's proto3 JSON conventions for the values history events carry.

Timestamps are RFC 3339 in UTC (``2024-01-31T12:00:00.250Z``), durations seconds with a
unit (``"1.5s"``), int64 numbers strings, enums their full names. A payload is
``{"metadata": {"encoding": base64}, "data": base64}``; durable's payloads are JSON
text, so they travel as ``json/plain`` (``None`` as ``binary/null``, as temporalio's
default converter writes it). Failures map field for field onto Temporal's ``Failure``.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from durable._conversion.payload import Payload
from durable._conversion.stored import ENVELOPE_KEY, payload_from_text, payload_to_text
from durable.exceptions import RetryState, TimeoutType

__all__ = [
    "duration",
    "enum_name",
    "enum_value",
    "event_key",
    "event_type_from_name",
    "event_type_name",
    "failure_from",
    "failure_to",
    "first_payload_from",
    "from_duration",
    "from_timestamp",
    "payload_from",
    "payload_to",
    "payloads_from",
    "payloads_to",
    "search_attributes_from",
    "search_attributes_to",
    "timestamp",
]


_ENVELOPE_PREFIX = '{"' + ENVELOPE_KEY + '":'


def _b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text or "")


# -- times -----------------------------------------------------------------------------


def timestamp(seconds: float) -> str:
    """A ``google.protobuf.Timestamp`` in JSON: 0, 3, 6 or 9 fractional digits, as protobuf writes.

    durable's times are float seconds: a double this far from the epoch holds microseconds,
    not nanoseconds, so the fraction is rounded to the microsecond.
    """
    whole = int(seconds // 1)
    nanos = round((seconds - whole) * 1e6) * 1000
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    base = datetime.fromtimestamp(whole, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}{_fraction(nanos)}Z"


def from_timestamp(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 timestamp (any precision, ``Z`` or an offset)."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", text.strip())
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    base, fraction, zone = match.groups()
    moment = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    return moment.timestamp() + (int(fraction.ljust(9, "0")) / 1e9 if fraction else 0.0)


def duration(seconds: float) -> str:
    """A ``google.protobuf.Duration`` in JSON (``"90s"``, ``"1.500s"``)."""
    nanos_total = round(seconds * 1e9)
    sign = "-" if nanos_total < 0 else ""
    whole, nanos = divmod(abs(nanos_total), 1_000_000_000)
    return f"{sign}{whole}{_fraction(nanos)}s"


def from_duration(text: str | None) -> float | None:
    """Seconds of a JSON duration; None when absent. ``"0s"`` is 0.0 (callers decide if it means unset)."""
    if text is None:
        return None
    if not text.endswith("s"):
        raise ValueError(f"not a protobuf duration: {text!r}")
    return float(text[:-1])


def _fraction(nanos: int) -> str:
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1_000 == 0:
        return f".{nanos // 1_000:06d}"
    return f".{nanos:09d}"


# -- names -----------------------------------------------------------------------------


def _snake_upper(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper()


def event_type_name(event_type: str) -> str:
    """``ActivityTaskScheduled`` -> ``EVENT_TYPE_ACTIVITY_TASK_SCHEDULED``."""
    return "EVENT_TYPE_" + _snake_upper(event_type)


def event_type_from_name(name: str) -> str:
    """``EVENT_TYPE_ACTIVITY_TASK_SCHEDULED`` (or the CLI's ``ActivityTaskScheduled``) -> ``ActivityTaskScheduled``."""
    if not name.startswith("EVENT_TYPE_"):
        return name
    return "".join(word.capitalize() for word in name.removeprefix("EVENT_TYPE_").split("_"))


def event_key(event_type: str) -> str:
    """The attributes' key of an event type: ``activityTaskScheduledEventAttributes``."""
    return event_type[0].lower() + event_type[1:] + "EventAttributes"


def enum_name(prefix: str, value: int | IntEnum | None, names: type[IntEnum]) -> str | None:
    """``RETRY_STATE_TIMEOUT`` for ``RetryState.TIMEOUT``; None for unset (0)."""
    if not value:
        return None
    return f"{prefix}_{names(int(value)).name}"


def enum_value(prefix: str, name: str | int | None, names: type[IntEnum]) -> int:
    """The number of an enum name in JSON (full, short or already a number); 0 when absent."""
    if name is None or name == "":
        return 0
    if isinstance(name, int):
        return name
    short = name.removeprefix(prefix + "_")
    if short not in names.__members__:
        short = _snake_upper(short)  # the UI's PascalCase spelling
    return int(names[short]) if short in names.__members__ else 0


# -- payloads --------------------------------------------------------------------------

_JSON_PLAIN = _b64("json/plain")
_BINARY_NULL = _b64("binary/null")


def payload_to(text: str) -> dict[str, Any]:
    """durable's payload (its stored text) as a Temporal ``Payload``: JSON as ``json/plain``,
    any other payload (a codec's, ``{"@payload": ...}``) with its own metadata and data."""
    if text == "null":
        return {"metadata": {"encoding": _BINARY_NULL}}
    if text.startswith(_ENVELOPE_PREFIX):
        payload = payload_from_text(text)
        out: dict[str, Any] = {"metadata": {key: _b64(value) for key, value in payload.metadata.items()}}
        if payload.data:  # protobuf's JSON leaves empty bytes out
            out["data"] = _b64(payload.data)
        return out
    return {"metadata": {"encoding": _JSON_PLAIN}, "data": _b64(text)}


def payloads_to(texts: list[str] | None) -> dict[str, Any]:
    """A ``Payloads`` message; ``{}`` for none (protobuf leaves an empty list out)."""
    return {"payloads": [payload_to(t) for t in texts]} if texts else {}


def payload_from(payload: dict[str, Any]) -> str:
    """A Temporal ``Payload`` as durable's stored text: JSON for the JSON encodings (and
    bytes and null, as durable's converter carries them), else the payload as it is (an
    encrypted or compressed one: a Replayer or client with its codec reads it).
    """
    metadata = payload.get("metadata") or {}
    encoding = _unb64(metadata.get("encoding", "")).decode(errors="replace")
    data = _unb64(payload.get("data", ""))
    if encoding == "binary/null":
        return "null"
    if encoding in ("json/plain", "json/protobuf"):
        json.loads(data)  # fails here, naming nothing of the engine, if it is not JSON
        return data.decode()
    if encoding == "binary/plain":  # bytes: durable's converter carries them as base64 text
        return json.dumps(base64.b64encode(data).decode())
    return payload_to_text(Payload(metadata={k: _unb64(v) for k, v in metadata.items()}, data=data))


def payloads_from(payloads: dict[str, Any] | None) -> list[str]:
    """A ``Payloads`` message as a list of JSON texts."""
    return [payload_from(p) for p in (payloads or {}).get("payloads", [])]


def first_payload_from(payloads: dict[str, Any] | None) -> str:
    """The single value of a result (``"null"`` when the list is empty, as temporalio decodes it)."""
    values = payloads_from(payloads)
    return values[0] if values else "null"


# -- search attributes -----------------------------------------------------------------


def search_attributes_to(stored: dict[str, Any]) -> dict[str, Any]:
    """durable's stored search attributes (a ``None`` entry unsets) as ``indexedFields``."""
    fields: dict[str, Any] = {}
    for name, entry in stored.items():
        if entry is None:  # unset: temporalio sends a null payload without a type
            fields[name] = payload_to("null")
            continue
        payload = payload_to(json.dumps(entry["value"], separators=(",", ":")))
        payload["metadata"]["type"] = _b64(entry["type"])
        fields[name] = payload
    return {"indexedFields": fields}


def search_attributes_from(message: dict[str, Any] | None) -> dict[str, Any]:
    """``indexedFields`` as durable's stored form (``None`` for an unset attribute)."""
    out: dict[str, Any] = {}
    for name, payload in ((message or {}).get("indexedFields") or {}).items():
        value = json.loads(payload_from(payload))
        kind = _unb64((payload.get("metadata") or {}).get("type", "")).decode()
        if value is None or value == [] and kind != "KeywordList":  # unset (older SDKs: an empty list)
            out[name] = None
            continue
        out[name] = {"type": kind or _guess_type(value), "value": value}
    return out


def _guess_type(value: Any) -> str:
    # Untyped attributes (from SDKs before typed search attributes) carry a list.
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else value
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int"
    if isinstance(value, float):
        return "Double"
    return "KeywordList" if isinstance(value, list) else "Keyword"


# -- failures --------------------------------------------------------------------------


def failure_to(failure: dict[str, Any]) -> dict[str, Any]:
    """durable's failure dict as Temporal's ``Failure``."""
    out: dict[str, Any] = {"message": failure.get("message", ""), "stackTrace": failure.get("stack_trace", "")}
    if failure.get("encoded_attributes"):
        out["encodedAttributes"] = payload_to(failure["encoded_attributes"])
    if (app := failure.get("application")) is not None:
        info: dict[str, Any] = {"type": app.get("type") or "", "nonRetryable": bool(app.get("non_retryable"))}
        if app.get("details"):
            info["details"] = payloads_to(app["details"])
        if app.get("next_retry_delay"):
            info["nextRetryDelay"] = duration(app["next_retry_delay"])
        if app.get("category"):
            info["category"] = "APPLICATION_ERROR_CATEGORY_BENIGN"
        out["applicationFailureInfo"] = info
    elif (t := failure.get("timeout")) is not None:
        info = {}
        if (name := enum_name("TIMEOUT_TYPE", t.get("type"), TimeoutType)) is not None:
            info["timeoutType"] = name
        if t.get("last_heartbeat_details"):
            info["lastHeartbeatDetails"] = payloads_to(t["last_heartbeat_details"])
        out["timeoutFailureInfo"] = info
    elif (c := failure.get("canceled")) is not None:
        out["canceledFailureInfo"] = {"details": payloads_to(c["details"])} if c.get("details") else {}
    elif failure.get("terminated") is not None:
        out["terminatedFailureInfo"] = {}
    elif (s := failure.get("server")) is not None:
        out["serverFailureInfo"] = {"nonRetryable": bool(s.get("non_retryable"))}
    elif (a := failure.get("activity")) is not None:
        info = {
            "scheduledEventId": str(a.get("scheduled_event_id") or 0),
            "startedEventId": str(a.get("started_event_id") or 0),
            "identity": a.get("identity") or "",
            "activityType": {"name": a.get("activity_type") or ""},
            "activityId": a.get("activity_id") or "",
        }
        if (name := enum_name("RETRY_STATE", a.get("retry_state"), RetryState)) is not None:
            info["retryState"] = name
        out["activityFailureInfo"] = info
    elif (c := failure.get("child_workflow")) is not None:
        info = {
            "namespace": c.get("namespace") or "default",
            "workflowExecution": {"workflowId": c.get("workflow_id") or "", "runId": c.get("run_id") or ""},
            "workflowType": {"name": c.get("workflow_type") or ""},
            "initiatedEventId": str(c.get("initiated_event_id") or 0),
            "startedEventId": str(c.get("started_event_id") or 0),
        }
        if (name := enum_name("RETRY_STATE", c.get("retry_state"), RetryState)) is not None:
            info["retryState"] = name
        out["childWorkflowExecutionFailureInfo"] = info
    if failure.get("cause"):
        out["cause"] = failure_to(failure["cause"])
    return out


def failure_from(failure: dict[str, Any]) -> dict[str, Any]:
    """Temporal's ``Failure`` as durable's failure dict."""
    out: dict[str, Any] = {"message": failure.get("message", ""), "stack_trace": failure.get("stackTrace", "")}
    if failure.get("encodedAttributes"):
        out["encoded_attributes"] = payload_from(failure["encodedAttributes"])
    if (app := failure.get("applicationFailureInfo")) is not None:
        delay = from_duration(app.get("nextRetryDelay"))
        out["application"] = {
            "type": app.get("type", ""),
            "non_retryable": bool(app.get("nonRetryable", False)),
            "details": payloads_from(app.get("details")),
            "next_retry_delay": delay or None,
            "category": 1 if str(app.get("category", "")).endswith("BENIGN") or app.get("category") == 1 else 0,
        }
    elif (t := failure.get("timeoutFailureInfo")) is not None:
        out["timeout"] = {
            "type": enum_value("TIMEOUT_TYPE", t.get("timeoutType"), TimeoutType) or None,
            "last_heartbeat_details": payloads_from(t.get("lastHeartbeatDetails")),
        }
    elif (c := failure.get("canceledFailureInfo")) is not None:
        out["canceled"] = {"details": payloads_from(c.get("details"))}
    elif failure.get("terminatedFailureInfo") is not None:
        out["terminated"] = {"details": []}
    elif (s := failure.get("serverFailureInfo")) is not None:
        out["server"] = {"non_retryable": bool(s.get("nonRetryable", False))}
    elif (a := failure.get("activityFailureInfo")) is not None:
        out["activity"] = {
            "scheduled_event_id": int(a.get("scheduledEventId", 0)),
            "started_event_id": int(a.get("startedEventId", 0)),
            "identity": a.get("identity", ""),
            "activity_type": (a.get("activityType") or {}).get("name", ""),
            "activity_id": a.get("activityId", ""),
            "retry_state": enum_value("RETRY_STATE", a.get("retryState"), RetryState) or None,
        }
    elif (c := failure.get("childWorkflowExecutionFailureInfo")) is not None:
        execution = c.get("workflowExecution") or {}
        out["child_workflow"] = {
            "namespace": c.get("namespace", "default"),
            "workflow_id": execution.get("workflowId", ""),
            "run_id": execution.get("runId", ""),
            "workflow_type": (c.get("workflowType") or {}).get("name", ""),
            "initiated_event_id": int(c.get("initiatedEventId", 0)),
            "started_event_id": int(c.get("startedEventId", 0)),
            "retry_state": enum_value("RETRY_STATE", c.get("retryState"), RetryState) or None,
        }
    else:  # a failure kind durable has no exception for (Nexus, reset): an application error
        out["application"] = {
            "type": "",
            "non_retryable": False,
            "details": [],
            "next_retry_delay": None,
            "category": 0,
        }
    if failure.get("cause"):
        out["cause"] = failure_from(failure["cause"])
    return out
