"""Payloads: values to JSON text and back, guided by type hints."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum, IntEnum

import pydantic
import pytest

from durable import workflow
from durable._converter import MAX_PAYLOAD_BYTES, decode, decode_args, encode, encode_args, hints_of
from durable.exceptions import PayloadSizeError

from .conftest import Driver


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Priority(IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Line:
    sku: str
    quantity: int
    color: Color


@dataclasses.dataclass
class Order:
    id: uuid.UUID
    lines: list[Line]
    priority: Priority
    total: Decimal
    placed_at: datetime
    note: str | None = None


class Customer(pydantic.BaseModel):
    name: str
    born: date
    tags: list[str] = []


class Account(pydantic.BaseModel):
    owner: Customer
    balance: Decimal
    opened: datetime


ORDER = Order(
    id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    lines=[Line("A1", 2, Color.RED), Line("B2", 1, Color.BLUE)],
    priority=Priority.HIGH,
    total=Decimal("19.90"),
    placed_at=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
)


def test_nested_dataclass_with_enums_round_trips() -> None:
    text = encode(ORDER)
    assert text == (
        '{"id":"12345678-1234-5678-1234-567812345678",'
        '"lines":[{"sku":"A1","quantity":2,"color":"red"},{"sku":"B2","quantity":1,"color":"blue"}],'
        '"priority":2,"total":"19.90","placed_at":"2024-05-06T07:08:09+00:00","note":null}'
    )
    back = decode(text, Order)
    assert back == ORDER
    assert isinstance(back.lines[0], Line) and back.lines[0].color is Color.RED
    assert back.priority is Priority.HIGH


def test_pydantic_model_round_trips() -> None:
    account = Account(
        owner=Customer(name="Ann", born=date(1990, 1, 31), tags=["vip"]),
        balance=Decimal("100.05"),
        opened=datetime(2020, 2, 29, 12, 0, tzinfo=UTC),
    )
    text = encode(account)
    assert decode(text, Account) == account
    assert decode(text) == {
        "owner": {"name": "Ann", "born": "1990-01-31", "tags": ["vip"]},
        "balance": "100.05",
        "opened": "2020-02-29T12:00:00Z",
    }


def test_datetime_is_isoformat_with_utc_offset() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    assert encode(moment) == '"2024-01-02T03:04:05.600000+00:00"'
    back = decode(encode(moment), datetime)
    assert back == moment and back.utcoffset() == timedelta(0)


def test_decimal_keeps_its_digits() -> None:
    assert encode(Decimal("0.10")) == '"0.10"'
    back = decode(encode(Decimal("0.10")), Decimal)
    assert back == Decimal("0.10") and str(back) == "0.10"


def test_uuid_round_trips() -> None:
    value = uuid.UUID("9f0c1b2a-3d4e-4f5a-8b6c-7d8e9f0a1b2c")
    assert encode(value) == '"9f0c1b2a-3d4e-4f5a-8b6c-7d8e9f0a1b2c"'
    assert decode(encode(value), uuid.UUID) == value


def test_bytes_round_trip_as_base64() -> None:
    raw = bytes(range(256))
    text = encode(raw)
    assert text.startswith('"AAECAwQF')
    assert decode(text, bytes) == raw


def test_dict_with_int_keys_round_trips_with_its_hint() -> None:
    value = {1: "one", 20: "twenty"}
    text = encode(value)
    assert text == '{"1":"one","20":"twenty"}'
    assert decode(text, dict[int, str]) == value
    assert decode(text) == {"1": "one", "20": "twenty"}


def test_plain_json_without_hints() -> None:
    text = encode({"a": [1, 2.5, None, True], "b": "x"})
    assert decode(text) == {"a": [1, 2.5, None, True], "b": "x"}
    assert decode(encode((1, 2))) == [1, 2]
    assert decode(encode(ORDER))["lines"][1] == {"sku": "B2", "quantity": 1, "color": "blue"}


def test_decode_validates_against_the_hint() -> None:
    with pytest.raises(pydantic.ValidationError):
        decode('{"sku":"A1","quantity":"many","color":"red"}', Line)


class Opaque:
    pass


def test_unserializable_value_raises_type_error_naming_the_type() -> None:
    with pytest.raises(TypeError, match="Opaque"):
        encode(Opaque())
    with pytest.raises(TypeError, match="Opaque"):
        encode({"nested": [Opaque()]})


def test_payload_over_the_limit_raises_naming_the_limit() -> None:
    assert encode("x" * (MAX_PAYLOAD_BYTES - 2)) == '"' + "x" * (MAX_PAYLOAD_BYTES - 2) + '"'
    with pytest.raises(PayloadSizeError, match=str(MAX_PAYLOAD_BYTES)):
        encode("x" * MAX_PAYLOAD_BYTES)


def test_args_decode_by_position_and_extra_ones_untyped() -> None:
    payloads = encode_args([ORDER, 5, {"k": 1}])
    order, count, extra = decode_args(payloads, [Order, int])
    assert (order, count, extra) == (ORDER, 5, {"k": 1})


def test_hints_of_skips_self_and_reads_the_return_hint() -> None:
    class Holder:
        def method(self, order: Order, count: int, loose) -> list[Line]:  # type: ignore[no-untyped-def]
            return []

        def returns_none(self, x: int) -> None:
            return None

    assert hints_of(Holder.method) == ([Order, int, None], list[Line])
    assert hints_of(Holder.returns_none) == ([int], None)


@workflow.defn
class TakesOrder:
    @workflow.run
    async def run(self, order: Order, account: Account) -> dict[str, str]:
        return {
            "order": type(order).__name__,
            "line": type(order.lines[0]).__name__,
            "color": type(order.lines[0].color).__name__,
            "total": type(order.total).__name__,
            "account": type(account).__name__,
            "opened": type(account.opened).__name__,
        }


def test_a_workflow_receives_its_arguments_as_the_declared_types() -> None:
    account = Account(owner=Customer(name="Ann", born=date(1990, 1, 31)), balance=Decimal(1), opened=ORDER.placed_at)
    d = Driver(TakesOrder)
    d.start(ORDER, account)
    assert d.result() == {
        "order": "Order",
        "line": "Line",
        "color": "Color",
        "total": "Decimal",
        "account": "Account",
        "opened": "datetime",
    }


def test_raw_values_and_the_payload_converter() -> None:
    from durable._converter import Payload, RawValue, payload_converter

    payload = payload_converter.to_payload({"a": [1, 2]})
    assert payload == Payload(metadata={"encoding": b"json/plain"}, data=b'{"a":[1,2]}')
    assert payload_converter.from_payload(payload) == {"a": [1, 2]}
    assert payload_converter.from_payload(Payload.of('"2024-01-02T03:04:05+00:00"'), datetime) == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    raw = decode('{"kept": true}', RawValue)
    assert raw == RawValue(Payload.of('{"kept": true}'))
    assert encode(raw) == '{"kept": true}'  # passes through unconverted
    assert payload_converter.to_payloads([raw, 3]) == [raw.payload, Payload.of("3")]
    assert payload_converter.from_payloads([raw.payload, Payload.of("3")], [RawValue, int]) == [raw, 3]
