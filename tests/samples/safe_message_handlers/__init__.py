"""message_passing/safe_message_handlers of temporalio/samples-python (see tests/samples/LICENSE)."""
