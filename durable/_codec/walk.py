"""A codec run over the payloads a catalogue names, in one call per batch. Async and pure.

:func:`encode` and :func:`decode` take values (events, messages, records) with the spec
of each, gather every payload text they hold into one list, run the codec once over it
(temporalio's codecs take a list, so a remote or KMS-backed codec makes one round trip
per batch), and return copies with the results put back. The values given are never
changed: the orchestrator keeps its decoded events while their encoded copies are stored.

Failures follow temporalio's ``DefaultFailureConverter(encode_common_attributes=True)``
when asked: before encoding, each failure of a chain moves its message and stack trace
into an ``encoded_attributes`` payload and says "Encoded failure"; decoding puts them back
wherever a failure has encoded attributes, whoever encoded it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from durable._codec import common_attributes
from durable._codec.catalogue import FAILURE_FIELDS, Field, Spec

__all__ = ["TextCodec", "decode", "encode"]

TextCodec = Callable[[Sequence[str]], Awaitable[list[str]]]
"""Payloads in their stored text form in, the same number out (a codec's encode or decode)."""

_Slot = tuple[MutableMapping[str, Any] | list[Any], Any]
"""Where a payload text sits in a copied value: its container and key (or index)."""


async def encode(
    values: Sequence[Any], specs: Sequence[Spec], codec: TextCodec, *, encode_common_attributes: bool = False
) -> list[Any]:
    """Copies of ``values`` with every payload their spec names encoded (one codec call)."""
    copies, slots, texts = _gather(values, specs, move_common_attributes=encode_common_attributes)
    if texts:
        _put_back(slots, await _run(codec, texts, "encoding"))
    return copies


async def decode(values: Sequence[Any], specs: Sequence[Spec], codec: TextCodec) -> list[Any]:
    """Copies of ``values`` with every payload their spec names decoded (one codec call);
    failures with encoded attributes get their message and stack trace back."""
    copies, slots, texts = _gather(values, specs, move_common_attributes=False)
    if texts:
        _put_back(slots, await _run(codec, texts, "decoding"))
        for copy, spec in zip(copies, specs, strict=True):
            _restore_common_attributes(copy, spec)
    return copies


async def _run(codec: TextCodec, texts: list[str], doing: str) -> list[str]:
    out = await codec(texts)
    if len(out) != len(texts):
        raise ValueError(
            f"the payload codec returned {len(out)} payloads {doing} {len(texts)}: "
            "a codec must turn each payload into exactly one"
        )
    return out


def _put_back(slots: list[_Slot], texts: list[str]) -> None:
    for (container, key), text in zip(slots, texts, strict=True):
        container[key] = text


def _gather(
    values: Sequence[Any], specs: Sequence[Spec], *, move_common_attributes: bool
) -> tuple[list[Any], list[_Slot], list[str]]:
    slots: list[_Slot] = []
    texts: list[str] = []
    copies = [
        _copy(value, spec, slots, texts, move_common_attributes) for value, spec in zip(values, specs, strict=True)
    ]
    return copies, slots, texts


def _copy(value: Any, spec: Spec, slots: list[_Slot], texts: list[str], move: bool) -> Any:
    """A copy of ``value`` down the paths ``spec`` names, recording where each payload text is."""
    if not isinstance(value, dict) or not spec:
        return value
    out = dict(value)
    for name, field in spec.items():
        held = out.get(name)
        if held is None:
            continue
        if field is Field.PAYLOAD:
            if isinstance(held, str):
                slots.append((out, name))
                texts.append(held)
        elif isinstance(field, Field):
            out[name] = _copy_field(held, field, slots, texts, move)
        else:
            out[name] = _copy(held, field, slots, texts, move)
    return out


def _copy_field(held: Any, field: Field, slots: list[_Slot], texts: list[str], move: bool) -> Any:
    if field is Field.PAYLOADS:
        if not isinstance(held, list):
            return held
        copied = list(held)
        for i, text in enumerate(copied):
            if isinstance(text, str):
                slots.append((copied, i))
                texts.append(text)
        return copied
    if field is Field.PAYLOAD_MAP:
        if not isinstance(held, dict):
            return held
        mapped = dict(held)
        for key, text in mapped.items():
            if isinstance(text, str):
                slots.append((mapped, key))
                texts.append(text)
        return mapped
    if not isinstance(held, dict):
        return held
    failure = common_attributes.move_common_attributes(held) if move else held
    return _copy(failure, FAILURE_FIELDS, slots, texts, move)


def _restore_common_attributes(value: Any, spec: Spec) -> None:
    """Put decoded encoded attributes back into the failures of ``value`` (a copy: in place)."""
    if not isinstance(value, dict):
        return
    for name, field in spec.items():
        held = value.get(name)
        if held is None:
            continue
        if field is Field.FAILURE and isinstance(held, dict):
            common_attributes.restore(held)
        elif not isinstance(field, Field):
            _restore_common_attributes(held, field)
