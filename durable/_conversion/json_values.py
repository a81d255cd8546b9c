"""Python values to JSON text and back, guided by type hints: the default JSON encoding.

Encoding accepts what temporalio's default converter accepts and more (dataclasses,
pydantic models, enums, datetime, Decimal, UUID, bytes as base64); decoding validates the
JSON against the declared type, so a parameter annotated ``order: Order`` receives an
``Order``. Without a hint, JSON decodes to plain values (dicts, lists, strings, numbers).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import inspect
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

import pydantic

__all__ = ["from_json", "to_json"]


def to_json(value: Any) -> str:
    """One value as compact JSON text.

    Raises:
        TypeError: the value cannot be represented as JSON.
    """
    try:
        return json.dumps(_jsonable(value), separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"cannot serialize a value of type {type(value).__name__} to JSON: {err}; "
            "use JSON types, dataclasses, pydantic models, enums, datetime, Decimal or UUID"
        ) from err


def from_json(text: str | bytes, hint: Any = None) -> Any:
    """JSON text as a value of the hinted type (plain JSON values without a hint)."""
    if hint is None or hint is Any or hint is inspect.Parameter.empty:
        return json.loads(text)
    if hint is bytes:
        return base64.b64decode(json.loads(text))
    return _adapter(hint).validate_json(text)


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


@lru_cache(maxsize=512)
def _cached_adapter(hint: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(hint)


def _adapter(hint: Any) -> pydantic.TypeAdapter[Any]:
    try:
        return _cached_adapter(hint)
    except TypeError:  # an unhashable hint
        return pydantic.TypeAdapter(hint)
