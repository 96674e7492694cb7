"""What every resource class shares."""

from __future__ import annotations

from typing import TypeVar

from ._errors import InvalidParams
from ._http import Pipeline
from ._pagination import AsyncPaginator
from .params import PageParams

__all__ = ["Resource"]

T = TypeVar("T")


class Resource:
    """Base of the resource classes: holds the pipeline of its client view."""

    __slots__ = ("_pipeline",)

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def _paginate(
        self,
        path: str,
        query: str,
        item: type[T],
        page_number: int | None,
        page_size: int | None,
        max_pages: int | None,
    ) -> AsyncPaginator[T]:
        PageParams(page_number=page_number, page_size=page_size)
        if max_pages is not None and (type(max_pages) is not int or max_pages < 1):
            raise InvalidParams("max_pages", "must be an integer >= 1")
        return AsyncPaginator(
            self._pipeline,
            path,
            query,
            item,
            page_number=page_number,
            page_size=page_size,
            max_pages=max_pages,
        )
