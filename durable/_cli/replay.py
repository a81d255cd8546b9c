"""``durable replay``: replay recent histories of a dev server or a deployed stack against the
local code, to find non-determinism before a deploy (``make replay-check``).

Its options are read when the parser is built (cheap); :func:`run_replay` imports the client
and the replayer only when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any, TextIO

from durable._cli.arguments import ADDRESS_ENV, DEFAULT_ADDRESS
from durable._cli.dev import REGISTRY

__all__ = ["add_replay_command", "run_replay"]


def add_replay_command(subparsers: Any) -> None:
    """``durable replay``."""
    parser = subparsers.add_parser(
        "replay",
        help="replay recent runs' histories against the local workflow code (non-determinism check)",
        description="Fetch the histories of the most recent runs (running and closed) from a dev server or "
        "a deployed stack's API and replay them against the workflows of the registry module, as a "
        "Replayer does: exit 1 and name each run whose history the local code does not reproduce.",
    )
    parser.add_argument(
        "--from",
        dest="from_address",
        default=None,
        metavar="ADDRESS",
        help=f"the API's URL (default ${ADDRESS_ENV}, else {DEFAULT_ADDRESS})",
    )
    parser.add_argument("--workflow-type", default=None, help="only runs of this workflow type (default: all)")
    parser.add_argument("--last", type=int, default=10, help="how many of the most recent runs (default 10)")
    parser.add_argument(
        "--registry", default=REGISTRY, help=f"module with WORKFLOWS, DATA_CONVERTER, INTERCEPTORS (default {REGISTRY})"
    )
    parser.set_defaults(run_replay=True)


def run_replay(args: argparse.Namespace, out: TextIO) -> int:
    """0 when every history replays, 1 when one does not, 2 when nothing could be replayed."""
    from durable._cli.registry import load_registry

    try:
        registry = load_registry(args.registry)
    except ImportError as err:
        out.write(f"error: cannot import {args.registry} ({err}): run `durable replay` from the project's root\n")
        return 2
    if args.last < 1:
        out.write("error: --last must be at least 1\n")
        return 2
    address = args.from_address or os.environ.get(ADDRESS_ENV) or DEFAULT_ADDRESS
    return asyncio.run(_replay(address, args, registry, out))


async def _replay(address: str, args: argparse.Namespace, registry: Any, out: TextIO) -> int:
    from durable.client import Client
    from durable.converter import DataConverter
    from durable.service import RPCError
    from durable.worker import Replayer

    converter = registry.data_converter or DataConverter.default
    workflows = [cls for classes in registry.workflows.values() for cls in classes]
    replayer = Replayer(workflows=workflows, data_converter=converter, interceptors=registry.interceptors)
    query = f"WorkflowType = '{args.workflow_type}'" if args.workflow_type else None
    replayed = failed = 0
    try:
        client = await Client.connect(address, data_converter=converter)
        async for execution in client.list_workflows(query, limit=args.last):
            handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
            result = await replayer.replay_workflow(await handle.fetch_history(), raise_on_replay_failure=False)
            replayed += 1
            where = f"{execution.id} {execution.run_id} ({execution.workflow_type})"
            if result.replay_failure is None:
                out.write(f"ok    {where}\n")
            else:
                failed += 1
                out.write(f"FAIL  {where}: {result.replay_failure}\n")
    except RPCError as err:
        out.write(f"error: {address}: {err.message}\n")
        return 2
    out.write(f"{replayed} replayed, {failed} failed\n")
    return 1 if failed else 0
