"""``workflow.wait`` and ``workflow.as_completed``: asyncio's, with lists where asyncio has sets.

``asyncio.wait`` returns sets of tasks, whose iteration order follows the tasks' hashes
(their addresses): code that loops over the done set may issue its commands in another
order on replay. These are temporalio's versions, taken from CPython 3.12's as temporalio
takes them, with the sets changed for lists kept in the order the awaitables were given
(``wait``) or completed (``as_completed``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["as_completed", "wait"]

T = TypeVar("T")


def as_completed(fs: Iterable[Awaitable[T]], *, timeout: float | None = None) -> Iterator[Awaitable[T]]:
    """Return an iterator whose values are coroutines, in the order the awaitables complete.

    This is a deterministic version of :py:func:`asyncio.as_completed`. This
    function should be used instead of that one in workflows.

    Raises:
        TypeError: ``fs`` is a single future or coroutine.
    """
    if asyncio.isfuture(fs) or asyncio.iscoroutine(fs):
        raise TypeError(f"expect an iterable of futures, not {type(fs).__name__}")

    done: asyncio.Queue[asyncio.Future[Any] | None] = asyncio.Queue()

    loop = asyncio.get_event_loop()
    todo: list[asyncio.Future[Any]] = [asyncio.ensure_future(f, loop=loop) for f in list(fs)]
    timeout_handle = None

    def _on_timeout() -> None:
        for f in todo:
            f.remove_done_callback(_on_completion)
            done.put_nowait(None)  # a dummy value for _wait_for_one()
        todo.clear()

    def _on_completion(f: asyncio.Future[Any]) -> None:
        if not todo:
            return  # _on_timeout() was here first
        todo.remove(f)
        done.put_nowait(f)
        if not todo and timeout_handle is not None:
            timeout_handle.cancel()

    async def _wait_for_one() -> Any:
        f = await done.get()
        if f is None:
            raise TimeoutError
        return f.result()  # may raise f.exception()

    for f in todo:
        f.add_done_callback(_on_completion)
    if todo and timeout is not None:
        timeout_handle = loop.call_later(timeout, _on_timeout)
    for _ in range(len(todo)):
        yield _wait_for_one()


async def wait(
    fs: Iterable[Any], *, timeout: float | None = None, return_when: str = asyncio.ALL_COMPLETED
) -> tuple[list[Any], list[Any]]:
    """Wait for the Futures or Tasks given by fs to complete: ``(done, pending)`` as lists.

    This is a deterministic version of :py:func:`asyncio.wait`. This function
    should be used instead of that one in workflows.

    Raises:
        TypeError: ``fs`` is a single future or coroutine, or holds coroutines.
        ValueError: ``fs`` is empty, or ``return_when`` is not one of asyncio's constants.
    """
    if asyncio.isfuture(fs) or asyncio.iscoroutine(fs):
        raise TypeError(f"Expect an iterable of Tasks/Futures, not {type(fs).__name__}")
    if not fs:
        raise ValueError("Sequence of Tasks/Futures must not be empty.")
    if return_when not in (asyncio.FIRST_COMPLETED, asyncio.FIRST_EXCEPTION, asyncio.ALL_COMPLETED):
        raise ValueError(f"Invalid return_when value: {return_when}")

    fs = list(fs)

    if any(asyncio.iscoroutine(f) for f in fs):
        raise TypeError("Passing coroutines is forbidden, use tasks explicitly.")

    loop = asyncio.get_running_loop()
    return await _wait(fs, timeout, return_when, loop)


async def _wait(
    fs: list[asyncio.Future[Any]], timeout: float | None, return_when: str, loop: asyncio.AbstractEventLoop
) -> tuple[list[Any], list[Any]]:
    assert fs, "Sequence of Tasks/Futures must not be empty."
    waiter = loop.create_future()
    timeout_handle = None
    if timeout is not None:
        timeout_handle = loop.call_later(timeout, _release_waiter, waiter)
    counter = len(fs)

    def _on_completion(f: asyncio.Future[Any]) -> None:
        nonlocal counter
        counter -= 1
        if (
            counter <= 0
            or return_when == asyncio.FIRST_COMPLETED
            or return_when == asyncio.FIRST_EXCEPTION
            and (not f.cancelled() and f.exception() is not None)
        ):
            if timeout_handle is not None:
                timeout_handle.cancel()
            if not waiter.done():
                waiter.set_result(None)

    for f in fs:
        f.add_done_callback(_on_completion)

    try:
        await waiter
    finally:
        if timeout_handle is not None:
            timeout_handle.cancel()
        for f in fs:
            f.remove_done_callback(_on_completion)

    done, pending = [], []
    for f in fs:
        if f.done():
            done.append(f)
        else:
            pending.append(f)
    return done, pending


def _release_waiter(waiter: asyncio.Future[Any], *_args: Any) -> None:
    if not waiter.done():
        waiter.set_result(None)
