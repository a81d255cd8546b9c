"""A failure's message and stack trace moved into a payload, so a codec encodes them.

temporalio's ``DefaultFailureConverter(encode_common_attributes=True)``: the message and
stack trace of each failure of a chain go into an ``encoded_attributes`` payload (the JSON
``{"message": ..., "stack_trace": ...}``) and the message says "Encoded failure"; reading a
failure puts them back wherever it has encoded attributes, whatever wrote it. Failures are
:mod:`durable._failure`'s dicts and payloads their stored texts.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ENCODED_FAILURE_MESSAGE", "move_common_attributes", "move_common_attributes_of_chain", "restore"]

ENCODED_FAILURE_MESSAGE = "Encoded failure"
"""A failure's message once its common attributes are encoded (temporalio's words)."""


def move_common_attributes(failure: dict[str, Any]) -> dict[str, Any]:
    """A copy of the failure (not of its cause) with its message and stack trace in an
    encoded-attributes payload; the failure itself when it has one already."""
    if "encoded_attributes" in failure:
        return failure
    attributes = {"message": failure.get("message", ""), "stack_trace": failure.get("stack_trace", "")}
    return {
        **failure,
        "message": ENCODED_FAILURE_MESSAGE,
        "stack_trace": "",
        "encoded_attributes": json.dumps(attributes, separators=(",", ":")),
    }


def move_common_attributes_of_chain(failure: dict[str, Any]) -> dict[str, Any]:
    """:func:`move_common_attributes` for every failure of the chain (a copy)."""
    moved = move_common_attributes(failure)
    if isinstance(moved.get("cause"), dict):
        moved = {**moved, "cause": move_common_attributes_of_chain(moved["cause"])}
    return moved


def restore(failure: dict[str, Any]) -> None:
    """Put the message and stack trace back from decoded encoded attributes, down the
    chain, in place (encoded attributes still encoded, or not such a JSON object, stay)."""
    encoded = failure.get("encoded_attributes")
    if isinstance(encoded, str):
        try:
            attributes = json.loads(encoded)
        except ValueError:
            attributes = None
        if isinstance(attributes, dict) and ("message" in attributes or "stack_trace" in attributes):
            del failure["encoded_attributes"]
            # temporalio's DefaultFailureConverter.from_failure: the encoded values win.
            if isinstance(attributes.get("message"), str):
                failure["message"] = attributes["message"]
            if isinstance(attributes.get("stack_trace"), str):
                failure["stack_trace"] = attributes["stack_trace"]
    if isinstance(failure.get("cause"), dict):
        restore(failure["cause"])
