"""A payload's stored text reads back as the same payload; JSON values keep their plain form."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from durable._conversion.stored import payload_from_text, payload_to_text
from durable.api.common.v1 import Payload

JSON_PLAIN = {"encoding": b"json/plain"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
envelope_lookalikes = json_values.map(lambda v: {"@payload": v})
metadata = st.dictionaries(st.text(min_size=1, max_size=12), st.binary(max_size=16), max_size=4)


@given(st.one_of(json_values, envelope_lookalikes))
def test_a_json_plain_payload_round_trips(value: object) -> None:
    payload = Payload(metadata=JSON_PLAIN, data=json.dumps(value).encode())
    assert payload_from_text(payload_to_text(payload)) == payload


@given(metadata, st.binary(max_size=64))
def test_any_payload_round_trips(meta: dict[str, bytes], data: bytes) -> None:
    payload = Payload(metadata=meta, data=data)
    assert payload_from_text(payload_to_text(payload)) == payload


@given(json_values.filter(lambda v: not (isinstance(v, dict) and list(v) == ["@payload"])))
def test_a_json_plain_payload_is_stored_as_its_json_text(value: object) -> None:
    text = json.dumps(value)
    assert payload_to_text(Payload(metadata=JSON_PLAIN, data=text.encode())) == text


def test_other_payloads_are_stored_in_the_envelope() -> None:
    null = Payload(metadata={"encoding": b"binary/null"})
    assert payload_to_text(null) == '{"@payload":{"metadata":{"encoding":"YmluYXJ5L251bGw="},"data":""}}'
    text = payload_to_text(Payload(metadata={"encoding": b"binary/encrypted", "key-id": b"k1"}, data=b"\x00\xff"))
    assert json.loads(text) == {
        "@payload": {"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA==", "key-id": "azE="}, "data": "AP8="}
    }


def test_a_json_value_that_looks_like_an_envelope_is_stored_in_one() -> None:
    lookalike = Payload(metadata=JSON_PLAIN, data=b'{"@payload": {"metadata": {}, "data": ""}}')
    assert payload_to_text(lookalike).startswith('{"@payload":{"metadata":{"encoding":')
    escaped = Payload(metadata=JSON_PLAIN, data=b'{"\\u0040payload": 1}')
    assert payload_from_text(payload_to_text(escaped)) == escaped
    assert payload_to_text(escaped) != escaped.data.decode()


def test_old_stored_json_reads_as_json_plain() -> None:
    assert payload_from_text('{"order_id": "o-1", "total": 3}') == Payload(
        metadata=JSON_PLAIN, data=b'{"order_id": "o-1", "total": 3}'
    )


def test_a_payload_serializes_as_temporalios_protobuf_message() -> None:
    payload = Payload(metadata={"encoding": b"x", "a": b"b"}, data=b"hello")
    # the bytes temporalio's Payload.SerializeToString(deterministic=True) writes for the same message
    assert payload.SerializeToString() == b"\n\x06\n\x01a\x12\x01b\n\r\n\x08encoding\x12\x01x\x12\x05hello"
    assert Payload.FromString(payload.SerializeToString()) == payload


@given(metadata, st.binary(max_size=300))
def test_a_payload_serialized_and_parsed_is_the_same(meta: dict[str, bytes], data: bytes) -> None:
    payload = Payload(metadata=meta, data=data)
    assert Payload.FromString(payload.SerializeToString()) == payload
