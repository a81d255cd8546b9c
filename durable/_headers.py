"""Headers: what interceptors attach to starts, signals, queries, updates, activities and children.

temporalio's headers are ``Mapping[str, Payload]``. Here a payload travels and is stored in
its stored form (:func:`payload_to_text`: JSON text, or an envelope keeping the metadata of
any other encoding), so a header crosses transports, the log, the inbox and
activity tasks as ``dict[str, str]`` and comes back out as payloads for the inbound
interceptors. An empty mapping is left out of what is sent and stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from durable._conversion.payload import Payload
from durable._conversion.stored import payload_from_text, payload_to_text

__all__ = ["WireHeaders", "from_wire", "to_wire"]

WireHeaders = dict[str, str]
"""Headers as they travel and are stored: header name -> the payload's stored text."""


def to_wire(headers: Mapping[str, Payload] | None) -> WireHeaders:
    """Headers as they travel: each payload in its stored form."""
    return {name: payload_to_text(payload) for name, payload in (headers or {}).items()}


def from_wire(headers: Mapping[str, str] | None) -> dict[str, Payload]:
    """Headers as interceptors see them: each stored text as its payload (none: an empty mapping)."""
    return {name: payload_from_text(text) for name, text in (headers or {}).items()}
