"""Register the batch job's workflow and activities with an engine's registry."""

from __future__ import annotations

from collections.abc import Callable

from durable._batch.activities import BatchActivities
from durable._batch.job import BATCH_TASK_QUEUE
from durable._batch.workflow import BatchOperation
from durable._runtime.control import Control
from durable._runtime.registry import Registry

__all__ = ["install_batcher"]


def install_batcher(registry: Registry, control: Callable[[], Control], *, build_id: str | None = None) -> None:
    """Serve batch jobs on :data:`~durable._batch.job.BATCH_TASK_QUEUE` with ``control``'s engine.

    ``build_id``: the deployment's (its batch jobs' tasks name it, as its other runs' do, so they
    stay on the deploy they started on); a hash of the batch workflow's module when None.
    """
    registry.register(
        BATCH_TASK_QUEUE, workflows=[BatchOperation], activities=BatchActivities(control).all(), build_id=build_id
    )
