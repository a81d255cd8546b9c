"""Data converters: a custom payload converter end to end, the pydantic converter, nested bytes,
raw values, and the payload converter workflow and activity code get.

The custom converter is temporalio's custom_converter sample: a composite payload converter
with an extra encoding converter for a user type that is neither JSON nor a dataclass. A
client built from the environment's (``Client(**client.config())`` with another
``data_converter``, as temporalio users write it) carries it to its Worker, so the
arguments, the activity's input and result, a child's, a local activity's, a signal's, a
query's, an update's and the memo all go through it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic

from .sdk import (
    ActivityEnvironment,
    Client,
    Payload,
    activity,
    common,
    converter,
    new_replayer,
    new_worker,
    workflow,
)
from .sdk import pydantic_data_converter as backend_pydantic_data_converter

T5 = timedelta(seconds=5)
ENCODING = "text/my-greeting-encoding"


class GreetingInput:
    def __init__(self, name: str) -> None:
        self.name = name


class GreetingOutput:
    def __init__(self, result: str) -> None:
        self.result = result


class GreetingEncodingPayloadConverter(converter.EncodingPayloadConverter):
    @property
    def encoding(self) -> str:
        return ENCODING

    def to_payload(self, value: Any) -> Payload | None:
        if isinstance(value, GreetingInput):
            return Payload(metadata={"encoding": self.encoding.encode(), "is_input": b"true"}, data=value.name.encode())
        if isinstance(value, GreetingOutput):
            return Payload(metadata={"encoding": self.encoding.encode()}, data=value.result.encode())
        return None

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        if payload.metadata.get("is_input") == b"true":
            assert not type_hint or type_hint is GreetingInput
            return GreetingInput(payload.data.decode())
        assert not type_hint or type_hint is GreetingOutput
        return GreetingOutput(payload.data.decode())


class GreetingPayloadConverter(converter.CompositePayloadConverter):
    def __init__(self) -> None:
        # Ours first, before the defaults (as the sample does).
        super().__init__(
            GreetingEncodingPayloadConverter(), *converter.DefaultPayloadConverter.default_encoding_payload_converters
        )


greeting_data_converter = dataclasses.replace(converter.default(), payload_converter_class=GreetingPayloadConverter)


def with_converter(client: Client, data_converter: Any) -> Client:
    config = client.config()
    config["data_converter"] = data_converter
    return Client(**config)


@activity.defn
async def compose_greeting(input: GreetingInput) -> GreetingOutput:
    assert isinstance(input, GreetingInput)
    return GreetingOutput(f"Hello, {input.name}")


@workflow.defn
class GreetingChild:
    @workflow.run
    async def run(self, input: GreetingInput) -> GreetingOutput:
        return GreetingOutput(f"Hi, {input.name}")


@workflow.defn
class GreetingWorkflow:
    def __init__(self) -> None:
        self._signalled: list[str] = []
        self._done = False

    @workflow.run
    async def run(self, input: GreetingInput) -> GreetingOutput:
        assert isinstance(input, GreetingInput)
        remote = await workflow.execute_activity(compose_greeting, input, start_to_close_timeout=T5)
        local = await workflow.execute_local_activity(
            compose_greeting, GreetingInput("local"), start_to_close_timeout=T5
        )
        child = await workflow.execute_child_workflow(GreetingChild.run, GreetingInput("child"))
        memo = workflow.memo_value("who", type_hint=GreetingInput)
        encoded = workflow.payload_converter().to_payload(GreetingInput("x"))
        assert encoded.metadata["encoding"] == ENCODING.encode()
        await workflow.wait_condition(lambda: self._done)
        parts = [remote.result, local.result, child.result, memo.name, *self._signalled]
        return GreetingOutput(" | ".join(parts))

    @workflow.signal
    def greet(self, input: GreetingInput) -> None:
        self._signalled.append(input.name)

    @workflow.query
    def last(self) -> GreetingOutput:
        return GreetingOutput(self._signalled[-1] if self._signalled else "")

    @workflow.update
    def finish(self, input: GreetingInput) -> GreetingOutput:
        self._done = True
        return GreetingOutput(f"bye, {input.name}")


async def test_the_custom_converter_sample_carries_a_user_type_everywhere(client, task_queue):
    greeting_client = with_converter(client, greeting_data_converter)
    assert greeting_client.data_converter is greeting_data_converter
    async with new_worker(
        greeting_client,
        task_queue=task_queue,
        workflows=[GreetingWorkflow, GreetingChild],
        activities=[compose_greeting],
    ):
        handle = await greeting_client.start_workflow(
            GreetingWorkflow.run,
            GreetingInput("Temporal"),
            id=f"greeting-{task_queue}",
            task_queue=task_queue,
            memo={"who": GreetingInput("memo")},
        )
        await handle.signal(GreetingWorkflow.greet, GreetingInput("signal"))
        last = await handle.query(GreetingWorkflow.last)
        assert isinstance(last, GreetingOutput) and last.result == "signal"
        bye = await handle.execute_update(GreetingWorkflow.finish, GreetingInput("update"))
        assert isinstance(bye, GreetingOutput) and bye.result == "bye, update"
        result = await handle.result()
        assert isinstance(result, GreetingOutput)
        assert result.result == "Hello, Temporal | Hello, local | Hi, child | memo | signal"
        assert (await handle.describe()).memo is not None
        assert isinstance(await (await handle.describe()).memo_value("who", type_hint=GreetingInput), GreetingInput)


@dataclasses.dataclass
class Attachment:
    name: str
    content: bytes
    parts: list[bytes]
    by_name: dict[str, bytes]


@activity.defn
async def reverse_attachment(attachment: Attachment) -> Attachment:
    assert isinstance(attachment.content, bytes) and all(isinstance(p, bytes) for p in attachment.parts)
    return Attachment(
        attachment.name,
        attachment.content[::-1],
        [p[::-1] for p in attachment.parts],
        {k: v[::-1] for k, v in attachment.by_name.items()},
    )


@workflow.defn
class AttachmentWorkflow:
    @workflow.run
    async def run(self, attachment: Attachment, raw: bytes) -> tuple[Attachment, bytes]:
        assert isinstance(raw, bytes) and isinstance(attachment.by_name["k"], bytes)
        back = await workflow.execute_activity(reverse_attachment, attachment, start_to_close_timeout=T5)
        return back, raw + b"!"


async def test_bytes_nested_in_a_dataclass_a_list_and_a_dict_round_trip_as_bytes(client, task_queue):
    attachment = Attachment("a.bin", b"\x00\x01\xff", [b"ab", b"\xfe"], {"k": b"\x10\x20"})
    async with new_worker(
        client, task_queue=task_queue, workflows=[AttachmentWorkflow], activities=[reverse_attachment]
    ):
        back, raw = await client.execute_workflow(
            AttachmentWorkflow.run, args=[attachment, b"\x80raw"], id=f"bytes-{task_queue}", task_queue=task_queue
        )
    assert raw == b"\x80raw!"
    assert isinstance(back, Attachment)
    assert back == Attachment("a.bin", b"\xff\x01\x00", [b"ba", b"\xfe"], {"k": b"\x20\x10"})


class Sku(pydantic.BaseModel):
    code: str
    label: bytes


class Basket(pydantic.BaseModel):
    owner: str
    created: datetime
    skus: list[Sku]
    hold: timedelta


@activity.defn
async def count_skus(basket: Basket) -> Basket:
    assert isinstance(basket, Basket) and isinstance(basket.skus[0], Sku)
    return basket.model_copy(update={"owner": basket.owner.upper()})


@workflow.defn
class BasketWorkflow:
    @workflow.run
    async def run(self, basket: Basket) -> Basket:
        return await workflow.execute_activity(count_skus, basket, start_to_close_timeout=T5)


async def test_the_pydantic_data_converter_carries_models(client, task_queue):
    pydantic_client = with_converter(client, backend_pydantic_data_converter())
    basket = Basket(
        owner="ada",
        created=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
        skus=[Sku(code="a-1", label=b"apples")],
        hold=timedelta(minutes=5),
    )
    async with new_worker(pydantic_client, task_queue=task_queue, workflows=[BasketWorkflow], activities=[count_skus]):
        result = await pydantic_client.execute_workflow(
            BasketWorkflow.run, basket, id=f"basket-{task_queue}", task_queue=task_queue
        )
    assert result == basket.model_copy(update={"owner": "ADA"})


@dataclasses.dataclass
class Parcel:
    weight: int


@activity.defn
async def weigh(parcel: Parcel) -> Parcel:
    return Parcel(parcel.weight * 2)


@activity.defn(dynamic=True)
async def any_parcel(args: Sequence[common.RawValue]) -> int:
    parcel = activity.payload_converter().from_payload(args[0].payload, Parcel)
    assert isinstance(parcel, Parcel)
    return parcel.weight + 1


@workflow.defn
class RawValueWorkflow:
    @workflow.run
    async def run(self, weight: int) -> list[int]:
        converter_ = workflow.payload_converter()
        raw = common.RawValue(converter_.to_payload(Parcel(weight)))
        # A raw value passes through unconverted; a RawValue result type keeps the result raw.
        doubled = await workflow.execute_activity("weigh", raw, start_to_close_timeout=T5, result_type=common.RawValue)
        assert isinstance(doubled, common.RawValue)
        parcel = converter_.from_payload(doubled.payload, Parcel)
        plus_one = await workflow.execute_activity("weigh_anything", parcel, start_to_close_timeout=T5)
        return [parcel.weight, plus_one]


async def test_raw_values_and_the_payload_converters_of_workflow_and_activity_code(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RawValueWorkflow], activities=[weigh, any_parcel]):
        result = await client.execute_workflow(RawValueWorkflow.run, 20, id=f"raw-{task_queue}", task_queue=task_queue)
    assert result == [40, 41]


@activity.defn
async def greeting_encoding_of(name: str) -> str:
    payload = activity.payload_converter().to_payload(GreetingInput(name))
    return payload.metadata["encoding"].decode()


async def test_activity_environment_gives_its_payload_converter():
    env = ActivityEnvironment()
    env.payload_converter = GreetingPayloadConverter()
    assert await env.run(greeting_encoding_of, "x") == ENCODING


async def test_client_config_builds_a_client_with_the_same_configuration(client):
    config = client.config()
    rebuilt = Client(**config)
    assert rebuilt.namespace == client.namespace
    assert rebuilt.data_converter is client.data_converter
    assert rebuilt.config() == config


async def test_a_replayer_given_the_data_converter_replays_a_history_of_its_values(client, task_queue):
    greeting_client = with_converter(client, greeting_data_converter)
    async with new_worker(greeting_client, task_queue=task_queue, workflows=[GreetingChild]):
        handle = await greeting_client.start_workflow(
            GreetingChild.run, GreetingInput("replay"), id=f"replay-{task_queue}", task_queue=task_queue
        )
        assert (await handle.result()).result == "Hi, replay"
    history = await handle.fetch_history()
    replayer = new_replayer([GreetingChild], data_converter=greeting_data_converter)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
