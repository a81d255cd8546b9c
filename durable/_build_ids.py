"""Build ids: which code ran a run's workflow tasks.

As in Temporal with unversioned workers: every ``WorkflowTaskCompleted`` event names the
build id of the code that made the decision (``build_id`` in durable's event, Temporal's
``workerVersion.buildId``), and the run's reserved search attribute ``BuildIds`` lists
``"unversioned"`` followed by ``"unversioned:<build id>"`` for each build that completed one
of its workflow tasks, in the order they first did. So
``BuildIds = 'unversioned:<id>'`` finds the runs a build has touched, and the first build id
is the one the run started on.

Where a build id comes from: deployed, ``DURABLE_BUILD_ID``, which the stack derives from the
code assets' hashes; locally, ``Worker(build_id=...)`` or, by default,
:func:`workflow_code_build_id`, a hash of the registered workflows' modules (temporalio
hashes every loaded module's code; the workflows' own code is what a replay depends on).
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from durable._replay.events import TASK_MARKERS, Event

__all__ = [
    "BUILD_IDS",
    "UNVERSIONED",
    "build_ids_value",
    "stamp_build_id",
    "with_build_ids",
    "workflow_code_build_id",
]

BUILD_IDS = "BuildIds"
"""Temporal's reserved search attribute (a KeywordList)."""

UNVERSIONED = "unversioned"
"""The value that marks a run whose tasks ran on workers without versioning (all of durable's)."""


def build_ids_value(build_ids: Iterable[str]) -> list[str]:
    """The ``BuildIds`` attribute's values for these build ids, as Temporal writes them."""
    return [UNVERSIONED, *(f"{UNVERSIONED}:{build_id}" for build_id in build_ids)]


def with_build_ids(search_attributes: Mapping[str, Any], build_ids: Iterable[str]) -> dict[str, Any]:
    """A run's stored search attributes with its ``BuildIds`` (unchanged when it has none yet)."""
    ids = list(build_ids)
    if not ids:
        return dict(search_attributes)
    return {**search_attributes, BUILD_IDS: {"type": "KeywordList", "value": build_ids_value(ids)}}


def stamp_build_id(record: list[Event], build_id: str | None) -> None:
    """Name ``build_id`` on the record's ``WorkflowTaskCompleted`` or ``WorkflowTaskFailed``
    (before the record is committed): a failed task names the build that failed it, as in
    Temporal, but only a completed one adds its build to the run's ``BuildIds``."""
    if not build_id:
        return
    for event in record:
        if event["event_type"] in TASK_MARKERS:
            event["attributes"]["build_id"] = build_id


def workflow_code_build_id(workflows: Iterable[type]) -> str:
    """A hash of the code of the modules that define ``workflows`` (sorted by module name).

    The same code gives the same id in every process; changing a workflow's module changes it.
    A module whose source cannot be read (defined interactively) counts by its name only.
    """
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted({cls.__module__ for cls in workflows}):
        digest.update(name.encode() + b"\0")
        module = sys.modules.get(name)
        try:
            source = inspect.getsource(module) if module is not None else ""
        except (OSError, TypeError):
            source = ""
        digest.update(source.encode() + b"\0")
    return digest.hexdigest()
