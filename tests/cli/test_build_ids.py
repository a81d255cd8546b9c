"""``durable workflow describe`` names the build a run started on, and ``durable workflow list
--query "BuildIds = 'unversioned:<id>'"`` finds a build's runs: two dev servers, each running
another version of the code (another build id, as after a deploy)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from durable._build_ids import workflow_code_build_id
from tests.cli import replay_v1, replay_v2
from tests.cli.conftest import DevServerProcess, durable


def serve(registry: str) -> DevServerProcess:
    backend = "moto" if os.environ.get("DURABLE_TEST_BACKEND") == "moto" else "memory"
    return DevServerProcess("--registry", registry, "--backend", backend)


@pytest.fixture(scope="module")
def builds() -> Iterator[dict[str, tuple[DevServerProcess, str]]]:
    """Each version's dev server, with one finished run, and its build id (from its banner)."""
    servers = {"v1": serve("tests.cli.replay_v1"), "v2": serve("tests.cli.replay_v2")}
    try:
        found = {}
        for version, server in servers.items():
            [build_id] = [line.split()[-1] for line in server.banner if line.strip().startswith("build id ")]
            started = durable(
                "workflow", "start", "--type", "Greeting", "--task-queue", "replay",
                "--workflow-id", f"greet-{version}", "--input", '"ada"', address=server.address,
            )  # fmt: skip
            assert started.code == 0, started.err
            result = durable("workflow", "result", "--id", f"greet-{version}", "--json", address=server.address)
            assert result.code == 0 and result.json["status"] == "COMPLETED", result.out + result.err
            found[version] = (server, build_id)
        yield found
    finally:
        for server in servers.values():
            if server.proc.poll() is None:
                server.stop()


def test_each_code_version_has_its_own_build_id(builds):
    (_, v1), (_, v2) = builds["v1"], builds["v2"]
    assert v1 != v2
    # The hash of the registry's workflow modules, whichever process computes it.
    assert (v1, v2) == (workflow_code_build_id([replay_v1.Greeting]), workflow_code_build_id([replay_v2.Greeting]))


def test_describe_names_the_build_the_run_started_on(builds):
    server, build_id = builds["v1"]
    shown = durable("workflow", "describe", "--workflow-id", "greet-v1", address=server.address)
    assert shown.code == 0, shown.err
    assert ["Build", "id", build_id] in [line.split() for line in shown.out.splitlines()], shown.out
    described = durable("workflow", "describe", "--workflow-id", "greet-v1", "--json", address=server.address)
    assert described.json["build_ids"] == [build_id]
    assert described.json["search_attributes"]["BuildIds"]["value"] == ["unversioned", f"unversioned:{build_id}"]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_list_filters_by_build(builds, version):
    server, build_id = builds[version]
    other = builds["v2" if version == "v1" else "v1"][1]
    mine = durable(
        "workflow", "list", "--query", f"BuildIds = 'unversioned:{build_id}'", "--json", address=server.address
    )
    assert mine.code == 0, mine.err
    assert [e["workflow_id"] for e in mine.json] == [f"greet-{version}"]
    theirs = durable("workflow", "list", "--query", f"BuildIds = 'unversioned:{other}'", address=server.address)
    assert (theirs.code, theirs.out) == (0, "No workflow executions\n")
