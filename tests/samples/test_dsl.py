# The sample dsl of Temporal's samples (temporalio/samples-python): a workflow that interprets a
# tree of steps (a dataclass input whose fields are Unions of dataclasses, forward references
# under `from __future__ import annotations`), running activities by name, in sequence and in
# parallel with asyncio.gather. The sample has no test; ours runs its two YAML inputs
# (workflow1.yaml, workflow2.yaml, MIT License, Copyright (c) 2022 Temporal Technologies Inc., see
# tests/samples/LICENSE), written here as the dataclasses the starter builds from them with dacite.
import uuid

from durable.client import Client
from durable.worker import Worker

from tests.samples.dsl.activities import DSLActivities
from tests.samples.dsl.workflow import (
    ActivityInvocation,
    ActivityStatement,
    DSLInput,
    DSLWorkflow,
    Parallel,
    ParallelStatement,
    Sequence,
    SequenceStatement,
)


def step(name: str, arguments: list[str], result: str) -> ActivityStatement:
    return ActivityStatement(activity=ActivityInvocation(name=name, arguments=arguments, result=result))


# workflow1.yaml: three steps in sequence.
WORKFLOW1 = DSLInput(
    variables={"arg1": "value1", "arg2": "value2"},
    root=SequenceStatement(
        sequence=Sequence(
            elements=[
                step("activity1", ["arg1"], "result1"),
                step("activity2", ["result1"], "result2"),
                step("activity3", ["arg2", "result2"], "result3"),
            ]
        )
    ),
)

# workflow2.yaml: activity1, then two sequences in parallel, then activity3 on both results.
WORKFLOW2 = DSLInput(
    variables={"arg1": "value1", "arg2": "value2", "arg3": "value3"},
    root=SequenceStatement(
        sequence=Sequence(
            elements=[
                step("activity1", ["arg1"], "result1"),
                ParallelStatement(
                    parallel=Parallel(
                        branches=[
                            SequenceStatement(
                                sequence=Sequence(
                                    elements=[
                                        step("activity2", ["result1"], "result2"),
                                        step("activity3", ["arg2", "result2"], "result3"),
                                    ]
                                )
                            ),
                            SequenceStatement(
                                sequence=Sequence(
                                    elements=[
                                        step("activity4", ["result1"], "result4"),
                                        step("activity5", ["arg3", "result4"], "result5"),
                                    ]
                                )
                            ),
                        ]
                    )
                ),
                step("activity3", ["result3", "result5"], "result6"),
            ]
        )
    ),
)


async def run(client: Client, dsl_input: DSLInput) -> tuple[dict, list[str]]:
    activities = DSLActivities()
    async with Worker(
        client,
        task_queue="dsl-task-queue",
        activities=[activities.activity1, activities.activity2, activities.activity3, activities.activity4, activities.activity5],
        workflows=[DSLWorkflow],
    ):
        result = await client.execute_workflow(DSLWorkflow.run, dsl_input, id=f"dsl-workflow-id-{uuid.uuid4()}", task_queue="dsl-task-queue")
    return result, activities.calls


async def test_workflow1_runs_its_steps_in_sequence(client: Client):
    result, calls = await run(client, WORKFLOW1)
    assert calls == ["activity1", "activity2", "activity3"]
    assert result == {
        "arg1": "value1",
        "arg2": "value2",
        "result1": "[result from activity1: value1]",
        "result2": "[result from activity2: [result from activity1: value1]]",
        "result3": "[result from activity3: value2 [result from activity2: [result from activity1: value1]]]",
    }


async def test_workflow2_runs_two_branches_in_parallel_then_joins_them(client: Client):
    result, calls = await run(client, WORKFLOW2)
    assert calls[0] == "activity1" and calls[-1] == "activity3"
    assert sorted(calls[1:-1]) == ["activity2", "activity3", "activity4", "activity5"]
    assert calls.index("activity2") < calls.index("activity3", 1) and calls.index("activity4") < calls.index("activity5")
    r1 = "[result from activity1: value1]"
    r3 = f"[result from activity3: value2 [result from activity2: {r1}]]"
    r5 = f"[result from activity5: value3 [result from activity4: {r1}]]"
    assert result["result6"] == f"[result from activity3: {r3} {r5}]"
