"""Converter cost: microseconds to encode and decode a 50-item order, before and after pydantic.

The order is a dataclass with 50 line-item dataclasses (a SKU, a quantity, a Decimal price,
an enum, bytes), a UUID, a UTC datetime, a timedelta, a set and a dict: what a workflow
passes to an activity. "before" is durable's converter until it serialized with pydantic
(a walk of the value in Python into json.dumps, decoding with a TypeAdapter of the hint),
copied below as it was; "after" is the default payload converter of durable.converter,
value to stored text and back. Both write the same JSON.

    .venv/bin/python benchmarks/converter.py [--items 50] [--repeat 2000]
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime
import json
import sys
import timeit
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pydantic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable import _converter  # noqa: E402


class Color(Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class LineItem:
    sku: str
    quantity: int
    price: Decimal
    color: Color
    thumbnail: bytes


@dataclasses.dataclass
class Order:
    order_id: uuid.UUID
    placed_at: datetime.datetime
    hold_for: datetime.timedelta
    tags: set[str]
    attributes: dict[str, str]
    lines: list[LineItem]


def order_of(items: int) -> Order:
    return Order(
        order_id=uuid.UUID(int=7),
        placed_at=datetime.datetime(2026, 12, 5, 12, 30, tzinfo=datetime.UTC),
        hold_for=datetime.timedelta(minutes=90),
        tags={"gift"},
        attributes={"channel": "web"},
        lines=[
            LineItem(f"SKU-{i:04}", i % 5 + 1, Decimal("19.99"), Color.RED if i % 2 else Color.BLUE, b"\x89PNG")
            for i in range(items)
        ],
    )


# -- before: the converter as it was --------------------------------------------------


def _before_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return _before_jsonable(value.value)
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _before_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else _before_jsonable(k): _before_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_before_jsonable(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def before_encode(value: Any) -> str:
    return json.dumps(_before_jsonable(value), separators=(",", ":"))


_BEFORE_ADAPTER = pydantic.TypeAdapter(Order)


def before_decode(text: str) -> Order:
    return _BEFORE_ADAPTER.validate_json(text)


# -- after: durable.converter's default -----------------------------------------------


def after_encode(value: Any) -> str:
    return _converter.encode(value)


def after_decode(text: str) -> Order:
    return _converter.decode(text, Order)  # type: ignore[no-any-return]


def microseconds(fn: Callable[[], Any], repeat: int) -> float:
    best = min(timeit.repeat(fn, number=repeat, repeat=5))  # the least disturbed of five runs
    return best / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    order = order_of(args.items)
    text = after_encode(order)
    assert json.loads(text) == json.loads(before_encode(order)), "the JSON changed"
    assert after_decode(text) == order, "the order did not round-trip"
    before_round_trip = before_decode(before_encode(order)).lines[0].thumbnail
    print(f"{args.items}-item order, {len(text)} bytes of JSON (best of 5 x {args.repeat})")
    print(f"  nested bytes back as: before {before_round_trip!r}, after {after_decode(text).lines[0].thumbnail!r}")
    enc_before, enc_after = (
        microseconds(lambda: before_encode(order), args.repeat),
        microseconds(lambda: after_encode(order), args.repeat),
    )
    dec_before, dec_after = (
        microseconds(lambda: before_decode(text), args.repeat),
        microseconds(lambda: after_decode(text), args.repeat),
    )
    print(f"  encode: before {enc_before:7.1f} us   after {enc_after:7.1f} us   ({enc_before / enc_after:.1f}x)")
    print(f"  decode: before {dec_before:7.1f} us   after {dec_after:7.1f} us   ({dec_before / dec_after:.1f}x)")


if __name__ == "__main__":
    main()
