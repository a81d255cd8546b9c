"""The options the CLI's command groups share, and the parsers of their values.

Imported when the parser is built (``durable --help``): it imports nothing heavy. A value
that does not parse is an ``argparse.ArgumentTypeError``, so the command line stops with a
usage error (exit code 2) naming the option, before any request is sent.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from durable._schedules.calendar import parse_go_duration
from durable.envconfig import CONFIG_FILE_ENV, PROFILE_ENV, default_config_file

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = [
    "ADDRESS_ENV",
    "DEFAULT_ADDRESS",
    "Command",
    "add_command",
    "add_inputs",
    "add_run_id",
    "add_workflow_id",
    "common_options",
    "duration",
    "json_value",
    "key_json",
    "timestamp",
]

DEFAULT_ADDRESS = "http://127.0.0.1:8233"
ADDRESS_ENV = "DURABLE_ADDRESS"

Command = Callable[[argparse.Namespace, "Session"], Coroutine[Any, Any, int]]
"""What runs a parsed command: its exit code."""


def json_value(text: str) -> Any:
    """A JSON value given on the command line."""
    try:
        return json.loads(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            f"not JSON: {text!r} ({err}); quote strings as JSON, e.g. '\"hello\"'"
        ) from err


def key_json(text: str) -> tuple[str, Any]:
    """``KEY=JSON`` (a memo entry), as ``temporal`` takes them."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"not KEY=JSON: {text!r}, e.g. 'owner=\"ops\"'")
    return key, json_value(value)


def duration(text: str) -> float:
    """Seconds in a Go duration (``90s``, ``5m``, ``1h30m``, ``2d``), as ``temporal`` reads them."""
    try:
        return parse_go_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def timestamp(text: str) -> datetime:
    """An RFC 3339 time (``2026-05-01T00:00:00Z``); without an offset, UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}, e.g. 2026-05-01T00:00:00Z") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def common_options(parser: argparse.ArgumentParser) -> None:
    """--address, --profile, --config-file and --json, which every command takes."""
    parser.add_argument(
        "--address",
        help=f"the API's URL (default: ${ADDRESS_ENV}, else the profile's address, else {DEFAULT_ADDRESS}, "
        "the dev server); a deployed stack's ApiUrl is signed with SigV4",
    )
    parser.add_argument(
        "--profile", help=f"the profile of the config file to use (default: ${PROFILE_ENV} or 'default')"
    )
    parser.add_argument(
        "--config-file",
        help=f"the TOML config file of the profiles (default: ${CONFIG_FILE_ENV} or {default_config_file()})",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (for scripts)")


def add_command(commands: Any, name: str, run: Command, help: str) -> argparse.ArgumentParser:
    """A command of a group (``commands``: the group's subparsers), with the common options."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help, description=help)
    common_options(parser)
    parser.set_defaults(run=run)
    return parser


def add_workflow_id(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--workflow-id", "-w", "--id", dest="workflow_id", required=required, help="the workflow id")


def add_run_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-id", "-r", help="a run of the workflow id (default: the latest)")


def add_inputs(parser: argparse.ArgumentParser, what: str, *flags: str, dest: str = "input") -> None:
    """A repeatable JSON argument (``--input``/``-i`` unless ``flags`` name others)."""
    parser.add_argument(
        *(flags or ("--input", "-i")),
        dest=dest,
        action="append",
        type=json_value,
        metavar="JSON",
        help=f"{what}, as JSON; repeat for several arguments",
    )
