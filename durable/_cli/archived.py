"""``--archived``: the workflow commands that read closed runs from the archive.

``durable workflow show|history|describe --archived`` read a run as the archive holds it
(after its retention period its items are gone from the tables; before, the archive has the
same run); ``durable workflow list --archived --query ...`` lists the archive's runs with the
same filter language as the live list.
"""

from __future__ import annotations

import argparse

__all__ = ["add_archived", "archived_flag"]


def add_archived(parser: argparse.ArgumentParser, help: str) -> None:
    """The ``--archived`` flag."""
    parser.add_argument("--archived", action="store_true", help=help)


def archived_flag(args: argparse.Namespace) -> str | None:
    """The API's ``archived`` query parameter for the parsed flags (None: left out)."""
    return "true" if getattr(args, "archived", False) else None
