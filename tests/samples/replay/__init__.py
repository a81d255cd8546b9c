"""replay of temporalio/samples-python (see tests/samples/LICENSE)."""
