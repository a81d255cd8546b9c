"""The default payload converter and its encoding converters."""

from __future__ import annotations

from durable._conversion.json_plain import JSONPlainPayloadConverter
from durable._conversion.payload_converter import (
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    CompositePayloadConverter,
    EncodingPayloadConverter,
)

__all__ = ["DefaultPayloadConverter"]


class DefaultPayloadConverter(CompositePayloadConverter):
    """Default payload converter: every value as ``json/plain``, reading binary payloads too.

    Unlike temporalio's, ``json/plain`` comes first, so ``None`` and ``bytes`` are JSON
    (``null``, base64 text) as durable has always stored them: histories keep their form and
    the HTTP API shows the values. ``binary/null`` and ``binary/plain`` payloads (from
    temporalio's converter, a custom one, or an imported history) still decode. A custom
    converter puts its own encodings before these, as temporalio's samples do::

        CompositePayloadConverter(MyEncodingConverter(), *DefaultPayloadConverter.default_encoding_payload_converters)

    Protobuf messages have no converter here (durable has no protobuf types).
    """

    default_encoding_payload_converters: tuple[EncodingPayloadConverter, ...] = (
        JSONPlainPayloadConverter(),
        BinaryNullPayloadConverter(),
        BinaryPlainPayloadConverter(),
    )
    """Default set of encoding payload converters the default payload converter uses."""

    def __init__(self) -> None:
        """Create a default payload converter."""
        super().__init__(*DefaultPayloadConverter.default_encoding_payload_converters)
