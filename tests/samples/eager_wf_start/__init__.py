"""eager_wf_start of temporalio/samples-python (see tests/samples/LICENSE)."""
