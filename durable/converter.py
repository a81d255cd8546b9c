"""Base converter and implementations for data conversion, as ``temporalio.converter``.

A :class:`DataConverter` holds a payload converter (values to :class:`Payload` and back), an
optional :class:`PayloadCodec` (payload bytes to bytes: encryption, compression) and a
failure converter. Give one to ``Client.connect(..., data_converter=)`` or a test
environment; workflows and activities on that client's task queues use it.
"""

from __future__ import annotations

from durable._conversion.codec import PayloadCodec
from durable._conversion.data_converter import DataConverter, default
from durable._conversion.default_payload_converter import DefaultPayloadConverter
from durable._conversion.failure_converter import (
    DefaultFailureConverter,
    DefaultFailureConverterWithEncodedAttributes,
    FailureConverter,
)
from durable._conversion.json_plain import (
    AdvancedJSONEncoder,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    JSONTypeConverterUnhandled,
    value_to_type,
)
from durable._conversion.payload_converter import (
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    CompositePayloadConverter,
    EncodingPayloadConverter,
    PayloadConverter,
)

__all__ = [
    "AdvancedJSONEncoder",
    "BinaryNullPayloadConverter",
    "BinaryPlainPayloadConverter",
    "CompositePayloadConverter",
    "DataConverter",
    "DefaultFailureConverter",
    "DefaultFailureConverterWithEncodedAttributes",
    "DefaultPayloadConverter",
    "EncodingPayloadConverter",
    "FailureConverter",
    "JSONPlainPayloadConverter",
    "JSONTypeConverter",
    "JSONTypeConverterUnhandled",
    "PayloadCodec",
    "PayloadConverter",
    "default",
    "value_to_type",
]

PayloadConverter.default = DataConverter.default.payload_converter

FailureConverter.default = DataConverter.default.failure_converter
