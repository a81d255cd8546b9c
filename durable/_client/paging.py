"""Listings read a page at a time, as temporalio's list iterators are: ``async for`` over
the entries, or ``fetch_next_page`` and ``current_page`` to page by hand."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Generic, Self, TypeVar

T = TypeVar("T")


class PageIterator(ABC, Generic[T]):
    """The paging both listings share; a subclass fetches one page in :meth:`_fetch`."""

    def __init__(self, *, page_size: int, next_page_token: bytes | None, limit: int | None = None) -> None:
        self._page_size = page_size
        self._next_page_token = next_page_token
        self._limit = limit
        self._current_page: Sequence[T] | None = None
        self._current_page_index = 0
        self._yielded = 0

    @abstractmethod
    async def _fetch(self, page_size: int, next_page_token: bytes | None) -> tuple[Sequence[T], bytes | None]:
        """One page of at most ``page_size`` entries from ``next_page_token``, and the token after it."""

    @property
    def current_page_index(self) -> int:
        """Index in the current page of the entry the next ``__anext__`` returns."""
        return self._current_page_index

    @property
    def current_page(self) -> Sequence[T] | None:
        """The page fetched last, if any."""
        return self._current_page

    @property
    def next_page_token(self) -> bytes | None:
        """Token of the next page, None when there is none."""
        return self._next_page_token

    async def fetch_next_page(self, *, page_size: int | None = None) -> None:
        """Fetch the next page (``page_size`` overrides the iterator's)."""
        size = page_size or self._page_size
        if self._limit is not None:
            size = min(size, self._limit - self._yielded)
        entries, token = await self._fetch(size, self._next_page_token)
        self._current_page = entries
        self._current_page_index = 0
        self._next_page_token = token or None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        if self._limit is not None and self._yielded >= self._limit:
            raise StopAsyncIteration
        while True:
            if self._current_page is None:
                await self.fetch_next_page()
                continue
            if self._current_page_index >= len(self._current_page):
                if self._next_page_token is not None:
                    await self.fetch_next_page()
                    continue
                raise StopAsyncIteration
            entry = self._current_page[self._current_page_index]
            self._current_page_index += 1
            self._yielded += 1
            return entry
