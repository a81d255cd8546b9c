"""Decoding the API's JSON through a codec server (Temporal's ``--codec-endpoint``).

The API shows a payload the way it is stored: a JSON value, or, for an encoded one,
``{"@payload": {"metadata": {...}, "data": "..."}}``. :func:`decode_through` sends every
such envelope of a document to ``POST <endpoint>/decode`` in one request and puts back what
comes out: the JSON value of a ``json/plain`` payload, else the decoded payload's own
envelope. A failure whose encoded attributes decode to its message and stack trace gets
them back, as temporalio's failure converter does. The web UI does the same in
``ui/codec.js``.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from durable._conversion.stored import ENVELOPE_KEY

__all__ = ["CodecEndpointError", "decode_through"]

_JSON_PLAIN = base64.b64encode(b"json/plain").decode()


class CodecEndpointError(RuntimeError):
    """The codec server did not decode the payloads (unreachable, or it answered an error)."""


def decode_through(
    endpoint: str,
    document: Any,
    *,
    namespace: str = "default",
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Any:
    """``document`` with its encoded payloads decoded by the codec server at ``endpoint``.

    Raises:
        CodecEndpointError: the server could not be reached or did not decode them.
    """
    places: list[tuple[dict[str, Any] | list[Any], Any]] = []
    copy = _collect(document, places)
    if not places:
        return copy
    sent = [container[key][ENVELOPE_KEY] for container, key in places]
    decoded = _post(f"{endpoint.rstrip('/')}/decode", {"payloads": sent}, namespace, headers or {}, timeout)
    if len(decoded) != len(sent):
        raise CodecEndpointError(f"the codec server answered {len(decoded)} payloads for {len(sent)}")
    for (container, key), payload in zip(places, decoded, strict=True):
        container[key] = _shown(payload)
    _restore_failures(copy)
    return copy


def _collect(value: Any, places: list[tuple[dict[str, Any] | list[Any], Any]]) -> Any:
    """A copy of ``value``, noting where each envelope sits."""
    if isinstance(value, dict):
        out: dict[str, Any] = {k: _collect(v, places) for k, v in value.items()}
        for k, v in out.items():
            if _is_envelope(v):
                places.append((out, k))
        return out
    if isinstance(value, list):
        items = [_collect(v, places) for v in value]
        places.extend((items, i) for i, v in enumerate(items) if _is_envelope(v))
        return items
    return value


def _is_envelope(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == [ENVELOPE_KEY] and isinstance(value[ENVELOPE_KEY], dict)


def _shown(payload: Any) -> Any:
    """A decoded payload as the API would show it."""
    if not isinstance(payload, dict):
        raise CodecEndpointError(f"the codec server answered {payload!r} where a payload was expected")
    metadata = payload.get("metadata") or {}
    if metadata == {"encoding": _JSON_PLAIN}:
        try:
            return json.loads(base64.b64decode(payload.get("data", "")))
        except ValueError:
            pass
    return {ENVELOPE_KEY: payload}


def _restore_failures(value: Any) -> None:
    if isinstance(value, dict):
        attributes = value.get("encoded_attributes")
        if isinstance(attributes, dict) and ("message" in attributes or "stack_trace" in attributes):
            del value["encoded_attributes"]
            value["message"] = attributes.get("message", value.get("message"))
            value["stack_trace"] = attributes.get("stack_trace", value.get("stack_trace"))
        for v in value.values():
            _restore_failures(v)
    elif isinstance(value, list):
        for v in value:
            _restore_failures(v)


def _post(url: str, body: Any, namespace: str, headers: Mapping[str, str], timeout: float) -> list[Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Namespace": namespace, **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the user's endpoint
            answer = json.loads(response.read())
    except urllib.error.HTTPError as err:
        detail = err.read().decode("utf-8", "replace")[:300]
        raise CodecEndpointError(f"the codec server at {url} answered {err.code}: {detail}") from err
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise CodecEndpointError(f"the codec server at {url} could not be reached: {err}") from err
    payloads = answer.get("payloads") if isinstance(answer, dict) else None
    if not isinstance(payloads, list):
        raise CodecEndpointError(f'the codec server at {url} did not answer {{"payloads": [...]}}')
    return payloads
