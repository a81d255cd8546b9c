# The sample replay of Temporal's samples (temporalio/samples-python): run three workflows under one
# id, fetch their histories with list_workflows(...).map_histories() and replay them with a
# Replayer; a workflow changed in a way its history does not allow is a replay failure. The sample
# has no test; ours runs its starter.py main() unchanged (its connection from envconfig: here
# DURABLE_ADDRESS names a dev server in this process) and the body of its replayer.py main()
# (whose own connect step, `config["address"] = ...` on a frozen ClientConfigProfile, raises
# TypeError on temporalio too), and checks the README's two outcomes.
import asyncio
from datetime import timedelta

from durable import workflow
from durable._http.devserver import DevServer
from durable.testing import WorkflowEnvironment
from durable.worker import Replayer, Worker
from durable.workflow import NondeterminismError

from tests.samples.replay import starter
from tests.samples.replay.worker import (
    ComposeGreetingInput,
    JustActivity,
    JustTimer,
    TimerThenActivity,
    compose_greeting,
)


async def run_the_starter(env: WorkflowEnvironment, monkeypatch, tmp_path) -> None:
    server = DevServer(env.runtime, port=0).start()
    try:
        monkeypatch.setenv("DURABLE_CONFIG_FILE", str(tmp_path / "none.toml"))
        monkeypatch.setenv("DURABLE_ADDRESS", server.url)
        async with Worker(
            env.client,
            task_queue="replay-sample",
            workflows=[JustActivity, JustTimer, TimerThenActivity],
            activities=[compose_greeting],
        ):
            await starter.main()
    finally:
        server.stop()


async def test_the_starter_runs_three_workflows_under_one_id(env: WorkflowEnvironment, monkeypatch, tmp_path, capsys):
    await run_the_starter(env, monkeypatch, tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        "JustActivity Workflow result: Hello, replayer!",
        "JustTimer Workflow result: Slept",
        "TimerThenActivity Workflow result: Hello, replayer!",
    ]


async def test_the_replayer_replays_them_and_catches_an_incompatible_change(env: WorkflowEnvironment, monkeypatch, tmp_path):
    await run_the_starter(env, monkeypatch, tmp_path)
    client = env.client

    # replayer.py, after its connect step
    workflows = client.list_workflows('WorkflowId="replayer-workflow-id"')
    histories = workflows.map_histories()
    replayer = Replayer(workflows=[JustActivity, JustTimer, TimerThenActivity])
    results = await replayer.replay_workflows(histories, raise_on_replay_failure=False)
    assert results.replay_failures == {}
    assert str(results) == "WorkflowReplayResults(replay_failures={})"

    # the README's change: JustActivity sleeps just before it runs the activity
    @workflow.defn(name="JustActivity")
    class ChangedJustActivity:
        @workflow.run
        async def run(self, name: str) -> str:
            await asyncio.sleep(0.1)
            return await workflow.execute_activity(
                compose_greeting, ComposeGreetingInput("Hello", name), start_to_close_timeout=timedelta(seconds=10)
            )

    histories = client.list_workflows('WorkflowId="replayer-workflow-id"').map_histories()
    replayer = Replayer(workflows=[ChangedJustActivity, JustTimer, TimerThenActivity])
    results = await replayer.replay_workflows(histories, raise_on_replay_failure=False)
    assert len(results.replay_failures) == 1
    [failure] = results.replay_failures.values()
    assert isinstance(failure, NondeterminismError)
