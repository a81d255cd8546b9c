"""The engine's values in the API's JSON, and back.

In the engine a payload is JSON *text* (see ``_converter``); in the API it is the JSON
value itself, so a person reads ``{"order_id": "42"}`` rather than an escaped string.
The server decodes with these functions and the remote client encodes back with the
same ones, so a history fetched over HTTP is the history the engine recorded (event
times to the microsecond).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from durable._replay.events import Event

__all__ = [
    "decode_payload",
    "encode_payload",
    "event_in",
    "event_out",
    "failure_in",
    "failure_out",
    "parse_time",
    "rfc3339",
]

_PAYLOAD_LISTS = frozenset({"input", "details", "heartbeat_details", "last_heartbeat_details"})
"""Attribute (and failure) keys whose value is a list of payloads."""
_PAYLOADS = frozenset({"result"})
"""Attribute keys whose value is one payload."""
_FAILURES = frozenset({"failure", "last_failure"})
"""Attribute keys whose value is a failure dict."""
_PAYLOAD_MAPS = frozenset({"headers"})
"""Attribute keys whose value is payloads by name (interceptors' headers)."""

_FAILURE_KINDS = {
    "application": None,  # its own ``type`` names it
    "timeout": "TimeoutError",
    "canceled": "CancelledError",
    "terminated": "TerminatedError",
    "server": "ServerError",
    "activity": "ActivityError",
    "child_workflow": "ChildWorkflowError",
}


def rfc3339(ts: float, *, micro: bool = False) -> str:
    """Epoch seconds as ``2026-12-02T15:04:05.123Z`` (microseconds with ``micro``)."""
    spec = "microseconds" if micro else "milliseconds"
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def parse_time(text: str) -> float:
    """An RFC 3339 time (``Z`` or an offset; naive means UTC) as epoch seconds."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def decode_payload(payload: Any) -> Any:
    """One payload's JSON value (left as it is when it is not JSON text)."""
    if not isinstance(payload, str):
        return payload
    try:
        return json.loads(payload)
    except ValueError:
        return payload


def encode_payload(value: Any) -> str:
    """A JSON value as payload text (the converter's compact form)."""
    return json.dumps(value, separators=(",", ":"))


def _map_attributes(attrs: dict[str, Any], payload: Any, failure: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if key in _PAYLOAD_LISTS and isinstance(value, list):
            out[key] = [payload(v) for v in value]
        elif key in _PAYLOADS:
            out[key] = payload(value)
        elif key in _PAYLOAD_MAPS and isinstance(value, dict):
            out[key] = {name: payload(v) for name, v in value.items()}
        elif key in _FAILURES and isinstance(value, dict):
            out[key] = failure(value)
        else:
            out[key] = value
    return out


def failure_out(failure: dict[str, Any]) -> dict[str, Any]:
    """An engine failure dict as the API's Failure: message, type, stack trace, cause, and
    the kind's own fields (``application``, ``timeout``, ...) with their details decoded."""
    kind = next((k for k in _FAILURE_KINDS if k in failure), None)
    if kind == "application":
        type_name = failure["application"].get("type")
    else:
        type_name = _FAILURE_KINDS.get(kind) if kind else None
    out: dict[str, Any] = {
        "message": failure.get("message", ""),
        "type": type_name,
        "stack_trace": failure.get("stack_trace") or None,
        "cause": failure_out(failure["cause"]) if failure.get("cause") else None,
    }
    if failure.get("encoded_attributes"):  # the message and stack trace, encoded by a codec
        out["encoded_attributes"] = decode_payload(failure["encoded_attributes"])
    if kind is not None:
        out[kind] = _map_attributes(failure[kind], decode_payload, failure_out)
    return out


def failure_in(failure: dict[str, Any]) -> dict[str, Any]:
    """The engine failure dict of an API Failure (inverse of :func:`failure_out`)."""
    out: dict[str, Any] = {"message": failure.get("message") or "", "stack_trace": failure.get("stack_trace") or ""}
    if failure.get("encoded_attributes") is not None:
        out["encoded_attributes"] = encode_payload(failure["encoded_attributes"])
    for kind in _FAILURE_KINDS:
        if isinstance(failure.get(kind), dict):
            out[kind] = _map_attributes(failure[kind], encode_payload, failure_in)
            break
    else:
        # A failure written by hand (``{"message": ..., "type": ...}``): an application error.
        out["application"] = {
            "type": failure.get("type"),
            "non_retryable": False,
            "details": [],
            "next_retry_delay": None,
            "category": 0,
        }
    if failure.get("cause"):
        out["cause"] = failure_in(failure["cause"])
    return out


def event_out(event: Event) -> dict[str, Any]:
    """A history event as the API shows it: RFC 3339 time, payloads as JSON values."""
    return {
        "event_id": event["event_id"],
        "event_type": event["event_type"],
        "event_time": rfc3339(event["event_time"], micro=True),
        "attributes": _map_attributes(event["attributes"], decode_payload, failure_out),
    }


def event_in(event: dict[str, Any]) -> Event:
    """The engine's event of an API history event (inverse of :func:`event_out`)."""
    return {
        "event_id": event["event_id"],
        "event_time": parse_time(event["event_time"]),
        "event_type": event["event_type"],
        "attributes": _map_attributes(event.get("attributes", {}), encode_payload, failure_in),
    }
