"""Histories in Temporal's JSON shape (``temporal workflow show -o json``), both ways.

durable's event log (``durable._replay.events``) is Temporal's history without the
bookkeeping its engine does not need. :mod:`.to_temporal` writes it as Temporal's
proto3 JSON; :mod:`.from_temporal` reads Temporal's JSON (a cluster's export, or
durable's own) back into durable's events, so the ``Replayer`` replays both.
"""

from durable._history.from_temporal import events_from_temporal, is_temporal_shape
from durable._history.to_temporal import events_to_temporal

__all__ = ["events_from_temporal", "events_to_temporal", "is_temporal_shape"]
