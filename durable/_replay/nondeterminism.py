"""The error a run's code raises when it strays from what replay can repeat.

Its own module so that the determinism sandbox (``durable._sandbox``), which raises a
subclass of it from inside workflow code, need not import the history machine.
"""

from __future__ import annotations

from durable._replay.instance import WorkflowTaskError
from durable.exceptions import TemporalError

__all__ = ["NondeterminismError"]


class NondeterminismError(WorkflowTaskError, TemporalError):
    """The workflow code issued commands that differ from those its history recorded."""
