"""A payload's stored form: the text that events, inbox messages, items and the HTTP API hold.

Everywhere a payload is kept or sent it is one ``str``:

- a payload whose metadata is exactly ``{"encoding": b"json/plain"}`` is its JSON text,
  as durable has always stored values (old histories read back unchanged, and the HTTP
  API shows the value itself);
- any other payload (``binary/null``, a custom encoding, a codec's output such as
  ``binary/encrypted``) is the JSON text ``{"@payload": {"metadata": {"<key>": "<base64>"},
  "data": "<base64>"}}``: the proto-JSON shape of a payload under one marker key;
- a ``json/plain`` value that is itself an object whose only key is ``"@payload"`` goes in
  the envelope too, so every text reads back as the payload it came from.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TypedDict

from durable._conversion.payload import Payload

__all__ = ["ENVELOPE_KEY", "payload_from_text", "payload_to_text"]

ENVELOPE_KEY = "@payload"
"""The one key of a stored payload that is not plain JSON."""

_JSON_PLAIN = {"encoding": b"json/plain"}
_ENVELOPE_PREFIX = '{"' + ENVELOPE_KEY + '":'


class PayloadJSON(TypedDict, total=False):
    """A payload in proto-JSON: metadata values and data in base64."""

    metadata: dict[str, str]
    data: str


def payload_to_text(payload: Payload) -> str:
    """The stored text of a payload (see the module's docstring)."""
    if payload.metadata == _JSON_PLAIN and not _looks_like_envelope(payload.data):
        return payload.data.decode()
    envelope: PayloadJSON = {
        "metadata": {key: base64.b64encode(value).decode() for key, value in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }
    return json.dumps({ENVELOPE_KEY: envelope}, separators=(",", ":"))


def payload_from_text(text: str) -> Payload:
    """The payload a stored text holds (see the module's docstring).

    Raises:
        ValueError: the text is an envelope whose metadata or data is not base64.
    """
    if not text.startswith(_ENVELOPE_PREFIX):
        return Payload(metadata=_JSON_PLAIN, data=text.encode())
    envelope = json.loads(text)
    if not (
        isinstance(envelope, dict) and list(envelope) == [ENVELOPE_KEY] and isinstance(envelope[ENVELOPE_KEY], dict)
    ):
        raise ValueError(f"a stored payload that starts with {_ENVELOPE_PREFIX} must be an envelope: {text[:200]}")
    fields: PayloadJSON = envelope[ENVELOPE_KEY]
    try:
        return Payload(
            metadata={key: base64.b64decode(value, validate=True) for key, value in fields.get("metadata", {}).items()},
            data=base64.b64decode(fields.get("data", ""), validate=True),
        )
    except (binascii.Error, TypeError, AttributeError) as err:
        raise ValueError(f"a stored payload envelope's metadata and data must be base64: {err}") from err


def _looks_like_envelope(data: bytes) -> bool:
    """Whether a ``json/plain`` value is an object whose only key is the envelope's.

    Most values are told apart by their first bytes; only an object that mentions the key
    (or spells a key with escapes) is parsed to be sure.
    """
    head = data.lstrip()[:1]
    if head != b"{" or (ENVELOPE_KEY.encode() not in data and b"\\u" not in data):
        return False
    try:
        value = json.loads(data)
    except ValueError:
        return False
    return isinstance(value, dict) and list(value) == [ENVELOPE_KEY]
