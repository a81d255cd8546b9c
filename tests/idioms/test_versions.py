"""Changing a workflow under running and closed executions: the four stages of a patch
(workflow.patched, then workflow.deprecate_patch, then the patch gone), each stage's worker
answering queries of workflows the stage before started by replaying their histories; and a
Replayer replaying histories fetched with list_workflows(...).map_histories(), which reports a
change the histories do not allow as a NondeterminismError. The starters here are command-line
programs of our own that connect over HTTP through durable.envconfig (a TOML profile for one, the
DURABLE_ADDRESS variable for the other) to a dev server in front of the time-skipping engine."""

import argparse
from pathlib import Path

import pytest

from durable._http.devserver import DevServer
from durable.client import Client
from durable.envconfig import ClientConfig, ClientConfigProfile
from durable.testing import WorkflowEnvironment
from durable.worker import Replayer, Worker
from durable.workflow import NondeterminismError
from tests.idioms.activities import gross_amount, net_amount, shout
from tests.idioms.versions import (
    STAGES,
    InvoiceBefore,
    OnlyActivity,
    OnlyActivityWithAPause,
    OnlyTimer,
    TimerThenActivity,
)

INVOICES = "idioms-invoices"
REPLAY = "idioms-replay"


async def invoice_cli(argv: list[str], config_file: Path) -> str:
    """`invoice --start ID` / `invoice --ask ID`: a client program, connected by its profile."""
    parser = argparse.ArgumentParser(prog="invoice")
    parser.add_argument("--start")
    parser.add_argument("--ask")
    args = parser.parse_args(argv)
    client = await Client.connect(**ClientConfig.load_client_connect_config(config_file=str(config_file)))
    if args.start:
        handle = await client.start_workflow(InvoiceBefore.run, id=args.start, task_queue=INVOICES)
        return f"started {handle.id}"
    handle = client.get_workflow_handle_for(InvoiceBefore.run, args.ask)
    return f"{handle.id}: {await handle.query(InvoiceBefore.amount_kind)}"


@pytest.fixture
def dev_server(env: WorkflowEnvironment):
    server = DevServer(env.runtime, port=0).start()
    yield server
    server.stop()


@pytest.fixture
def profile(dev_server: DevServer, tmp_path: Path) -> Path:
    config = tmp_path / "client.toml"
    config.write_text(f'[profile.default]\naddress = "{dev_server.url.removeprefix("http://")}"\n')
    return config


async def test_each_stage_answers_for_the_workflows_of_the_stage_before(env: WorkflowEnvironment, profile: Path):
    async def cli(*argv: str) -> str:
        return await invoice_cli(list(argv), profile)

    expected = {"before": "net", "patched": "gross", "deprecated": "gross", "after": "gross"}
    previous = None
    for stage, workflow_class in STAGES.items():
        async with Worker(
            env.client, task_queue=INVOICES, workflows=[workflow_class], activities=[net_amount, gross_amount]
        ):
            assert await cli("--start", f"invoice-{stage}") == f"started invoice-{stage}"
            await env.client.get_workflow_handle(f"invoice-{stage}").result()
            assert await cli("--ask", f"invoice-{stage}") == f"invoice-{stage}: {expected[stage]}"
            if previous:
                # replayed with this stage's code, the older run keeps the path it took
                assert await cli("--ask", f"invoice-{previous}") == f"invoice-{previous}: {expected[previous]}"
        previous = stage


async def test_a_patched_worker_cannot_answer_for_a_run_from_before_once_the_patch_is_deprecated(
    env: WorkflowEnvironment,
):
    async with Worker(
        env.client, task_queue=INVOICES, workflows=[STAGES["before"]], activities=[net_amount, gross_amount]
    ):
        await env.client.execute_workflow(InvoiceBefore.run, id="invoice-old", task_queue=INVOICES)
    history = await env.client.get_workflow_handle("invoice-old").fetch_history()
    await Replayer(workflows=[STAGES["patched"]]).replay_workflow(history)
    with pytest.raises(NondeterminismError):
        await Replayer(workflows=[STAGES["deprecated"]]).replay_workflow(history)


async def replay_starter() -> list[str]:
    """Runs the three workflows one after the other under one id, connected by the environment."""
    settings = ClientConfigProfile.load().to_dict()
    settings.setdefault("address", "localhost:7233")
    client = await Client.connect(**ClientConfigProfile.from_dict(settings).to_client_connect_config())
    lines = []
    for workflow_run in (OnlyActivity.run, OnlyTimer.run, TimerThenActivity.run):
        result = await client.execute_workflow(workflow_run, "again", id="replay-me", task_queue=REPLAY)
        lines.append(f"{workflow_run.__qualname__.split('.')[0]}: {result}")
    return lines


@pytest.fixture
async def replayed_runs(env: WorkflowEnvironment, dev_server: DevServer, monkeypatch, tmp_path: Path) -> list[str]:
    monkeypatch.setenv("DURABLE_CONFIG_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("DURABLE_ADDRESS", dev_server.url)
    async with Worker(
        env.client, task_queue=REPLAY, workflows=[OnlyActivity, OnlyTimer, TimerThenActivity], activities=[shout]
    ):
        return await replay_starter()


async def test_the_starter_runs_three_workflows_over_http(replayed_runs: list[str]):
    assert replayed_runs == ["OnlyActivity: AGAIN!", "OnlyTimer: again waited", "TimerThenActivity: AGAIN!"]


async def test_the_histories_replay_and_an_incompatible_change_is_caught(
    env: WorkflowEnvironment, replayed_runs: list[str]
):
    query = "WorkflowId = 'replay-me'"
    same = await Replayer(workflows=[OnlyActivity, OnlyTimer, TimerThenActivity]).replay_workflows(
        env.client.list_workflows(query).map_histories(), raise_on_replay_failure=False
    )
    assert same.replay_failures == {}
    assert str(same) == "WorkflowReplayResults(replay_failures={})"
    changed = await Replayer(workflows=[OnlyActivityWithAPause, OnlyTimer, TimerThenActivity]).replay_workflows(
        env.client.list_workflows(query).map_histories(), raise_on_replay_failure=False
    )
    assert len(changed.replay_failures) == 1
    [failure] = changed.replay_failures.values()
    assert isinstance(failure, NondeterminismError)
