"""temporalio's ``temporalio.api`` messages that user code reads, as typed classes."""
