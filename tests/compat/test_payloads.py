"""Payload conversion: values come back as the declared types.

temporalio's default converter (JSON) handles dataclasses, str/int enums, datetime,
UUID, bytes, tuples and sets; it raises TypeError for a plain Enum, Decimal, date and
timedelta. Pydantic models (and those types inside them) need temporalio's
pydantic_data_converter: the ``pydantic_env`` fixture (sdk.start_env(pydantic=True)).
durable's single converter is meant to do both, so the tests below stay the same.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum

import pydantic

from .sdk import activity, new_worker, workflow

T5 = timedelta(seconds=5)


class Status(str, Enum):  # noqa: UP042 - the str-mixin Enum users write, not StrEnum
    NEW = "new"
    SHIPPED = "shipped"


@dataclass
class Customer:
    name: str
    email: str


@dataclass
class Line:
    sku: str
    qty: int


@dataclass
class Order:
    id: str
    customer: Customer
    status: Status
    placed_at: datetime
    ref: uuid.UUID
    lines: list[Line] = field(default_factory=list)


@activity.defn
async def ship(order: Order) -> Order:
    assert isinstance(order, Order) and isinstance(order.customer, Customer)
    assert isinstance(order.lines[0], Line) and isinstance(order.status, Status)
    order.status = Status.SHIPPED
    return order


@workflow.defn
class OrderWorkflow:
    @workflow.run
    async def run(self, order: Order) -> Order:
        checks = [
            isinstance(order, Order),
            isinstance(order.customer, Customer),
            all(isinstance(line, Line) for line in order.lines),
            order.status is Status.NEW,
            isinstance(order.placed_at, datetime),
            isinstance(order.ref, uuid.UUID),
        ]
        if not all(checks):
            raise RuntimeError(f"wrong types in workflow: {checks}")
        return await workflow.execute_activity(ship, order, start_to_close_timeout=T5)


@workflow.defn
class Echo:
    @workflow.run
    async def run(self, value: dict) -> dict:
        return value


@workflow.defn
class TypedShapes:
    @workflow.run
    async def run(self, when: datetime, blob: bytes) -> dict:
        assert isinstance(when, datetime) and isinstance(blob, bytes)
        return {
            "when": when.isoformat(),
            "later": (when + timedelta(days=1)).isoformat(),
            "blob_len": len(blob),
        }


@workflow.defn
class IntKeys:
    @workflow.run
    async def run(self, counts: dict[int, str]) -> dict[int, str]:
        assert all(isinstance(k, int) for k in counts)
        return counts


@workflow.defn
class ReturnsNothing:
    @workflow.run
    async def run(self) -> None:
        return None


def _order() -> Order:
    return Order(
        id="o-1",
        customer=Customer("Ada", "ada@example.com"),
        status=Status.NEW,
        placed_at=datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),
        ref=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        lines=[Line("a", 1), Line("b", 2)],
    )


async def test_dataclass_nested_enum_datetime_uuid_round_trip(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[OrderWorkflow], activities=[ship]):
        result = await client.execute_workflow(OrderWorkflow.run, _order(), id="wf-order", task_queue=task_queue)
    expected = _order()
    expected.status = Status.SHIPPED
    assert isinstance(result, Order)
    assert result == expected
    assert result.placed_at.tzinfo is not None


async def test_result_by_workflow_name_without_type_is_plain_json(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[OrderWorkflow], activities=[ship]):
        result = await client.execute_workflow("OrderWorkflow", _order(), id="wf-order-untyped", task_queue=task_queue)
    assert result == {
        "id": "o-1",
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "status": "shipped",
        "placed_at": "2024-05-06T07:08:09.123000+00:00",
        "ref": "12345678-1234-5678-1234-567812345678",
        "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}],
    }


async def test_result_type_given_by_name(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[OrderWorkflow], activities=[ship]):
        result = await client.execute_workflow(
            "OrderWorkflow",
            _order(),
            id="wf-order-rt",
            task_queue=task_queue,
            result_type=Order,
        )
    assert isinstance(result, Order) and result.status is Status.SHIPPED


async def test_dataclass_into_untyped_dict_parameter(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Echo]):
        result = await client.execute_workflow(Echo.run, Line("x", 3), id="wf-echo", task_queue=task_queue)
    assert result == {"sku": "x", "qty": 3}


async def test_datetime_and_bytes_arguments(client, task_queue):
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with new_worker(client, task_queue=task_queue, workflows=[TypedShapes]):
        result = await client.execute_workflow(
            TypedShapes.run,
            args=[when, b"\x00\x01\xff"],
            id="wf-shapes",
            task_queue=task_queue,
        )
    assert result == {
        "when": "2030-01-02T03:04:05+00:00",
        "later": "2030-01-03T03:04:05+00:00",
        "blob_len": 3,
    }


async def test_int_dict_keys_restored_only_with_type_hint(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[IntKeys, Echo]):
        typed = await client.execute_workflow(IntKeys.run, {1: "a", 2: "b"}, id="wf-keys", task_queue=task_queue)
        untyped = await client.execute_workflow(Echo.run, {1: "a"}, id="wf-keys-untyped", task_queue=task_queue)
    assert typed == {1: "a", 2: "b"}
    assert untyped == {"1": "a"}


async def test_none_result(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[ReturnsNothing]):
        assert await client.execute_workflow(ReturnsNothing.run, id="wf-none", task_queue=task_queue) is None


# ---------------------------------------------------------------- pydantic


class Color(Enum):  # a plain Enum: the default temporalio converter cannot encode it
    RED = "red"
    BLUE = "blue"


class Address(pydantic.BaseModel):
    city: str
    zip: str


class Invoice(pydantic.BaseModel):
    id: uuid.UUID
    amount: Decimal
    issued: datetime
    due: date
    grace: timedelta
    color: Color
    address: Address
    tags: list[str] = []


@activity.defn
async def pay(invoice: Invoice) -> Invoice:
    assert isinstance(invoice, Invoice) and isinstance(invoice.amount, Decimal)
    return invoice.model_copy(update={"amount": invoice.amount + Decimal("0.01")})


@workflow.defn
class InvoiceWorkflow:
    @workflow.run
    async def run(self, invoice: Invoice) -> Invoice:
        checks = [
            isinstance(invoice, Invoice),
            isinstance(invoice.address, Address),
            isinstance(invoice.amount, Decimal),
            isinstance(invoice.id, uuid.UUID),
            isinstance(invoice.due, date),
            isinstance(invoice.grace, timedelta),
            invoice.color is Color.BLUE,
        ]
        if not all(checks):
            raise RuntimeError(f"wrong types in workflow: {checks}")
        return await workflow.execute_activity(pay, invoice, start_to_close_timeout=T5)


async def test_pydantic_model_with_decimal_uuid_dates_enum(pydantic_env, task_queue):
    client = pydantic_env.client
    invoice = Invoice(
        id=uuid.UUID("87654321-4321-8765-4321-876543218765"),
        amount=Decimal("10.10"),
        issued=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        due=date(2024, 2, 1),
        grace=timedelta(days=3),
        color=Color.BLUE,
        address=Address(city="Lyon", zip="69001"),
        tags=["a"],
    )
    async with new_worker(client, task_queue=task_queue, workflows=[InvoiceWorkflow], activities=[pay]):
        result = await client.execute_workflow(InvoiceWorkflow.run, invoice, id="wf-invoice", task_queue=task_queue)
    assert isinstance(result, Invoice)
    assert result.amount == Decimal("10.11")
    assert str(result.amount) == "10.11"
    assert result.model_dump(exclude={"amount"}) == invoice.model_dump(exclude={"amount"})
