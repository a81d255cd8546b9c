"""Clocks the local environment owns: real time, or real time plus skipped time."""

from __future__ import annotations

import threading
import time

__all__ = ["RealClock", "SkippingClock"]


class RealClock:
    """Wall-clock time, as on AWS."""

    def now(self) -> float:
        """Epoch seconds."""
        return time.time()


class SkippingClock:
    """Virtual time for ``start_time_skipping()``: it runs at wall speed and can jump ahead.

    As temporalio's test server does, time never stands still (a 1-second timer fires
    after a second even while nothing skips) and skipping only ever moves it forward.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Epoch seconds of virtual time."""
        return time.time() + self._offset

    def advance_to(self, when: float) -> None:
        """Jump forward to ``when`` (no-op if that is not in the future)."""
        with self._lock:
            gap = when - self.now()
            if gap > 0:
                self._offset += gap
