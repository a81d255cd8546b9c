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

``INTERCEPTORS`` are the deployment's worker interceptors (``durable.worker.Interceptor``,
the first is the outermost), what ``Worker(interceptors=...)`` takes locally: the
orchestrator and API functions wrap every workflow run and query with them, the activity
functions every attempt. For tracing, ``[TracingInterceptor()]`` from
``durable.contrib.opentelemetry``.
"""

from typing import Any

from durable.converter import DataConverter
from functions.activities.orders.activities import ACTIVITIES as ORDER_ACTIVITIES
from statemachines.order import OrderWorkflow
from statemachines.saga import OrderSagaWorkflow

WORKFLOWS = {"orders": [OrderWorkflow, OrderSagaWorkflow]}
ACTIVITIES = {"orders": ORDER_ACTIVITIES}
DATA_CONVERTER = DataConverter.default
INTERCEPTORS: list[Any] = []
