"""The sample polling/ of temporalio/samples-python (see tests/samples/LICENSE)."""
