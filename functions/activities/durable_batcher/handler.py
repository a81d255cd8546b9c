"""Activity Lambda of batch jobs (``durable batch ...``): each invocation applies one page of a job.

Every deployment has it, whatever statemachines/registry.py lists: LambdaApp registers the
batch job's workflow and activities itself (durable._batch), and the stack adds this task queue.
"""

from durable._aws.app import LambdaApp
from statemachines.registry import DATA_CONVERTER, INTERCEPTORS, TASK_QUEUES

app = LambdaApp(data_converter=DATA_CONVERTER, interceptors=INTERCEPTORS, task_queues=TASK_QUEUES)


@app.tracer.capture_lambda_handler
@app.logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    return app.handle_activities(event, context)
