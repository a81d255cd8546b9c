"""Payload converters: values to payloads and back, as temporalio's.

A :class:`PayloadConverter` converts whole argument lists; a :class:`CompositePayloadConverter`
does it by asking each of its :class:`EncodingPayloadConverter`\\ s in turn, one per encoding,
and decodes a payload with the one named by its ``encoding`` metadata.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar, overload

from durable._conversion.payload import Payload, Payloads, RawValue

__all__ = [
    "BinaryNullPayloadConverter",
    "BinaryPlainPayloadConverter",
    "CompositePayloadConverter",
    "EncodingPayloadConverter",
    "PayloadConverter",
]

_T = TypeVar("_T")


class PayloadConverter(ABC):
    """Base payload converter to/from multiple payloads/values."""

    default: ClassVar[PayloadConverter]
    """Default payload converter."""

    @abstractmethod
    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        """Encode values into payloads.

        Implementers are expected to just return the payload for a :class:`RawValue`.

        Args:
            values: Values to be converted.

        Returns:
            Converted payloads.

        Raises:
            Exception: Any issue during conversion.
        """
        raise NotImplementedError

    @abstractmethod
    def from_payloads(self, payloads: Sequence[Payload], type_hints: list[Any] | None = None) -> list[Any]:
        """Decode payloads into values.

        Implementers are expected to treat a type hint of :class:`RawValue` as just the raw value.

        Args:
            payloads: Payloads to convert to Python values.
            type_hints: Types that are expected if any, one per payload.

        Returns:
            Collection of Python values.

        Raises:
            Exception: Any issue during conversion.
        """
        raise NotImplementedError

    def to_payloads_wrapper(self, values: Sequence[Any]) -> Payloads:
        """:meth:`to_payloads` for the :class:`Payloads` wrapper."""
        return Payloads(payloads=self.to_payloads(values))

    def from_payloads_wrapper(self, payloads: Payloads | None) -> list[Any]:
        """:meth:`from_payloads` for the :class:`Payloads` wrapper."""
        if not payloads or not payloads.payloads:
            return []
        return self.from_payloads(payloads.payloads)

    def to_payload(self, value: Any) -> Payload:
        """Convert a single value to a payload.

        Args:
            value: Value to convert to a single payload.

        Returns:
            Single converted payload.
        """
        return self.to_payloads([value])[0]

    @overload
    def from_payload(self, payload: Payload) -> Any: ...

    @overload
    def from_payload(self, payload: Payload, type_hint: type[_T]) -> _T: ...

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """Convert a single payload to a value.

        Args:
            payload: Payload to convert to value.
            type_hint: Optional type hint to say which type to convert to.

        Returns:
            Single converted value.
        """
        return self.from_payloads([payload], [type_hint] if type_hint else None)[0]


class EncodingPayloadConverter(ABC):
    """Base converter to/from single payload/value with a known encoding for use in CompositePayloadConverter."""

    @property
    @abstractmethod
    def encoding(self) -> str:
        """Encoding for the payload this converter works with."""
        raise NotImplementedError

    @abstractmethod
    def to_payload(self, value: Any) -> Payload | None:
        """Encode a single value to a payload or None.

        Args:
            value: Value to be converted.

        Returns:
            Payload of the value or None if unable to convert.

        Raises:
            TypeError: Value is not the expected type.
            ValueError: Value is of the expected type but otherwise incorrect.
            RuntimeError: General error during encoding.
        """
        raise NotImplementedError

    @abstractmethod
    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """Decode a single payload to a Python value or raise exception.

        Args:
            payload: Payload to convert to Python value.
            type_hint: Type that is expected if any.

        Returns:
            The decoded value from the payload.

        Raises:
            RuntimeError: General error during decoding.
        """
        raise NotImplementedError


class CompositePayloadConverter(PayloadConverter):
    """Composite payload converter that delegates to a list of encoding payload converters.

    Encoding/decoding are attempted on each payload converter successively until it succeeds.

    Attributes:
        converters: List of payload converters to delegate to, in order.
    """

    converters: Mapping[bytes, EncodingPayloadConverter]

    def __init__(self, *converters: EncodingPayloadConverter) -> None:
        """Initializes the data converter.

        Args:
            converters: Payload converters to delegate to, in order.
        """
        self.converters = {c.encoding.encode(): c for c in converters}

    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        """Encode values trying each converter.

        Raises:
            RuntimeError: No known converter
        """
        payloads = []
        for index, value in enumerate(values):
            payload = None
            if isinstance(value, RawValue):  # passes through unconverted
                payload = value.payload
            else:
                for converter in self.converters.values():  # in order: a stateful converter may count on it
                    payload = converter.to_payload(value)
                    if payload is not None:
                        break
            if payload is None:
                raise RuntimeError(f"Value at index {index} of type {type(value)} has no known converter")
            payloads.append(payload)
        return payloads

    def from_payloads(self, payloads: Sequence[Payload], type_hints: list[Any] | None = None) -> list[Any]:
        """Decode values with the converter of each payload's encoding (payloads past the hints untyped).

        Raises:
            KeyError: Unknown payload encoding
            RuntimeError: Error during decode
        """
        values = []
        hints = type_hints or []
        for index, payload in enumerate(payloads):
            type_hint = hints[index] if index < len(hints) else None
            if type_hint is RawValue:
                values.append(RawValue(payload))
                continue
            encoding = payload.metadata.get("encoding", b"<unknown>")
            converter = self.converters.get(encoding)
            if converter is None:
                raise KeyError(f"Unknown payload encoding {encoding.decode()}")
            try:
                values.append(converter.from_payload(payload, type_hint))
            except RuntimeError as err:
                raise RuntimeError(
                    f"Payload at index {index} with encoding {encoding.decode()} could not be converted"
                ) from err
        return values


class BinaryNullPayloadConverter(EncodingPayloadConverter):
    """Converter for 'binary/null' payloads supporting None values."""

    @property
    def encoding(self) -> str:
        """See base class."""
        return "binary/null"

    def to_payload(self, value: Any) -> Payload | None:
        """See base class."""
        if value is None:
            return Payload(metadata={"encoding": self.encoding.encode()})
        return None

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See base class."""
        if len(payload.data) > 0:
            raise RuntimeError("Expected empty data set for binary/null")
        return None


class BinaryPlainPayloadConverter(EncodingPayloadConverter):
    """Converter for 'binary/plain' payloads supporting bytes values."""

    @property
    def encoding(self) -> str:
        """See base class."""
        return "binary/plain"

    def to_payload(self, value: Any) -> Payload | None:
        """See base class."""
        if isinstance(value, bytes):
            return Payload(metadata={"encoding": self.encoding.encode()}, data=value)
        return None

    def from_payload(self, payload: Payload, type_hint: Any = None) -> Any:
        """See base class."""
        return payload.data
