"""The payload catalogue names every event and message, and the walk over it encodes
exactly the payloads it names, in copies, with temporalio's failure attribute encoding."""

import asyncio
import typing
from collections.abc import Sequence
from typing import Any

import pytest

from durable._codec import catalogue, walk
from durable._replay import events as ev
from durable._runtime.inbox import RunMessageKind


def _event_types() -> set[str]:
    return {v for k, v in vars(ev).items() if k.isupper() and isinstance(v, str) and k != "FORMAT_VERSION"}


def test_every_event_type_has_an_entry_in_the_catalogue() -> None:
    assert _event_types() - set(catalogue.EVENTS) == set()


def test_every_inbox_message_kind_has_an_entry_in_the_catalogue() -> None:
    kinds = set(typing.get_args(RunMessageKind)) | {"schedule_fire"}
    assert kinds == set(catalogue.MESSAGES)


def test_a_queue_body_is_read_as_a_message_by_its_kind_or_as_an_activity_task() -> None:
    assert catalogue.message_spec({"kind": "signal"}) == {"input": catalogue.PAYLOADS}
    assert catalogue.message_spec({"activity_type": "charge", "input": []}) is catalogue.ACTIVITY_TASK
    assert catalogue.message_spec({"something": "else"}) == {}


async def _tagging(texts: Sequence[str]) -> list[str]:
    return [f"<{t}>" for t in texts]


async def _untagging(texts: Sequence[str]) -> list[str]:
    return [t[1:-1] if t.startswith("<") else t for t in texts]


def _encode(values: list[Any], specs: list[Any], **kw: Any) -> list[Any]:
    return asyncio.run(walk.encode(values, specs, _tagging, **kw))


def test_only_the_named_fields_are_encoded_and_the_originals_are_left_unchanged() -> None:
    event = {
        "event_type": ev.WORKFLOW_STARTED,
        "attributes": {
            "workflow_id": "w",
            "input": ['"a"', "1"],
            "memo": {"k": '"m"'},
            "last_completion_result": None,
            "start_update": {"update_id": "u", "input": ['"x"']},
            "search_attributes": {"K": {"type": "Keyword", "value": "kept"}},
        },
    }
    spec = {"attributes": catalogue.event_spec(ev.WORKFLOW_STARTED)}
    (out,) = _encode([event], [spec])
    attrs = out["attributes"]
    assert attrs["input"] == ['<"a">', "<1>"]
    assert attrs["memo"] == {"k": '<"m">'}
    assert attrs["start_update"] == {"update_id": "u", "input": ['<"x">']}
    assert attrs["last_completion_result"] is None
    assert attrs["workflow_id"] == "w" and attrs["search_attributes"] == event["attributes"]["search_attributes"]
    assert event["attributes"]["input"] == ['"a"', "1"]  # the caller's event is untouched


def test_a_failure_chain_has_its_details_encoded_down_to_its_cause() -> None:
    failure = {
        "message": "outer",
        "stack_trace": "st",
        "activity": {"activity_type": "a"},
        "cause": {"message": "inner", "stack_trace": "", "application": {"type": "E", "details": ['"d"']}},
    }
    (out,) = _encode([{"failure": failure}], [{"failure": catalogue.FAILURE}])
    assert out["failure"]["message"] == "outer"
    assert out["failure"]["cause"]["application"]["details"] == ['<"d">']


def test_common_attributes_move_into_an_encoded_payload_and_come_back_on_decode() -> None:
    failure = {
        "message": "secret",
        "stack_trace": "trace",
        "application": {"type": "E", "details": []},
        "cause": {"message": "inner secret", "stack_trace": "t2", "application": {"type": "F", "details": []}},
    }
    (out,) = _encode([{"failure": failure}], [{"failure": catalogue.FAILURE}], encode_common_attributes=True)
    encoded = out["failure"]
    assert (encoded["message"], encoded["stack_trace"]) == ("Encoded failure", "")
    assert encoded["encoded_attributes"] == '<{"message":"secret","stack_trace":"trace"}>'
    assert encoded["cause"]["message"] == "Encoded failure"
    (back,) = asyncio.run(walk.decode([out], [{"failure": catalogue.FAILURE}], _untagging))
    assert back["failure"]["message"] == "secret" and back["failure"]["stack_trace"] == "trace"
    assert back["failure"]["cause"]["message"] == "inner secret"
    assert "encoded_attributes" not in back["failure"]


def test_all_payloads_of_a_batch_go_through_one_codec_call() -> None:
    calls: list[int] = []

    async def counting(texts: Sequence[str]) -> list[str]:
        calls.append(len(texts))
        return list(texts)

    events = [
        {"event_type": ev.SIGNALED, "attributes": {"input": ["1", "2"]}},
        {"event_type": ev.TIMER_FIRED, "attributes": {"seq": 1}},
        {"event_type": ev.ACTIVITY_COMPLETED, "attributes": {"result": "3"}},
    ]
    specs = [{"attributes": catalogue.event_spec(e["event_type"])} for e in events]
    asyncio.run(walk.encode(events, specs, counting))
    assert calls == [3]


def test_a_codec_that_changes_the_number_of_payloads_is_refused() -> None:
    async def dropping(texts: Sequence[str]) -> list[str]:
        return list(texts[1:])

    with pytest.raises(ValueError, match="returned 1 payloads encoding 2"):
        asyncio.run(walk.encode([{"input": ["1", "2"]}], [{"input": catalogue.PAYLOADS}], dropping))
