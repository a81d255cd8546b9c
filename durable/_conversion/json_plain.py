"""The ``json/plain`` payload converter, as temporalio's, serializing with pydantic by default."""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import inspect
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, NewType

from durable._conversion import json_values
from durable._conversion.payload import Payload
from durable._conversion.payload_converter import EncodingPayloadConverter

__all__ = [
    "AdvancedJSONEncoder",
    "JSONPlainPayloadConverter",
    "JSONTypeConverter",
    "JSONTypeConverterUnhandled",
    "value_to_type",
]


class AdvancedJSONEncoder(json.JSONEncoder):
    """Advanced JSON encoder: dataclasses, datetimes, UUIDs, and all iterables as lists.

    As temporalio's. Given as ``JSONPlainPayloadConverter(encoder=AdvancedJSONEncoder)``
    (the default), the converter serializes with pydantic instead, which writes the same
    JSON for these values and more (pydantic models, enums, Decimal, bytes as base64).
    """

    def default(self, o: Any) -> Any:
        """Override JSON encoding default. See :meth:`json.JSONEncoder.default`."""
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        dict_fn = getattr(o, "dict", None)  # pydantic v1's
        if callable(dict_fn):
            return dict_fn()
        if not isinstance(o, list) and isinstance(o, collections.abc.Iterable):
            return list(o)
        if isinstance(o, uuid.UUID):
            return str(o)
        return super().default(o)


JSONTypeConverterUnhandled = NewType("JSONTypeConverterUnhandled", object)
"""Type of :attr:`JSONTypeConverter.Unhandled`."""


class JSONTypeConverter(ABC):
    """Converter for converting an object from Python :func:`json.loads` result to a known type."""

    Unhandled: ClassVar[JSONTypeConverterUnhandled] = JSONTypeConverterUnhandled(object())
    """Sentinel value that :meth:`to_typed_value` returns for a type it does not handle."""

    @abstractmethod
    def to_typed_value(self, hint: type, value: Any) -> Any | None | JSONTypeConverterUnhandled:
        """Convert the given value to a type based on the given hint.

        Args:
            hint: Type hint to use to help in converting the value.
            value: Value as returned by :func:`json.loads`.

        Returns:
            The converted value or :attr:`Unhandled` if this converter does not handle it.
        """
        raise NotImplementedError


class JSONPlainPayloadConverter(EncodingPayloadConverter):
    """Converter for 'json/plain' payloads supporting common Python values.

    By default (``encoder=AdvancedJSONEncoder``, no decoder, no custom type converters) values
    are serialized and validated by pydantic: dataclasses, pydantic models, enums, datetimes,
    timedeltas (as seconds), Decimal, UUID, sets, tuples and ``bytes`` (as base64, nested too)
    go out as JSON and come back as their hinted types. Another encoder or decoder class, or
    custom type converters, take temporalio's path: :func:`json.dumps` with that encoder, and
    :func:`json.loads` then :func:`value_to_type`.
    """

    def __init__(
        self,
        *,
        encoder: type[json.JSONEncoder] | None = AdvancedJSONEncoder,
        decoder: type[json.JSONDecoder] | None = None,
        encoding: str = "json/plain",
        custom_type_converters: Sequence[JSONTypeConverter] = (),
    ) -> None:
        """Initialize a JSON data converter.

        Args:
            encoder: Custom encoder class object to use.
            decoder: Custom decoder class object to use.
            encoding: Encoding name to use.
            custom_type_converters: Set of custom type converters that are used when
                converting from a payload to type-hinted values.
        """
        super().__init__()
        self._encoder = encoder
        self._decoder = decoder
        self._encoding = encoding
        self._custom_type_converters = tuple(custom_type_converters)
        self._metadata = {"encoding": encoding.encode()}

    @property
    def encoding(self) -> str:
        """See base class."""
        return self._encoding

    def to_payload(self, value: Any) -> Payload | None:
        """See base class.

        Raises:
            TypeError: the value cannot be represented as JSON.
        """
        if self._encoder is AdvancedJSONEncoder:
            data = json_values.to_json(value)
        else:
            data = json.dumps(value, cls=self._encoder, separators=(",", ":"), sort_keys=True).encode()
        return Payload(metadata=self._metadata, data=data)

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See base class."""
        if self._decoder is None and not self._custom_type_converters:
            return json_values.from_json(payload.data, type_hint)
        try:
            value = json.loads(payload.data, cls=self._decoder)
        except json.JSONDecodeError as err:
            raise RuntimeError("Failed parsing") from err
        if type_hint is None or type_hint is inspect.Parameter.empty:
            return value
        return value_to_type(type_hint, value, self._custom_type_converters)


def value_to_type(hint: Any, value: Any, custom_converters: Sequence[JSONTypeConverter] = ()) -> Any:
    """Convert a JSON value (what :func:`json.loads` returns) to the given type hint.

    The custom converters are tried first, in order; the first answer that is not
    :attr:`JSONTypeConverter.Unhandled` is the result. Otherwise pydantic validates the
    value against the hint, as the default converter decodes a payload.

    Raises:
        TypeError: Unable to convert to the given hint.
    """
    for converter in custom_converters:
        converted = converter.to_typed_value(hint, value)
        if converted is not JSONTypeConverter.Unhandled:
            return converted
    try:
        return json_values.from_json(json.dumps(value), hint)
    except ValueError as err:
        raise TypeError(f"Failed converting to {hint} from {value!r}: {err}") from err
