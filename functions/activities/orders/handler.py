"""Activity Lambda of the ``orders`` task queue."""

from durable._aws.app import LambdaApp
from functions.activities.orders.activities import ACTIVITIES, TASK_QUEUE
from statemachines.registry import DATA_CONVERTER, INTERCEPTORS, TASK_QUEUES

app = LambdaApp(
    activities={TASK_QUEUE: ACTIVITIES},
    data_converter=DATA_CONVERTER,
    interceptors=INTERCEPTORS,
    task_queues=TASK_QUEUES,  # its concurrency, rate and function timeout
)


@app.tracer.capture_lambda_handler
@app.logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    return app.handle_activities(event, context)
