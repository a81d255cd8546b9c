"""Common messages, as ``temporalio.api.common``."""
