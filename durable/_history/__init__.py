"""Histories in Temporal's JSON shape (``temporal workflow show -o json``), both ways.

durable's event log (``durable._replay.events``) is Temporal's history without the
bookkeeping its engine does not need. :mod:`.to_temporal` writes it as Temporal's
proto3 JSON; :mod:`.from_temporal` reads Temporal's JSON (a cluster's export, or
durable's own) back into durable's events, so the ``Replayer`` replays both.
"""

from __future__ import annotations

from typing import Any

from durable._history.from_temporal import events_from_temporal, is_temporal_shape
from durable._history.to_temporal import events_to_temporal
from durable._http.wire import event_in
from durable._replay.events import Event

__all__ = ["events_from_json", "events_from_temporal", "events_to_temporal", "is_temporal_shape"]


def events_from_json(data: Any, workflow_id: str) -> list[Event]:
    """durable's events from parsed history JSON of any shape durable meets.

    Temporal's history JSON (a cluster's export, ``to_json()``); the HTTP API's and
    ``durable workflow history --json``'s (RFC 3339 times, payloads as JSON values); or the
    event log itself (``{"format_version": 1, "events": [...]}``, or a bare list).
    """
    if is_temporal_shape(data):
        return events_from_temporal(data, workflow_id)
    events = data["events"] if isinstance(data, dict) else data
    if events and isinstance(events[0].get("event_time"), str):
        return [event_in(e) for e in events]
    return list(events)
