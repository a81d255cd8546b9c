"""Workflows coordinating: a garage workflow and driver workflows that signal each other
(external handles, a signal handler set at run time, a bay held across continue-as-new and
given back by a driver that fails), a batch in sliding windows of child workflows that report
back by signal and continue as new each page, and an interpreter over a Union-typed tree of
steps that runs activities by name, in order and at once."""

import uuid

import pytest

from durable.client import Client, WorkflowFailureError
from durable.common import WorkflowIDConflictPolicy
from durable.worker import Worker
from tests.idioms import activities
from tests.idioms.activities import Kitchen, PhotoArchive, use_bay
from tests.idioms.coordination import (
    AtOnce,
    AtOnceNode,
    BatchInput,
    Cook,
    Driver,
    DriverInput,
    Garage,
    GarageInput,
    InOrder,
    InOrderNode,
    PhotoBatch,
    PhotoWindow,
    Recipe,
    Step,
    StepNode,
    Thumbnail,
    WindowProgress,
)

QUEUE = "idioms-coordination"


# -- garage ----------------------------------------------------------------------------------


async def park_everyone(client: Client, garage_id: str) -> dict[str, object]:
    """Eight drivers share three bays: one drives twice (continue-as-new), one breaks down."""
    garage = await client.start_workflow(
        Garage.run,
        GarageInput(bays={"b1": None, "b2": None, "b3": None}),
        id=garage_id,
        task_queue=QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    drivers = []
    for n in range(8):
        plan = DriverInput(garage_id=garage_id, errands=["shop", "post"])
        if n == 0:
            plan.second_trip = ["bank", "gym"]
        if n == 1:
            plan.fail_after = "shop"
        drivers.append(await client.start_workflow(Driver.run, plan, id=f"{garage_id}-driver-{n}", task_queue=QUEUE))
    outcomes: dict[str, object] = {}
    for handle in drivers:
        try:
            outcomes[handle.id] = await handle.result()
        except WorkflowFailureError as failure:
            outcomes[handle.id] = failure
    outcomes["occupants"] = await garage.query(Garage.occupants)
    await garage.terminate()
    return outcomes


async def test_drivers_share_the_bays_one_at_a_time(client: Client):
    activities.BAY_LOG.clear()
    garage_id = f"garage-{uuid.uuid4()}"
    async with Worker(client, task_queue=QUEUE, workflows=[Garage, Driver], activities=[use_bay]):
        outcomes = await park_everyone(client, garage_id)
    assert outcomes.pop("occupants") == {"b1": None, "b2": None, "b3": None}
    holder: dict[str, str | None] = {}
    bay_of: dict[str, str] = {}
    for driver, bay, _, move in activities.BAY_LOG:
        assert bay_of.setdefault(driver, bay) == bay, f"{driver} used two bays"
        if move == "in":
            assert holder.get(bay) is None, f"{driver} entered {bay} held by {holder.get(bay)}"
            holder[bay] = driver
        else:
            assert holder[bay] == driver
            holder[bay] = None
    assert set(bay_of) == {f"{garage_id}-driver-{n}" for n in range(8)}


async def test_a_bay_is_kept_across_continue_as_new_and_returned_on_failure(client: Client):
    activities.BAY_LOG.clear()
    garage_id = f"garage-{uuid.uuid4()}"
    async with Worker(client, task_queue=QUEUE, workflows=[Garage, Driver], activities=[use_bay]):
        outcomes = await park_everyone(client, garage_id)
    twice = [
        (bay, errand)
        for driver, bay, errand, move in activities.BAY_LOG
        if driver == f"{garage_id}-driver-0" and move == "in"
    ]
    assert [errand for _, errand in twice] == ["shop", "post", "bank", "gym"]
    assert len({bay for bay, _ in twice}) == 1 and outcomes[f"{garage_id}-driver-0"] == twice[0][0]
    broken = outcomes[f"{garage_id}-driver-1"]
    assert isinstance(broken, WorkflowFailureError) and str(broken.cause) == "broke down after shop"
    assert [e for d, _, e, m in activities.BAY_LOG if d == f"{garage_id}-driver-1" and m == "in"] == ["shop"]


# -- sliding windows of children -------------------------------------------------------------


async def test_a_batch_in_sliding_windows_of_children(client: Client):
    archive = PhotoArchive(photos=60)
    batch_id = f"photos-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=QUEUE,
        workflows=[PhotoBatch, PhotoWindow, Thumbnail],
        activities=[archive.count_photos, archive.photo_page],
    ):
        handle = await client.start_workflow(
            PhotoBatch.run, BatchInput(partitions=3, page_size=4, window=6), id=batch_id, task_queue=QUEUE
        )
        assert await handle.result() == 60
        for photo in (0, 19, 20, 39, 40, 59):
            thumbnail = client.get_workflow_handle(f"{batch_id}/{photo // 20}/{photo}")
            assert (await thumbnail.describe()).status.name == "COMPLETED"
        window = client.get_workflow_handle(f"{batch_id}/1")
        assert await window.result() == 20
        assert await window.query("progress", result_type=WindowProgress) == WindowProgress(done=20, in_flight=[])
        runs = [w async for w in client.list_workflows(f"WorkflowId = '{batch_id}/1'")]
    assert sorted(run.status.name for run in runs) == ["COMPLETED"] + ["CONTINUED_AS_NEW"] * 4  # 20 photos, pages of 4


# -- the interpreter -------------------------------------------------------------------------


def step(verb: str, uses: list[str], makes: str) -> StepNode:
    return StepNode(Step(verb=verb, uses=uses, makes=makes))


SOUP = Recipe(
    pantry={"leek": "leek", "stock": "stock"},
    root=InOrderNode(
        InOrder(
            [
                step("chop", ["leek"], "sliced"),
                step("boil", ["sliced", "stock"], "soup"),
                step("season", ["soup"], "done"),
            ]
        )
    ),
)

DINNER = Recipe(
    pantry={"potato": "potato", "fish": "fish", "salt": "salt"},
    root=InOrderNode(
        InOrder(
            [
                step("chop", ["potato"], "cut"),
                AtOnceNode(
                    AtOnce(
                        [
                            InOrderNode(
                                InOrder([step("fry", ["cut"], "chips"), step("season", ["chips", "salt"], "salted")])
                            ),
                            InOrderNode(
                                InOrder([step("chop", ["fish"], "fillets"), step("fry", ["fillets"], "fried")])
                            ),
                        ]
                    )
                ),
                step("plate", ["salted", "fried"], "dinner"),
            ]
        )
    ),
)


async def cook(client: Client, recipe: Recipe) -> tuple[dict[str, str], list[str]]:
    kitchen = Kitchen()
    async with Worker(
        client,
        task_queue=QUEUE,
        workflows=[Cook],
        activities=[kitchen.chop, kitchen.boil, kitchen.fry, kitchen.season, kitchen.plate],
    ):
        made = await client.execute_workflow(Cook.run, recipe, id=f"cook-{uuid.uuid4()}", task_queue=QUEUE)
    return made, kitchen.log


async def test_steps_in_order(client: Client):
    made, log = await cook(client, SOUP)
    assert log == ["chop", "boil", "season"]
    assert made == {
        "leek": "leek",
        "stock": "stock",
        "sliced": "chop(leek)",
        "soup": "boil(chop(leek), stock)",
        "done": "season(boil(chop(leek), stock))",
    }


async def test_branches_at_once_then_joined(client: Client):
    made, log = await cook(client, DINNER)
    assert log[0] == "chop" and log[-1] == "plate" and sorted(log[1:-1]) == ["chop", "fry", "fry", "season"]
    assert made["dinner"] == "plate(season(fry(chop(potato)), salt), fry(chop(fish)))"


@pytest.mark.parametrize("recipe", [SOUP, DINNER], ids=["soup", "dinner"])
async def test_the_recipe_round_trips_through_the_converter(client: Client, recipe: Recipe):
    made, _ = await cook(client, recipe)
    assert set(recipe.pantry) <= set(made)
