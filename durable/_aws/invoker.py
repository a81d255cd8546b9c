"""Asynchronous invocations of the orchestrator function, for AWS (Lambda's ``Event`` invoke)."""

from __future__ import annotations

from durable._aws.lazy_client import LazyClient
from durable._limits import check_invocation_payload
from durable._runtime.delivery_event import delivery_event

__all__ = ["LambdaInvoker"]


class LambdaInvoker(LazyClient):
    """:class:`~durable._runtime.ports.OrchestratorInvoker` over Lambda's Invoke API."""

    _service = "lambda"

    def __init__(self, function_name: str, *, client: object | None = None) -> None:
        """``function_name``: the orchestrator function's name or ARN."""
        super().__init__(client)
        self.function_name = function_name

    def deliver(self, bodies: list[str]) -> None:
        """Queue one invocation carrying ``bodies``; Lambda answers 202 once it holds the event."""
        payload = delivery_event(bodies)
        check_invocation_payload(payload)  # refused here as Lambda would, before a request
        response = self.client.invoke(FunctionName=self.function_name, InvocationType="Event", Payload=payload)
        if response.get("StatusCode") != 202:
            raise RuntimeError(f"Lambda did not queue the invocation of {self.function_name}: {response}")
