"""Payloads as the engine keeps them: values to stored text and back, guided by type hints.

A value becomes a :class:`Payload` through a payload converter (the default one unless the
client or environment that registered the task queue configured another, see
``durable.converter``), and a payload is kept as one ``str`` (its stored form, see
:mod:`durable._conversion.stored`): for the default converter the value's JSON text.
Decoding validates the JSON against the declared type, so a workflow parameter annotated
``order: Order`` receives an ``Order``; without a hint, a payload decodes to plain JSON values.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Any

from durable import _limits
from durable._conversion.default_payload_converter import DefaultPayloadConverter
from durable._conversion.payload import Payload, RawValue
from durable._conversion.payload_converter import PayloadConverter
from durable._conversion.stored import payload_from_text, payload_to_text
from durable.exceptions import PayloadSizeError

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Payload",
    "PayloadConverter",
    "RawValue",
    "checked",
    "decode",
    "decode_args",
    "encode",
    "encode_args",
    "hints_of",
    "keep_payloads",
    "payload_converter",
    "raw_values",
]

MAX_PAYLOAD_BYTES = _limits.MAX_PAYLOAD_BYTES
"""Largest payload accepted: 2 MB, Temporal's limit. Whatever a decision holds, the
stores keep their items and messages within AWS's limits by moving large values to the
payload store (claim check)."""

payload_converter: PayloadConverter = DefaultPayloadConverter()
"""The default payload converter: values are JSON wherever they travel."""


class _KeepPayloads(PayloadConverter):
    """Payloads in and out unconverted, as raw values: for the engine's own rewrapping of a
    failure (an activity's, in an ActivityError), whose details any converter may have written."""

    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        return [v.payload if isinstance(v, RawValue) else payload_converter.to_payload(v) for v in values]

    def from_payloads(self, payloads: Sequence[Payload], type_hints: list[Any] | None = None) -> list[Any]:
        return [RawValue(p) for p in payloads]


keep_payloads: PayloadConverter = _KeepPayloads()
"""Decodes each payload to a :class:`RawValue` and encodes it back as it was."""


def encode(value: Any, converter: PayloadConverter | None = None) -> str:
    """One value as its stored payload text.

    Raises:
        TypeError: the value cannot be represented as JSON.
        PayloadSizeError: the encoded value is over :data:`MAX_PAYLOAD_BYTES`.
    """
    return encode_args([value], converter)[0]


def encode_args(values: Sequence[Any], converter: PayloadConverter | None = None) -> list[str]:
    """Each value as its stored payload text.

    Raises:
        TypeError: a value cannot be represented as JSON.
        PayloadSizeError: an encoded value is over :data:`MAX_PAYLOAD_BYTES`.
    """
    payloads = (converter or payload_converter).to_payloads(values)
    return [checked(payload_to_text(p), type(v).__name__) for v, p in zip(values, payloads, strict=False)]


def checked(text: str, what: str) -> str:
    """A stored payload's text, if within :data:`MAX_PAYLOAD_BYTES` (``what``: the value's type, for the error).

    Raises:
        PayloadSizeError: the text is over the limit.
    """
    size = len(text) if text.isascii() else len(text.encode())  # pydantic writes UTF-8, not escapes
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadSizeError(
            f"payload of {size} bytes is over the limit of {MAX_PAYLOAD_BYTES} bytes (2 MB) "
            f"(a {what}); pass a reference (an S3 key, an id) instead of the data"
        )
    return text


def decode(payload: str, hint: Any = None, converter: PayloadConverter | None = None) -> Any:
    """A stored payload as a value of the hinted type (plain JSON without a hint)."""
    return decode_args([payload], [hint], converter)[0]


def decode_args(
    payloads: Sequence[str], hints: Sequence[Any] | None, converter: PayloadConverter | None = None
) -> list[Any]:
    """Stored payloads as values, each with the hint at its position (extra ones untyped)."""
    hint_list = [None if h is inspect.Parameter.empty else h for h in hints or ()]
    return (converter or payload_converter).from_payloads([payload_from_text(p) for p in payloads], hint_list)


def raw_values(payloads: Sequence[str]) -> list[RawValue]:
    """Stored payloads as raw values, unconverted (a dynamic workflow's, activity's or handler's arguments)."""
    return [RawValue(payload_from_text(p)) for p in payloads]


def hints_of(fn: Callable[..., Any]) -> tuple[list[Any], Any]:
    """Parameter type hints (without ``self``) and the return hint of a function."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to untyped payloads
        hints = {}
    params = [
        p for p in inspect.signature(fn).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if params and params[0].name == "self":
        params = params[1:]
    ret = hints.get("return")
    return [hints.get(p.name) for p in params], (None if ret is type(None) else ret)
