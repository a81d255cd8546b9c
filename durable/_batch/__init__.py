"""Batch operations: signal, cancel or terminate every run a list filter matches, as a job.

The job is itself a workflow run on the engine (``durable.BatchOperation`` on the
``durable_batcher`` task queue), as Temporal's batcher is a system workflow: it survives
crashes as any run does, reports its progress through a query and its final counts as
its result, and is stopped by cancelling it. Every local environment, the dev server and
a deployment register it (:func:`durable._batch.install.install_batcher`).
"""
