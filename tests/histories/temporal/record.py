"""Record the Temporal-shaped golden histories of this folder.

From real Temporal, with temporalio 1.35 and its time-skipping test server (the compat
suite's venv, ``requirements-compat.txt``), from the repository root::

    DURABLE_COMPAT_BACKEND=temporal python -m tests.histories.temporal.record

and the same runs on durable (written to ``from_durable/``)::

    DURABLE_COMPAT_BACKEND=durable .venv/bin/python -m tests.histories.temporal.record

Each file is ``handle.fetch_history().to_json()`` of one run of ``workflows.py``: the JSON
``temporal workflow show -o json`` prints. Both sets replay on durable's ``Replayer``
(``test_temporal_histories.py``) and on temporalio's (``tests/compat/test_history_goldens.py``).
Run it only to add a history: the files are the contract, never edited by hand.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.compat import sdk
from tests.compat.sdk import common, new_worker, start_env
from tests.histories.temporal.workflows import (
    ACTIVITIES,
    CRON_RUNS,
    GOLDEN_IDS,
    KEYWORD,
    WORKFLOWS,
    ActivityCanceller,
    Cancellable,
    Cart,
    ChildCanceller,
    Countdown,
    FlakyTask,
    Hourly,
    Listener,
    LocalRetry,
    LocalSteps,
    LongLocal,
    Messenger,
    Parent,
    Payment,
)

HERE = Path(__file__).parent
TASK_QUEUE = "goldens"


async def main() -> None:
    out = HERE if sdk.BACKEND == "temporal" else HERE / "from_durable"
    out.mkdir(exist_ok=True)
    async with await start_env() as env:
        client = env.client
        async with new_worker(client, task_queue=TASK_QUEUE, workflows=WORKFLOWS, activities=ACTIVITIES):
            runs: dict[str, Any] = {}

            h = await client.start_workflow(Payment.run, 250, id="golden-payment", task_queue=TASK_QUEUE)
            await h.signal(Payment.approve, "ada")
            runs["payment_retried_refused_timer_signal"] = h

            runs["local_activities_and_patch"] = await client.start_workflow(
                LocalSteps.run, "hello", id="golden-local", task_queue=TASK_QUEUE
            )
            runs["parent_of_two_children"] = await client.start_workflow(
                Parent.run, id="golden-parent", task_queue=TASK_QUEUE
            )

            h = await client.start_workflow(Countdown.run, 2, id="golden-countdown", task_queue=TASK_QUEUE)
            await h.result()
            first_run = client.get_workflow_handle("golden-countdown", run_id=h.first_execution_run_id)
            runs["countdown_continued_as_new"] = first_run
            runs["countdown_last_run"] = client.get_workflow_handle("golden-countdown")

            h = await client.start_workflow(Cart.run, id="golden-cart", task_queue=TASK_QUEUE)
            assert await h.execute_update(Cart.add, "apple") == 1
            try:
                await h.execute_update(Cart.add, "")
            except sdk.WorkflowUpdateFailedError:
                pass
            assert await h.execute_update(Cart.add, "pear") == 2
            await h.signal(Cart.checkout)
            runs["cart_updates"] = h

            # 3 s of a 2 s workflow task: core heartbeats the task at 80 % of its timeout
            runs["local_activity_longer_than_its_task"] = await client.start_workflow(
                LongLocal.run, 3.0, id="golden-long-local", task_queue=TASK_QUEUE, task_timeout=timedelta(seconds=2)
            )

            listener = await client.start_workflow(Listener.run, id="golden-listener", task_queue=TASK_QUEUE)
            await client.start_workflow(Listener.run, id="golden-sleeper", task_queue=TASK_QUEUE)
            runs["external_signal_cancel_timeout_child_failure"] = await client.start_workflow(
                Messenger.run,
                args=["golden-listener", "golden-sleeper"],
                id="golden-messenger",
                task_queue=TASK_QUEUE,
                memo={"note": "from the recorder"},
                search_attributes=common.TypedSearchAttributes([common.SearchAttributePair(KEYWORD, "started")]),
            )
            runs["listener_signalled_by_another_workflow"] = listener
            runs["workflow_task_failed_then_recovered"] = await client.start_workflow(
                FlakyTask.run, id="golden-flaky-task", task_queue=TASK_QUEUE
            )

            runs["local_activity_retried_after_a_timer"] = await client.start_workflow(
                LocalRetry.run, id="golden-local-retry", task_queue=TASK_QUEUE
            )
            runs["activity_cancelled_and_confirmed"] = await client.start_workflow(
                ActivityCanceller.run, id="golden-activity-cancel", task_queue=TASK_QUEUE
            )

            h = await client.start_workflow(ChildCanceller.run, id="golden-child-cancel", task_queue=TASK_QUEUE)
            await asyncio.sleep(3)  # the child was cancelled: the wait with a timeout is on
            await h.signal(ChildCanceller.proceed)
            runs["child_cancelled_timer_cancelled_patch_deprecated"] = h

            h = await client.start_workflow(
                Hourly.run, id="golden-cron", task_queue=TASK_QUEUE, cron_schedule="0 * * * *"
            )
            await env.sleep(timedelta(hours=2, minutes=5))  # two ticks: two runs closed, the third waits
            cron_run = client.get_workflow_handle("golden-cron", run_id=h.result_run_id)
            for name in ("cron_first_run", "cron_second_run"):
                runs[name] = cron_run
                try:
                    await cron_run.result(follow_runs=False)
                except Exception as err:  # continued as new: the next run of the chain
                    cron_run = client.get_workflow_handle("golden-cron", run_id=err.new_execution_run_id)  # type: ignore[attr-defined]

            h = await client.start_workflow(Cancellable.run, id="golden-cancel", task_queue=TASK_QUEUE)
            await asyncio.sleep(2)  # the activity has started and heartbeats
            await h.cancel()
            runs["cancelled_during_activity"] = h

            for name, handle in runs.items():
                try:
                    print(name, "->", await handle.result(follow_runs=False))
                except Exception as err:
                    print(name, "->", type(err).__name__, err)
                history = await handle.fetch_history()
                data = _scrubbed(history.to_json_dict())
                (out / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
                print(f"wrote {name}.json ({len(history.events)} events)")
                # The recording must replay on the backend that made it before it is a golden
                # (but temporalio 1.35's Replayer cannot replay a cron run: see CRON_RUNS).
                if name not in CRON_RUNS or sdk.BACKEND == "durable":
                    await sdk.new_replayer(WORKFLOWS).replay_workflow(history)
                assert GOLDEN_IDS[name] == history.workflow_id
            await client.get_workflow_handle("golden-cron").terminate("recorded")


def _scrubbed(value: Any) -> Any:
    """Stack traces name files of the machine that recorded them; identities its host."""
    if isinstance(value, dict):
        return {
            k: ("" if k == "stackTrace" else "golden-recorder" if k == "identity" else _scrubbed(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


if __name__ == "__main__":
    asyncio.run(main())
