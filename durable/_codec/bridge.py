"""Running a codec's coroutines from the engine's synchronous code.

temporalio's codecs are async; the engine's ports are synchronous and are called from
plain threads (a Lambda handler, the local dispatcher) and from threads that run an
event loop already (an async activity's heartbeat, a client's in-process query). So
every codec call runs on one event loop of its own, in a daemon thread started on first
use, and the caller waits for it. One loop for all calls also means a codec that keeps
loop-bound state (an HTTP session to a codec server) always sees the same loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def _codec_loop() -> asyncio.AbstractEventLoop:
    global _loop, _thread
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            _thread = threading.Thread(target=_loop.run_forever, name="durable-payload-codec", daemon=True)
            _thread.start()
        return _loop


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """The coroutine's result, run on the codec loop (its exception raised here)."""
    loop = _codec_loop()
    if threading.current_thread() is _thread:
        coroutine.close()
        # Waiting here for the loop this thread runs would wait forever.
        raise RuntimeError("a payload codec called back into the engine; codecs must not store or send")
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
