"""Message handlers as temporalio code writes them: queries, a signal, a sync update guarded by a
validator, an async update that calls an activity under a lock, update-with-start on an id that
may already run (USE_EXISTING), concurrent updates serialised by an asyncio.Lock with the state
carried through continue-as-new, and an update that compensates when the run ends first."""

import asyncio
import uuid
from datetime import timedelta

import pytest

from durable.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from durable.common import WorkflowIDConflictPolicy
from durable.exceptions import ApplicationError
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.idioms import activities
from tests.idioms.activities import (
    Drink,
    Preset,
    assign_seats,
    drink_price,
    free_seats,
    inspect_seats,
    place_hold,
    release_hold,
    remote_setpoints,
)
from tests.idioms.messages import (
    BarTab,
    Bill,
    Booking,
    Ending,
    PresetsQuery,
    SeatMap,
    SeatMapInput,
    SeatRequest,
    Thermostat,
)

QUEUE = "idioms-messages"


def worker(client: Client) -> Worker:
    return Worker(
        client,
        task_queue=QUEUE,
        workflows=[Thermostat, BarTab, SeatMap, Booking],
        activities=[remote_setpoints, drink_price, assign_seats, free_seats, inspect_seats, place_hold, release_hold],
    )


# -- thermostat ------------------------------------------------------------------------------


async def start_thermostat(client: Client) -> WorkflowHandle:
    return await client.start_workflow(Thermostat.run, id=f"thermostat-{uuid.uuid4()}", task_queue=QUEUE)


async def test_queries_with_and_without_an_argument(client: Client):
    async with worker(client):
        handle = await start_thermostat(client)
        assert await handle.query(Thermostat.current) == Preset.COMFORT
        assert await handle.query(Thermostat.presets, PresetsQuery(include_remote=False)) == [
            Preset.COMFORT,
            Preset.ECO,
        ]
        assert await handle.query(Thermostat.presets, PresetsQuery(include_remote=True)) == list(Preset)


async def test_a_sync_update_returns_the_previous_value_and_a_validator_rejects(client: Client):
    async with worker(client):
        handle = await start_thermostat(client)
        assert await handle.execute_update(Thermostat.choose, Preset.ECO) == Preset.COMFORT
        assert await handle.query(Thermostat.current) == Preset.ECO
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(Thermostat.choose, Preset.BOOST)
        assert "BOOST is not stored on the device" in str(rejected.value.cause)
        assert await handle.query(Thermostat.current) == Preset.ECO


async def test_an_async_update_reaches_an_activity_and_the_run_waits_for_it(client: Client):
    async with worker(client):
        handle = await start_thermostat(client)
        first, second = await asyncio.gather(
            handle.execute_update(Thermostat.choose_from_cloud, Preset.BOOST),
            handle.execute_update(Thermostat.choose_from_cloud, Preset.FROST),
        )
        final = await handle.query(Thermostat.current)
        # one update ran after the other: the second saw the first one's preset
        assert (first, second, final) in {
            (Preset.COMFORT, Preset.BOOST, Preset.FROST),
            (Preset.FROST, Preset.COMFORT, Preset.BOOST),
        }
        with pytest.raises(WorkflowUpdateFailedError) as missing:
            await handle.execute_update(Thermostat.choose_from_cloud, Preset.NIGHT)
        assert isinstance(missing.value.cause, ApplicationError)
        assert missing.value.cause.message == "the cloud has no NIGHT preset"
        await handle.signal(Thermostat.seal)
        assert await handle.result() == {Preset.BOOST: "BOOST at 25C", Preset.FROST: "FROST at 7C"}[final]


# -- update-with-start -----------------------------------------------------------------------


def open_tab(session: str) -> WithStartWorkflowOperation:
    return WithStartWorkflowOperation(
        BarTab.run, id=f"tab-{session}", id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING, task_queue=QUEUE
    )


async def order(client: Client, session: str, drink: Drink) -> tuple[int | None, WorkflowHandle]:
    """A request handler: the first order opens the tab, a refused one answers None."""
    start = open_tab(session)
    try:
        total = await client.execute_update_with_start_workflow(BarTab.order, drink, start_workflow_operation=start)
    except WorkflowUpdateFailedError:
        total = None
    return total, await start.workflow_handle()


async def test_the_first_update_starts_the_workflow_and_the_next_finds_it(client: Client):
    session = str(uuid.uuid4())
    async with worker(client):
        first, handle_1 = await order(client, session, Drink("lemonade", 2))
        second, handle_2 = await order(client, session, Drink("espresso", 1))
        assert (first, second) == (700, 940)
        assert handle_1.id == handle_2.id == f"tab-{session}"
        assert handle_1.result_run_id == handle_2.result_run_id
        await handle_2.signal(BarTab.close)
        bill = await handle_2.result()
    assert bill == Bill(lines=[(Drink("lemonade", 2), 700), (Drink("espresso", 1), 240)], total=940)


async def test_an_update_that_raises_leaves_the_workflow_as_it_was(client: Client):
    session = str(uuid.uuid4())
    async with worker(client):
        total, handle = await order(client, session, Drink("tea", 1))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await client.execute_update_with_start_workflow(
                BarTab.order, Drink("absinthe", 1), start_workflow_operation=open_tab(session)
            )
        assert isinstance(refused.value.cause, ApplicationError)
        assert (refused.value.cause.message, refused.value.cause.type) == ("no absinthe served here", "NotOnTheMenu")
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(BarTab.order, Drink("tea", 0))
        await handle.signal(BarTab.close)
        bill = await handle.result()
    assert total == 300
    assert bill.lines == [(Drink("tea", 1), 300)] and bill.total == 300


# -- seating ---------------------------------------------------------------------------------


async def start_seating(client: Client, **options) -> WorkflowHandle:
    return await client.start_workflow(
        SeatMap.run, SeatMapInput(**options), id=f"seating-{uuid.uuid4()}", task_queue=QUEUE
    )


async def test_concurrent_updates_take_turns_on_the_shared_state(client: Client):
    activities.BROKEN_SEATS.clear()
    async with worker(client):
        handle = await start_seating(client)
        await handle.signal(SeatMap.open_doors)
        seatings = await asyncio.gather(
            *(handle.execute_update(SeatMap.seat, SeatRequest(f"party-{n}", 3)) for n in range(6))
        )
        assert all(len(s.seats) == 3 for s in seatings)
        assert len({seat for s in seatings for seat in s.seats}) == 18  # no seat given twice
        assert await handle.query(SeatMap.free) == 2
        # asking again for a seated party gives its seats, not new ones
        assert await handle.execute_update(SeatMap.seat, SeatRequest("party-0", 3)) == seatings[0]
        with pytest.raises(WorkflowUpdateFailedError) as full:
            await handle.execute_update(SeatMap.seat, SeatRequest("latecomers", 4))
        assert isinstance(full.value.cause, ApplicationError)
        assert full.value.cause.message == "latecomers needs 4 seats; only 2 free"
        await asyncio.gather(*(handle.execute_update(SeatMap.unseat, f"party-{n}") for n in range(5)))
        await handle.signal(SeatMap.close_doors)
        summary = await handle.result()
    assert (summary.occupied, summary.broken) == (3, 0)


async def test_the_state_is_carried_into_each_new_run(env: WorkflowEnvironment):
    client = env.client
    activities.BROKEN_SEATS.clear()
    activities.BROKEN_SEATS.add("s19")
    async with worker(client):
        handle = await start_seating(client, rollover_after_events=40, sweep_every=timedelta(seconds=30))
        first_run = (await handle.describe()).run_id
        await handle.signal(SeatMap.open_doors)
        kept = await handle.execute_update(SeatMap.seat, SeatRequest("regulars", 4))
        await env.sleep(timedelta(minutes=15))
        assert (await handle.describe()).run_id != first_run
        runs = [w async for w in client.list_workflows(f"WorkflowId = '{handle.id}'")]
        assert len(runs) > 1
        assert await handle.execute_update(SeatMap.seat, SeatRequest("regulars", 4)) == kept
        assert await handle.query(SeatMap.free) == 20 - 4 - 1  # the broken seat stays out
        with pytest.raises(WorkflowUpdateFailedError) as full:
            await handle.execute_update(SeatMap.seat, SeatRequest("coach party", 30))
        assert isinstance(full.value.cause, ApplicationError)
        await handle.signal(SeatMap.close_doors)
        summary = await handle.result()
    activities.BROKEN_SEATS.clear()
    assert (summary.occupied, summary.broken) == (4, 1)


# -- compensation ----------------------------------------------------------------------------


async def book(client: Client, ending: Ending) -> tuple[str, str]:
    """What the caller of the hold update and the caller of the run each see."""
    handle = await client.start_workflow(Booking.run, ending, id=f"booking-{uuid.uuid4()}", task_queue=QUEUE)
    update = await handle.start_update(Booking.hold, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
    if ending is Ending.CANCEL:
        await handle.cancel()
    try:
        seen_by_update = await update.result()
    except WorkflowUpdateFailedError as failed:
        seen_by_update = f"update failed: {failed.cause}"
    try:
        seen_by_run = await handle.result()
    except WorkflowFailureError as failed:
        seen_by_run = f"{type(failed.cause).__name__}: {failed.cause}"
    return seen_by_update, seen_by_run


@pytest.mark.parametrize(
    "ending, expected",
    [
        (Ending.COMPLETE, ("held", "booked")),
        (
            Ending.FAIL,
            ("update failed: the booking ended before the hold was placed", "ApplicationError: the card was declined"),
        ),
        (
            Ending.CANCEL,
            ("update failed: the booking ended before the hold was placed", "CancelledError: Workflow cancelled"),
        ),
    ],
    ids=lambda value: value.name if isinstance(value, Ending) else "",
)
async def test_a_handler_compensates_when_the_run_ends_before_it(
    client: Client, ending: Ending, expected: tuple[str, str]
):
    activities.HOLDS.clear()
    async with worker(client):
        assert await book(client, ending) == expected
    released = 0 if ending is Ending.COMPLETE else 1
    assert activities.HOLDS["released"] == released
