"""The archive of closed runs: one gzip-compressed JSON-lines object per run.

Layout of the archive bucket (one namespace per stack, the namespace in every key, so
one bucket could hold several):

- ``archive/namespace=<ns>/close_date=<YYYY-MM-DD>/<workflow>/<run_id>.jsonl.gz``: the run.
  Its first line is ``{"visibility": {...}}`` (:class:`ArchivedVisibility`), every other
  line one history event as the history table stores it (``event_id``, ``event_type``,
  ``event_time``, ``attributes``; payloads as stored, encoded when a codec is used).
  ``close_date`` is the UTC date of the close: a partition for Athena, and the prefix a
  listing narrows by date with.
- ``index/namespace=<ns>/<workflow>/<close_time>~<close_date>~<run_id>``: an empty object per
  run, so that a run is found by its workflow id (and the latest run of a workflow id by
  its close time) without knowing its close date.

``<workflow>`` is the workflow id itself when it is short and made of letters, digits and
``._=-`` (so keys read well), otherwise ``~`` and the SHA-256 of the id (a workflow id may
be 1,000 bytes of anything; an S3 key holds 1,024).

Writes are idempotent: the same run gives the same bytes (gzip's timestamp is fixed at 0)
under the same keys, and the run is written before its index entry, so an entry never
points at a missing object. Objects never change once written, so readers cache them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

from durable._replay.events import Event
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord, Selection, start_key
from durable._statuses import WorkflowExecutionStatus

__all__ = [
    "ArchivedRun",
    "ArchivedVisibility",
    "ObjectStore",
    "RunArchive",
    "archive_key",
    "workflow_segment",
]

_SAFE = re.compile(r"[A-Za-z0-9._=-]{1,200}")
_HEAD_BYTES = 64 * 1024
"""What a listing reads of each object: its first line (the visibility record) is in it
unless the memo or search attributes are very large (then the whole object is read)."""


class ObjectStore(Protocol):
    """The few operations of an S3 bucket the archive needs (S3, or a dict locally)."""

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` (replacing what is there)."""
        ...

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        """The object's bytes (its first ``max_bytes`` only, if given); KeyError if there is none."""
        ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key that starts with ``prefix``, in ascending order."""
        ...

    def folders(self, prefix: str) -> list[str]:
        """The distinct ``prefix<name>/`` one level below ``prefix``, in ascending order."""
        ...


class ArchivedVisibility(TypedDict):
    """The first line of an archived run: its visibility record as it closed."""

    workflow_id: str
    run_id: str
    workflow_type: str
    task_queue: str
    status: str
    start_time: float
    close_time: float
    start_time_utc: str
    close_time_utc: str
    history_length: int
    memo: dict[str, str]
    search_attributes: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ArchivedRun:
    """A closed run as archived: its visibility record and its whole history."""

    record: ExecutionRecord
    events: list[Event]


def workflow_segment(workflow_id: str) -> str:
    """The key segment of a workflow id: the id when it is short and safe, else ``~<sha256>``."""
    if _SAFE.fullmatch(workflow_id) and not workflow_id.startswith("."):
        return workflow_id
    return "~" + hashlib.sha256(workflow_id.encode("utf-8", "surrogatepass")).hexdigest()


def _close_date(close_time: float) -> str:
    return dt.datetime.fromtimestamp(close_time, dt.UTC).date().isoformat()


def _utc(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")


def archive_key(namespace: str, record: ExecutionRecord) -> str:
    """Where a closed run's object lives."""
    assert record.close_time is not None, "only closed runs are archived"
    date = _close_date(record.close_time)
    workflow = workflow_segment(record.workflow_id)
    return f"archive/namespace={namespace}/close_date={date}/{workflow}/{record.run_id}.jsonl.gz"


def _visibility(record: ExecutionRecord) -> ArchivedVisibility:
    assert record.close_time is not None
    return ArchivedVisibility(
        workflow_id=record.workflow_id,
        run_id=record.run_id,
        workflow_type=record.workflow_type,
        task_queue=record.task_queue,
        status=record.status.name,
        start_time=record.start_time,
        close_time=record.close_time,
        start_time_utc=_utc(record.start_time),
        close_time_utc=_utc(record.close_time),
        history_length=record.history_length,
        memo=dict(record.memo),
        search_attributes=dict(record.search_attributes),
    )


def _record(v: ArchivedVisibility) -> ExecutionRecord:
    return ExecutionRecord(
        workflow_id=v["workflow_id"],
        run_id=v["run_id"],
        workflow_type=v["workflow_type"],
        task_queue=v["task_queue"],
        status=WorkflowExecutionStatus[v["status"]],
        start_time=float(v["start_time"]),
        close_time=float(v["close_time"]),
        history_length=int(v["history_length"]),
        memo=dict(v["memo"]),
        search_attributes=dict(v["search_attributes"]),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def encode_run(run: ArchivedRun) -> bytes:
    """The object's bytes: the same run always gives the same bytes."""
    lines = [_dumps({"visibility": _visibility(run.record)}), *(_dumps(e) for e in run.events)]
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"), mtime=0)


def decode_run(data: bytes) -> ArchivedRun:
    """An archived run read back from its object's bytes."""
    lines = gzip.decompress(data).decode("utf-8", "surrogatepass").splitlines()
    visibility: ArchivedVisibility = json.loads(lines[0])["visibility"]
    events: list[Event] = [json.loads(line) for line in lines[1:] if line]
    return ArchivedRun(_record(visibility), events)


def _first_line(head: bytes) -> str | None:
    """The first line of a gzip stream's beginning, or None when it is not all there."""
    text = zlib.decompressobj(wbits=31).decompress(head)
    end = text.find(b"\n")
    return None if end < 0 else text[:end].decode("utf-8", "surrogatepass")


class RunArchive:
    """The runs of one namespace in an object store (see the module for the layout)."""

    def __init__(self, objects: ObjectStore, namespace: str) -> None:
        self.objects = objects
        self.namespace = namespace
        self._lock = threading.Lock()
        self._visibility: dict[str, ExecutionRecord] = {}  # key -> record (objects never change)

    @property
    def _runs_prefix(self) -> str:
        return f"archive/namespace={self.namespace}/"

    def _index_prefix(self, workflow_id: str) -> str:
        return f"index/namespace={self.namespace}/{workflow_segment(workflow_id)}/"

    def put(self, run: ArchivedRun) -> str:
        """Archive a closed run (idempotent: again, the same bytes under the same keys); its key."""
        record = run.record
        assert record.close_time is not None, "only closed runs are archived"
        key = archive_key(self.namespace, record)
        self.objects.put(key, encode_run(run))
        # After the object: an index entry never names a run that is not archived.
        entry = f"{record.close_time:020.6f}~{_close_date(record.close_time)}~{record.run_id}"
        self.objects.put(self._index_prefix(record.workflow_id) + entry, b"")
        return key

    def _key_of(self, workflow_id: str, run_id: str | None) -> str:
        entries = list(self.objects.keys(self._index_prefix(workflow_id)))
        if run_id is not None:
            entries = [e for e in entries if e.endswith(f"~{run_id}")]
        if not entries:
            which = f"run {run_id} of workflow {workflow_id}" if run_id else f"workflow {workflow_id}"
            raise ExecutionNotFound(f"no archived {which}")
        _, date, run = entries[-1].rsplit("/", 1)[1].split("~")  # the latest close sorts last
        return f"{self._runs_prefix}close_date={date}/{workflow_segment(workflow_id)}/{run}.jsonl.gz"

    def get(self, workflow_id: str, run_id: str | None = None) -> ArchivedRun:
        """An archived run (the latest closed one of ``workflow_id`` when ``run_id`` is None).

        Raises:
            ExecutionNotFound: no such run in the archive.
        """
        key = self._key_of(workflow_id, run_id)
        try:
            run = decode_run(self.objects.get(key))
        except KeyError:
            raise ExecutionNotFound(f"archived run {key} is missing") from None
        if run.record.workflow_id != workflow_id:  # two ids with one digest: not this one
            raise ExecutionNotFound(f"no archived workflow {workflow_id}")
        return run

    def record_at(self, key: str) -> ExecutionRecord:
        """The visibility record of the run archived under ``key`` (its first line only)."""
        with self._lock:
            cached = self._visibility.get(key)
        if cached is not None:
            return cached
        line = _first_line(self.objects.get(key, _HEAD_BYTES))
        if line is None:
            record = decode_run(self.objects.get(key)).record
        else:
            record = _record(json.loads(line)["visibility"])
        with self._lock:
            self._visibility[key] = record
        return record

    def keys(self, *, closed_from: float | None = None, closed_to: float | None = None) -> Iterator[str]:
        """The keys of archived runs, oldest close date first; only the close dates from
        ``closed_from``'s to ``closed_to``'s, when given (the other dates are not listed)."""
        low = None if closed_from is None else f"{self._runs_prefix}close_date={_close_date(closed_from)}/"
        high = None if closed_to is None else f"{self._runs_prefix}close_date={_close_date(closed_to)}/"
        for folder in self.objects.folders(self._runs_prefix):
            if (low is None or folder >= low) and (high is None or folder <= high):
                yield from self.objects.keys(folder)

    def scan(
        self,
        selection: Selection,
        *,
        after: str | None = None,
        page_size: int = 100,
        closed_from: float | None = None,
        closed_to: float | None = None,
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        """Archived runs the selection picks, in start order, each with its cursor (its start key):
        what :func:`durable._visibility.listing.list_executions` lists from.

        Only the close dates from ``closed_from`` to ``closed_to`` are read; a run closes after it
        starts, so the selection's lower bound on the start time skips the close dates before it too.
        """
        del page_size  # every record of the date range is read (and cached) before the first is given
        if selection.start_from is not None:
            closed_from = selection.start_from if closed_from is None else max(closed_from, selection.start_from)
        keys = self.keys(closed_from=closed_from, closed_to=closed_to)
        runs = [r for r in (self.record_at(k) for k in keys) if selection.picks(r)]
        runs.sort(key=start_key, reverse=not selection.ascending)
        for record in runs:
            key = start_key(record)
            if after is not None and (key <= after if selection.ascending else key >= after):
                continue
            yield record, key
