"""What the deployment runs: each task queue's workflows and activities (one line per entry).

A task queue may list one ``@workflow.defn(dynamic=True)`` class and one
``@activity.defn(dynamic=True)`` function: they run every workflow or activity type the
queue has nothing else registered for.

``DATA_CONVERTER`` converts every value the deployed runs and activities take and give, in
every function (a client of the deployment gives the same one to ``Client.connect``): a
``durable.converter.DataConverter`` with your payload converter class, or
``durable.contrib.pydantic.pydantic_data_converter``. With a ``payload_codec`` (for instance
``samples.kms_encryption.KMSEncryptionCodec``), what the deployment stores and sends is
encoded (docs/payload-codecs.md).

``TASK_QUEUES`` scales each task queue's activity worker (``durable.deployment.TaskQueueConfig``,
temporalio's option names): ``max_concurrent_activities`` (the function's SQS event source
maximum concurrency, 2 to 1000), ``max_task_queue_activities_per_second`` (kept across every
invocation), ``reserved_concurrent_executions``, ``function_timeout`` (at most 15 minutes; an
attempt that would outrun it fails, naming both) and ``memory_size``. A task queue without an
entry gets the defaults: no limits, 5 minutes, 512 MB.

``INTERCEPTORS`` are the deployment's worker interceptors (``durable.worker.Interceptor``,
the first is the outermost), what ``Worker(interceptors=...)`` takes locally: the
orchestrator and API functions wrap every workflow run and query with them, the activity
functions every attempt. For tracing, ``[TracingInterceptor()]`` from
``durable.contrib.opentelemetry``.
"""

from datetime import timedelta
from typing import Any

from durable.converter import DataConverter
from durable.deployment import TaskQueueConfig
from functions.activities.orders.activities import ACTIVITIES as ORDER_ACTIVITIES
from statemachines.order import OrderWorkflow
from statemachines.saga import OrderSagaWorkflow

WORKFLOWS = {"orders": [OrderWorkflow, OrderSagaWorkflow]}
ACTIVITIES = {"orders": ORDER_ACTIVITIES}
TASK_QUEUES = {
    "orders": TaskQueueConfig(max_concurrent_activities=50, function_timeout=timedelta(minutes=5), memory_size=512),
}
DATA_CONVERTER = DataConverter.default
INTERCEPTORS: list[Any] = []
