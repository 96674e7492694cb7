"""The fake API's replies in the API's shapes, and the error a check raises.

The ground floor of the fake: the route modules, the admin API, the storage origin and the
app all build their answers here, and nothing here imports them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

__all__ = [
    "INVALID_CODE",
    "Handler",
    "Problem",
    "bare_error",
    "error_document",
    "forbidden",
    "json_response",
    "no_content",
    "not_found",
    "ok",
    "path_id",
    "problem_response",
    "read_json",
]

#: The error code the API uses for an invalid attribute or parameter.
INVALID_CODE: Final = "10015"


class Problem(Exception):
    """One invalid input: a 422 (``pointer`` into the body) or a 400 (query ``parameter``).

    The status is chosen where the problem is answered, from what the operation declares.
    ``status`` overrides that choice (the admin API's 409 for an impossible step).
    """

    def __init__(
        self,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        detail: str,
        status: int | None = None,
        title: str | None = None,
    ):
        super().__init__(detail)
        self.pointer = pointer
        self.parameter = parameter
        self.detail = detail
        self.status = status
        self.title = title


def json_response(
    status: int, document: Any, headers: dict[str, str] | None = None
) -> web.Response:
    """``document`` as a JSON reply."""
    return web.Response(
        status=status,
        body=json.dumps(document).encode(),
        content_type="application/json",
        headers=headers,
    )


def ok(data: Any, status: int = 200) -> web.Response:
    """``{"data": ...}`` with ``status``."""
    return json_response(status, {"data": data})


def no_content() -> web.Response:
    """An empty 204."""
    return web.Response(status=204)


def error_document(
    code: str,
    title: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
) -> dict[str, Any]:
    """A JSON:API error document, ``{"errors": [...]}``, as the API sends for 400 and 422."""
    item: dict[str, Any] = {"code": code, "title": title, "detail": detail}
    if pointer is not None:
        item["source"] = {"pointer": pointer}
    elif parameter is not None:
        item["source"] = {"parameter": parameter}
    return {"errors": [item]}


def problem_response(problem: Problem, status: int) -> web.Response:
    """The reply to ``problem`` (its own status, when it has one, wins over ``status``)."""
    status = problem.status or status
    title = problem.title or ("Bad request" if status == 400 else "Invalid attribute")
    document = error_document(
        INVALID_CODE, title, problem.detail, pointer=problem.pointer, parameter=problem.parameter
    )
    return json_response(status, document)


def bare_error(status: int, code: str, title: str, detail: str) -> web.Response:
    """A single error object without the ``errors`` list: the spec's 403 and 404 shape."""
    return json_response(status, {"code": code, "title": title, "detail": detail})


def not_found(what: str) -> web.Response:
    """The API's 404: a bare error object."""
    return bare_error(404, "10005", "Resource not found", f"{what} was not found.")


def forbidden(detail: str) -> web.Response:
    """The API's 403 (the token actions): a bare error object."""
    return bare_error(403, "10010", "Authorization failed", detail)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body (``{}`` when empty); a 422 when it is not JSON."""
    raw = await request.read()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise Problem(pointer="", detail="the request body is not valid JSON") from None


def path_id(request: web.Request) -> str:
    """The one id in the request's path (each route of the table has at most one)."""
    return next(iter(request.match_info.values()))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
"""An aiohttp request handler."""
