"""Timer relay Lambda: forwards due timers to their queue, re-delays the others."""

from durable._aws.app import LambdaApp

app = LambdaApp()


@app.tracer.capture_lambda_handler
@app.logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    return app.handle_timers(event, context)
