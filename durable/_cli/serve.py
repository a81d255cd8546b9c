"""``durable dev``: the dev server with the project's workflows and activities, until Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any, TextIO

from durable._build_ids import workflow_code_build_id
from durable._cli.registry import load_registry
from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime
from durable._local.sqlite.database import DatabaseUnusable
from durable._workers.config import TaskQueueConfig

__all__ = ["run_dev", "state_notice"]


def state_notice(db_filename: str | None) -> str:
    """The banner's line on where the server's state lives, and whether it outlives the process."""
    if db_filename:
        return f"state    kept in {db_filename} (runs, timers, schedules and queued messages survive a restart)"
    return "state    in memory: lost on exit (keep it across restarts with --db-filename FILE)"


_SWEEP_EVERY_SECONDS = 60.0


def run_dev(args: Any, out: TextIO) -> int:
    """Serve until SIGINT or SIGTERM; 0 after a clean stop."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        registry = load_registry(args.registry)
    except ImportError as err:
        out.write(f"error: cannot import {args.registry} ({err}): run `durable dev` from the project's root\n")
        return 1
    workflows, activities, converter = registry.workflows, registry.activities, registry.data_converter
    kind = "sqlite" if args.db_filename else args.backend
    try:
        # Archived as a deployment archives: closed runs are kept in the archive after their items expire.
        runtime = LocalRuntime(
            backend=kind, skipping=False, data_converter=converter, archival=True, db_filename=args.db_filename
        )
    except DatabaseUnusable as err:
        out.write(f"error: {err}\n")
        return 1
    try:
        # One build id for the registry's code, as a deploy of it has one.
        build_id = workflow_code_build_id(cls for classes in workflows.values() for cls in classes)
        for task_queue in sorted(set(workflows) | set(activities)):
            runtime.register(
                task_queue,
                list(workflows.get(task_queue, [])),
                list(activities.get(task_queue, [])),
                None,
                data_converter=converter,
                build_id=build_id,
            )
        # Each activity queue scaled as deployed: its concurrency, rate and function timeout.
        for task_queue in set(activities) | set(registry.task_queues):
            runtime.registry.configure(task_queue, registry.task_queues.get(task_queue) or TaskQueueConfig())
        try:
            server = DevServer(runtime, host=args.ip, port=args.port)
        except OSError as err:
            out.write(
                f"error: cannot listen on {args.ip}:{args.port} ({err.strerror or err}): "
                "another dev server? choose one with --port\n"
            )
            return 1
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        server.start()
        task_queues = ", ".join(sorted(set(workflows) | set(activities))) or "none"
        out.write(f"durable dev server ({kind}), task queues: {task_queues}\n")
        out.write(f"  {state_notice(args.db_filename)}\n")
        out.write(f"  build id {build_id}\n")
        for name, url in server.urls().items():
            out.write(f"  {name:<8} {url}\n")
        out.write("Ctrl-C to stop\n")
        out.flush()
        swept_at = time.monotonic()
        while not stop.wait(0.5):
            if time.monotonic() - swept_at >= _SWEEP_EVERY_SECONDS:  # DynamoDB's TTL, played locally
                runtime.sweep_expired()
                swept_at = time.monotonic()
        out.write("stopping\n")
        out.flush()
        server.stop()
    finally:
        runtime.shutdown()
    out.write("stopped\n")
    return 0
