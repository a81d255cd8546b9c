"""Code a sandboxed workflow calls. Imported *without* being passed through by
``sandbox_workflows``: its calls are workflow code, unless the restrictions pass it through."""

from __future__ import annotations

import time


def wall_clock() -> float:
    return time.time()
