"""Workflows that work together: a garage handing bays to driver workflows by signals (handlers
registered at run time, a bay kept across continue-as-new), a batch split into windows of child
workflows that report back by signal, and an interpreter running a tree of steps by name."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Union

from durable import exceptions, workflow
from durable.common import WorkflowIDReusePolicy

with workflow.unsafe.imports_passed_through():
    from tests.idioms.activities import Errand, PageRequest, PhotoArchive, use_bay


# -- the garage ------------------------------------------------------------------------------


@dataclass
class BayRequest:
    driver: str
    reply_to: str


@dataclass
class BayReturn:
    driver: str
    bay: str


@dataclass
class GarageInput:
    bays: dict[str, str | None]
    queue: list[BayRequest] = field(default_factory=list)


@workflow.defn
class Garage:
    @workflow.init
    def __init__(self, input: GarageInput) -> None:
        self.bays = dict(input.bays)
        self.queue = list(input.queue)

    @workflow.run
    async def run(self, input: GarageInput) -> None:
        while True:
            await workflow.wait_condition(lambda: self.assignable() or self.time_to_roll_over())
            if self.assignable():
                request = self.queue.pop(0)
                bay = next(name for name, driver in self.bays.items() if driver is None)
                self.bays[bay] = request.driver
                await workflow.get_external_workflow_handle(request.driver).signal(request.reply_to, bay)
            elif self.time_to_roll_over():
                workflow.continue_as_new(GarageInput(bays=self.bays, queue=self.queue))

    def assignable(self) -> bool:
        return bool(self.queue) and any(driver is None for driver in self.bays.values())

    def time_to_roll_over(self) -> bool:
        return workflow.info().is_continue_as_new_suggested() and workflow.all_handlers_finished()

    @workflow.signal
    def request(self, request: BayRequest) -> None:
        self.queue.append(request)

    @workflow.signal
    def give_back(self, returned: BayReturn) -> None:
        if self.bays.get(returned.bay) == returned.driver:
            self.bays[returned.bay] = None

    @workflow.query
    def occupants(self) -> dict[str, str | None]:
        return self.bays


@asynccontextmanager
async def bay_in(garage_id: str, already_held: str | None = None) -> AsyncIterator[Bay]:
    """Hold a bay for the block; give it back on the way out unless handed on."""
    me = workflow.info().workflow_id
    garage = workflow.get_external_workflow_handle_for(Garage.run, garage_id)
    held = Bay(already_held)
    if held.name is None:
        reply = f"bay-for-{workflow.uuid4()}"
        workflow.set_signal_handler(reply, held.assign)
        await garage.signal(Garage.request, BayRequest(driver=me, reply_to=reply))
        await workflow.wait_condition(lambda: held.name is not None)
    try:
        yield held
    finally:
        if not held.handed_on:
            await garage.signal(Garage.give_back, BayReturn(driver=me, bay=held.name))


@dataclass
class Bay:
    name: str | None
    handed_on: bool = False

    def assign(self, name: str) -> None:
        self.name = name


@dataclass
class DriverInput:
    garage_id: str
    errands: list[str]
    fail_after: str | None = None
    second_trip: list[str] = field(default_factory=list)
    bay: str | None = None


@workflow.defn
class Driver:
    @workflow.run
    async def run(self, input: DriverInput) -> str:
        info = workflow.info()
        if info.execution_timeout or info.run_timeout:
            raise exceptions.ApplicationError("a driver must not time out while it holds a bay")
        async with bay_in(input.garage_id, input.bay) as bay:
            for errand in input.errands:
                await workflow.execute_activity(
                    use_bay, Errand(bay.name, errand), start_to_close_timeout=timedelta(seconds=5)
                )
                if errand == input.fail_after:
                    raise exceptions.ApplicationError(f"broke down after {errand}")
            if input.second_trip:
                bay.handed_on = True
                workflow.continue_as_new(
                    DriverInput(garage_id=input.garage_id, errands=input.second_trip, bay=bay.name)
                )
            return bay.name


# -- a batch in windows of children ----------------------------------------------------------


@dataclass
class BatchInput:
    partitions: int
    page_size: int
    window: int


@dataclass
class WindowInput:
    start: int
    end: int
    page_size: int
    window: int
    done: int = 0
    in_flight: set[int] = field(default_factory=set)


@dataclass
class WindowProgress:
    done: int
    in_flight: list[int]


@workflow.defn
class PhotoBatch:
    @workflow.run
    async def run(self, input: BatchInput) -> int:
        total = await workflow.execute_activity_method(
            PhotoArchive.count_photos, start_to_close_timeout=timedelta(seconds=5)
        )
        share = -(-total // input.partitions)
        me = workflow.info().workflow_id
        windows = [
            await workflow.start_child_workflow(
                PhotoWindow.run,
                WindowInput(
                    start=p * share, end=min(total, (p + 1) * share), page_size=input.page_size, window=input.window
                ),
                id=f"{me}/{p}",
            )
            for p in range(input.partitions)
        ]
        return sum(await asyncio.gather(*windows))


@workflow.defn
class PhotoWindow:
    @workflow.run
    async def run(self, input: WindowInput) -> int:
        self.in_flight = set(input.in_flight)
        self.done = input.done
        workflow.set_signal_handler("photo_done", self.photo_done)
        workflow.set_query_handler("progress", lambda: WindowProgress(self.done, sorted(self.in_flight)))
        photos: list[int] = []
        if input.start < input.end:
            photos = await workflow.execute_activity_method(
                PhotoArchive.photo_page,
                PageRequest(start=input.start, limit=input.page_size, end=input.end),
                start_to_close_timeout=timedelta(seconds=5),
            )
        me = workflow.info().workflow_id
        for photo in photos:
            await workflow.wait_condition(lambda: len(self.in_flight) < input.window)
            await workflow.start_child_workflow(
                Thumbnail.run,
                photo,
                id=f"{me}/{photo}",
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
            self.in_flight.add(photo)
        following = input.start + len(photos)
        if following < input.end:
            workflow.continue_as_new(
                WindowInput(
                    start=following,
                    end=input.end,
                    page_size=input.page_size,
                    window=input.window,
                    done=self.done,
                    in_flight=self.in_flight,
                )
            )
        await workflow.wait_condition(lambda: not self.in_flight)
        return self.done

    def photo_done(self, photo: int) -> None:
        if photo in self.in_flight:
            self.in_flight.discard(photo)
            self.done += 1


@workflow.defn
class Thumbnail:
    @workflow.run
    async def run(self, photo: int) -> None:
        await workflow.sleep(workflow.random().randint(1, 8))
        parent = workflow.info().parent
        if parent is not None:
            await workflow.get_external_workflow_handle(parent.workflow_id).signal("photo_done", photo)


# -- a recipe interpreter --------------------------------------------------------------------


@dataclass
class Step:
    verb: str
    uses: list[str]
    makes: str


@dataclass
class StepNode:
    step: Step


@dataclass
class InOrder:
    steps: list[Node]


@dataclass
class InOrderNode:
    in_order: InOrder


@dataclass
class AtOnce:
    branches: list[Node]


@dataclass
class AtOnceNode:
    at_once: AtOnce


Node = Union[StepNode, InOrderNode, AtOnceNode]  # noqa: UP007 (the typing.Union spelling, as sample code writes it)


@dataclass
class Recipe:
    pantry: dict[str, str]
    root: Node


@workflow.defn
class Cook:
    @workflow.run
    async def run(self, recipe: Recipe) -> dict[str, str]:
        self.made = dict(recipe.pantry)
        await self.follow(recipe.root)
        return self.made

    async def follow(self, node: Node) -> None:
        if isinstance(node, StepNode):
            step = node.step
            self.made[step.makes] = await workflow.execute_activity(
                step.verb,
                args=[[self.made[name] for name in step.uses]],
                start_to_close_timeout=timedelta(seconds=5),
                result_type=str,
            )
        elif isinstance(node, InOrderNode):
            for child in node.in_order.steps:
                await self.follow(child)
        else:
            await asyncio.gather(*(self.follow(branch) for branch in node.at_once.branches))
