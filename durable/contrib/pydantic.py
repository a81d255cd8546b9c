"""A data converter for pydantic v2, as ``temporalio.contrib.pydantic``.

Pass ``pydantic_data_converter`` as the client's data converter::

    client = await Client.connect(url, data_converter=pydantic_data_converter)

Values are serialized by ``pydantic_core.to_json`` (pydantic's own formats: ``Z`` for UTC,
ISO 8601 durations) and validated by ``TypeAdapter(type_hint).validate_json``. ``None``
and ``bytes`` are ``binary/null`` and ``binary/plain`` payloads, as with temporalio.
durable's default converter already serializes with pydantic and reads these payloads too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import SchemaSerializer, to_json
from pydantic_core.core_schema import any_schema

from durable._conversion.data_converter import DataConverter
from durable._conversion.payload import Payload
from durable._conversion.payload_converter import (
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    CompositePayloadConverter,
    EncodingPayloadConverter,
)

__all__ = [
    "PydanticJSONPlainPayloadConverter",
    "PydanticPayloadConverter",
    "ToJsonOptions",
    "pydantic_data_converter",
]


@dataclass
class ToJsonOptions:
    """Options for converting to JSON with pydantic."""

    exclude_unset: bool = False


class PydanticJSONPlainPayloadConverter(EncodingPayloadConverter):
    """Pydantic JSON payload converter: every type pydantic serializes, to and from ``json/plain``."""

    def __init__(self, to_json_options: ToJsonOptions | None = None, *, max_cached_type_adapters: int | None = 1024):
        """Create a new payload converter.

        Args:
            to_json_options: Options for serializing values to JSON.
            max_cached_type_adapters: Type adapters kept (least recently used evicted);
                ``None`` for no limit, zero for no cache.

        Raises:
            ValueError: a negative ``max_cached_type_adapters``.
        """
        if max_cached_type_adapters is not None and max_cached_type_adapters < 0:
            raise ValueError("max_cached_type_adapters cannot be negative")
        self._schema_serializer = SchemaSerializer(any_schema())
        self._to_json_options = to_json_options
        self._type_adapter = functools.lru_cache(maxsize=max_cached_type_adapters)(TypeAdapter)

    @property
    def encoding(self) -> str:
        """See base class."""
        return "json/plain"

    def to_payload(self, value: Any) -> Payload | None:
        """See base class: ``pydantic_core.to_json`` of the value."""
        if self._to_json_options:
            data = self._schema_serializer.to_json(value, exclude_unset=self._to_json_options.exclude_unset)
        else:
            data = to_json(value)
        return Payload(metadata={"encoding": self.encoding.encode()}, data=data)

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See base class: ``TypeAdapter(type_hint).validate_json`` of the payload's data."""
        hint = type_hint if type_hint is not None else Any
        try:
            adapter: TypeAdapter[Any] = self._type_adapter(hint)
        except TypeError:
            try:
                hash(hint)
            except TypeError:  # an unhashable hint: no cache
                adapter = TypeAdapter(hint)
            else:
                raise
        return adapter.validate_json(payload.data)


class PydanticPayloadConverter(CompositePayloadConverter):
    """Payload converter for payloads containing pydantic model instances (and every other value).

    ``binary/null`` for ``None``, ``binary/plain`` for ``bytes``, and pydantic's JSON for the rest.
    """

    def __init__(self, to_json_options: ToJsonOptions | None = None, *, max_cached_type_adapters: int | None = 1024):
        """Initialize object.

        Args:
            to_json_options: Options for serializing values to JSON.
            max_cached_type_adapters: Type adapters kept; to set it through a data converter,
                use a subclass whose ``__init__`` takes no arguments.
        """
        super().__init__(
            BinaryNullPayloadConverter(),
            BinaryPlainPayloadConverter(),
            PydanticJSONPlainPayloadConverter(to_json_options, max_cached_type_adapters=max_cached_type_adapters),
        )


pydantic_data_converter = DataConverter(payload_converter_class=PydanticPayloadConverter)
"""Pydantic data converter: give it to ``Client.connect(..., data_converter=)`` or a test environment."""
