"""``durable dev``: its options. :mod:`durable._cli.serve` runs it (the engine, moto), imported
only when it runs, so that building the parser stays cheap."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["REGISTRY", "add_dev_command"]

REGISTRY = "statemachines.registry"
"""The module whose WORKFLOWS and ACTIVITIES (task queue -> list) the dev server registers."""


def add_dev_command(subparsers: Any) -> None:
    """``durable dev``."""
    parser = subparsers.add_parser(
        "dev",
        help="run the dev server: HTTP API, web UI and engine on the embedded AWS emulation",
        description="Run the HTTP API, the web UI and the engine (on moto, in real time) with the "
        f"workflows and activities of {REGISTRY} (from the current directory).",
    )
    parser.add_argument("--port", "-p", type=int, default=8233, help="port (default 8233)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--registry", default=REGISTRY, help=f"module with WORKFLOWS and ACTIVITIES (default {REGISTRY})"
    )
    parser.add_argument(
        "--db-filename",
        metavar="FILE",
        help="keep runs, histories, timers, schedules and queued messages in this SQLite file, across "
        "restarts (created if missing); without it, the state is in memory and lost on exit",
    )
    # memory: for the CLI's own tests, where moto's start-up would dominate
    parser.add_argument("--backend", default="moto", choices=["moto", "memory"], help=argparse.SUPPRESS)
    parser.set_defaults(run_dev=True)
