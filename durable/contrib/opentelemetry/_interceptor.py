"""The tracing interceptor: spans for client calls, workflow tasks and activity attempts.

The span context travels in a header (``_tracer-data``: the text map propagator's carrier as
a JSON payload) with every start, signal, query, update, activity, child and continue-as-new,
so that the spans of one run join the trace of the call that started it, whichever process
or Lambda invocation makes them. Names, kinds and attributes are temporalio's.

Workflow code is replayed, and a span must not be made twice: a workflow-side span is made
only when the code is not replaying (a query's, whose handler runs on replayed state, is made
whenever its caller sent a context), and it is ended as soon as it starts, at workflow time
("completed spans", as temporalio makes them): a span left open across a workflow task could
never be ended by the process that replays the next one. Workflow-side spans are made by an
extern function the worker's interceptor gives the workflow (``workflow.extern_functions()``),
so the tracer, its clock and its id generator run as the worker's code, not as workflow code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol, cast

import opentelemetry.baggage.propagation
import opentelemetry.context
import opentelemetry.propagators.composite
import opentelemetry.propagators.textmap
import opentelemetry.trace
import opentelemetry.trace.propagation.tracecontext
import opentelemetry.util.types
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode

from durable import activity, workflow
from durable._converter import Payload, PayloadConverter, payload_converter
from durable.client import Interceptor as ClientInterceptor
from durable.client import (
    OutboundInterceptor,
    QueryWorkflowInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from durable.exceptions import ApplicationError, ApplicationErrorCategory, FailureError
from durable.worker import (
    ActivityInboundInterceptor,
    ContinueAsNewInput,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from durable.workflow import ActivityHandle, ChildWorkflowHandle

__all__ = ["TracingInterceptor", "TracingWorkflowInboundInterceptor", "default_text_map_propagator"]

# OpenTelemetry chooses its context implementation lazily, on first use, by reading entry
# points (files): done here, at import, so that the first use is never workflow code.
opentelemetry.context.get_current()

default_text_map_propagator = opentelemetry.propagators.composite.CompositePropagator(
    [
        opentelemetry.trace.propagation.tracecontext.TraceContextTextMapPropagator(),
        opentelemetry.baggage.propagation.W3CBaggagePropagator(),
    ]
)
"""The propagator :class:`TracingInterceptor` uses: W3C trace context and baggage."""

Carrier = dict[str, str]
"""A span context as the propagator writes it (``traceparent``...), the header's value."""

_HEADER_KEY = "_tracer-data"
_COMPLETED_SPAN = "__temporal_opentelemetry_completed_span"


class _WithHeaders(Protocol):
    headers: Mapping[str, Payload]


@contextmanager
def _attached(context: Context | None) -> Iterator[None]:
    """Make ``context`` current for the block (nothing when None).

    The block may end in another ``contextvars.Context`` than the one that attached: a run
    dropped from the orchestrator's cache leaves its workflow tasks pending, and garbage
    collection closes them wherever it runs. The token means nothing there, so the reset is
    skipped instead of OpenTelemetry logging "Failed to detach context".
    """
    if context is None:
        yield
        return
    token = opentelemetry.context.attach(context)
    try:
        yield
    finally:
        if context is opentelemetry.context.get_current():
            try:
                token.var.reset(token)
            except ValueError:  # a token of another contextvars.Context: nothing to detach here
                pass


class TracingInterceptor(ClientInterceptor, Interceptor):
    """Makes and propagates OpenTelemetry spans for client calls, workflows and activities.

    Give it to ``Client.connect(interceptors=...)`` for every call of the client and of the
    workers made with it, or to ``Worker(interceptors=...)`` for the workers only. To change
    the header key, the propagator or the payload converter, subclass it and
    :class:`TracingWorkflowInboundInterceptor` (returned by :meth:`workflow_interceptor_class`).
    """

    def __init__(
        self, tracer: opentelemetry.trace.Tracer | None = None, *, always_create_workflow_spans: bool = False
    ) -> None:
        """Initialize the tracing interceptor.

        Args:
            tracer: the tracer to use; ``opentelemetry.trace.get_tracer(__name__)`` by default.
            always_create_workflow_spans: make workflow spans even when no span of the caller
                came with the run (a start from the CLI or a schedule); such spans may be
                orphans. By default workflow spans are made only under a caller's span.
        """
        self.tracer = tracer or opentelemetry.trace.get_tracer(__name__)
        self.header_key: str = _HEADER_KEY
        self.text_map_propagator: opentelemetry.propagators.textmap.TextMapPropagator = default_text_map_propagator
        self.payload_converter: PayloadConverter = payload_converter
        self._always_create_workflow_spans = always_create_workflow_spans

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        """Spans for the client's starts, signals, queries and updates."""
        return _TracingClientOutbound(next, self)

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        """A span for each activity attempt, under the span that scheduled it."""
        return _TracingActivityInbound(next, self)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[TracingWorkflowInboundInterceptor]:
        """:class:`TracingWorkflowInboundInterceptor`, with the extern function that makes its spans."""
        input.unsafe_extern_functions[_COMPLETED_SPAN] = self._completed_workflow_span
        return TracingWorkflowInboundInterceptor

    def _context_to_headers(self, headers: Mapping[str, Payload]) -> Mapping[str, Payload]:
        carrier: Carrier = {}
        self.text_map_propagator.inject(carrier)
        if not carrier:
            return headers
        return {**headers, self.header_key: self.payload_converter.to_payload(carrier)}

    def _context_from_headers(self, headers: Mapping[str, Payload]) -> Context | None:
        payload = headers.get(self.header_key)
        if payload is None:
            return None
        carrier = self.payload_converter.from_payload(payload)
        return self.text_map_propagator.extract(carrier) if carrier else None

    @contextmanager
    def _span(
        self,
        name: str,
        *,
        attributes: opentelemetry.util.types.Attributes,
        kind: SpanKind,
        input: _WithHeaders | None = None,
        context: Context | None = None,
    ) -> Iterator[None]:
        """A span current for the block (under ``context`` if given), its context put on
        ``input``'s headers; an exception other than a benign ApplicationError marks it ERROR."""
        with _attached(context):
            with self.tracer.start_as_current_span(
                name, attributes=attributes, kind=kind, context=context, set_status_on_exception=False
            ) as span:
                if input is not None:
                    input.headers = self._context_to_headers(input.headers)
                try:
                    yield
                except Exception as exc:
                    if not isinstance(exc, ApplicationError) or exc.category != ApplicationErrorCategory.BENIGN:
                        span.set_status(
                            Status(status_code=StatusCode.ERROR, description=f"{type(exc).__name__}: {exc}")
                        )
                    raise

    def _completed_workflow_span(self, params: _CompletedWorkflowSpanParams) -> Carrier | None:
        """Make (and end at once) a workflow span; the carrier of the context it is current in.

        Runs as the worker's code (an extern function): the tracer reads the clock and draws ids.
        """
        if params.parent_missing and not self._always_create_workflow_spans:
            return None
        context = self.text_map_propagator.extract(params.context)
        links: list[opentelemetry.trace.Link] = []
        if params.link_context:
            linked = opentelemetry.trace.get_current_span(self.text_map_propagator.extract(params.link_context))
            if linked is not opentelemetry.trace.INVALID_SPAN:
                links.append(opentelemetry.trace.Link(linked.get_span_context()))
        # Started and ended at the same workflow time: a span left open could not be ended
        # by the process that replays the next workflow task.
        span = self.tracer.start_span(
            params.name,
            context,
            attributes=params.attributes,
            links=links,
            start_time=params.time_ns,
            kind=params.kind,
        )
        context = opentelemetry.trace.set_span_in_context(span, context)
        if params.exception is not None:
            span.record_exception(params.exception)
        span.end(end_time=params.time_ns)
        carrier: Carrier = {}
        self.text_map_propagator.inject(carrier, context)
        return carrier


class _TracingClientOutbound(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, root: TracingInterceptor) -> None:
        super().__init__(next)
        self.root = root

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any]:
        prefix = "SignalWithStartWorkflow" if input.start_signal else "StartWorkflow"
        with self.root._span(
            f"{prefix}:{input.workflow}", attributes={"temporalWorkflowID": input.id}, kind=SpanKind.CLIENT, input=input
        ):
            return await super().start_workflow(input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        with self.root._span(
            f"QueryWorkflow:{input.query}",
            attributes={"temporalWorkflowID": input.id},
            kind=SpanKind.CLIENT,
            input=input,
        ):
            return await super().query_workflow(input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        with self.root._span(
            f"SignalWorkflow:{input.signal}",
            attributes={"temporalWorkflowID": input.id},
            kind=SpanKind.CLIENT,
            input=input,
        ):
            await super().signal_workflow(input)

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        with self.root._span(
            f"StartWorkflowUpdate:{input.update}",
            attributes={"temporalWorkflowID": input.id},
            kind=SpanKind.CLIENT,
            input=input,
        ):
            return await super().start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        start, update = input.start_workflow_input, input.update_workflow_input
        attributes = {"temporalWorkflowID": start.id}
        if update.update_id is not None:
            attributes["temporalUpdateID"] = update.update_id
        with self.root._span(
            f"StartUpdateWithStartWorkflow:{start.workflow}", attributes=attributes, kind=SpanKind.CLIENT
        ):
            # One context for both: the run and its update join the caller's span.
            start.headers = self.root._context_to_headers(start.headers)
            update.headers = self.root._context_to_headers(update.headers)
            return await super().start_update_with_start_workflow(input)


class _TracingActivityInbound(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, root: TracingInterceptor) -> None:
        super().__init__(next)
        self.root = root

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        attributes = {"temporalActivityID": info.activity_id}
        if info.workflow_id:
            attributes["temporalWorkflowID"] = info.workflow_id
        if info.workflow_run_id:
            attributes["temporalRunID"] = info.workflow_run_id
        with self.root._span(
            f"RunActivity:{info.activity_type}",
            attributes=attributes,
            kind=SpanKind.SERVER,
            context=self.root._context_from_headers(input.headers),
        ):
            return await super().execute_activity(input)


@dataclass(frozen=True)
class _CompletedWorkflowSpanParams:
    context: Carrier
    name: str
    attributes: opentelemetry.util.types.Attributes
    time_ns: int
    link_context: Carrier | None
    exception: Exception | None
    kind: SpanKind
    parent_missing: bool


class TracingWorkflowInboundInterceptor(WorkflowInboundInterceptor):
    """The workflow side of :class:`TracingInterceptor` (subclass both to customize them)."""

    def __init__(self, next: WorkflowInboundInterceptor) -> None:
        """Initialize the tracing workflow interceptor."""
        super().__init__(next)
        self._completed_span_fn = cast(
            Callable[[_CompletedWorkflowSpanParams], "Carrier | None"], workflow.extern_functions()[_COMPLETED_SPAN]
        )
        self.header_key: str = _HEADER_KEY
        self.text_map_propagator: opentelemetry.propagators.textmap.TextMapPropagator = default_text_map_propagator
        self.payload_converter: PayloadConverter = payload_converter
        self._workflow_context_carrier: Carrier | None = None

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        """Wrap the outbound chain: what the workflow starts or signals carries its context."""
        super().init(_TracingWorkflowOutbound(outbound, self))

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        """``RunWorkflow:<type>``, then ``CompleteWorkflow:<type>`` when the run ends."""
        with self._top_level_workflow_context(success_is_complete=True):
            self._completed_span(f"RunWorkflow:{workflow.info().workflow_type}", kind=SpanKind.SERVER)
            return await super().execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        """``HandleSignal:<name>``, linked to the sender's span."""
        link = self._carrier(input.headers)
        with self._top_level_workflow_context(success_is_complete=False):
            self._completed_span(f"HandleSignal:{input.signal}", link_context_carrier=link, kind=SpanKind.SERVER)
            await super().handle_signal(input)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        """``HandleQuery:<name>`` under the caller's span (only when it sent one), linked to the run's."""
        carrier = self._carrier(input.headers)
        link: Carrier | None = None
        if carrier:
            context = self.text_map_propagator.extract(carrier)
            link = self._load_workflow_context_carrier()
        else:
            context = Context()
        with _attached(context):
            # Made whether or not the state was replayed: a query is never recorded.
            self._completed_span(
                f"HandleQuery:{input.query}",
                link_context_carrier=link,
                new_span_even_on_replay=True,
                kind=SpanKind.SERVER,
            )
            return await super().handle_query(input)

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        """``ValidateUpdate:<name>``, linked to the sender's span."""
        link = self._carrier(input.headers)
        with self._top_level_workflow_context(success_is_complete=False):
            self._completed_span(f"ValidateUpdate:{input.update}", link_context_carrier=link, kind=SpanKind.SERVER)
            super().handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        """``HandleUpdate:<name>``, linked to the sender's span."""
        link = self._carrier(input.headers)
        with self._top_level_workflow_context(success_is_complete=False):
            self._completed_span(f"HandleUpdate:{input.update}", link_context_carrier=link, kind=SpanKind.SERVER)
            return await super().handle_update_handler(input)

    def _carrier(self, headers: Mapping[str, Payload]) -> Carrier | None:
        payload = headers.get(self.header_key)
        return cast(Carrier, self.payload_converter.from_payload(payload)) if payload is not None else None

    def _load_workflow_context_carrier(self) -> Carrier | None:
        if self._workflow_context_carrier is None:
            self._workflow_context_carrier = self._carrier(workflow.info().headers)
        return self._workflow_context_carrier

    @contextmanager
    def _top_level_workflow_context(self, *, success_is_complete: bool) -> Iterator[None]:
        """The run's context (the starter's span) for the block; ``CompleteWorkflow`` when the
        block ends the run (it returned, for the run method; a failure error, for any)."""
        carrier = self._load_workflow_context_carrier()
        context = self.text_map_propagator.extract(carrier) if carrier else Context()
        success = False
        exception: Exception | None = None
        with _attached(context):
            try:
                yield
                success = True
            except FailureError as err:  # only these close the run
                exception = err
                raise
            finally:
                if exception is not None or (success and success_is_complete):
                    self._completed_span(
                        f"CompleteWorkflow:{workflow.info().workflow_type}", exception=exception, kind=SpanKind.INTERNAL
                    )

    def _context_to_headers(self, headers: Mapping[str, Payload]) -> Mapping[str, Payload]:
        carrier: Carrier = {}
        self.text_map_propagator.inject(carrier)
        return self._carrier_to_headers(carrier, headers)

    def _carrier_to_headers(self, carrier: Carrier, headers: Mapping[str, Payload]) -> Mapping[str, Payload]:
        if not carrier:
            return headers
        return {**headers, self.header_key: self.payload_converter.to_payload(carrier)}

    def _completed_span(
        self,
        span_name: str,
        *,
        link_context_carrier: Carrier | None = None,
        add_to_outbound: _WithHeaders | None = None,
        new_span_even_on_replay: bool = False,
        exception: Exception | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
    ) -> None:
        # Replayed code made this span already, in the task that first ran it.
        if workflow.unsafe.is_replaying() and not new_span_even_on_replay:
            return
        context_carrier: Carrier = {}
        self.text_map_propagator.inject(context_carrier)
        info = workflow.info()
        carrier = self._completed_span_fn(
            _CompletedWorkflowSpanParams(
                context=context_carrier,
                name=span_name,
                attributes={"temporalWorkflowID": info.workflow_id, "temporalRunID": info.run_id},
                time_ns=workflow.time_ns(),
                link_context=link_context_carrier,
                exception=exception,
                kind=kind,
                parent_missing=opentelemetry.trace.get_current_span() is opentelemetry.trace.INVALID_SPAN,
            )
        )
        if carrier and add_to_outbound is not None:
            add_to_outbound.headers = self._carrier_to_headers(carrier, add_to_outbound.headers)


class _TracingWorkflowOutbound(WorkflowOutboundInterceptor):
    def __init__(self, next: WorkflowOutboundInterceptor, root: TracingWorkflowInboundInterceptor) -> None:
        super().__init__(next)
        self.root = root

    def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        # The next run goes on in this run's context.
        input.headers = self.root._context_to_headers(input.headers)
        super().continue_as_new(input)

    async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
        self.root._completed_span(f"SignalChildWorkflow:{input.signal}", add_to_outbound=input, kind=SpanKind.SERVER)
        await super().signal_child_workflow(input)

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        self.root._completed_span(f"SignalExternalWorkflow:{input.signal}", add_to_outbound=input, kind=SpanKind.CLIENT)
        await super().signal_external_workflow(input)

    def start_activity(self, input: StartActivityInput) -> ActivityHandle[Any]:
        self.root._completed_span(f"StartActivity:{input.activity}", add_to_outbound=input, kind=SpanKind.CLIENT)
        return super().start_activity(input)

    async def start_child_workflow(self, input: StartChildWorkflowInput) -> ChildWorkflowHandle[Any, Any]:
        self.root._completed_span(f"StartChildWorkflow:{input.workflow}", add_to_outbound=input, kind=SpanKind.CLIENT)
        return await super().start_child_workflow(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> ActivityHandle[Any]:
        self.root._completed_span(f"StartActivity:{input.activity}", add_to_outbound=input, kind=SpanKind.CLIENT)
        return super().start_local_activity(input)
