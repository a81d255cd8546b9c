"""Activities and the data they exchange, for every scenario here. The workflow modules import
this module inside ``workflow.unsafe.imports_passed_through()``, as code written for temporalio
imports its activities."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from enum import IntEnum

from durable import activity

# -- thermostat (signals, queries, updates with validators) ----------------------------------


class Preset(IntEnum):
    BOOST = 1
    COMFORT = 2
    ECO = 3
    FROST = 4
    NIGHT = 5


LOCAL_SETPOINTS = {Preset.COMFORT: 21, Preset.ECO: 17}


@activity.defn
async def remote_setpoints() -> dict[str, int]:
    """The vendor's cloud knows more presets than the device does."""
    await asyncio.sleep(0.01)
    return {"BOOST": 25, "COMFORT": 21, "ECO": 17, "FROST": 7}


# -- bar tab (update-with-start) -------------------------------------------------------------


@dataclass
class Drink:
    name: str
    count: int


PRICES = {"lemonade": 350, "espresso": 240, "tea": 300}


@activity.defn
async def drink_price(name: str) -> int | None:
    return PRICES.get(name)


# -- seating (safe message handlers) ---------------------------------------------------------

BROKEN_SEATS: set[str] = set()


@dataclass
class SeatChange:
    party: str
    seats: list[str]


@activity.defn
async def assign_seats(change: SeatChange) -> None:
    await asyncio.sleep(0.02)


@activity.defn
async def free_seats(change: SeatChange) -> None:
    await asyncio.sleep(0.02)


@activity.defn
async def inspect_seats(seats: list[str]) -> list[str]:
    return sorted(seat for seat in seats if seat in BROKEN_SEATS)


# -- booking hold (waiting for handlers, compensation) ---------------------------------------

HOLDS: Counter[str] = Counter()


@activity.defn
async def place_hold() -> None:
    await asyncio.sleep(0.5)
    HOLDS["placed"] += 1


@activity.defn
async def release_hold() -> None:
    HOLDS["released"] += 1


# -- polling ---------------------------------------------------------------------------------

CALLS_TO_ANSWER = 4
calls: Counter[str] = Counter()


def flaky_inventory(sku: str) -> int:
    """A service that is down until its fourth call for a workflow."""
    key = activity.info().workflow_id
    calls[key] += 1
    if calls[key] < CALLS_TO_ANSWER:
        raise RuntimeError("inventory service unavailable")
    return len(sku) * 10


@activity.defn
async def stock_level(sku: str) -> int:
    return flaky_inventory(sku)


heartbeats: Counter[str] = Counter()
answered_on_attempt: dict[str, int] = {}


@activity.defn
async def stock_level_polled(sku: str) -> int:
    key = activity.info().workflow_id
    while True:
        try:
            level = flaky_inventory(sku)
        except RuntimeError:
            activity.heartbeat(calls[key])
            heartbeats[key] += 1
            await asyncio.sleep(0.1)
        else:
            answered_on_attempt[key] = activity.info().attempt
            return level


# -- reminders, schedules, eager start, replay -----------------------------------------------

REMINDERS: list[str] = []


@activity.defn
async def send_reminder(text: str) -> str:
    REMINDERS.append(text)
    return text


@activity.defn
async def shout(word: str) -> str:
    return word.upper() + "!"


# -- parking garage (workflows coordinating by signals) --------------------------------------


@dataclass
class Errand:
    bay: str
    errand: str


BAY_LOG: list[tuple[str, str, str, str]] = []


@activity.defn
async def use_bay(errand: Errand) -> None:
    driver = activity.info().workflow_id
    BAY_LOG.append((driver, errand.bay, errand.errand, "in"))
    await asyncio.sleep(0.03)
    BAY_LOG.append((driver, errand.bay, errand.errand, "out"))


# -- photo batch (sliding window of children) ------------------------------------------------


@dataclass
class PageRequest:
    start: int
    limit: int
    end: int


class PhotoArchive:
    """Activities as methods of an object that holds their configuration."""

    def __init__(self, photos: int) -> None:
        self.photos = photos

    @activity.defn
    async def count_photos(self) -> int:
        return self.photos

    @activity.defn
    async def photo_page(self, request: PageRequest) -> list[int]:
        return list(range(request.start, min(request.start + request.limit, request.end, self.photos)))


# -- recipes (an interpreter running activities by name) -------------------------------------


class Kitchen:
    def __init__(self) -> None:
        self.log: list[str] = []

    def _do(self, verb: str, things: list[str]) -> str:
        self.log.append(verb)
        return f"{verb}({', '.join(things)})"

    @activity.defn(name="chop")
    async def chop(self, things: list[str]) -> str:
        return self._do("chop", things)

    @activity.defn(name="boil")
    async def boil(self, things: list[str]) -> str:
        return self._do("boil", things)

    @activity.defn(name="fry")
    async def fry(self, things: list[str]) -> str:
        return self._do("fry", things)

    @activity.defn(name="season")
    async def season(self, things: list[str]) -> str:
        return self._do("season", things)

    @activity.defn(name="plate")
    async def plate(self, things: list[str]) -> str:
        return self._do("plate", things)


# -- invoices (patching), replay -------------------------------------------------------------


@activity.defn
async def net_amount() -> str:
    return "net"


@activity.defn
async def gross_amount() -> str:
    return "gross"
