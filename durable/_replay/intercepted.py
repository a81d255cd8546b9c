"""The ends of a run's interceptor chains: what the instance itself does for each call.

The inbound end runs the workflow and its handlers; the outbound end issues the commands
workflow code asked for. Each hands the call back to the instance (through the methods
named here), so the chains add no behaviour of their own: with no interceptor, a call goes
straight from the first chain link to the instance.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, NoReturn

from durable._replay.interceptor import (
    ContinueAsNewInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowOutboundInterceptor,
)

if TYPE_CHECKING:
    from durable._replay.children import ChildWorkflowHandle
    from durable._replay.context import Info
    from durable._replay.instance import ActivityHandle, WorkflowInstance

__all__ = ["InstanceInbound", "InstanceOutbound"]


class InstanceInbound(WorkflowInboundInterceptor):
    """Runs the workflow's run method and handlers (the last inbound link: no ``next``)."""

    def __init__(self, instance: WorkflowInstance) -> None:
        self._instance = instance

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        self._instance._outbound = outbound

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        return await input.run_fn(self._instance.workflow_object, *input.args)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        handler = self._instance._handler("signal", input.signal)
        result = self._instance._call(handler, list(input.args))
        if inspect.isawaitable(result):
            await result

    async def handle_query(self, input: HandleQueryInput) -> Any:
        handler = self._instance._handler("query", input.query)
        result = self._instance._call(handler, list(input.args))
        if inspect.isawaitable(result):
            result = await result
        return result

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        handler = self._instance._updates_handler(input.update)
        assert handler.validator is not None  # called only for an update that has one
        if handler.is_method:
            handler.validator(self._instance.workflow_object, *input.args)
        else:
            handler.validator(*input.args)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        handler = self._instance._updates_handler(input.update)
        result = self._instance._call(handler, list(input.args))
        if inspect.isawaitable(result):
            result = await result
        return result


class InstanceOutbound(WorkflowOutboundInterceptor):
    """Issues the commands workflow code asked for (the last outbound link: no ``next``)."""

    def __init__(self, instance: WorkflowInstance) -> None:
        self._instance = instance

    def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        self._instance._continue_as_new(input)

    def info(self) -> Info:
        return self._instance.info

    async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
        await self._instance._signal_external(input.child_workflow_id, None, input.signal, input.args, input.headers)

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        await self._instance._signal_external(
            input.workflow_id, input.workflow_run_id, input.signal, input.args, input.headers
        )

    def start_activity(self, input: StartActivityInput) -> ActivityHandle[Any]:
        return self._instance._schedule_activity(input)

    async def start_child_workflow(self, input: StartChildWorkflowInput) -> ChildWorkflowHandle[Any, Any]:
        return await self._instance._start_child(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> ActivityHandle[Any]:
        return self._instance._schedule_local_activity(input)
