"""Workflows that take messages: signals, queries, updates with validators, update-with-start,
handlers sharing state under a lock, and a run that waits for its handlers before it ends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

from durable import exceptions, workflow
from durable.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from tests.idioms.activities import (
        LOCAL_SETPOINTS,
        Drink,
        Preset,
        SeatChange,
        assign_seats,
        drink_price,
        free_seats,
        inspect_seats,
        place_hold,
        release_hold,
        remote_setpoints,
    )


# -- thermostat ------------------------------------------------------------------------------


@dataclass
class PresetsQuery:
    include_remote: bool


@workflow.defn
class Thermostat:
    def __init__(self) -> None:
        self.preset = Preset.COMFORT
        self.setpoints: dict[Preset, int] = dict(LOCAL_SETPOINTS)
        self.sealed = False
        self.cloud = asyncio.Lock()

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.sealed and workflow.all_handlers_finished())
        return f"{self.preset.name} at {self.setpoints[self.preset]}C"

    @workflow.query
    def current(self) -> Preset:
        return self.preset

    @workflow.query
    def presets(self, query: PresetsQuery) -> list[Preset]:
        if query.include_remote:
            return sorted(Preset)
        return sorted(self.setpoints)

    @workflow.signal
    def seal(self) -> None:
        self.sealed = True

    @workflow.update
    def choose(self, preset: Preset) -> Preset:
        previous, self.preset = self.preset, preset
        return previous

    @choose.validator
    def known_locally(self, preset: Preset) -> None:
        if preset not in self.setpoints:
            raise ValueError(f"{preset.name} is not stored on the device")

    @workflow.update
    async def choose_from_cloud(self, preset: Preset) -> Preset:
        async with self.cloud:
            if preset not in self.setpoints:
                known = await workflow.execute_activity(remote_setpoints, start_to_close_timeout=timedelta(seconds=10))
                if preset.name not in known:
                    raise exceptions.ApplicationError(f"the cloud has no {preset.name} preset")
                self.setpoints[preset] = known[preset.name]
            previous, self.preset = self.preset, preset
            return previous


# -- bar tab, opened by the first order ------------------------------------------------------


@dataclass
class Bill:
    lines: list[tuple[Drink, int]] = field(default_factory=list)
    total: int = 0


@workflow.defn
class BarTab:
    def __init__(self) -> None:
        self.bill = Bill()
        self.closed = False

    @workflow.run
    async def run(self) -> Bill:
        await workflow.wait_condition(lambda: self.closed and workflow.all_handlers_finished())
        return self.bill

    @workflow.update
    async def order(self, drink: Drink) -> int:
        unit = await workflow.execute_activity(drink_price, drink.name, start_to_close_timeout=timedelta(seconds=5))
        if unit is None:
            raise exceptions.ApplicationError(f"no {drink.name} served here", type="NotOnTheMenu")
        cost = unit * drink.count
        self.bill.lines.append((drink, cost))
        self.bill.total += cost
        return self.bill.total

    @order.validator
    def still_open(self, drink: Drink) -> None:
        if self.closed:
            raise ValueError("the tab is closed")
        if drink.count < 1:
            raise ValueError("order at least one")

    @workflow.signal
    def close(self) -> None:
        self.closed = True


# -- seating: concurrent updates under a lock, continue-as-new with the state -----------------


@dataclass
class SeatRequest:
    party: str
    size: int


@dataclass
class Seating:
    seats: list[str]


@dataclass
class SeatMapState:
    open: bool = False
    closed: bool = False
    holder: dict[str, str | None] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)


@dataclass
class SeatMapInput:
    state: SeatMapState | None = None
    seat_count: int = 20
    rollover_after_events: int = 0
    sweep_every: timedelta = timedelta(minutes=10)


@dataclass
class SeatMapSummary:
    occupied: int
    broken: int


@workflow.defn
class SeatMap:
    @workflow.init
    def __init__(self, input: SeatMapInput) -> None:
        self.state = input.state or SeatMapState(holder={f"s{n:02}": None for n in range(input.seat_count)})
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, input: SeatMapInput) -> SeatMapSummary:
        await workflow.wait_condition(lambda: self.state.open)
        while not self.state.closed:
            try:
                await workflow.wait_condition(
                    lambda: self.state.closed or self.rollover_due(input), timeout=input.sweep_every
                )
            except TimeoutError:
                pass
            await self.sweep()
            if self.rollover_due(input) and not self.state.closed:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    SeatMapInput(
                        state=self.state,
                        rollover_after_events=input.rollover_after_events,
                        sweep_every=input.sweep_every,
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        occupied = sum(1 for party in self.state.holder.values() if party not in (None, "BROKEN"))
        return SeatMapSummary(occupied=occupied, broken=len(self.state.broken))

    def rollover_due(self, input: SeatMapInput) -> bool:
        if workflow.info().is_continue_as_new_suggested():
            return True
        limit = input.rollover_after_events
        return bool(limit) and workflow.info().get_current_history_length() > limit

    async def sweep(self) -> None:
        async with self.lock:
            in_use = [seat for seat, party in self.state.holder.items() if party != "BROKEN"]
            broken = await workflow.execute_activity(
                inspect_seats,
                in_use,
                start_to_close_timeout=timedelta(seconds=5),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
            for seat in broken:
                self.state.holder[seat] = "BROKEN"
                self.state.broken.append(seat)

    @workflow.signal
    def open_doors(self) -> None:
        self.state.open = True

    @workflow.signal
    def close_doors(self) -> None:
        self.state.closed = True

    @workflow.query
    def free(self) -> int:
        return sum(1 for party in self.state.holder.values() if party is None)

    @workflow.update
    async def seat(self, request: SeatRequest) -> Seating:
        await workflow.wait_condition(lambda: self.state.open)
        if self.state.closed:
            raise exceptions.ApplicationError("the doors are closed")
        async with self.lock:
            already = [seat for seat, party in self.state.holder.items() if party == request.party]
            if already:
                return Seating(already)
            free = [seat for seat, party in self.state.holder.items() if party is None]
            if len(free) < request.size:
                raise exceptions.ApplicationError(f"{request.party} needs {request.size} seats; only {len(free)} free")
            chosen = free[: request.size]
            await workflow.execute_activity(
                assign_seats, SeatChange(request.party, chosen), start_to_close_timeout=timedelta(seconds=5)
            )
            for seat in chosen:
                self.state.holder[seat] = request.party
            return Seating(chosen)

    @workflow.update
    async def unseat(self, party: str) -> None:
        await workflow.wait_condition(lambda: self.state.open)
        async with self.lock:
            seats = [seat for seat, holder in self.state.holder.items() if holder == party]
            await workflow.execute_activity(
                free_seats, SeatChange(party, seats), start_to_close_timeout=timedelta(seconds=5)
            )
            for seat in seats:
                self.state.holder[seat] = None


# -- a hold that is released when the run does not complete ----------------------------------


class Ending(Enum):
    COMPLETE = "complete"
    FAIL = "fail"
    CANCEL = "cancel"


def ends_the_run(error: BaseException) -> bool:
    return isinstance(error, (asyncio.CancelledError, workflow.ContinueAsNewError, exceptions.FailureError))


@workflow.defn
class Booking:
    def __init__(self) -> None:
        self.run_over: asyncio.Future[None] = asyncio.Future()
        self.holding = False

    @workflow.run
    async def run(self, ending: Ending) -> str:
        try:
            outcome = await self.decide(ending)
            self.run_over.set_result(None)
            await workflow.wait_condition(workflow.all_handlers_finished)
            return outcome
        except BaseException as error:
            if ends_the_run(error):
                self.run_over.set_exception(error)
                await workflow.wait_condition(workflow.all_handlers_finished)
            raise

    async def decide(self, ending: Ending) -> str:
        await workflow.wait_condition(lambda: self.holding)
        if ending is Ending.FAIL:
            raise exceptions.ApplicationError("the card was declined")
        if ending is Ending.CANCEL:
            await asyncio.Event().wait()
        return "booked"

    @workflow.update
    async def hold(self) -> str:
        self.holding = True
        work = asyncio.create_task(workflow.execute_activity(place_hold, start_to_close_timeout=timedelta(seconds=10)))
        await workflow.wait([work, self.run_over], return_when=asyncio.FIRST_EXCEPTION)
        try:
            if not work.done():
                raise exceptions.ApplicationError("the booking ended before the hold was placed") from (
                    self.run_over.exception()
                )
            await work
            return "held"
        except BaseException as error:
            if ends_the_run(error):
                await workflow.execute_activity(release_hold, start_to_close_timeout=timedelta(seconds=10))
            raise
