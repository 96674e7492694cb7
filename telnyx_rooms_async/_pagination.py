"""Lazy page-number pagination: await for one page, ``async for`` for every item.

The server's ``meta`` is a hint, never trusted for control: iteration counts the pages itself,
asks for strictly increasing page numbers, fetches no more than the first page's
``total_pages`` (or ``max_pages``), and stops on an empty page or on a page that repeats any
page already seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any, Generic, TypeVar

from ._converter import structure_page
from ._errors import APIResponseValidationError, InvalidParams
from ._http import Pipeline, Request
from .models import PageMeta
from .params import PAGE_NUMBER, to_query

__all__ = ["AsyncPaginator", "Page"]

T = TypeVar("T")


def _fingerprint(items: tuple[Any, ...]) -> tuple[object, ...]:
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
        """True unless this page is empty or, by ``meta.total_pages``, the last one."""
        if not self.items:
            return False
        total = self.meta.total_pages
        return total is None or self.number < total

    async def next_page(self) -> Page[T] | None:
        """Fetch the page after this one (by the number asked for), or None when there is none."""
        if not self.has_next_page:
            return None
        return await self._paginator._fetch(self.number + 1)


class AsyncPaginator(Generic[T]):
    """What ``list()`` returns: awaitable (first page) and async-iterable (every item)."""

    __slots__ = ("_item", "_max_pages", "_params", "_path", "_pipeline", "_start")

    def __init__(self, pipeline: Pipeline, path: str, params: Any, item: type[T]) -> None:
        self._pipeline = pipeline
        self._path = path
        #: The list's params: filters, ``page_size``, ``page_number`` (the first page).
        self._params = params
        self._item = item
        self._start: int = params.page_number or 1
        self._max_pages: int | None = getattr(params, "max_pages", None)

    async def fetch(self, number: int) -> Page[T]:
        """Fetch page ``number`` (from 1) of this list, with the same filters and page size."""
        if not PAGE_NUMBER.ok(number):
            raise InvalidParams("page_number", PAGE_NUMBER.rule)
        return await self._fetch(number)

    async def _fetch(self, number: int) -> Page[T]:
        pipeline = self._pipeline
        request = Request("GET", self._path, to_query(self._params, page_number=number))
        body = await pipeline.send(request)
        try:
            items, meta = structure_page(body, self._item, scrub=pipeline.scrub)
        except APIResponseValidationError as exc:
            pipeline.tag(exc, request)
            raise
        return Page(self, number, items, meta)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._start).__await__()

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Every page, one at a time; see the module's docstring for when it stops."""
        number = self._start
        page = await self._fetch(number)
        # The first page's word on the length of the list bounds the walk: a server that
        # raises total_pages page after page cannot keep it going.
        last = page.meta.total_pages
        limit = self._max_pages
        seen: set[tuple[object, ...]] = set()
        fetched = 1
        while True:
            fingerprint = _fingerprint(page.items)
            if not fingerprint or fingerprint in seen:
                # An empty page ends the list; a repeat means the server is going round.
                return
            seen.add(fingerprint)
            yield page
            if (limit is not None and fetched >= limit) or (last is not None and number >= last):
                return
            number += 1
            page = await self._fetch(number)
            fetched += 1

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def to_list(self) -> list[T]:
        """Every item of every page, in order."""
        return [item async for item in self]
