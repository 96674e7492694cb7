"""Exactly-once room creates by name, where the API gives no idempotency key.

A create whose reply was lost (reset after sending, read timeout, a body cut short, a 5xx
other than 503 with Retry-After) may or may not have made the room. For a create with a
``unique_name`` the client does not give up and does not send it again blindly: within the
call's deadline and retry budget it looks the room up by ``filter[unique_name]``.

* One room, made by this call: it is returned. "Made by this call" means created no earlier
  than the call's start minus ``CLOCK_SKEW`` and holding every field the call sent; a room
  that existed before the call, or differs, is not taken for this call's.
* No room (or one that is not this call's): the create never happened, or could not; it is
  sent again, and the API decides. If it answers that the name is taken, the room is looked
  up once more: this call's is returned, and otherwise the API's error is raised.
* More than one room with the name: ``AmbiguousNameError`` naming their ids; never a guess.

Each lookup and re-send counts against ``max_retries`` and is told to ``on_retry`` as a
``RetryEvent`` whose ``kind`` is ``"lookup"`` or ``"resend"``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, TypeGuard

import attrs

from ._converter import structure_page
from ._errors import (
    AmbiguousNameError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    DeadlineExceededError,
    TelnyxError,
)
from ._http import Call, Pipeline, Request, RetryKind
from ._retry import BASE_DELAY, MAX_DELAY
from .models import Room
from .params import RoomCreateParams, RoomGetOrCreateParams, RoomListParams, to_dict, to_query

__all__ = [
    "CLOCK_SKEW",
    "create_room",
    "find_rooms",
    "get_or_create",
    "lost_reply",
    "name_taken",
    "one_room",
]

#: How far the API's clock may be behind ours when telling this call's room from an older one.
CLOCK_SKEW: Final = 300.0
#: Rooms asked for per lookup: more than one with a name is already an answer.
_PAGE: Final = 20


def lost_reply(exc: BaseException) -> bool:
    """Whether a create failed in a way that leaves open whether it was done."""
    if isinstance(exc, DeadlineExceededError):
        return False  # no time is left to find out
    if isinstance(exc, APIConnectionError):
        return exc.request_sent
    if isinstance(exc, APIStatusError):
        # 503 with Retry-After says the request was not acted on; other 5xx say nothing.
        return exc.status >= 500 and not (exc.status == 503 and exc.retry_after is not None)
    # A 2xx that could not be read: the room was made, its description lost.
    return isinstance(exc, APIResponseValidationError)


def name_taken(exc: BaseException) -> TypeGuard[APIStatusError]:
    """Whether the API refused a create because the ``unique_name`` is in use."""
    if not isinstance(exc, APIStatusError):
        return False
    if exc.status == 409:
        return True
    return exc.status == 422 and any(
        e.source is not None and e.source.pointer == "/unique_name" for e in exc.errors
    )


def _lookup_request(name: str) -> Request:
    return Request("GET", "/rooms", to_query(RoomListParams(unique_name=name, page_size=_PAGE)))


def _named(body: bytes, name: str, pipeline: Pipeline) -> list[Room]:
    items, _ = structure_page(body, Room, scrub=pipeline.scrub)
    return [room for room in items if room.unique_name == name]


async def find_rooms(pipeline: Pipeline, name: str) -> list[Room]:
    """The rooms whose ``unique_name`` is exactly ``name`` (one call, retried as a GET is)."""
    return _named(await pipeline.send(_lookup_request(name)), name, pipeline)


def one_room(rooms: list[Room], name: str) -> Room | None:
    """The one room of ``rooms``, None for none; ``AmbiguousNameError`` for several."""
    if len(rooms) > 1:
        raise AmbiguousNameError(name, tuple(room.id for room in rooms))
    return rooms[0] if rooms else None


def _made_by(room: Room, sent: dict[str, Any], started: float) -> bool:
    created = room.created_at
    if not isinstance(created, datetime) or created.timestamp() < started - CLOCK_SKEW:
        return False
    return all(getattr(room, name, None) == value for name, value in sent.items())


async def create_room(
    pipeline: Pipeline,
    request: Request,
    params: Any,
    read: Callable[[bytes], Room],
    started: float,
) -> Room:
    """Send the create ``request`` for ``params``; reconcile a lost reply (module docstring).

    ``started`` is the call's start by the wall clock (``time.time()``), which the API's
    ``created_at`` is compared with.
    """
    call = pipeline.start(request)
    try:
        return read(await pipeline.send(request, call))
    except TelnyxError as exc:
        if not lost_reply(exc):
            raise
        failure: TelnyxError = exc
    name: str = params.unique_name
    sent = to_dict(params)
    lookup = _lookup_request(name)
    # What the plain retries of send() left of the budget; each lookup and re-send takes one.
    budget = pipeline.settings.max_retries + 1 - call.attempts
    taken: APIStatusError | None = None
    # What the next step is about: the create's failure, or a lookup's.
    cause = failure
    step = 0
    while budget > 0:
        budget -= 1
        call.request = lookup
        step = await _pause(pipeline, call, cause, step, "lookup")
        try:
            room = one_room(_named(await pipeline.attempt(call), name, pipeline), name)
        except (AmbiguousNameError, DeadlineExceededError):
            raise
        except TelnyxError as exc:
            # The lookup failed too: look again while the budget lasts. If it runs out,
            # the create's own failure is what the caller gets.
            cause = exc
            continue
        if room is not None and _made_by(room, sent, started):
            return room
        if taken is not None:
            raise taken  # the API says the name is taken, by a room not made by this call
        if budget <= 0:
            break
        budget -= 1
        call.request = request
        step = await _pause(pipeline, call, failure, step, "resend")
        cause = failure
        try:
            return read(await pipeline.attempt(call))
        except DeadlineExceededError:
            raise
        except TelnyxError as exc:
            if name_taken(exc):
                taken = exc
            elif not lost_reply(exc):
                raise
            failure = cause = exc
    raise taken or failure


async def _pause(
    pipeline: Pipeline, call: Call, failure: TelnyxError, step: int, kind: RetryKind
) -> int:
    """Announce the next step (log, ``on_retry``), then wait a jittered, growing moment.

    The first lookup after a connection that dropped goes at once: the server is up.
    """
    quick = step == 0 and isinstance(failure, APIConnectionError)
    wait = 0.0 if quick else random.uniform(0.0, min(MAX_DELAY, BASE_DELAY * 2.0**step))
    await pipeline.announce(call, failure, wait, kind)
    if wait > 0:
        await asyncio.sleep(wait)
    return step + 1


async def get_or_create(rooms: Any, params: RoomGetOrCreateParams) -> tuple[Room, bool]:
    """``rooms.get_or_create``: the room named ``params.unique_name``, made if there is none.

    Calls of one client with one name take turns, so concurrent calls make one room; across
    processes the API's own uniqueness check decides, and a loser finds the winner's room.
    """
    pipeline: Pipeline = rooms._pipeline
    name = params.unique_name
    async with pipeline.name_lock(name):
        room = one_room(await find_rooms(pipeline, name), name)
        if room is not None:
            return room, False
        fields = {a.name: getattr(params, a.name) for a in attrs.fields(RoomCreateParams)}
        try:
            return await rooms.create(**fields), True
        except APIStatusError as exc:
            if not name_taken(exc):
                raise
            refusal = exc
        # Made meanwhile by someone else (the create said the name is taken): theirs it is.
        room = one_room(await find_rooms(pipeline, name), name)
        if room is None:
            raise refusal
        return room, False
