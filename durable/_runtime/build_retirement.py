"""Retiring the orchestrator versions no running run needs any more.

Each deploy publishes a version of the orchestrator under its build's alias
(:mod:`durable._runtime.pinning`), and CloudFormation keeps the old ones: they are the
reconciler's to delete. A build is retired when it is older than the live one (a lower
version) and no running run started on it (the first of its ``BuildIds``); the live build
is never retired. A run that started on a build retired meanwhile is decided by the live
code (the orchestrator logs it and counts ``UnpinnedDecisions``).
"""

from __future__ import annotations

import logging
from typing import Protocol

from durable._build_ids import BUILD_IDS, UNVERSIONED
from durable._runtime.ports import ExecutionRecord, Selection
from durable._runtime.services import Services
from durable._statuses import WorkflowExecutionStatus

__all__ = ["PublishedBuilds", "retire_builds", "started_on"]

logger = logging.getLogger("durable.reconciler")

_PAGE_SIZE = 500


class PublishedBuilds(Protocol):
    """The builds that have an orchestrator version, and their deletion."""

    def published(self) -> dict[str, str]:
        """Build id -> its version (a number, as Lambda names versions)."""
        ...

    def retire(self, build_id: str, version: str) -> None:
        """Delete the build's alias and version (done already: nothing happens)."""
        ...


def started_on(record: ExecutionRecord) -> str | None:
    """The build a run started on: the first of its ``BuildIds`` (None before a task completed)."""
    values = (record.search_attributes.get(BUILD_IDS) or {}).get("value") or []
    prefix = f"{UNVERSIONED}:"
    return next((v.removeprefix(prefix) for v in values if isinstance(v, str) and v.startswith(prefix)), None)


def retire_builds(services: Services, builds: PublishedBuilds, live_build_id: str) -> list[str]:
    """Retire the older builds that no running run started on; returns their ids.

    Nothing is retired when the live build has no version (not a deployment) or when the
    running runs could not all be read (the read raises: the next pass tries again).
    """
    published = builds.published()
    live = published.get(live_build_id)
    if live is None:
        return []
    older = {b: v for b, v in published.items() if b != live_build_id and _number(v) < _number(live)}
    if not older:
        return []
    needed: set[str] = set()
    running = Selection(status=WorkflowExecutionStatus.RUNNING)
    for record, _ in services.executions.scan(running, after=None, page_size=_PAGE_SIZE):
        if record.status is WorkflowExecutionStatus.RUNNING and (build := started_on(record)) is not None:
            needed.add(build)
    retired = []
    for build_id, version in sorted(older.items()):
        if build_id in needed:
            continue
        builds.retire(build_id, version)
        logger.info("build %s (version %s) has no running run left: retired", build_id, version)
        services.metrics.count("BuildsRetired")
        retired.append(build_id)
    return retired


def _number(version: str) -> int:
    return int(version) if version.isdigit() else -1  # $LATEST is no published version
