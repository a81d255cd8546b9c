"""Write-sharded partition keys for the executions table's listing indexes, and their merge.

A GSI partition takes about 1,000 write units a second, and a GSI that cannot keep up
throttles the writes of its table. Were the listing indexes keyed by a value a whole
namespace shares (every run's ``wf``, every running run's ``RUNNING``, a busy workflow
type), every start and close of the namespace would share one partition's budget. Each
index key is therefore the value followed by ``#`` and a shard number, a stable hash of
the workflow id modulo :data:`SHARDS`: a workflow id's runs stay in one shard, and a
listing reads every shard and merges them on the sort key (``start_key``, unique per run),
so it comes out in the same order as from one partition.

Why 16 shards: at the 1,000 starts a second a namespace is sized for, each run writes
its item to ``by_start`` when it starts and when it closes (search attribute and task
failure updates add more), about 2,000 writes a second of items up to 1 KB, 4,000 write
units at 2 KB. Sixteen shards take 250 units a second each, a quarter of a partition's
1,000: room for items of a few KB, for uneven hashing and for bursts, while a listing page
costs 16 small queries (half a read unit each when a shard has nothing).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["SHARDS", "merge_in_order", "shard_key", "shard_of", "shard_keys"]

SHARDS = 16
"""Shards per listing index key (see the module's note for the figure)."""

T = TypeVar("T")


def shard_of(workflow_id: str) -> int:
    """The shard of a workflow id's runs: stable across processes and releases (not ``hash()``)."""
    digest = hashlib.blake2b(workflow_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % SHARDS


def shard_key(value: str, workflow_id: str) -> str:
    """The index partition key of ``value`` (``wf``, a status, a type) for a run of ``workflow_id``."""
    return f"{value}#{shard_of(workflow_id):02d}"


def shard_keys(value: str) -> list[str]:
    """Every shard's partition key of ``value``: what a listing reads."""
    return [f"{value}#{n:02d}" for n in range(SHARDS)]


def merge_in_order(shards: Iterable[Iterator[tuple[T, str]]], *, ascending: bool) -> Iterator[tuple[T, str]]:
    """The shards' runs in one order, each shard already sorted by its key (the second item).

    Lazy: a shard is read only as far as the merged order needs it.
    """
    return heapq.merge(*shards, key=lambda pair: pair[1], reverse=not ascending)
