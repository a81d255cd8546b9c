"""``durable --help`` answers at once: building the parser imports neither the client nor the
engine; a command's code is imported when it runs (durable.cli.main)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("boto3", "botocore", "pydantic", "aws_lambda_powertools", "moto", "durable._client", "durable._http")

PROBE = """
import json, sys
from durable.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported_by(*argv: str) -> list[str]:
    """The modules a fresh interpreter holds after the command line ``argv`` (which exits)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    modules: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return modules


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["workflow", "start", "--help"],
        ["workflow", "update", "execute", "--help"],
        ["workflow", "signal-with-start", "--help"],
        ["schedule", "create", "--help"],
        ["schedule", "create", "-s", "x", "--type", "T", "-t", "q", "--cron", "61 * * * *"],  # a usage error
        ["dlq", "list", "--help"],
        ["dev", "--help"],
        ["workflow", "nonsense"],  # a usage error
    ],
    ids=" ".join,
)
def test_the_parser_imports_neither_the_client_nor_the_engine(argv: list[str]) -> None:
    modules = imported_by(*argv)
    assert "durable._cli.commands" in modules  # the probe ran the real parser
    assert [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []


def test_a_command_imports_what_it_runs_with() -> None:
    # Nothing listens on port 9: the command fails to reach it, after importing the client.
    modules = imported_by("workflow", "describe", "--id", "x", "--address", "http://127.0.0.1:9")
    assert {"durable._cli.session", "durable._client.client", "durable._http.remote"} <= set(modules)
    assert "durable._cli.serve" not in modules
