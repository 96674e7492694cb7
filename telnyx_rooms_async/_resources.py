"""The resources of a client: one line per operation of the table, and nothing else.

``client.rooms``, ``client.room_sessions``, ``client.room_participants``,
``client.room_compositions`` and ``client.room_recordings`` follow the API's paths. The
official SDK's names for the same operations (``client.rooms.actions.*``,
``client.rooms.sessions.*``) are there too, so code written for it runs unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from . import _operations as ops
from ._binding import Resource, below, helper, method, method_with_id
from ._download import Destination, Progress, download
from ._reconcile import get_or_create
from .models import RoomComposition, RoomRecording
from .params import RoomGetOrCreateParams

M = TypeVar("M")

__all__ = [
    "RoomCompositions",
    "RoomParticipants",
    "RoomRecordings",
    "RoomSessions",
    "Rooms",
]


class _Downloads(Resource, Generic[M]):
    """The ``download`` of the resources whose objects have a ``download_url``."""

    async def download(
        self,
        item: M | str,
        destination: Destination,
        *,
        max_size: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Download a completed recording's or composition's file to ``destination``.

        Args:
            item: The recording or composition, or its id (then it is retrieved first: the
                ``download_url`` is pre-signed and expires).
            destination: A file path, written under a temporary name beside it, flushed to
                disk and renamed only when complete (a failure or cancellation leaves no
                partial file; the file gets the mode ``open(path, "wb")`` would give it), or
                a binary file object open for writing (written as the bytes arrive).
            max_size: The most bytes to accept, or None for no limit.
            progress: Called as ``progress(bytes_done, bytes_total)`` after each chunk
                (``bytes_total`` is None when the storage host does not say).

        Returns:
            int: the number of bytes written.

        Raises:
            DownloadError: no ``download_url`` yet, a URL that is not https (except to
                loopback), or an error from the storage host (a 403 is answered once by
                retrieving a fresh URL). ResponseTooLargeError: above ``max_size``.
            APIConnectionError: the transfer failed (APITimeoutError: it stalled past
                ``read_timeout``). The API's own errors, from retrieving the object.

        Neither the API key nor the client's ``headers=`` are sent to the storage host.

        Example:
            await client.room_recordings.download(recording_id, "alice.webm")
        """
        retrieve: Callable[[str], Awaitable[M]] = getattr(self, "retrieve")  # noqa: B009
        return await download(
            self._pipeline,
            item,
            destination,
            retrieve=retrieve,
            max_size=max_size,
            progress=progress,
        )


class RoomSessionActions(Resource):
    """The official SDK's ``client.rooms.sessions.actions``: end, kick, mute, unmute."""

    end = method_with_id(ops.ROOM_SESSIONS_END)
    kick = method_with_id(ops.ROOM_SESSIONS_KICK)
    mute = method_with_id(ops.ROOM_SESSIONS_MUTE)
    unmute = method_with_id(ops.ROOM_SESSIONS_UNMUTE)


class RoomActions(Resource):
    """The official SDK's ``client.rooms.actions``: the two token calls."""

    generate_join_client_token = method_with_id(ops.ROOMS_GENERATE_JOIN_CLIENT_TOKEN)
    refresh_client_token = method_with_id(ops.ROOMS_REFRESH_CLIENT_TOKEN)


class RoomSessionsOfRooms(Resource):
    """The official SDK's ``client.rooms.sessions`` (``client.room_sessions`` here)."""

    retrieve = method_with_id(ops.ROOM_SESSIONS_RETRIEVE)
    list_0 = method(ops.ROOM_SESSIONS_LIST)
    list_1 = method_with_id(ops.ROOMS_LIST_SESSIONS)
    retrieve_participants = method_with_id(ops.ROOM_SESSIONS_LIST_PARTICIPANTS)

    actions = below(RoomSessionActions)
    """``end``, ``kick``, ``mute``, ``unmute`` (``client.room_sessions.*`` here)."""


class Rooms(Resource):
    """``client.rooms``: create, inspect, change and delete rooms; join tokens; sessions."""

    create = method(ops.ROOMS_CREATE)
    list = method(ops.ROOMS_LIST)
    retrieve = method_with_id(ops.ROOMS_RETRIEVE)
    update = method_with_id(ops.ROOMS_UPDATE)
    delete = method_with_id(ops.ROOMS_DELETE)
    generate_join_client_token = method_with_id(ops.ROOMS_GENERATE_JOIN_CLIENT_TOKEN)
    refresh_client_token = method_with_id(ops.ROOMS_REFRESH_CLIENT_TOKEN)
    list_sessions = method_with_id(ops.ROOMS_LIST_SESSIONS)
    get_or_create = helper(
        RoomGetOrCreateParams,
        get_or_create,
        name="get_or_create",
        summary="The room with this unique_name, made (with the other fields) if none exists.",
        http="``GET /rooms?filter[unique_name]=...``, then ``POST /rooms`` if it is missing",
        returns="tuple[Room, bool]",
        returns_doc=(
            "tuple[Room, bool]: the room, and True when this call made it (also when its own"
            " reply was lost and the room was found by name). An existing room is returned"
            " as it is: fields that differ from the arguments are not changed (call update())."
        ),
        raises=(
            "AmbiguousNameError: several rooms have the name. UnprocessableEntityError: the"
            " API refused a field."
        ),
        example='room, created = await client.rooms.get_or_create(unique_name="standup")',
        note=(
            "Race-safe: calls of one client with one name take turns, and across processes"
            " the API's uniqueness check decides; every caller gets the same room."
        ),
    )

    actions = below(RoomActions)
    """The official SDK's names for the token calls."""
    sessions = below(RoomSessionsOfRooms)
    """The official SDK's names for the session calls."""


class RoomSessions(Resource):
    """``client.room_sessions``: inspect sessions, end them, kick and mute participants."""

    list = method(ops.ROOM_SESSIONS_LIST)
    retrieve = method_with_id(ops.ROOM_SESSIONS_RETRIEVE)
    list_participants = method_with_id(ops.ROOM_SESSIONS_LIST_PARTICIPANTS)
    end = method_with_id(ops.ROOM_SESSIONS_END)
    kick = method_with_id(ops.ROOM_SESSIONS_KICK)
    mute = method_with_id(ops.ROOM_SESSIONS_MUTE)
    unmute = method_with_id(ops.ROOM_SESSIONS_UNMUTE)


class RoomParticipants(Resource):
    """``client.room_participants``: the participants of every session."""

    list = method(ops.ROOM_PARTICIPANTS_LIST)
    retrieve = method_with_id(ops.ROOM_PARTICIPANTS_RETRIEVE)


class RoomCompositions(_Downloads[RoomComposition]):
    """``client.room_compositions``: a session's recordings mixed into one video."""

    create = method(ops.ROOM_COMPOSITIONS_CREATE)
    list = method(ops.ROOM_COMPOSITIONS_LIST)
    retrieve = method_with_id(ops.ROOM_COMPOSITIONS_RETRIEVE)
    delete = method_with_id(ops.ROOM_COMPOSITIONS_DELETE)


class RoomRecordings(_Downloads[RoomRecording]):
    """``client.room_recordings``: the per-participant recordings of sessions."""

    list = method(ops.ROOM_RECORDINGS_LIST)
    retrieve = method_with_id(ops.ROOM_RECORDINGS_RETRIEVE)
    delete = method_with_id(ops.ROOM_RECORDINGS_DELETE)
    delete_bulk = method(ops.ROOM_RECORDINGS_DELETE_BULK)
