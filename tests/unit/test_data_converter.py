"""durable.converter's classes: temporalio's behaviour where code relies on it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pydantic
import pytest

from durable import _converter, _failure
from durable.api.common.v1 import Payload, Payloads
from durable.common import RawValue
from durable.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from durable.converter import (
    AdvancedJSONEncoder,
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverter,
    DefaultPayloadConverter,
    FailureConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    PayloadCodec,
    PayloadConverter,
    default,
    value_to_type,
)
from durable.exceptions import ApplicationError

JSON = {"encoding": b"json/plain"}


class XorCodec(PayloadCodec):
    """Nests each payload, its bytes XOR-ed: what an encryption codec does, minus the key."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(metadata={"encoding": b"binary/xor"}, data=bytes(b ^ 0x5A for b in p.SerializeToString()))
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload.FromString(bytes(b ^ 0x5A for b in p.data)) if p.metadata.get("encoding") == b"binary/xor" else p
            for p in payloads
        ]


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_the_default_data_converter_is_one_and_converts_as_json() -> None:
    assert default() is DataConverter.default
    assert PayloadConverter.default is DataConverter.default.payload_converter
    assert FailureConverter.default is DataConverter.default.failure_converter
    assert isinstance(DataConverter.default.payload_converter, DefaultPayloadConverter)
    assert DataConverter() == DataConverter.default  # equal by configuration
    payloads = DataConverter.default.payload_converter.to_payloads([None, b"\x00", Point(1, 2)])
    assert payloads == [
        Payload(metadata=JSON, data=b"null"),  # None and bytes keep their JSON form (stored as before)
        Payload(metadata=JSON, data=b'"AA=="'),
        Payload(metadata=JSON, data=b'{"x":1,"y":2}'),
    ]


async def test_encode_then_decode_goes_through_the_codec() -> None:
    converter = DataConverter(payload_codec=XorCodec())
    encoded = await converter.encode([Point(3, 4), "text"])
    assert [p.metadata["encoding"] for p in encoded] == [b"binary/xor", b"binary/xor"]
    assert b"text" not in encoded[1].data
    assert await converter.decode(encoded, [Point, str]) == [Point(3, 4), "text"]
    wrapped = await converter.encode_wrapper([1])
    assert isinstance(wrapped, Payloads)
    assert await converter.decode_wrapper(wrapped) == [1]
    assert await converter.decode_wrapper(None) == []


async def test_a_codec_encodes_and_decodes_a_failures_details_in_place() -> None:
    converter = DataConverter(payload_codec=XorCodec())
    failure: dict[str, Any] = {}
    cause = ApplicationError("inner", Point(1, 1), type="Inner")
    try:
        raise ApplicationError("outer", "sec" + "ret detail", type="Outer") from cause  # not in the stack trace
    except ApplicationError as err:
        await converter.encode_failure(err, failure)
    assert "secret" not in json.dumps(failure)  # the details are encoded, the messages are not
    assert failure["message"] == "outer"
    error = await converter.decode_failure(failure)
    assert isinstance(error, ApplicationError) and error.details == ("secret detail",)
    assert isinstance(error.__cause__, ApplicationError) and error.__cause__.details == ({"x": 1, "y": 1},)


def test_replace_makes_a_converter_with_another_payload_converter_class() -> None:
    class Custom(CompositePayloadConverter):
        def __init__(self) -> None:
            super().__init__(*DefaultPayloadConverter.default_encoding_payload_converters)

    custom = dataclasses.replace(default(), payload_converter_class=Custom)
    assert isinstance(custom.payload_converter, Custom)
    assert custom != DataConverter.default


def test_the_composite_picks_the_converter_by_encoding_and_refuses_unknown_ones() -> None:
    composite = CompositePayloadConverter(BinaryNullPayloadConverter(), BinaryPlainPayloadConverter())
    assert composite.to_payloads([None, b"ab"]) == [
        Payload(metadata={"encoding": b"binary/null"}),
        Payload(metadata={"encoding": b"binary/plain"}, data=b"ab"),
    ]
    with pytest.raises(RuntimeError, match="Value at index 0 of type <class 'int'> has no known converter"):
        composite.to_payloads([1])
    with pytest.raises(KeyError, match="Unknown payload encoding text/other"):
        composite.from_payloads([Payload(metadata={"encoding": b"text/other"})])
    with pytest.raises(RuntimeError, match="Payload at index 0 with encoding binary/null could not be converted"):
        composite.from_payloads([Payload(metadata={"encoding": b"binary/null"}, data=b"x")])
    raw = RawValue(Payload(metadata={"encoding": b"text/other"}, data=b"kept"))
    assert composite.to_payloads([raw]) == [raw.payload]
    assert composite.from_payloads([raw.payload], [RawValue]) == [raw]


def test_the_default_converter_reads_binary_payloads_of_other_sdks() -> None:
    converter = DefaultPayloadConverter()
    assert converter.from_payloads(
        [Payload(metadata={"encoding": b"binary/null"}), Payload(metadata={"encoding": b"binary/plain"}, data=b"\xff")]
    ) == [None, b"\xff"]


def test_json_plain_with_another_encoder_takes_temporalios_path() -> None:
    class Hex(JSONTypeConverter):
        def to_typed_value(self, hint: type, value: Any) -> Any:
            return bytes.fromhex(value) if hint is bytes else JSONTypeConverter.Unhandled

    class HexEncoder(AdvancedJSONEncoder):
        def default(self, o: Any) -> Any:
            return o.hex() if isinstance(o, bytes) else super().default(o)

    converter = JSONPlainPayloadConverter(encoder=HexEncoder, custom_type_converters=[Hex()])
    payload = converter.to_payload({"b": 1, "a": datetime(2026, 1, 1, tzinfo=UTC)})
    assert payload is not None and payload.data == b'{"a":"2026-01-01T00:00:00+00:00","b":1}'  # sorted keys
    hexed = converter.to_payload(b"\x01\x02")
    assert hexed is not None and converter.from_payload(hexed, bytes) == b"\x01\x02"
    with pytest.raises(RuntimeError, match="Failed parsing"):
        converter.from_payload(Payload(metadata=JSON, data=b"{not json"), dict)


def test_value_to_type_validates_a_json_value_against_a_hint() -> None:
    assert value_to_type(Point, {"x": 1, "y": 2}) == Point(1, 2)
    assert value_to_type(list[datetime], ["2026-01-01T00:00:00+00:00"]) == [datetime(2026, 1, 1, tzinfo=UTC)]
    with pytest.raises(TypeError, match="Failed converting"):
        value_to_type(Point, {"x": "not a number"})


def test_the_default_failure_converter_is_durables_failure_rules() -> None:
    converter = DataConverter.default
    failure: dict[str, Any] = {"stale": True}
    converter.failure_converter.to_failure(
        ApplicationError("no", 1, type="Mine", non_retryable=True), converter.payload_converter, failure
    )
    assert failure == _failure.from_exception(ApplicationError("no", 1, type="Mine", non_retryable=True)) | {
        "stack_trace": failure["stack_trace"]
    }
    error = converter.failure_converter.from_failure(failure, converter.payload_converter)
    assert isinstance(error, ApplicationError) and error.type == "Mine" and error.details == (1,)
    encoding = DefaultFailureConverter(encode_common_attributes=True)
    moved: dict[str, Any] = {}
    encoding.to_failure(ApplicationError("secret", type="Mine"), converter.payload_converter, moved)
    assert (moved["message"], moved["stack_trace"]) == ("Encoded failure", "")
    assert json.loads(moved["encoded_attributes"])["message"] == "secret"
    back = encoding.from_failure(moved, converter.payload_converter)
    assert isinstance(back, ApplicationError) and back.message == "secret" and back.type == "Mine"


class Reading(pydantic.BaseModel):
    at: datetime
    value: float


def test_the_pydantic_converter_writes_pydantic_json_and_binary_payloads() -> None:
    converter = pydantic_data_converter.payload_converter
    assert isinstance(converter, PydanticPayloadConverter)
    reading = Reading(at=datetime(2026, 1, 1, tzinfo=UTC), value=1.5)
    none, raw, model = converter.to_payloads([None, b"\x00", reading])
    assert none.metadata == {"encoding": b"binary/null"} and raw.data == b"\x00"
    assert model.data == b'{"at":"2026-01-01T00:00:00Z","value":1.5}'
    assert converter.from_payloads([none, raw, model], [None, bytes, Reading]) == [None, b"\x00", reading]


def test_stored_texts_of_a_custom_converter_go_in_the_envelope_and_back() -> None:
    converter = CompositePayloadConverter(BinaryNullPayloadConverter(), *DefaultPayloadConverter().converters.values())
    text = _converter.encode(None, converter)
    assert text.startswith('{"@payload":')
    assert _converter.decode(text, None, converter) is None
    assert _converter.decode("null", None, converter) is None  # what the default converter stored
