"""A payload codec over the engine's stored payload texts, async and synchronous.

:class:`PayloadBoundary` holds a codec (as two functions over stored texts:
:meth:`PayloadBoundary.of` makes them from a data converter's codec) and whether failures encode their common
attributes, and applies them to values through the catalogue: events, queue bodies, one
field. The client awaits it; the engine's synchronous ports call its blocking twins.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from durable._codec import bridge, walk
from durable._codec.catalogue import Field, Spec, event_spec, message_spec
from durable._conversion.data_converter import DataConverter
from durable._conversion.stored import payload_from_text, payload_to_text
from durable._replay.events import Event

__all__ = ["PayloadBoundary"]


@dataclass(frozen=True)
class PayloadBoundary:
    """A codec over stored payload texts, and how failures are encoded, run synchronously."""

    encode_texts: walk.TextCodec
    decode_texts: walk.TextCodec
    encode_common_attributes: bool = False
    """temporalio's ``DefaultFailureConverter(encode_common_attributes=True)``."""

    async def encode_async(self, values: Sequence[Any], specs: Sequence[Spec]) -> list[Any]:
        """Copies of ``values`` with their payloads encoded."""
        return await walk.encode(
            values, specs, self.encode_texts, encode_common_attributes=self.encode_common_attributes
        )

    async def decode_async(self, values: Sequence[Any], specs: Sequence[Spec]) -> list[Any]:
        """Copies of ``values`` with their payloads decoded."""
        return await walk.decode(values, specs, self.decode_texts)

    async def encode_field_async(self, value: Any, field: Field | Spec) -> Any:
        """One value encoded (a list of payloads, a failure, an object of a spec, ...)."""
        return (await self.encode_async([{"v": value}], [{"v": field}]))[0]["v"]

    async def decode_field_async(self, value: Any, field: Field | Spec) -> Any:
        """One value decoded."""
        return (await self.decode_async([{"v": value}], [{"v": field}]))[0]["v"]

    def encode(self, values: Sequence[Any], specs: Sequence[Spec]) -> list[Any]:
        """:meth:`encode_async`, from synchronous code."""
        return bridge.run_sync(self.encode_async(values, specs))

    def decode(self, values: Sequence[Any], specs: Sequence[Spec]) -> list[Any]:
        """:meth:`decode_async`, from synchronous code."""
        return bridge.run_sync(self.decode_async(values, specs))

    def encode_field(self, value: Any, field: Field | Spec) -> Any:
        """:meth:`encode_field_async`, from synchronous code."""
        return bridge.run_sync(self.encode_field_async(value, field))

    def decode_field(self, value: Any, field: Field | Spec) -> Any:
        """:meth:`decode_field_async`, from synchronous code."""
        return bridge.run_sync(self.decode_field_async(value, field))

    @staticmethod
    def of(data_converter: DataConverter | None) -> PayloadBoundary | None:
        """The boundary of a data converter's codec; None without a codec.

        Failures encode their common attributes when its failure converter was made with
        ``DefaultFailureConverter(encode_common_attributes=True)`` (a class deriving from it).
        """
        if data_converter is None or data_converter.payload_codec is None:
            return None
        codec = data_converter.payload_codec

        async def encode_texts(texts: Sequence[str]) -> list[str]:
            return [payload_to_text(p) for p in await codec.encode([payload_from_text(t) for t in texts])]

        async def decode_texts(texts: Sequence[str]) -> list[str]:
            return [payload_to_text(p) for p in await codec.decode([payload_from_text(t) for t in texts])]

        common = bool(getattr(data_converter.failure_converter, "_encode_common_attributes", False))
        return PayloadBoundary(encode_texts, decode_texts, encode_common_attributes=common)

    def encode_events(self, events: list[Event]) -> list[Event]:
        """Copies of events with their payloads encoded."""
        return self.encode(events, [_event(e) for e in events])

    def decode_events(self, events: list[Event]) -> list[Event]:
        """Copies of events with their payloads decoded."""
        return self.decode(events, [_event(e) for e in events])

    def encode_body(self, body: str) -> str:
        """A queue body (inbox message or activity task) with its payloads encoded."""
        return self._body(body, self.encode)

    def decode_body(self, body: str) -> str:
        """A received queue body with its payloads decoded."""
        return self._body(body, self.decode)

    @staticmethod
    def _body(body: str, run: Callable[[Sequence[Any], Sequence[Spec]], list[Any]]) -> str:
        try:
            parsed = json.loads(body)
        except ValueError:
            return body  # not a message of this engine: the receiver reports it as unreadable
        if not isinstance(parsed, dict) or not (spec := message_spec(parsed)):
            return body
        return json.dumps(run([parsed], [spec])[0], separators=(",", ":"))


def _event(event: Event) -> Spec:
    return {"attributes": event_spec(event["event_type"])}
