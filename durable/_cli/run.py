"""Running a parsed workflow or dlq command: imported once the command line is parsed.

What a command needs (the client, its HTTP transport, the engine's exceptions that
:func:`explain` recognizes) is imported here and not by the parser's modules, so
``durable --help`` and usage errors do not pay for it.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TextIO

from durable._cli.commands import Command, connection
from durable._cli.errors import explain
from durable._cli.session import Session

__all__ = ["run_command"]


def run_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the parsed command (``args.run``); its exit code. A failure a user can act on
    becomes one line on ``err`` and exit code 1."""
    try:
        address, options = connection(args)
        args.address = address  # what an error message names
        command: Command = args.run
        return asyncio.run(command(args, Session(address, options, json=args.json, out=out)))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # every failure becomes one line that says what to do
        message = explain(error, args)
        if message is None:
            raise
        err.write(f"error: {message}\n")
        return 1
