"""Temporal's samples (temporalio/samples-python, beyond hello/), ported with only their imports
changed, each driven by a test through the time-skipping WorkflowEnvironment and held to the
outcome the sample documents. The ported code keeps its MIT notice: see LICENSE here."""
