"""Code a sandboxed workflow calls, imported inside ``workflow.unsafe.imports_passed_through()``
by ``sandbox_workflows``: its own calls are not restricted."""

from __future__ import annotations

import time


def wall_clock() -> float:
    return time.time()
