"""Orchestrator Lambda: inbox batches in, decisions committed and dispatched."""

from durable._aws.app import LambdaApp
from statemachines.registry import DATA_CONVERTER, INTERCEPTORS, WORKFLOWS

app = LambdaApp(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, interceptors=INTERCEPTORS)


@app.tracer.capture_lambda_handler
@app.logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    return app.handle_inbox(event, context)
