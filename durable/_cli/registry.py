"""The project's registry module (``statemachines.registry`` by default): what the dev server
runs and what ``durable replay`` replays against."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from durable._workers.config import TaskQueueConfig

__all__ = ["DEFAULT_REGISTRY", "ProjectRegistry", "load_registry"]

DEFAULT_REGISTRY = "statemachines.registry"


@dataclass(frozen=True)
class ProjectRegistry:
    """A registry module's WORKFLOWS and ACTIVITIES per task queue, DATA_CONVERTER, INTERCEPTORS
    and TASK_QUEUES (each task queue's ``TaskQueueConfig``)."""

    workflows: dict[str, list[Any]]
    activities: dict[str, list[Any]]
    data_converter: Any
    interceptors: list[Any]
    task_queues: dict[str, TaskQueueConfig] = field(default_factory=dict)


def load_registry(name: str) -> ProjectRegistry:
    """Import the registry module ``name`` from the current directory (the project's root).

    Raises:
        ImportError: the module does not import.
    """
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # the project's own packages (statemachines/, functions/)
    module = importlib.import_module(name)
    return ProjectRegistry(
        workflows={k: list(v) for k, v in getattr(module, "WORKFLOWS", {}).items()},
        activities={k: list(v) for k, v in getattr(module, "ACTIVITIES", {}).items()},
        # the deployment's: the dev server stores what the stack would (encoded by its codec)
        data_converter=getattr(module, "DATA_CONVERTER", None),
        interceptors=list(getattr(module, "INTERCEPTORS", [])),
        task_queues=dict(getattr(module, "TASK_QUEUES", {})),
    )
