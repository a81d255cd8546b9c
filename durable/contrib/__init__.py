"""Integrations with other libraries, as ``temporalio.contrib``."""
