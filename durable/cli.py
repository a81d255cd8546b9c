"""The ``durable`` command: ``durable workflow
start|execute|signal|signal-with-start|query|update|execute-update-with-start|describe|list|count|history|result|
cancel|terminate``,
``durable schedule create|describe|list|pause|unpause|toggle|trigger|backfill|update|delete``,
``durable dlq list|redrive``, ``durable dev`` and ``durable codec-server``; command and flag
names are ``temporal``'s.
Run ``durable --help`` (or ``python -m durable --help``);
``durable --version`` prints the installed distribution's version.
``durable batch signal|cancel|terminate|list|describe|stop`` runs batch jobs.

Exit codes: 0 success; 1 an error (unknown execution, server not reachable, a workflow
whose result is not COMPLETED); 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from durable._cli.activities import add_activity_commands
from durable._cli.batch import add_batch_commands
from durable._cli.codec_server import add_codec_server_command
from durable._cli.commands import add_workflow_commands
from durable._cli.dev import add_dev_command
from durable._cli.dlq import add_dlq_commands
from durable._cli.replay import add_replay_command
from durable._cli.schedules import add_schedule_commands

__all__ = ["DISTRIBUTION", "main"]

DISTRIBUTION = "durable-workflows"
"""The name ``durable`` is installed under (the import name is ``durable``)."""


class _VersionAction(argparse.Action):
    """``--version``: the distribution's version, read from its metadata only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib import metadata  # ~20 ms of imports: only for --version (see main)

        try:
            version = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError:
            parser.exit(1, f"{DISTRIBUTION} is not installed (run from a source tree: pip install -e .)\n")
        sys.stdout.write(f"{DISTRIBUTION} {version}\n")  # where argparse's own version action prints
        parser.exit()


def parser() -> argparse.ArgumentParser:
    """The command line's parser."""
    root = argparse.ArgumentParser(
        prog="durable", description="Durable workflows: the dev server, the workflow and schedule commands."
    )
    root.add_argument("--version", action=_VersionAction, help="print the version of durable and exit")
    subparsers = root.add_subparsers(dest="group", required=True, metavar="COMMAND")
    add_workflow_commands(subparsers)
    add_schedule_commands(subparsers)
    add_activity_commands(subparsers)
    add_dlq_commands(subparsers)
    add_batch_commands(subparsers)
    add_dev_command(subparsers)
    add_codec_server_command(subparsers)
    add_replay_command(subparsers)
    return root


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    # What runs the command is imported only now that one runs: the parser's modules import
    # neither the client nor the engine (pydantic, powertools, boto3: ~0.5 s), so `durable
    # --help` and usage errors answer at once (tests/cli/test_startup.py).
    if getattr(args, "run_dev", False):
        from durable._cli.serve import run_dev

        return run_dev(args, out)
    if getattr(args, "run_codec_server", False):
        from durable._cli.codec_server import run_codec_server

        return run_codec_server(args, out)
    if getattr(args, "run_replay", False):
        from durable._cli.replay import run_replay

        return run_replay(args, out)
    from durable._cli.run import run_command

    return run_command(args, out, err)


if __name__ == "__main__":
    sys.exit(main())
