"""Temporal's ``userMetadata`` of an event (a summary and details shown by UIs) and the
attributes durable keeps them in.

A workflow's start and a child's initiated event keep temporalio's ``static_summary`` and
``static_details``; an activity, a timer or a local activity's marker keeps its ``summary``.
Each is a JSON string payload in Temporal's JSON, as temporalio's converter writes it.
"""

from __future__ import annotations

import json
from typing import Any

from durable._history.proto_json import payload_from, payload_to
from durable._replay import events as ev

__all__ = ["user_metadata_from", "user_metadata_to"]

_STATIC = frozenset({ev.WORKFLOW_STARTED, ev.START_CHILD_INITIATED})
"""Events whose metadata is their run's fixed summary and details."""


def _fields(event_type: str) -> tuple[str, str]:
    """The attributes holding an event's summary and details."""
    return ("static_summary", "static_details") if event_type in _STATIC else ("summary", "details")


def user_metadata_to(event_type: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """The event's ``userMetadata`` (empty when it has none)."""
    summary, details = _fields(event_type)
    out: dict[str, Any] = {}
    if attrs.get(summary) is not None:
        out["summary"] = payload_to(json.dumps(attrs[summary]))
    if attrs.get(details) is not None:
        out["details"] = payload_to(json.dumps(attrs[details]))
    return out


def user_metadata_from(event_type: str, metadata: dict[str, Any] | None) -> dict[str, str]:
    """durable's attributes for an event's ``userMetadata`` (those it has)."""
    summary, details = _fields(event_type)
    given = metadata or {}
    out: dict[str, str] = {}
    for key, field in (("summary", summary), ("details", details)):
        if given.get(key):
            value = json.loads(payload_from(given[key]))
            if isinstance(value, str):
                out[field] = value
    return out
