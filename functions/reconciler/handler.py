"""Reconciler Lambda (EventBridge schedule): sends runs stuck before their first decision their start."""

from durable._aws.app import LambdaApp

app = LambdaApp()


def handler(event: dict, context: object) -> dict:
    return app.reconcile(event, context)
