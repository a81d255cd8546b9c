"""The payload value: metadata and data, as temporalio's ``temporalio.api.common.v1.Payload``.

temporalio's payload is a protobuf message; codecs written for it build payloads with
keyword arguments, read ``metadata`` and ``data``, and (encryption and compression codecs)
nest one payload inside another with ``SerializeToString`` / ``FromString``. This payload
does all of that, writing the same protobuf wire bytes as temporalio's message, so a codec
moves between the two SDKs unchanged and data encrypted by one decrypts with the other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

__all__ = ["Payload", "Payloads", "RawValue"]

_LENGTH_DELIMITED = 2  # protobuf wire type of strings, bytes and nested messages
_METADATA_FIELD = 1  # Payload.metadata: map<string, bytes>
_DATA_FIELD = 2  # Payload.data: bytes
_MAP_KEY_FIELD = 1
_MAP_VALUE_FIELD = 2


@dataclasses.dataclass(kw_only=True)
class Payload:
    """One encoded value: ``metadata`` says how ``data`` is encoded (``encoding`` key)."""

    metadata: Mapping[str, bytes] = dataclasses.field(default_factory=dict)
    """Metadata of the payload; ``metadata["encoding"]`` names its encoding (``b"json/plain"``)."""

    data: bytes = b""
    """The encoded value."""

    def __post_init__(self) -> None:
        self.metadata = dict(self.metadata)  # a message's own map, as protobuf copies it

    @staticmethod
    def of(text: str) -> Payload:
        """The ``json/plain`` payload of a value's JSON text."""
        return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())

    @property
    def text(self) -> str:
        """The data as text (the JSON text of a ``json/plain`` payload)."""
        return self.data.decode()

    def SerializeToString(self, *, deterministic: bool = False) -> bytes:  # noqa: N802 (protobuf's name)
        """The payload in protobuf's wire format, as temporalio's message writes it.

        Args:
            deterministic: accepted for protobuf's signature; the map is always written
                in sorted key order, so the bytes are always deterministic.
        """
        out = bytearray()
        for key in sorted(self.metadata):
            entry = _field(_MAP_KEY_FIELD, key.encode()) + _field(_MAP_VALUE_FIELD, bytes(self.metadata[key]))
            out += _field(_METADATA_FIELD, entry)
        if self.data:
            out += _field(_DATA_FIELD, bytes(self.data))
        return bytes(out)

    @classmethod
    def FromString(cls, serialized: bytes) -> Payload:  # noqa: N802 (protobuf's name)
        """A payload from protobuf's wire format (what :meth:`SerializeToString` wrote).

        Raises:
            ValueError: the bytes are not a serialized payload.
        """
        payload = cls()
        payload.ParseFromString(serialized)
        return payload

    def ParseFromString(self, serialized: bytes) -> int:  # noqa: N802 (protobuf's name)
        """Replace this payload's fields with the serialized payload's; the number of bytes read.

        Raises:
            ValueError: the bytes are not a serialized payload.
        """
        metadata: dict[str, bytes] = {}
        data = b""
        for number, value in _fields(bytes(serialized)):
            if number == _METADATA_FIELD:
                entry = dict(_fields(value))
                metadata[entry.get(_MAP_KEY_FIELD, b"").decode()] = entry.get(_MAP_VALUE_FIELD, b"")
            elif number == _DATA_FIELD:
                data = value
        self.metadata, self.data = metadata, data
        return len(serialized)

    def CopyFrom(self, other: Payload) -> None:  # noqa: N802 (protobuf's name)
        """Make this payload a copy of ``other``."""
        self.metadata, self.data = dict(other.metadata), other.data


@dataclasses.dataclass(kw_only=True)
class Payloads:
    """A list of payloads, as temporalio's ``temporalio.api.common.v1.Payloads``."""

    payloads: list[Payload] = dataclasses.field(default_factory=list)

    def __init__(self, *, payloads: Sequence[Payload] = ()) -> None:
        self.payloads = list(payloads)


@dataclasses.dataclass(frozen=True)
class RawValue:
    """Representation of an unconverted, raw payload (temporalio's ``common.RawValue``).

    Dynamic workflows, activities and handlers receive their arguments as these; as a
    parameter or result type elsewhere it passes the payload through unconverted.
    """

    payload: Payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | _LENGTH_DELIMITED) + _varint(len(value)) + value


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated payload: a varint runs past the end")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(buf: bytes) -> list[tuple[int, bytes]]:
    """The length-delimited fields of a message (the only wire type a payload has)."""
    fields: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(buf):
        tag, pos = _read_varint(buf, pos)
        if tag & 7 != _LENGTH_DELIMITED:
            raise ValueError(f"not a serialized payload: field {tag >> 3} has wire type {tag & 7}")
        size, pos = _read_varint(buf, pos)
        if pos + size > len(buf):
            raise ValueError("truncated payload: a field runs past the end")
        fields.append((tag >> 3, buf[pos : pos + size]))
        pos += size
    return fields
