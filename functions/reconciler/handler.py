"""Reconciler Lambda (EventBridge schedule): sends runs stuck before their first decision their start."""

from durable._aws.app import LambdaApp

app = LambdaApp()


@app.tracer.capture_lambda_handler
@app.logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    return app.reconcile(event, context)
