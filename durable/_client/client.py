"""The client: starts workflows and schedules, lists and counts runs, makes handles."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, TypedDict

from durable._client.executions import (
    WorkflowExecutionAsyncIterator,
    WorkflowExecutionCount,
)
from durable._client.handles import (
    AsyncActivityHandle,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from durable._client.interceptor import (
    CountWorkflowsInput,
    CreateScheduleInput,
    Interceptor,
    ListSchedulesInput,
    ListWorkflowsInput,
    OutboundInterceptor,
    StartWorkflowInput,
    StartWorkflowUpdateWithStartInput,
    UpdateWithStartUpdateWorkflowInput,
)
from durable._client.outbound import ClientOutbound
from durable._client.rpc import _refuse
from durable._client.schedules import Schedule, ScheduleAsyncIterator, ScheduleBackfill, ScheduleHandle
from durable._client.transport import Transport
from durable._codec.boundary import PayloadBoundary
from durable._codec.transport import CodecTransport
from durable._conversion.data_converter import DataConverter
from durable._http.remote import HttpTransport
from durable._options import Priority, refuse
from durable._replay.definition import WorkflowDefinition, signal_name, update_definition
from durable._search_attributes import SearchAttributes, TypedSearchAttributes
from durable._statuses import WorkflowUpdateStage
from durable.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy, _arg_or_args, _arg_unset
from durable.service import TLSConfig


class ClientConfig(TypedDict):
    """What :meth:`Client.config` returns: ``Client(**config)`` builds a client like it (temporalio's keys)."""

    transport: Transport
    """The connection (temporalio's ``service_client``): in process, or the HTTP API's."""
    namespace: str
    data_converter: DataConverter
    interceptors: Sequence[Interceptor]


class Client:
    """Starts workflows and returns handles to them."""

    def __init__(
        self,
        transport: Transport,
        *,
        namespace: str = "default",
        data_converter: DataConverter = DataConverter.default,
        interceptors: Sequence[Interceptor] = (),
    ) -> None:
        """A client over a transport; ``Client.connect`` makes one for a deployed stack or the dev server.

        Args:
            transport: the connection: an environment's in-process engine, or the HTTP API.
            namespace: the namespace (one per deployed stack).
            data_converter: converts every value the client sends and receives, and (through
                a Worker given this client) every value its task queues' workflows and
                activities take and give.
            interceptors: wrap every call (the first is the outermost); those that are also
                ``durable.worker.Interceptor`` apply to the workers made with this client.
        """
        self._plain_transport = transport.inner if isinstance(transport, CodecTransport) else transport
        boundary = PayloadBoundary.of(data_converter)
        # With a codec, every payload is encoded before the transport and decoded after it.
        self._transport: Transport = (
            self._plain_transport if boundary is None else CodecTransport(self._plain_transport, boundary)
        )
        self._namespace = namespace
        self._data_converter = data_converter
        self._interceptors = list(interceptors)
        self._outbound: OutboundInterceptor = ClientOutbound(self)
        for interceptor in reversed(self._interceptors):
            self._outbound = interceptor.intercept_client(self._outbound)

    def config(self) -> ClientConfig:
        """This client's configuration: ``Client(**client.config())`` builds an equal client."""
        return ClientConfig(
            transport=self._plain_transport,
            namespace=self._namespace,
            data_converter=self._data_converter,
            interceptors=list(self._interceptors),
        )

    @property
    def data_converter(self) -> DataConverter:
        """The data converter every value goes through (``DataConverter.default`` unless given)."""
        return self._data_converter

    @classmethod
    async def connect(
        cls,
        target_host: str,
        *,
        namespace: str = "default",
        lazy: bool = False,
        identity: str | None = None,
        connect_timeout: timedelta | None = None,
        credentials: Any = None,
        region: str | None = None,
        api_key: str | None = None,
        tls: bool | TLSConfig | None = None,
        rpc_metadata: Mapping[str, str] = {},
        data_converter: DataConverter = DataConverter.default,
        interceptors: Sequence[Interceptor] = (),
        **unsupported: Any,
    ) -> Client:
        """A client of a deployed stack's HTTP API, or of the dev server.

        ``Client.connect(**ClientConfig.load_client_connect_config())`` (:mod:`durable.envconfig`)
        connects with a profile's address, namespace, TLS and metadata.

        Args:
            target_host: the API's URL: a stage URL from the stack's outputs
                (``https://abc123.execute-api.eu-west-1.amazonaws.com/prod``), or the dev
                server (``http://127.0.0.1:8233``, or temporal's ``host:port`` form).
                Requests to a host that is not loopback are signed with SigV4.
            namespace: the namespace (one per deployed stack: the URL chooses it).
            lazy: do not check the API is reachable now (the first call will tell).
            credentials: botocore credentials to sign with (default: the boto3 session's).
            region: the API's region (default: from the URL, else the boto3 session's).
            api_key: refused: a stack's API takes SigV4-signed requests of IAM principals
                and the dev server takes no credentials; nothing would check a key.
            tls: True for https, False for http, a :class:`durable.service.TLSConfig` for
                https with a private CA, a client certificate (mutual TLS, as API Gateway's
                custom domains can require) or a server name; None (the default, where
                temporalio's is False): as the URL's scheme says. A URL whose scheme
                contradicts it is a ValueError.
            rpc_metadata: HTTP headers sent with every request (text values only).
            data_converter: converts every value the client sends and receives (as a
                Worker's client: every value its workflows and activities take and give);
                its codec runs here, so the API sees encoded payloads only.
            interceptors: wrap every call of the client (the first is the outermost); those
                that are also ``durable.worker.Interceptor`` apply to its workers too.

        Raises:
            RPCError: the API cannot be reached (UNAVAILABLE) or refused the credentials.
            NotImplementedError: an api_key, or a TLS setting durable cannot honour.
            ValueError: a tls that contradicts the URL, or metadata that cannot be a header.
        """
        _refuse(unsupported)
        del identity
        timeout = connect_timeout.total_seconds() if connect_timeout else None
        transport = HttpTransport(
            target_host, credentials=credentials, region=region, api_key=api_key, tls=tls, rpc_metadata=rpc_metadata
        )
        if not lazy:
            await transport.check(timeout=timeout)
        return cls(transport, namespace=namespace, data_converter=data_converter, interceptors=interceptors)

    @property
    def namespace(self) -> str:
        """The namespace (one per deployed stack)."""
        return self._namespace

    async def start_workflow(
        self,
        workflow: Any,
        arg: Any = _arg_unset,
        *,
        id: str,
        task_queue: str,
        args: Sequence[Any] = (),
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.UNSPECIFIED,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = (),
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        start_delay: timedelta | None = None,
        retry_policy: RetryPolicy | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
        priority: Priority = Priority.default,
        versioning_override: Any = None,
        stack_level: int = 2,
    ) -> WorkflowHandle[Any]:
        """Start a workflow and return its handle.

        Args:
            workflow: the ``@workflow.run`` method, the class, or a workflow type name.
            arg: the single argument; or ``args`` for several.
            id: the workflow id (unique among running workflows).
            task_queue: the task queue whose worker has the workflow registered.
            result_type: the type to decode the result into (for workflows given by name).
            id_reuse_policy: whether a closed run's id may be used again (and by which).
            id_conflict_policy: what to do when a run with the id is running: FAIL (the
                default), USE_EXISTING (return its handle), TERMINATE_EXISTING.
            start_signal: signal-with-start: a signal delivered before the run method starts,
                or to the running run of that id instead of starting a new one.
            start_signal_args: the signal's arguments.
            cron_schedule: a cron expression (UTC unless ``CRON_TZ=``): the first run starts
                at the next tick, and each run that completes or fails is followed by a new
                run of the same id at the tick after; cancel or terminate ends the chain.
            execution_timeout: the whole chain of runs (continue-as-new, retries, cron runs)
                closes TIMED_OUT when this has passed since the start.
            run_timeout: each run closes TIMED_OUT after this long (the execution timeout by default).
            task_timeout: shown as ``workflow.info().task_timeout`` (10 seconds by default).
            memo: values kept with the run (``workflow.memo()``, ``describe()``, listings).
            search_attributes: typed search attributes (or temporalio's older dict form)
                that ``list_workflows`` filters on; ``workflow.upsert_search_attributes``
                changes them.
            static_summary: a fixed one-line summary of the run, kept on its start event:
                ``describe()``'s ``static_summary()`` and the history's ``userMetadata`` show it.
            static_details: fixed details of the run, kept and shown the same way.
            request_eager_start: run the first workflow task within this call, where that
                saves a round trip (in process, and on the API that serves the start):
                the start returns with the first commands dispatched. The handle's
                ``__temporal_eagerly_started`` attribute says whether it did, as temporalio's.
            rpc_metadata, rpc_timeout: handed to the interceptors, as temporalio's; headers
                for every call are ``Client.connect(rpc_metadata=)``'s.
            stack_level: where the DeprecationWarning of dict search attributes points.
            start_delay, retry_policy, priority, versioning_override: refused unless left at
                their defaults (NotImplementedError): see README, "Differences from temporalio".

        Raises:
            WorkflowAlreadyStartedError: a workflow with this id is running.
            RPCError: ``cron_schedule`` is not a valid cron expression (INVALID_ARGUMENT).
            PayloadSizeError / TypeError: an argument or memo value cannot be sent, or a
                search attribute's value does not fit its key's type.
        """
        refuse("start_delay", start_delay)
        refuse("retry_policy", retry_policy)
        refuse("priority", priority, Priority.default)
        refuse("versioning_override", versioning_override)
        if isinstance(search_attributes, Mapping) and search_attributes:
            warnings.warn(
                "Dictionary-based search attributes are deprecated", DeprecationWarning, stacklevel=stack_level
            )
        name, hint = WorkflowDefinition.name_and_result_hint(workflow)
        return await self._outbound.start_workflow(
            StartWorkflowInput(
                workflow=name,
                args=_arg_or_args(arg, args),
                id=id,
                task_queue=task_queue,
                execution_timeout=execution_timeout,
                run_timeout=run_timeout,
                task_timeout=task_timeout,
                id_reuse_policy=id_reuse_policy,
                id_conflict_policy=id_conflict_policy,
                retry_policy=None,
                cron_schedule=cron_schedule,
                memo=memo,
                search_attributes=search_attributes,
                start_delay=None,
                headers={},
                start_signal=signal_name(start_signal) if start_signal is not None else None,
                start_signal_args=start_signal_args,
                static_summary=static_summary,
                static_details=static_details,
                ret_type=result_type or hint,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
                request_eager_start=request_eager_start,
            )
        )

    async def execute_workflow(self, workflow: Any, arg: Any = _arg_unset, **kwargs: Any) -> Any:
        """Start a workflow and wait for its result."""
        return await (await self.start_workflow(workflow, arg, **kwargs)).result()

    def get_workflow_handle(
        self,
        workflow_id: str,
        *,
        run_id: str | None = None,
        first_execution_run_id: str | None = None,
        result_type: type | None = None,
    ) -> WorkflowHandle[Any]:
        """A handle to an existing workflow (its latest run unless ``run_id`` is given)."""
        return WorkflowHandle(
            self,
            workflow_id,
            run_id=run_id,
            result_run_id=run_id,
            first_execution_run_id=first_execution_run_id,
            result_type=result_type,
        )

    async def execute_update_with_start_workflow(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Send an update-with-start and wait for the update's result.

        One request: if the operation's workflow id does not run, a run starts and the
        update reaches its first workflow task, together with the start; if it runs,
        USE_EXISTING sends the update to it and FAIL raises. An update id that the latest
        run already knows returns that update's outcome.

        Raises:
            WorkflowUpdateFailedError: the validator rejected the update or its handler failed
                (the operation's handle still resolves: the run was started).
            WorkflowAlreadyStartedError: FAIL and the id runs, or the reuse policy refuses it.
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
        """
        handle = await self._start_update_with_start(
            update,
            arg,
            args=args,
            start_workflow_operation=start_workflow_operation,
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
            id=id,
            result_type=result_type,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )
        return await handle.result()

    async def start_update_with_start_workflow(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        wait_for_stage: WorkflowUpdateStage,
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """Send an update-with-start and return the update's handle once it reached
        ``wait_for_stage`` (ACCEPTED or COMPLETED); see :meth:`execute_update_with_start_workflow`.

        Raises:
            ValueError: ``wait_for_stage`` is ADMITTED (temporalio does not support it either).
            RuntimeError: the operation was used before.
            WorkflowAlreadyStartedError: FAIL and the id runs, or the reuse policy refuses it.
        """
        return await self._start_update_with_start(
            update,
            arg,
            args=args,
            start_workflow_operation=start_workflow_operation,
            wait_for_stage=wait_for_stage,
            id=id,
            result_type=result_type,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )

    async def _start_update_with_start(
        self,
        update: Any,
        arg: Any,
        *,
        args: Sequence[Any],
        start_workflow_operation: WithStartWorkflowOperation[Any, Any],
        wait_for_stage: WorkflowUpdateStage,
        id: str | None,
        result_type: type | None,
        rpc_metadata: Mapping[str, str | bytes],
        rpc_timeout: timedelta | None,
    ) -> WorkflowUpdateHandle[Any]:
        if wait_for_stage == WorkflowUpdateStage.ADMITTED:
            raise ValueError("ADMITTED wait stage not supported")
        op = start_workflow_operation
        if op._used:
            raise RuntimeError("WithStartWorkflowOperation cannot be reused")
        op._used = True
        future = op._future()
        name, hint = update_definition(update)

        def on_start(run_id: str) -> None:
            if not future.done():
                future.set_result(
                    WorkflowHandle(
                        self, op._id, result_run_id=run_id, first_execution_run_id=run_id, result_type=op._result_type
                    )
                )

        def on_start_error(err: BaseException) -> None:
            if not future.done():
                future.set_exception(err)

        try:
            return await self._outbound.start_update_with_start_workflow(
                StartWorkflowUpdateWithStartInput(
                    start_workflow_input=op._interceptor_input(),
                    update_workflow_input=UpdateWithStartUpdateWorkflowInput(
                        update_id=id or str(uuid.uuid4()),
                        update=name,
                        args=_arg_or_args(arg, args),
                        wait_for_stage=wait_for_stage,
                        headers={},
                        ret_type=result_type or hint,
                    ),
                    rpc_metadata=rpc_metadata,
                    rpc_timeout=rpc_timeout,
                    _on_start=on_start,
                    _on_start_error=on_start_error,
                )
            )
        except BaseException as err:
            on_start_error(err)
            raise

    def list_workflows(
        self,
        query: str | None = None,
        *,
        limit: int | None = None,
        page_size: int = 1000,
        next_page_token: bytes | None = None,
        rpc_metadata: Any = None,
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowExecutionAsyncIterator:
        """The runs matching a Temporal list filter, newest start first; nothing is read
        until the first iteration (so a bad query raises there).

        Args:
            query: a list filter (``WorkflowType = 'Order' AND ExecutionStatus = 'Running'``),
                on WorkflowId, RunId, WorkflowType, TaskQueue, ExecutionStatus, StartTime,
                CloseTime, ExecutionTime, HistoryLength and custom search attributes;
                None lists every run (earlier runs of an id included).
            limit: the most runs the iterator yields.
            page_size: the most runs per page.
            next_page_token: resume a listing where a page's token says.
        """
        return self._outbound.list_workflows(
            ListWorkflowsInput(
                query=query,
                page_size=page_size,
                next_page_token=next_page_token,
                rpc_metadata=rpc_metadata or {},
                rpc_timeout=rpc_timeout,
                limit=limit,
            )
        )

    async def count_workflows(
        self, query: str | None = None, rpc_metadata: Any = None, rpc_timeout: timedelta | None = None
    ) -> WorkflowExecutionCount:
        """How many runs match a list filter; ``GROUP BY ExecutionStatus`` counts per status.

        Raises:
            RPCError: INVALID_ARGUMENT when the query is not valid.
        """
        return await self._outbound.count_workflows(
            CountWorkflowsInput(query=query, rpc_metadata=rpc_metadata or {}, rpc_timeout=rpc_timeout)
        )

    def get_async_activity_handle(self, *, task_token: bytes) -> AsyncActivityHandle:
        """A handle to complete, fail or heartbeat an activity that called ``raise_complete_async``."""
        return AsyncActivityHandle(self, task_token)

    async def pause_activity(
        self,
        workflow_id: str,
        activity_id: str,
        *,
        run_id: str | None = None,
        reason: str | None = None,
        identity: str | None = None,
    ) -> None:
        """Pause a workflow's pending activity, as Temporal's ``PauseActivity`` (which temporalio
        exposes through ``workflow_service`` only; ``durable activity pause`` on the command line).

        No retry is scheduled until :meth:`unpause_activity`: an attempt that fails or times out
        meanwhile leaves the activity pending, paused, its attempt count kept. A running attempt
        keeps running and learns at its next heartbeat (``activity.cancellation_details().paused``,
        then cancelled as by a cancel request); its completion still completes the activity.
        The schedule-to-close timeout keeps running. Pausing a paused activity changes nothing.

        Args:
            workflow_id: the workflow whose activity it is.
            activity_id: the activity's id (``describe()`` lists the pending activities).
            run_id: a run of the workflow (default: the latest).
            reason: why; shown by describe and the UI.
            identity: who pauses.

        Raises:
            RPCError: NOT_FOUND when the workflow or run does not exist or has closed, or has no
                pending activity by that id.
        """
        await self._transport.pause_activity(
            workflow_id, run_id, activity_id, reason=reason or "", identity=identity or ""
        )

    async def unpause_activity(
        self,
        workflow_id: str,
        activity_id: str,
        *,
        run_id: str | None = None,
        reset_attempts: bool = False,
        reset_heartbeats: bool = False,
        jitter: timedelta | None = None,
        identity: str | None = None,
    ) -> None:
        """Unpause an activity paused by :meth:`pause_activity`: its next attempt is dispatched at
        once, or at a random time within ``jitter``. Unpausing an activity that is not paused
        changes nothing.

        Args:
            workflow_id: the workflow whose activity it is.
            activity_id: the activity's id.
            run_id: a run of the workflow (default: the latest).
            reset_attempts: the next attempt is attempt 1 again, with every retry the policy allows.
            reset_heartbeats: the next attempt gets no heartbeat details.
            jitter: start the next attempt at a random time within this duration.
            identity: who unpauses.

        Raises:
            RPCError: NOT_FOUND as :meth:`pause_activity`; INVALID_ARGUMENT for a negative jitter.
        """
        await self._transport.unpause_activity(
            workflow_id,
            run_id,
            activity_id,
            reset_attempts=reset_attempts,
            reset_heartbeats=reset_heartbeats,
            jitter=jitter.total_seconds() if jitter is not None else None,
            identity=identity or "",
        )

    async def create_schedule(
        self,
        id: str,
        schedule: Schedule,
        *,
        trigger_immediately: bool = False,
        backfill: Sequence[ScheduleBackfill] = (),
        memo: Mapping[str, Any] | None = None,
        search_attributes: Any = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> ScheduleHandle:
        """Create a schedule and return its handle.

        Args:
            id: the schedule's id (unique).
            schedule: what it starts, when (cron expressions, intervals), its policies and state.
            trigger_immediately: take one action now as well.
            memo: the schedule's memo (shown by ``describe()``).

        Raises:
            ScheduleAlreadyRunningError: a schedule with this id exists.
            RPCError: the spec cannot fire (INVALID_ARGUMENT), e.g. a bad cron expression.
        """
        return await self._outbound.create_schedule(
            CreateScheduleInput(
                id=id,
                schedule=schedule,
                trigger_immediately=trigger_immediately,
                backfill=backfill,
                memo=memo,
                search_attributes=search_attributes,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    def get_schedule_handle(self, id: str) -> ScheduleHandle:
        """A handle to an existing schedule."""
        return ScheduleHandle(self, id)

    async def list_schedules(
        self,
        query: str | None = None,
        *,
        page_size: int = 1000,
        next_page_token: bytes | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> ScheduleAsyncIterator:
        """The schedules ``query`` matches (a list filter over ``ScheduleId`` and
        ``TemporalSchedulePaused``; None: all), by id, for ``async for``; pages of ``page_size``."""
        return self._outbound.list_schedules(
            ListSchedulesInput(
                page_size=page_size,
                next_page_token=next_page_token,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
                query=query,
            )
        )

    def get_workflow_handle_for(self, workflow: Any, workflow_id: str, **kwargs: Any) -> WorkflowHandle[Any]:
        """:meth:`get_workflow_handle` with the result type taken from a run method."""
        return self.get_workflow_handle(workflow_id, result_type=WorkflowDefinition.of(workflow).result_hint, **kwargs)
