"""The data converter: a payload converter, an optional codec and a failure converter together."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

from durable._conversion.codec import Failure, PayloadCodec
from durable._conversion.default_payload_converter import DefaultPayloadConverter
from durable._conversion.failure_converter import DefaultFailureConverter, FailureConverter
from durable._conversion.payload import Payload, Payloads
from durable._conversion.payload_converter import PayloadConverter

__all__ = ["DataConverter", "default"]


@dataclasses.dataclass(frozen=True)
class DataConverter:
    """Data converter for converting and encoding payloads to/from Python values.

    This combines :class:`PayloadConverter` which converts values with :class:`PayloadCodec`
    which encodes bytes. Two data converters are equal when they are built from the same
    classes and codec.
    """

    payload_converter_class: type[PayloadConverter] = DefaultPayloadConverter
    """Class to instantiate for payload conversion."""

    payload_codec: PayloadCodec | None = None
    """Optional codec for encoding payload bytes."""

    failure_converter_class: type[FailureConverter] = DefaultFailureConverter
    """Class to instantiate for failure conversion."""

    payload_converter: PayloadConverter = dataclasses.field(init=False, compare=False)
    """Payload converter created from :attr:`payload_converter_class`."""

    failure_converter: FailureConverter = dataclasses.field(init=False, compare=False)
    """Failure converter created from :attr:`failure_converter_class`."""

    default: ClassVar[DataConverter]
    """Singleton default data converter."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload_converter", self.payload_converter_class())
        object.__setattr__(self, "failure_converter", self.failure_converter_class())

    async def encode(self, values: Sequence[Any]) -> list[Payload]:
        """Encode values into payloads: convert them, then encode them with the codec.

        Args:
            values: Values to be converted and encoded.

        Returns:
            Converted and encoded payloads.
        """
        payloads = self.payload_converter.to_payloads(values)
        if self.payload_codec:
            payloads = await self.payload_codec.encode(payloads)
        return payloads

    async def decode(self, payloads: Sequence[Payload], type_hints: list[Any] | None = None) -> list[Any]:
        """Decode payloads into values: decode them with the codec, then convert them.

        Args:
            payloads: Payloads to be decoded and converted.
            type_hints: Types expected, one per payload, if any.

        Returns:
            Decoded and converted values.
        """
        if self.payload_codec:
            payloads = await self.payload_codec.decode(payloads)
        return self.payload_converter.from_payloads(payloads, type_hints)

    async def encode_wrapper(self, values: Sequence[Any]) -> Payloads:
        """:meth:`encode` for the :class:`Payloads` wrapper."""
        return Payloads(payloads=await self.encode(values))

    async def decode_wrapper(self, payloads: Payloads | None, type_hints: list[Any] | None = None) -> list[Any]:
        """:meth:`decode` for the :class:`Payloads` wrapper."""
        if not payloads or not payloads.payloads:
            return []
        return await self.decode(payloads.payloads, type_hints)

    async def encode_failure(self, exception: BaseException, failure: Failure) -> None:
        """Convert an exception into ``failure`` and encode the failure's payloads."""
        self.failure_converter.to_failure(exception, self.payload_converter, failure)
        if self.payload_codec:
            await self.payload_codec.encode_failure(failure)

    async def decode_failure(self, failure: Failure) -> BaseException:
        """Decode a failure's payloads and convert it into an exception."""
        if self.payload_codec:
            await self.payload_codec.decode_failure(failure)
        return self.failure_converter.from_failure(failure, self.payload_converter)


DataConverter.default = DataConverter()


def default() -> DataConverter:
    """Default data converter.

    .. deprecated::
        Use :attr:`DataConverter.default` instead.
    """
    return DataConverter.default
