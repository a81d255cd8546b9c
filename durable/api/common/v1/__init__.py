"""``Payload`` and ``Payloads``, where temporalio code imports them (``temporalio.api.common.v1``)."""

from __future__ import annotations

from durable._conversion.payload import Payload, Payloads

__all__ = ["Payload", "Payloads"]
