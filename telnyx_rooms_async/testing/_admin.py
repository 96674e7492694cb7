"""The admin API under ``/_emulator/``: JSON in and out, no auth, shaped like the public API.

It drives and inspects the same fake the tests hold in-process: what happens in rooms (the
simulation), faults, the journal of calls, webhook deliveries and the storage origin.
Replies are ``{"data": ...}``; an unknown id is a 404, a step the object's state does not
allow a 409, a bad body a 422, each with a Telnyx-shaped error body.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from .._version import __version__
from ._faults import Faults
from ._wire import (
    Handler,
    Problem,
    bare_error,
    error_document,
    json_response,
    ok,
    path_id,
    problem_response,
    read_json,
)

if TYPE_CHECKING:
    from ._backend import Backend

__all__ = ["ADMIN_PREFIX", "routes"]

ADMIN_PREFIX: Final = "/_emulator"

# What a field of an admin body may be, by name: its JSON types and a rule in words.
_NUMBER: Final = (int, float)
_FIELD_TYPES: Final[Mapping[str, tuple[tuple[type, ...], str]]] = {
    "context": ((str, type(None)), "must be a string or null"),
    "reason": ((str,), "must be a string"),
    "participant_id": ((str,), "must be a string"),
    "type": ((str,), "must be 'audio' or 'video'"),
    "size_mb": (_NUMBER, "must be a number >= 0"),
    "duration_secs": ((int, type(None)), "must be an integer >= 0 or null"),
    "event_type": ((str,), "must be a string such as 'video.room.session.started'"),
    "payload": ((dict,), "must be an object"),
    "room_id": ((str, type(None)), "must be a room id or null"),
    # fault parameters, named as the arguments of fake.faults.*
    "origin": ((str,), "must be 'api' or 'storage'"),
    "kind": ((str,), "must be the name of a fault: fail, respond, delay, ..."),
    "method": ((str,), "must be an HTTP method, or '*'"),
    "path": ((str,), "must be a path pattern such as '/rooms/*'"),
    "status": ((int,), "must be an HTTP status code"),
    "headers": ((dict, type(None)), "must be an object of header names to values"),
    "body": ((object,), "may be any JSON value"),
    "content_type": ((str,), "must be a string"),
    "times": ((int, type(None)), "must be a positive integer, or null for every request"),
    "seconds": (_NUMBER, "must be a number of seconds >= 0"),
    "interval": (_NUMBER, "must be a number of seconds >= 0"),
    "after_handling": ((bool,), "must be true or false"),
}
_FAULT_KINDS: Final = ("fail", "respond", "delay", "reset", "truncate", "drip", "sticky_page")


def _fields(body: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``body`` checked: an object with only ``allowed`` keys of the right JSON types."""
    if not isinstance(body, dict):
        raise Problem(pointer="", detail="the request body must be a JSON object")
    for name in required:
        if name not in body:
            raise Problem(pointer=f"/{name}", detail=f"{name} is required")
    for name, value in body.items():
        if name not in allowed:
            raise Problem(pointer=f"/{name}", detail=f"{name} is not a known attribute")
        types, rule = _FIELD_TYPES[name]
        # A JSON true is not a number here.
        wrong_bool = isinstance(value, bool) and bool not in types and object not in types
        if wrong_bool or not isinstance(value, types):
            raise Problem(pointer=f"/{name}", detail=f"{name} {rule}")
        negative = isinstance(value, int | float) and not isinstance(value, bool) and value < 0
        loose = isinstance(value, dict) and not all(isinstance(v, str) for v in value.values())
        if negative or (name == "headers" and loose):
            raise Problem(pointer=f"/{name}", detail=f"{name} {rule}")
    return body


def _guarded(handler: Handler) -> Handler:
    """Map the simulation's errors to replies: LookupError 404, ValueError 409."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Problem as problem:
            return problem_response(problem, 422)
        except LookupError as exc:
            return bare_error(404, "10005", "Resource not found", str(exc))
        except ValueError as exc:
            return json_response(409, error_document("10409", "Conflict", str(exc)))
        except ImportError as exc:
            return json_response(501, error_document("10501", "Not available", str(exc)))

    return guarded


def _listing(items: list[dict[str, Any]]) -> web.Response:
    return json_response(200, {"data": items, "meta": {"total_results": len(items)}})


def routes(api: Backend) -> list[web.RouteDef]:
    """The admin API's routes for ``api``."""
    sim = api.sim

    async def health(request: web.Request) -> web.Response:
        return ok(
            {
                "status": "ok",
                "version": __version__,
                "base_url": f"{request.scheme}://{request.host}/v2",
                "storage_url": api.storage.base_url,
                "record_type": "emulator",
            }
        )

    async def reset(request: web.Request) -> web.Response:
        api.reset()
        return ok({"reset": True})

    async def requests(request: web.Request) -> web.Response:
        try:
            calls = api.matching(request.query.get("method"), request.query.get("path"))
        except ValueError as exc:
            raise Problem(parameter="path", detail=str(exc), status=422) from None
        return _listing([c.to_json() for c in calls])

    def origin(body: dict[str, Any]) -> Faults:
        chosen = body.pop("origin", "api")
        if chosen not in ("api", "storage"):
            raise Problem(pointer="/origin", detail="origin must be 'api' or 'storage'")
        return api.faults if chosen == "api" else api.storage_faults

    async def add_fault(request: web.Request) -> web.Response:
        body = await read_json(request)
        kind = body.get("kind") if isinstance(body, dict) else None
        if kind not in _FAULT_KINDS:
            raise Problem(pointer="/kind", detail=f"kind must be one of {', '.join(_FAULT_KINDS)}")
        faults = origin(dict(body))
        make: Callable[..., Any] = getattr(faults, kind)
        names = tuple(inspect.signature(make).parameters)
        arguments = _fields(body, ("kind", "origin", *names))
        arguments = {k: v for k, v in arguments.items() if k not in ("kind", "origin")}
        missing = [n for n, p in inspect.signature(make).parameters.items() if p.default is p.empty]
        for name in missing:
            if name not in arguments:
                raise Problem(pointer=f"/{name}", detail=f"{name} is required")
        try:
            fault = make(**arguments)
        except ValueError as exc:
            raise Problem(pointer="", detail=str(exc)) from None
        return ok(fault.to_json(), status=201)

    async def list_faults(request: web.Request) -> web.Response:
        return _listing(
            [f.to_json() for f in api.faults] + [f.to_json() for f in api.storage_faults]
        )

    async def clear_faults(request: web.Request) -> web.Response:
        return ok({"cleared": api.faults.clear() + api.storage_faults.clear()})

    async def remove_fault(request: web.Request) -> web.Response:
        fault_id = path_id(request)
        if not (api.faults.remove(fault_id) or api.storage_faults.remove(fault_id)):
            raise LookupError(f"the emulator has no fault {fault_id!r}")
        return ok({"id": fault_id, "deleted": True})

    async def webhooks(request: web.Request) -> web.Response:
        items = [d.to_json() for d in api.webhooks.deliveries]
        meta = {
            "total_results": len(items),
            "events": len(api.webhooks.events),
            "pending": api.webhooks.pending,
        }
        return json_response(200, {"data": items, "meta": meta})

    async def events(request: web.Request) -> web.Response:
        return _listing([e["data"] for e in api.webhooks.events])

    async def emit(request: web.Request) -> web.Response:
        body = _fields(
            await read_json(request), ("event_type", "payload", "room_id"), ("event_type",)
        )
        await api.webhooks.emit(body["event_type"], body.get("payload", {}), body.get("room_id"))
        return ok(api.webhooks.events[-1]["data"], status=201)

    async def public_key(request: web.Request) -> web.Response:
        return ok({"public_key": api.webhooks.public_key})

    async def drain(request: web.Request) -> web.Response:
        await api.webhooks.drain()
        return ok({"pending": api.webhooks.pending})

    async def storage_requests(request: web.Request) -> web.Response:
        return _listing([r.to_json() for r in api.storage_requests])

    async def expire_urls(request: web.Request) -> web.Response:
        sim.expire_download_urls()
        return ok({"expired": True})

    async def start_session(request: web.Request) -> web.Response:
        _fields(await read_json(request), ())
        return ok(await sim.start_session(path_id(request)), status=201)

    async def join(request: web.Request) -> web.Response:
        body = _fields(await read_json(request), ("context",))
        return ok(await sim.join(path_id(request), context=body.get("context")), status=201)

    async def leave(request: web.Request) -> web.Response:
        body = _fields(await read_json(request), ("reason",))
        return ok(await sim.leave(path_id(request), **body))

    async def end(request: web.Request) -> web.Response:
        body = _fields(await read_json(request), ("reason",))
        return ok(await sim.end_session(path_id(request), **body))

    async def record(request: web.Request) -> web.Response:
        body = _fields(await read_json(request), ("participant_id", "type"), ("participant_id",))
        kind = body.get("type", "audio")
        if kind not in ("audio", "video"):
            raise Problem(pointer="/type", detail="type must be 'audio' or 'video'")
        recording = await sim.start_recording(path_id(request), body["participant_id"], kind)
        return ok(recording, status=201)

    def completion(complete: Callable[..., Any]) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            body = _fields(await read_json(request), ("size_mb", "duration_secs"))
            return ok(await complete(path_id(request), **body))

        return handle

    base = ADMIN_PREFIX
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/health", health),
        ("POST", "/reset", reset),
        ("GET", "/requests", requests),
        ("GET", "/faults", list_faults),
        ("POST", "/faults", add_fault),
        ("DELETE", "/faults", clear_faults),
        ("DELETE", "/faults/{fault_id}", remove_fault),
        ("GET", "/webhooks", webhooks),
        ("GET", "/webhooks/public_key", public_key),
        ("GET", "/webhooks/events", events),
        ("POST", "/webhooks/events", emit),
        ("POST", "/webhooks/drain", drain),
        ("GET", "/storage/requests", storage_requests),
        ("POST", "/storage/expire", expire_urls),
        ("POST", "/rooms/{room_id}/sessions", start_session),
        ("POST", "/room_sessions/{session_id}/participants", join),
        ("POST", "/room_participants/{participant_id}/leave", leave),
        ("POST", "/room_sessions/{session_id}/end", end),
        ("POST", "/room_sessions/{session_id}/recordings", record),
        ("POST", "/room_recordings/{recording_id}/complete", completion(sim.complete_recording)),
        (
            "POST",
            "/room_compositions/{composition_id}/complete",
            completion(sim.complete_composition),
        ),
    ]
    return [web.route(method, base + path, _guarded(handler)) for method, path, handler in table]
