"""Python values to JSON and back, guided by type hints: the default JSON encoding.

Encoding accepts what temporalio's default converter accepts and more (dataclasses,
pydantic models, enums, datetime, timedelta as seconds, Decimal, UUID, sets, tuples,
bytes as base64); decoding validates the JSON against the declared type, so a parameter
annotated ``order: Order`` receives an ``Order``, and ``bytes`` anywhere in it (a field, a
list item, a dict value) come back as bytes. Without a hint, JSON decodes to plain values.

Speed: a dataclass or pydantic model is serialized by pydantic from its annotations (one
cached serializer per class, several times faster than walking the value in Python), as
long as that writes the same JSON as the walk: the serializer is used only for classes
whose every field has a concrete type (no ``Any``, which pydantic would serialize by its own
rules: ``Z`` for UTC, URL-safe base64), and none of whose dataclasses and models has a
subclass (pydantic would write a subclass's instance as its declared class). Everything else
is written by :func:`json.dumps` with a hook for the types JSON lacks. The JSON is the same either way; pydantic writes
non-ASCII characters as UTF-8 where :func:`json.dumps` escapes them.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime
import inspect
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

import pydantic
import pydantic_core
from pydantic_core import core_schema

__all__ = ["from_json", "to_json"]


def _isoformat(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode()


_OUR_FORMATS: dict[str, Callable[[Any], str]] = {
    "datetime": _isoformat,  # pydantic writes a UTC time with Z; isoformat with +00:00
    "date": _isoformat,
    "time": _isoformat,
    "bytes": _base64,  # pydantic's base64 is the URL-safe alphabet; the standard one, as before
}
"""Schema types whose JSON pydantic writes otherwise than the walk, and how the walk writes them."""

_CONFIG = pydantic.ConfigDict(val_json_bytes="base64")
"""Validation: bytes come back from their base64, at any depth (a pydantic model's own config wins)."""

_SERIALIZER_CONFIG = core_schema.CoreConfig(
    ser_json_timedelta="float",  # seconds, as before
    ser_json_inf_nan="constants",  # NaN and Infinity, as json.dumps writes them
)


def to_json(value: Any) -> bytes:
    """One value as compact JSON.

    Raises:
        TypeError: the value cannot be represented as JSON.
    """
    fast = _fast_json(value)
    if fast is not None:
        return fast
    try:
        return json.dumps(value, default=_default, separators=(",", ":")).encode()
    except (TypeError, ValueError):
        pass
    try:  # keys JSON lacks (enums, UUIDs, dates as dict keys): the walk converts them too
        return json.dumps(_jsonable(value), separators=(",", ":")).encode()
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"cannot serialize a value of type {type(value).__name__} to JSON: {err}; "
            "use JSON types, dataclasses, pydantic models, enums, datetime, Decimal or UUID"
        ) from err


def _fast_json(value: Any) -> bytes | None:
    """pydantic's JSON of a structured value or a list of them all of one class, if it writes it as the walk."""
    if isinstance(value, (list, tuple)):
        if not value or not _is_structured(value[0]) or any(type(v) is not type(value[0]) for v in value):
            return None
        items, strip = list(value), False
    elif _is_structured(value):
        items, strip = [value], True
    else:
        return None
    cls: Any = type(items[0])
    found = _serializer(cls)
    if found is None:
        return None
    serializer, classes = found
    if any(c.__subclasses__() for c in classes):
        # pydantic writes an instance of a subclass as the declared class (its own fields
        # dropped); the walk writes what the value is. A subclass may be defined any time.
        return None
    try:
        data = serializer.to_json(items, warnings="error")
    except (ValueError, TypeError):  # a field holds what its annotation does not allow: the walk writes it
        return None
    return data[1:-1] if strip else data


def _is_structured(value: Any) -> bool:
    return isinstance(value, pydantic.BaseModel) or (dataclasses.is_dataclass(value) and not isinstance(value, type))


def from_json(data: str | bytes, hint: Any = None) -> Any:
    """JSON as a value of the hinted type (plain JSON values without a hint).

    Raises:
        ValueError: the JSON does not validate as the hinted type (pydantic's ValidationError).
    """
    if hint is None or hint is Any or hint is inspect.Parameter.empty:
        return json.loads(data)
    raw = data.encode() if isinstance(data, str) else data
    return _validator(hint).validate_json(b"[" + raw + b"]")[0]


def _default(value: Any) -> Any:
    """What :func:`json.dumps` writes for a value JSON has no type for."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _jsonable(value: Any) -> Any:
    """JSON values for ``value``, walked in Python (dict keys of any JSON-able type)."""
    if value is None or isinstance(value, (str, bool, int, float)) and not isinstance(value, Enum):
        return value
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else _jsonable(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return _jsonable(_default(value))


@lru_cache(maxsize=512)
def _serializer(cls: Any) -> tuple[pydantic_core.SchemaSerializer, tuple[type, ...]] | None:
    """pydantic's serializer of a list of the class, if it writes them as the walk would (else None),
    and the dataclasses and models it writes by their declared class."""
    try:
        return _build_serializer(cls)
    except Exception:  # a field type pydantic has no schema for, an unresolvable annotation
        return None


def _build_serializer(cls: Any) -> tuple[pydantic_core.SchemaSerializer, tuple[type, ...]] | None:
    schema = copy.deepcopy(pydantic.TypeAdapter(list[cls]).core_schema)
    if not _writes_as_the_walk(schema):
        return None
    for node in _nodes(schema):
        if "config" in node and node.get("type") != "model":  # a model keeps its own, as model_dump
            # A dataclass's or TypedDict's config replaces the serializer's in its fields.
            node["config"] = {**node["config"], **_SERIALIZER_CONFIG}
        if node.get("type") in _OUR_FORMATS:
            node["serialization"] = core_schema.plain_serializer_function_ser_schema(
                _OUR_FORMATS[node["type"]], when_used="json"
            )
    classes = tuple({node["cls"] for node in _nodes(schema) if node.get("type") in ("dataclass", "model")})
    return pydantic_core.SchemaSerializer(schema, _SERIALIZER_CONFIG), classes


def _writes_as_the_walk(schema: Any) -> bool:
    """Whether pydantic, given our formats, writes every part of the schema as :func:`_jsonable` would."""
    for node in _nodes(schema):
        kind = node.get("type")
        if kind == "any":  # pydantic's inference: its own datetime and bytes formats
            return False
        if node.get("serialization"):
            return False  # a custom serializer in an annotation, which the walk ignores
        if kind == "dataclass" and hasattr(node["cls"], "__pydantic_config__"):
            return False  # a pydantic dataclass: its own config, not ours
    return True


def _nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """The schema's nodes, not descending into pydantic models (written as model_dump writes them)."""
    if isinstance(schema, dict):
        yield schema
        if schema.get("type") == "model":
            return
        for key, child in schema.items():
            if key not in ("serialization", "metadata"):
                yield from _nodes(child)
    elif isinstance(schema, list):
        for child in schema:
            yield from _nodes(child)


def _validator(hint: Any) -> pydantic.TypeAdapter[Any]:
    try:
        return _cached_validator(hint)
    except TypeError:  # an unhashable hint
        return _new_validator(hint)


@lru_cache(maxsize=512)
def _cached_validator(hint: Any) -> pydantic.TypeAdapter[Any]:
    return _new_validator(hint)


def _new_validator(hint: Any) -> pydantic.TypeAdapter[Any]:
    # In a list, so our config applies to a dataclass hint (TypeAdapter refuses a config for one).
    return pydantic.TypeAdapter(list[hint], config=_CONFIG)
