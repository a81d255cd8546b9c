"""Payload codecs: bytes to bytes (encryption, compression), as temporalio's ``PayloadCodec``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from durable._conversion.payload import Payload, Payloads
from durable._conversion.stored import payload_from_text, payload_to_text

__all__ = ["PayloadCodec"]

Failure = dict[str, Any]
"""A failure as ``durable._failure`` writes it; its details are stored payload texts."""

# Where a failure holds payloads: the failure-info key and its list of stored payload texts.
_FAILURE_PAYLOAD_LISTS = (
    ("application", "details"),
    ("timeout", "last_heartbeat_details"),
    ("canceled", "details"),
    ("terminated", "details"),
)


class PayloadCodec(ABC):
    """Codec for encoding/decoding to/from bytes.

    Commonly used for compression or encryption.
    """

    @abstractmethod
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encode the given payloads.

        Args:
            payloads: Payloads to encode. This value should not be mutated.

        Returns:
            Encoded payloads.
        """
        raise NotImplementedError

    @abstractmethod
    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decode the given payloads.

        Args:
            payloads: Payloads to decode. This value should not be mutated.

        Returns:
            Decoded payloads.
        """
        raise NotImplementedError

    async def encode_wrapper(self, payloads: Payloads) -> None:
        """:meth:`encode` for the :class:`Payloads` wrapper. This replaces the payloads within."""
        payloads.payloads = await self.encode(payloads.payloads)

    async def decode_wrapper(self, payloads: Payloads) -> None:
        """:meth:`decode` for the :class:`Payloads` wrapper. This replaces the payloads within."""
        payloads.payloads = await self.decode(payloads.payloads)

    async def encode_failure(self, failure: Failure) -> None:
        """Encode payloads of a failure (and its causes) in place."""
        await _apply_to_failure_payloads(failure, self.encode)

    async def decode_failure(self, failure: Failure) -> None:
        """Decode payloads of a failure (and its causes) in place."""
        await _apply_to_failure_payloads(failure, self.decode)


async def _apply_to_failure_payloads(
    failure: Failure, transform: Callable[[Sequence[Payload]], Awaitable[list[Payload]]]
) -> None:
    for info_key, list_key in _FAILURE_PAYLOAD_LISTS:
        info = failure.get(info_key)
        if info and info.get(list_key):
            payloads = await transform([payload_from_text(text) for text in info[list_key]])
            info[list_key] = [payload_to_text(p) for p in payloads]
    if failure.get("cause"):
        await _apply_to_failure_payloads(failure["cause"], transform)
