"""resource_pool of temporalio/samples-python (see tests/samples/LICENSE)."""
