"""The default JSON encoding: pydantic writes the JSON the hand walk wrote, and bytes come back at any depth."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from durable import _converter
from durable._conversion import json_values
from durable.exceptions import PayloadSizeError


def walked(value: Any) -> Any:
    """The JSON values durable's converter wrote before pydantic (its hand walk, kept as the spec)."""
    if value is None or isinstance(value, (str, bool, int, float)) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return walked(value.value)
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: walked(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else walked(k): walked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [walked(v) for v in value]
    raise TypeError(type(value).__name__)


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Size(IntEnum):
    S = 1
    L = 3


@dataclasses.dataclass
class Line:
    sku: str
    quantity: int
    price: Decimal
    color: Color
    size: Size
    thumbnail: bytes


@dataclasses.dataclass
class Order:
    order_id: uuid.UUID
    placed_at: datetime.datetime
    ships_on: datetime.date
    cutoff: datetime.time
    hold_for: datetime.timedelta
    tags: frozenset[str]
    attributes: dict[str, str]
    lines: list[Line]
    weights: tuple[float, ...]
    note: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # Any: written by the walk, not pydantic


@dataclasses.dataclass
class Shape:
    name: str


@dataclasses.dataclass
class Drawing:
    shape: Shape


class Customer(pydantic.BaseModel):
    name: str
    avatar: bytes
    since: datetime.datetime


@dataclasses.dataclass
class Account:
    customer: Customer
    history: list[Order]


zones = st.sampled_from([datetime.UTC, None, datetime.timezone(datetime.timedelta(hours=-5))])
lines = st.builds(
    Line,
    sku=st.text(max_size=8),
    quantity=st.integers(),
    price=st.decimals(allow_nan=False, allow_infinity=False, places=2),
    color=st.sampled_from(Color),
    size=st.sampled_from(Size),
    thumbnail=st.binary(max_size=12),
)
orders = st.builds(
    Order,
    order_id=st.uuids(),
    placed_at=st.datetimes(timezones=zones),
    ships_on=st.dates(),
    cutoff=st.times(),
    hold_for=st.timedeltas(),
    tags=st.frozensets(st.text(max_size=4), max_size=3),
    attributes=st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
    lines=st.lists(lines, max_size=4),
    weights=st.tuples(st.floats(allow_nan=False), st.floats(allow_nan=False)),
    note=st.none() | st.text(max_size=6),
    extra=st.dictionaries(st.text(max_size=3), st.datetimes(timezones=zones) | st.binary(max_size=4), max_size=2),
)


@given(orders)
def test_a_dataclass_is_written_as_the_walk_wrote_it(order: Order) -> None:
    assert json.loads(json_values.to_json(order)) == walked(order)


@given(st.lists(orders, max_size=3))
def test_a_list_of_dataclasses_is_written_as_the_walk_wrote_it(history: list[Order]) -> None:
    assert json.loads(json_values.to_json(history)) == walked(history)


@given(orders)
def test_a_dataclass_round_trips_with_its_bytes(order: Order) -> None:
    back = _converter.decode(_converter.encode(order), Order)
    assert back.lines == order.lines
    assert back.extra.keys() == order.extra.keys()  # Any-typed: plain JSON back, as before


def test_a_utc_time_keeps_its_offset_and_bytes_the_standard_alphabet() -> None:
    order = Order(
        order_id=uuid.UUID(int=1),
        placed_at=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        ships_on=datetime.date(2026, 1, 3),
        cutoff=datetime.time(17, 30),
        hold_for=datetime.timedelta(minutes=90),
        tags=frozenset(),
        attributes={},
        lines=[Line("a", 1, Decimal("1.50"), Color.RED, Size.L, b"\xff\xfe>?")],
        weights=(1.5,),
    )
    data = json.loads(json_values.to_json(order))
    assert data["placed_at"] == "2026-01-02T03:04:05+00:00"
    assert data["hold_for"] == 5400.0
    assert data["lines"][0] == {
        "sku": "a",
        "quantity": 1,
        "price": "1.50",
        "color": "red",
        "size": 3,
        "thumbnail": "//4+Pw==",
    }


def test_bytes_nested_in_a_list_a_dict_and_a_model_come_back_as_bytes() -> None:
    blob = b"\x00\xffbinary"
    assert _converter.decode(_converter.encode([blob, blob]), list[bytes]) == [blob, blob]
    assert _converter.decode(_converter.encode({"k": blob}), dict[str, bytes]) == {"k": blob}
    assert _converter.decode(_converter.encode(blob), bytes) == blob
    customer = Customer(name="Ada", avatar=b"utf-8 bytes", since=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    account = Account(customer=customer, history=[])
    assert _converter.decode(_converter.encode(account), Account) == account  # a model keeps its own config


def test_a_model_is_written_as_model_dump_writes_it() -> None:
    customer = Customer(name="Zoë", avatar=b"x", since=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert json.loads(json_values.to_json(customer)) == customer.model_dump(mode="json")
    assert json.loads(json_values.to_json([customer, customer])) == [customer.model_dump(mode="json")] * 2


def test_values_pydantic_cannot_write_as_the_walk_are_walked() -> None:
    @dataclasses.dataclass
    class Loose:
        anything: Any
        keyed: dict[Color, int]

    loose = Loose(anything={"when": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)}, keyed={Color.RED: 1})
    assert json.loads(json_values.to_json(loose)) == {
        "anything": {"when": "2026-01-01T00:00:00+00:00"},
        "keyed": {"red": 1},
    }
    mismatched = Line("a", "not an int", Decimal(1), Color.RED, Size.S, b"")  # type: ignore[arg-type]
    assert json.loads(json_values.to_json(mismatched))["quantity"] == "not an int"


def test_the_limit_counts_bytes_of_utf8() -> None:
    @dataclasses.dataclass
    class Note:
        text: str

    note = Note("é" * (_converter.MAX_PAYLOAD_BYTES // 2 + 1))  # fewer characters than the limit, more bytes
    assert len(json_values.to_json(Note("é"))) == len('{"text":""}') + 2  # written as UTF-8
    with pytest.raises(PayloadSizeError, match="over the limit"):
        _converter.encode(note)


def test_an_instance_of_a_subclass_keeps_its_own_fields() -> None:
    drawing = Drawing(Shape("dot"))
    assert json.loads(json_values.to_json(drawing)) == {"shape": {"name": "dot"}}  # before any subclass exists

    @dataclasses.dataclass
    class Circle(Shape):
        radius: float

    assert json.loads(json_values.to_json(Drawing(Circle("c", 2.0)))) == {"shape": {"name": "c", "radius": 2.0}}


def test_a_class_pydantic_cannot_resolve_is_walked() -> None:
    @dataclasses.dataclass
    class Inner:
        when: datetime.datetime

    @dataclasses.dataclass
    class Outer:
        inner: Inner  # a string annotation naming a class local to this function: pydantic cannot resolve it

    assert json_values._serializer(Outer) is None
    value = Outer(Inner(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)))
    assert json.loads(json_values.to_json(value)) == {"inner": {"when": "2026-01-01T00:00:00+00:00"}}
