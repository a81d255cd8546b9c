"""The public modules: their ``__all__`` is pinned, and every name is temporalio's or a declared extension.

A user's temporalio code must run with only its imports changed, so each public name of
``durable.<module>`` must carry the name temporalio gives it in ``temporalio.<module>``.
``TEMPORALIO_1_35`` lists temporalio 1.35.0's public names, read from the wheel
(``pip download --no-deps temporalio==1.35.0``): the ``__all__`` of ``workflow``,
``client``, ``worker`` and ``testing``, and the names defined at the top of
``activity.py``, ``common.py`` and ``exceptions.py`` (which have no ``__all__``).
Names that are ours alone are listed in ``EXTENSIONS``.
"""

from __future__ import annotations

import importlib

import pytest

PINNED: dict[str, frozenset[str]] = {
    "durable.workflow": frozenset(
        {
            "ActivityCancellationType",
            "ActivityHandle",
            "ChildWorkflowCancellationType",
            "ChildWorkflowHandle",
            "ContinueAsNewError",
            "DynamicWorkflowConfig",
            "ExternalWorkflowHandle",
            "HandlerUnfinishedPolicy",
            "Info",
            "NondeterminismError",
            "ParentClosePolicy",
            "ParentInfo",
            "ReadOnlyContextError",
            "SandboxImportNotificationPolicy",
            "UnfinishedSignalHandlersWarning",
            "UnfinishedUpdateHandlersWarning",
            "UpdateInfo",
            "all_handlers_finished",
            "as_completed",
            "continue_as_new",
            "current_update_info",
            "defn",
            "deprecate_patch",
            "dynamic_config",
            "execute_activity",
            "execute_activity_method",
            "execute_child_workflow",
            "execute_local_activity",
            "execute_local_activity_method",
            "get_dynamic_query_handler",
            "get_dynamic_signal_handler",
            "get_dynamic_update_handler",
            "get_external_workflow_handle",
            "get_external_workflow_handle_for",
            "get_last_completion_result",
            "get_last_failure",
            "get_query_handler",
            "get_signal_handler",
            "get_update_handler",
            "has_last_completion_result",
            "in_workflow",
            "info",
            "init",
            "instance",
            "logger",
            "memo",
            "memo_value",
            "now",
            "patched",
            "payload_converter",
            "query",
            "random",
            "run",
            "set_dynamic_query_handler",
            "set_dynamic_signal_handler",
            "set_dynamic_update_handler",
            "set_query_handler",
            "set_signal_handler",
            "set_update_handler",
            "signal",
            "sleep",
            "start_activity",
            "start_activity_method",
            "start_child_workflow",
            "start_local_activity",
            "start_local_activity_method",
            "time",
            "time_ns",
            "unsafe",
            "update",
            "upsert_search_attributes",
            "uuid4",
            "wait",
            "wait_condition",
        }
    ),
    "durable.activity": frozenset(
        {
            "Info",
            "defn",
            "heartbeat",
            "in_activity",
            "info",
            "is_cancelled",
            "logger",
            "payload_converter",
            "raise_complete_async",
            "wait_for_cancelled",
            "wait_for_cancelled_sync",
        }
    ),
    "durable.client": frozenset(
        {
            "AsyncActivityCancelledError",
            "AsyncActivityHandle",
            "Client",
            "PendingActivityInfo",
            "PendingActivityState",
            "RPCTimeoutOrCancelledError",
            "WithStartWorkflowOperation",
            "WorkflowContinuedAsNewError",
            "WorkflowExecution",
            "WorkflowExecutionAsyncIterator",
            "WorkflowExecutionCount",
            "WorkflowExecutionCountAggregationGroup",
            "WorkflowExecutionDescription",
            "WorkflowExecutionStatus",
            "WorkflowFailureError",
            "WorkflowHandle",
            "WorkflowHistory",
            "WorkflowQueryFailedError",
            "WorkflowUpdateFailedError",
            "WorkflowUpdateHandle",
            "WorkflowUpdateRPCTimeoutOrCancelledError",
            "WorkflowUpdateStage",
            "Schedule",
            "ScheduleAction",
            "ScheduleActionExecution",
            "ScheduleActionExecutionStartWorkflow",
            "ScheduleActionResult",
            "ScheduleActionStartWorkflow",
            "ScheduleAlreadyRunningError",
            "ScheduleAsyncIterator",
            "ScheduleBackfill",
            "ScheduleCalendarSpec",
            "ScheduleDescription",
            "ScheduleHandle",
            "ScheduleInfo",
            "ScheduleIntervalSpec",
            "ScheduleListAction",
            "ScheduleListActionStartWorkflow",
            "ScheduleListDescription",
            "ScheduleListInfo",
            "ScheduleListSchedule",
            "ScheduleListState",
            "ScheduleOverlapPolicy",
            "SchedulePolicy",
            "ScheduleRange",
            "ScheduleSpec",
            "ScheduleState",
            "ScheduleUpdate",
            "ScheduleUpdateInput",
        }
    ),
    "durable.common": frozenset(
        {
            "RawValue",
            "RetryPolicy",
            "SearchAttributeIndexedValueType",
            "SearchAttributeKey",
            "SearchAttributePair",
            "SearchAttributeUpdate",
            "SearchAttributeValue",
            "SearchAttributeValues",
            "SearchAttributes",
            "TypedSearchAttributes",
            "WorkflowIDConflictPolicy",
            "WorkflowIDReusePolicy",
        }
    ),
    "durable.exceptions": frozenset(
        {
            "ActivityError",
            "ApplicationError",
            "ApplicationErrorCategory",
            "CancelledError",
            "ChildWorkflowError",
            "FailureError",
            "PayloadSizeError",
            "RetryState",
            "ServerError",
            "TemporalError",
            "TerminatedError",
            "TimeoutError",
            "TimeoutType",
            "WorkflowAlreadyStartedError",
            "is_cancelled_exception",
        }
    ),
    "durable.worker": frozenset(
        {
            "Replayer",
            "UnsandboxedWorkflowRunner",
            "Worker",
            "WorkflowReplayResult",
            "WorkflowReplayResults",
            "WorkflowRunner",
        }
    ),
    "durable.worker.workflow_sandbox": frozenset(
        {
            "RestrictedWorkflowAccessError",
            "SandboxMatcher",
            "SandboxRestrictions",
            "SandboxedWorkflowRunner",
            "UnintentionalPassthroughError",
        }
    ),
    "durable.testing": frozenset({"ActivityEnvironment", "WorkflowEnvironment"}),
    "durable.envconfig": frozenset(
        {
            "ClientConfig",
            "ClientConfigProfile",
            "ClientConfigProfileDict",
            "ClientConfigTLS",
            "ClientConfigTLSDict",
            "ClientConnectConfig",
            "ConfigError",
            "DataSource",
            "default_config_file",
        }
    ),
}

EXTENSIONS: dict[str, frozenset[str]] = {
    "durable.client": frozenset({"PendingActivityInfo"}),  # describe()'s pending activities, typed
    "durable.exceptions": frozenset({"PayloadSizeError"}),  # payload over the engine's size limit
    # temporalio raises its core's ConfigError (not exported); the default file's path, for tools
    "durable.envconfig": frozenset({"ConfigError", "default_config_file"}),
}

TEMPORALIO_1_35: dict[str, frozenset[str]] = {
    "workflow": frozenset(
        {
            "ActivityCancellationType", "ActivityConfig", "ActivityHandle", "AnyType", "CallableAsyncNoParam",
            "CallableAsyncSingleParam", "CallableAsyncType", "CallableSyncNoParam",
            "CallableSyncOrAsyncReturnNoneType", "CallableSyncOrAsyncType", "CallableSyncSingleParam",
            "CallableType", "ChildWorkflowCancellationType", "ChildWorkflowConfig", "ChildWorkflowHandle",
            "ClassType", "ContinueAsNewError", "ContinueAsNewVersioningBehavior", "DynamicWorkflowConfig",
            "EventGroup", "ExternalWorkflowHandle", "HandlerUnfinishedPolicy", "Info", "LocalActivityConfig",
            "LoggerAdapter", "MethodAsyncNoParam", "MethodAsyncSingleParam", "MethodSyncNoParam",
            "MethodSyncOrAsyncNoParam", "MethodSyncOrAsyncSingleParam", "MethodSyncSingleParam", "MultiParamSpec",
            "NexusClient", "NexusOperationCancellationType", "NexusOperationHandle", "NondeterminismError",
            "ParamType", "ParentClosePolicy", "ParentInfo", "ProtocolReturnType", "ReadOnlyContextError",
            "ReturnType", "RootInfo", "SandboxImportNotificationPolicy", "SelfType",
            "UnfinishedSignalHandlersWarning", "UnfinishedUpdateHandlersWarning", "UpdateInfo",
            "UpdateMethodMultiParam", "VersioningIntent", "all_handlers_finished", "as_completed",
            "cancellation_reason", "continue_as_new", "create_event_group", "create_nexus_client",
            "current_update_info", "defn", "deprecate_patch", "dynamic_config", "execute_activity",
            "execute_activity_class", "execute_activity_method", "execute_child_workflow",
            "execute_local_activity", "execute_local_activity_class", "execute_local_activity_method",
            "extern_functions", "get_current_details", "get_dynamic_query_handler", "get_dynamic_signal_handler",
            "get_dynamic_update_handler", "get_external_workflow_handle", "get_external_workflow_handle_for",
            "get_last_completion_result", "get_last_failure", "get_query_handler", "get_signal_handler",
            "get_update_handler", "has_last_completion_result", "in_workflow", "info", "init", "instance",
            "is_failure_exception", "logger", "memo", "memo_value", "metric_meter", "new_random", "now",
            "patched", "payload_converter", "query", "random", "random_seed", "register_random_seed_callback",
            "run", "set_current_details", "set_dynamic_query_handler", "set_dynamic_signal_handler",
            "set_dynamic_update_handler", "set_query_handler", "set_signal_handler", "set_update_handler",
            "signal", "signal_with_start_workflow", "sleep", "start_activity", "start_activity_class",
            "start_activity_method", "start_child_workflow", "start_local_activity", "start_local_activity_class",
            "start_local_activity_method", "time", "time_ns", "unsafe", "update", "upsert_memo",
            "upsert_search_attributes", "uuid4", "uuid7", "wait", "wait_condition"
        }
    ),
    "activity": frozenset(
        {
            "ActivityCancellationDetails", "Info", "LoggerAdapter", "cancellation_details", "client", "defn",
            "heartbeat", "in_activity", "info", "is_cancelled", "is_worker_shutdown", "logger", "metric_meter",
            "payload_converter", "raise_complete_async", "shield_thread_cancel_exception", "wait_for_cancelled",
            "wait_for_cancelled_sync", "wait_for_worker_shutdown", "wait_for_worker_shutdown_sync"
        }
    ),
    "client": frozenset(
        {
            "ActivityCancellationDetails", "ActivityExecution", "ActivityExecutionAsyncIterator",
            "ActivityExecutionCount", "ActivityExecutionCountAggregationGroup", "ActivityExecutionDescription",
            "ActivityExecutionOptions", "ActivityExecutionStatus", "ActivityFailureError", "ActivityHandle",
            "ActivityOptionsKey", "ActivityOptionsKeys", "ActivityOptionsUpdate", "ActivitySerializationContext",
            "AnyType", "AsyncActivityCancelledError", "AsyncActivityHandle", "AsyncActivityIDReference",
            "BackfillScheduleInput", "BuildIdOp", "BuildIdOpAddNewCompatible", "BuildIdOpAddNewDefault",
            "BuildIdOpMergeSets", "BuildIdOpPromoteBuildIdWithinSet", "BuildIdOpPromoteSetByBuildId",
            "BuildIdReachability", "BuildIdVersionSet", "CallableAsyncNoParam", "CallableAsyncSingleParam",
            "CallableSyncNoParam", "CallableSyncSingleParam", "Callback", "CancelActivityInput",
            "CancelNexusOperationInput", "CancelWorkflowInput", "Client", "ClientConfig", "ClientConnectConfig",
            "CloudOperationsClient", "CompleteAsyncActivityInput", "ConnectConfig", "CountActivitiesInput",
            "CountNexusOperationsInput", "CountWorkflowsInput", "CreateScheduleInput", "DataConverter",
            "DeleteScheduleInput", "DescribeActivityInput", "DescribeNexusOperationInput",
            "DescribeScheduleInput", "DescribeWorkflowInput", "DnsLoadBalancingConfig", "FailAsyncActivityInput",
            "FetchWorkflowHistoryEventsInput", "GetNexusOperationResultInput",
            "GetWorkerBuildIdCompatibilityInput", "GetWorkerTaskReachabilityInput", "GrpcCompression",
            "HeaderCodecBehavior", "HeartbeatAsyncActivityInput", "HttpConnectProxyConfig", "Interceptor",
            "KeepAliveConfig", "ListActivitiesInput", "ListNexusOperationsInput", "ListSchedulesInput",
            "ListWorkflowsInput", "LocalReturnType", "MethodAsyncNoParam", "MethodAsyncSingleParam",
            "MethodSyncOrAsyncNoParam", "MethodSyncOrAsyncSingleParam", "MultiParamSpec", "NexusClient",
            "NexusOperationExecution", "NexusOperationExecutionAsyncIterator",
            "NexusOperationExecutionCancellationInfo", "NexusOperationExecutionCount",
            "NexusOperationExecutionCountAggregationGroup", "NexusOperationExecutionDescription",
            "NexusOperationFailureError", "NexusOperationHandle", "OutboundInterceptor", "ParamType",
            "PauseActivityInput", "PauseScheduleInput", "PayloadLimitsConfig", "PendingActivityState", "Plugin",
            "QueryWorkflowInput", "RPCError", "RPCStatusCode", "RPCTimeoutOrCancelledError",
            "ReportCancellationAsyncActivityInput", "RetryConfig", "ReturnType", "Schedule", "ScheduleAction",
            "ScheduleActionExecution", "ScheduleActionExecutionStartWorkflow", "ScheduleActionResult",
            "ScheduleActionStartWorkflow", "ScheduleAlreadyRunningError", "ScheduleAsyncIterator",
            "ScheduleBackfill", "ScheduleCalendarSpec", "ScheduleDescription", "ScheduleHandle", "ScheduleInfo",
            "ScheduleIntervalSpec", "ScheduleListAction", "ScheduleListActionStartWorkflow",
            "ScheduleListDescription", "ScheduleListInfo", "ScheduleListSchedule", "ScheduleListState",
            "ScheduleOverlapPolicy", "SchedulePolicy", "ScheduleRange", "ScheduleSpec", "ScheduleState",
            "ScheduleUpdate", "ScheduleUpdateInput", "SelfType", "SerializationContext", "ServiceClient",
            "SignalWorkflowInput", "StartActivityInput", "StartNexusOperationInput", "StartWorkflowInput",
            "StartWorkflowUpdateInput", "StartWorkflowUpdateWithStartInput", "StorageDriverActivityInfo",
            "StorageDriverSelectContext", "StorageDriverStoreContext", "StorageDriverWorkflowInfo", "TLSConfig",
            "TaskReachabilityType", "TerminateActivityInput", "TerminateNexusOperationInput",
            "TerminateWorkflowInput", "TriggerScheduleInput", "UnpauseActivityInput", "UnpauseScheduleInput",
            "UpdateActivityOptionsInput", "UpdateScheduleInput", "UpdateWithStartStartWorkflowInput",
            "UpdateWithStartUpdateWorkflowInput", "UpdateWorkerBuildIdCompatibilityInput",
            "WithSerializationContext", "WithStartWorkflowOperation", "WorkerBuildIdVersionSets",
            "WorkerTaskReachability", "WorkflowContinuedAsNewError", "WorkflowExecution",
            "WorkflowExecutionAsyncIterator", "WorkflowExecutionCount", "WorkflowExecutionCountAggregationGroup",
            "WorkflowExecutionDescription", "WorkflowExecutionStatus", "WorkflowFailureError", "WorkflowHandle",
            "WorkflowHistory", "WorkflowHistoryEventAsyncIterator", "WorkflowHistoryEventFilterType",
            "WorkflowQueryFailedError", "WorkflowQueryRejectedError", "WorkflowSerializationContext",
            "WorkflowUpdateFailedError", "WorkflowUpdateHandle", "WorkflowUpdateRPCTimeoutOrCancelledError",
            "WorkflowUpdateStage"
        }
    ),
    "common": frozenset(
        {
            "ActivityIDConflictPolicy", "ActivityIDReusePolicy", "AutoUpgradeVersioningOverride",
            "HeaderCodecBehavior", "MetricAttributes", "MetricCommon", "MetricCounter", "MetricGauge",
            "MetricGaugeFloat", "MetricHistogram", "MetricHistogramFloat", "MetricHistogramTimedelta",
            "MetricMeter", "NexusOperationCancellationState", "NexusOperationExecutionStatus",
            "NexusOperationIDConflictPolicy", "NexusOperationIDReusePolicy", "OneTimeVersioningOverride",
            "PendingNexusOperationExecutionState", "PinnedVersioningOverride", "Priority", "QueryRejectCondition",
            "RawValue", "RetryPolicy", "SearchAttributeIndexedValueType", "SearchAttributeKey",
            "SearchAttributePair", "SearchAttributeUpdate", "SearchAttributeValue", "SearchAttributeValueType",
            "SearchAttributeValues", "SearchAttributes", "TypedSearchAttributes", "VersioningBehavior",
            "VersioningOverride", "WorkerDeploymentVersion", "WorkflowIDConflictPolicy", "WorkflowIDReusePolicy"
        }
    ),
    "exceptions": frozenset(
        {
            "ActivityAlreadyStartedError", "ActivityError", "ApplicationError", "ApplicationErrorCategory",
            "CancelledError", "ChildWorkflowError", "FailureError", "InvalidVersioningOverrideError",
            "NexusOperationAlreadyStartedError", "NexusOperationError", "RetryState", "ServerError",
            "TemporalError", "TerminatedError", "TimeoutError", "TimeoutType", "WorkflowAlreadyStartedError",
            "is_cancelled_exception"
        }
    ),
    "worker": frozenset(
        {
            "ActivityInboundInterceptor", "ActivityOutboundInterceptor", "ActivitySlotInfo", "ContinueAsNewInput",
            "CustomSlotSupplier", "ExecuteActivityInput", "ExecuteNexusOperationCancelInput",
            "ExecuteNexusOperationStartInput", "ExecuteWorkflowInput", "FixedSizeSlotSupplier",
            "HandleQueryInput", "HandleSignalInput", "HandleUpdateInput", "Interceptor", "LocalActivitySlotInfo",
            "NexusOperationInboundInterceptor", "NexusSlotInfo", "PatchActivationInput", "Plugin",
            "PollerBehavior", "PollerBehaviorAutoscaling", "PollerBehaviorSimpleMaximum", "Replayer",
            "ReplayerConfig", "ResourceBasedSlotConfig", "ResourceBasedSlotSupplier", "ResourceBasedTunerConfig",
            "SharedHeartbeatSender", "SharedStateManager", "SignalChildWorkflowInput",
            "SignalExternalWorkflowInput", "SlotInfo", "SlotMarkUsedContext", "SlotPermit", "SlotReleaseContext",
            "SlotReserveContext", "StartActivityInput", "StartChildWorkflowInput", "StartLocalActivityInput",
            "StartNexusOperationInput", "UnsandboxedWorkflowRunner", "Worker", "WorkerConfig",
            "WorkerDeploymentConfig", "WorkerDeploymentVersion", "WorkerTuner", "WorkflowInboundInterceptor",
            "WorkflowInstance", "WorkflowInstanceDetails", "WorkflowInterceptorClassInput",
            "WorkflowOutboundInterceptor", "WorkflowReplayResult", "WorkflowReplayResults", "WorkflowRunner",
            "WorkflowSlotInfo"
        }
    ),
    "testing": frozenset(
        {
            "ActivityEnvironment", "TimeSkipper", "TimeSkippingConfig", "WorkflowEnvironment"
        }
    ),
    "worker.workflow_sandbox": frozenset(
        {
            "RestrictedWorkflowAccessError", "SandboxMatcher", "SandboxRestrictions", "SandboxedWorkflowRunner",
            "UnintentionalPassthroughError"
        }
    ),
    # envconfig.py has no __all__: the names it defines at the top
    "envconfig": frozenset(
        {
            "ClientConfig", "ClientConfigProfile", "ClientConfigProfileDict", "ClientConfigTLS", "ClientConfigTLSDict",
            "ClientConnectConfig", "DataSource"
        }
    ),
}


@pytest.mark.parametrize("module", sorted(PINNED))
def test_all_is_pinned(module: str) -> None:
    names = importlib.import_module(module).__all__
    assert len(names) == len(set(names)), f"duplicates in {module}.__all__"
    assert set(names) == PINNED[module]


@pytest.mark.parametrize("module", sorted(PINNED))
def test_every_exported_name_exists(module: str) -> None:
    mod = importlib.import_module(module)
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == []


@pytest.mark.parametrize("module", sorted(PINNED))
def test_every_exported_name_is_temporalios_or_a_declared_extension(module: str) -> None:
    temporalio_names = TEMPORALIO_1_35[module.removeprefix("durable.")]
    names = set(importlib.import_module(module).__all__)
    unknown = names - temporalio_names - EXTENSIONS.get(module, frozenset())
    assert unknown == set(), f"{module} exports names temporalio.{module.removeprefix('durable.')} does not have"


@pytest.mark.parametrize("module", sorted(EXTENSIONS))
def test_extensions_are_really_ours_and_exported(module: str) -> None:
    temporalio_names = TEMPORALIO_1_35[module.removeprefix("durable.")]
    assert EXTENSIONS[module] & temporalio_names == set()
    assert EXTENSIONS[module] <= set(importlib.import_module(module).__all__)
