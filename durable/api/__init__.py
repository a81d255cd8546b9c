"""Messages where temporalio code imports them (``temporalio.api``): only what durable's API uses."""
