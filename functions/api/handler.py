"""API Lambda: API Gateway REST requests to the HTTP API (start, list, describe, signal, query, ...).

It registers the deployment's workflows: queries replay their code, and starts of an
unknown workflow type are refused with a 404 instead of failing later.
"""

from aws_lambda_powertools.logging import correlation_paths

from durable._aws.app import LambdaApp
from statemachines.registry import DATA_CONVERTER, INTERCEPTORS, WORKFLOWS

app = LambdaApp(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, interceptors=INTERCEPTORS)


@app.tracer.capture_lambda_handler
@app.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: object) -> dict:
    return app.handle_api(event, context)
