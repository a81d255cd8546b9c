"""batch_sliding_window of temporalio/samples-python (see tests/samples/LICENSE)."""
