"""Payloads: values to JSON text and back, guided by type hints.

A payload is the JSON text of one value. Encoding accepts what temporalio's default
converter accepts and more (dataclasses, pydantic models, enums, datetime, Decimal,
UUID, bytes as base64); decoding validates the JSON against the declared type, so a
workflow parameter annotated ``order: Order`` receives an ``Order``. Without a hint,
a payload decodes to plain JSON values (dicts, lists, strings, numbers).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import inspect
import json
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

import pydantic

from durable import _limits
from durable.exceptions import PayloadSizeError

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Payload",
    "PayloadConverter",
    "RawValue",
    "decode",
    "decode_args",
    "encode",
    "encode_args",
    "hints_of",
    "payload_converter",
]

MAX_PAYLOAD_BYTES = _limits.MAX_PAYLOAD_BYTES
"""Largest payload accepted: 2 MB, Temporal's limit. Whatever a decision holds, the
stores keep their items and messages within AWS's limits by moving large values to the
payload store (claim check)."""


@dataclasses.dataclass(frozen=True)
class Payload:
    """One encoded value, with the two fields of temporalio's ``Payload`` that code reads.

    ``data`` is the value's JSON text in UTF-8, as it travels here; ``metadata`` names that
    encoding as temporalio's JSON converter does. Only what a :class:`RawValue` needs, so that
    ``payload_converter().from_payload(raw.payload, T)`` works as in temporalio.
    """

    data: bytes
    metadata: Mapping[str, bytes] = dataclasses.field(default_factory=lambda: {"encoding": b"json/plain"})

    @staticmethod
    def of(text: str) -> Payload:
        """The payload of a value's JSON text."""
        return Payload(text.encode())

    @property
    def text(self) -> str:
        """The JSON text."""
        return self.data.decode()


@dataclasses.dataclass(frozen=True)
class RawValue:
    """Representation of an unconverted, raw payload (temporalio's ``common.RawValue``).

    Dynamic workflows, activities and handlers receive their arguments as these; as a
    parameter or result type elsewhere it passes the payload through unconverted.
    """

    payload: Payload


class PayloadConverter:
    """temporalio's ``PayloadConverter`` interface over this module's JSON payloads: what
    ``workflow.payload_converter()`` and ``activity.payload_converter()`` return."""

    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        """Each value as a payload (a :class:`RawValue` as its own payload)."""
        return [Payload.of(encode(v)) for v in values]

    def from_payloads(self, payloads: Sequence[Payload], type_hints: list[Any] | None = None) -> list[Any]:
        """Payloads as values, each with the hint at its position (a ``RawValue`` hint keeps it raw)."""
        return decode_args([p.text for p in payloads], type_hints)

    def to_payload(self, value: Any) -> Payload:
        """One value as a payload."""
        return self.to_payloads([value])[0]

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """One payload as a value of ``type_hint`` (plain JSON values without one)."""
        return self.from_payloads([payload], [type_hint] if type_hint else None)[0]


payload_converter = PayloadConverter()
"""The one converter: values are JSON wherever they travel."""


def encode(value: Any) -> str:
    """One value as JSON text.

    Raises:
        TypeError: the value cannot be represented as JSON.
        PayloadSizeError: the encoded value is over :data:`MAX_PAYLOAD_BYTES`.
    """
    if isinstance(value, RawValue):  # passes through, as temporalio's converters pass it
        return value.payload.text
    try:
        text = json.dumps(_jsonable(value), separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"cannot serialize a value of type {type(value).__name__} to JSON: {err}; "
            "use JSON types, dataclasses, pydantic models, enums, datetime, Decimal or UUID"
        ) from err
    if len(text) > MAX_PAYLOAD_BYTES:
        raise PayloadSizeError(
            f"payload of {len(text)} bytes is over the limit of {MAX_PAYLOAD_BYTES} bytes (2 MB) "
            f"(a {type(value).__name__}); pass a reference (an S3 key, an id) instead of the data"
        )
    return text


def _jsonable(value: Any) -> Any:
    """JSON values for ``value``, as temporalio's JSON encoder writes them (isoformat dates)."""
    if value is None or isinstance(value, (str, bool, int, float)) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else _jsonable(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_args(values: Sequence[Any]) -> list[str]:
    """Each value as a payload."""
    return [encode(v) for v in values]


def decode(payload: str, hint: Any = None) -> Any:
    """A payload as a value of the hinted type (plain JSON without a hint)."""
    if hint is None or hint is Any or hint is inspect.Parameter.empty:
        return json.loads(payload)
    if hint is RawValue:
        return RawValue(Payload.of(payload))
    if hint is bytes:
        return base64.b64decode(json.loads(payload))
    return _adapter(hint).validate_json(payload)


def decode_args(payloads: Sequence[str], hints: Sequence[Any] | None) -> list[Any]:
    """Payloads as values, each with the hint at its position (extra ones untyped)."""
    hints = list(hints or [])
    return [decode(p, hints[i] if i < len(hints) else None) for i, p in enumerate(payloads)]


def hints_of(fn: Callable[..., Any]) -> tuple[list[Any], Any]:
    """Parameter type hints (without ``self``) and the return hint of a function."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to untyped payloads
        hints = {}
    params = [
        p for p in inspect.signature(fn).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if params and params[0].name == "self":
        params = params[1:]
    ret = hints.get("return")
    return [hints.get(p.name) for p in params], (None if ret is type(None) else ret)


@lru_cache(maxsize=512)
def _cached_adapter(hint: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(hint)


def _adapter(hint: Any) -> pydantic.TypeAdapter[Any]:
    try:
        return _cached_adapter(hint)
    except TypeError:  # an unhashable hint
        return pydantic.TypeAdapter(hint)
