"""temporalio's ``temporalio.api.failure`` package."""
