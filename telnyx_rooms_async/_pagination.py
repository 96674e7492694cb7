"""Lazy page-number pagination: await for one page, ``async for`` for every item."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any, Generic, TypeVar

from ._converter import structure_page
from ._errors import InvalidParams
from ._http import Pipeline, Request
from .models import PageMeta

__all__ = ["AsyncPaginator", "Page"]

T = TypeVar("T")


def _ids(items: tuple[Any, ...]) -> tuple[object, ...]:
    # An item without an id stands for itself: frozen models compare by value, so a repeated
    # page still matches (object identity never would, and the loop would not stop).
    return tuple(getattr(item, "id", None) or item for item in items)


class Page(Generic[T]):
    """One page of a list: its items, its ``meta``, and the way to the next page."""

    __slots__ = ("_paginator", "items", "meta", "number")

    def __init__(
        self, paginator: AsyncPaginator[T], number: int, items: tuple[T, ...], meta: PageMeta
    ) -> None:
        self._paginator = paginator
        #: The page number that was asked for.
        self.number = number
        #: The page's items, in the API's order.
        self.items = items
        #: Page number, page size, total pages and total results, as the API sent them.
        self.meta = meta

    def __repr__(self) -> str:
        return f"Page(number={self.number}, items={len(self.items)}, meta={self.meta!r})"

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    @property
    def has_next_page(self) -> bool:
        """True unless this page is empty or the last one by ``meta.total_pages``."""
        if not self.items:
            return False
        total = self.meta.total_pages
        if total is None:
            return True
        current = self.meta.page_number if self.meta.page_number is not None else self.number
        return current < total

    async def next_page(self) -> Page[T] | None:
        """Fetch the following page, or return None when there is none."""
        if not self.has_next_page:
            return None
        current = self.meta.page_number if self.meta.page_number is not None else self.number
        return await self._paginator.fetch(current + 1)


class AsyncPaginator(Generic[T]):
    """What ``list()`` returns: awaitable (first page) and async-iterable (every item)."""

    __slots__ = ("_item", "_max_pages", "_path", "_pipeline", "_query", "_start")

    def __init__(
        self,
        pipeline: Pipeline,
        path: str,
        query: str,
        item: type[T],
        *,
        page_number: int | None,
        page_size: int | None,
        max_pages: int | None,
    ) -> None:
        self._pipeline = pipeline
        self._path = path
        parts = [query] if query else []
        if page_size is not None:
            parts.append(f"page[size]={page_size}")
        self._query = "&".join(parts)
        self._item = item
        self._start = page_number if page_number is not None else 1
        self._max_pages = max_pages

    async def fetch(self, number: int) -> Page[T]:
        """Fetch page ``number`` of this list."""
        if type(number) is not int or number < 1:
            raise InvalidParams("page_number", "must be an integer >= 1")
        page_query = f"page[number]={number}"
        query = f"{self._query}&{page_query}" if self._query else page_query
        body = await self._pipeline.send(Request("GET", self._path, query))
        items, meta = structure_page(body, self._item)
        return Page(self, number, items, meta)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.fetch(self._start).__await__()

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Every page, fetched one at a time; stops on the last, an empty or a repeated page."""
        page: Page[T] | None = await self.fetch(self._start)
        seen = 0
        previous: tuple[object, ...] | None = None
        while page is not None:
            ids = _ids(page.items)
            if not ids or ids == previous:
                # An empty page ends the list; a repeat means the server is stuck on a page.
                return
            yield page
            seen += 1
            if self._max_pages is not None and seen >= self._max_pages:
                return
            previous = ids
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def to_list(self) -> list[T]:
        """Every item of every page, in order."""
        return [item async for item in self]
