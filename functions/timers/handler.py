"""Timer relay Lambda: forwards due timers to their queue, re-delays the others."""

from durable._aws.app import LambdaApp

app = LambdaApp()


def handler(event: dict, context: object) -> dict:
    return app.handle_timers(event, context)
