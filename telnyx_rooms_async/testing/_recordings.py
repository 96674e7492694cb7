"""Fake handlers for the recordings operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI

__all__ = ["routes"]


def routes(api: FakeRoomsAPI) -> list[web.RouteDef]:
    """The route table of this resource."""
    return []
