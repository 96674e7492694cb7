"""The table of operations: one row per call of the Video Rooms API.

Every other part reads this table: the resource classes bind one method per row, the command
line makes one subcommand per row, the fake API registers one route per row, and the docs'
operations table and the test tables are generated from it. A row says what is true of the
operation itself (HTTP method, path template, params class, result, whether it may be
repeated) and how it is shown (one-line summary, example, command-line verb).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, ParamSpec, TypeVar

import attrs

from . import params as p
from .models import (
    ActionResult,
    ClientToken,
    RefreshedClientToken,
    Room,
    RoomComposition,
    RoomParticipant,
    RoomRecording,
    RoomRecordingsDeleted,
    RoomSession,
)

if TYPE_CHECKING:
    from ._pagination import AsyncPaginator

__all__ = ["BY_KEY", "OPERATIONS", "Operation", "Result"]

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M")

ResultKind = Literal["one", "page", "none", "count"]


class Result(Generic[R]):
    """How a 2xx reply becomes what the method returns (``R`` is the method's return type)."""

    __slots__ = ("field", "kind", "model")

    def __init__(self, kind: ResultKind, model: type | None = None, field: str | None = None):
        #: ``one`` model, a ``page`` of models, ``none`` (204), or a ``count`` read from a field.
        self.kind: ResultKind = kind
        #: The model the reply's ``data`` is structured into.
        self.model = model
        #: For ``count``: the field of ``model`` that holds the number.
        self.field = field

    def __repr__(self) -> str:
        name = self.model.__name__ if self.model is not None else ""
        return f"Result({self.kind!r}, {name})"


def one(model: type[M]) -> Result[Coroutine[Any, Any, M]]:
    """The reply's ``data`` is one ``model``."""
    return Result("one", model)


def page(model: type[M]) -> Result[AsyncPaginator[M]]:
    """The reply is one page of ``model``: the method returns a lazy paginator."""
    return Result("page", model)


def count(model: type, field: str) -> Result[Coroutine[Any, Any, int]]:
    """The reply's ``data`` is ``model``; the method returns its integer ``field``."""
    return Result("count", model, field)


NOTHING: Final[Result[Coroutine[Any, Any, None]]] = Result("none")
"""The reply has no body worth reading (204): the method returns None."""

_PLACEHOLDER: Final = re.compile(r"\{([a-z_]+)\}")


def _one_id(_: object, attribute: attrs.Attribute[str], path: str) -> None:
    if len(_PLACEHOLDER.findall(path)) > 1:
        raise ValueError(f"{path}: one id per path is supported")


@attrs.frozen(repr=False)
class Operation(Generic[P, R]):
    """One row: an operation of the API and everything the package knows about it."""

    resource: str
    """The client attribute of the resource, e.g. ``rooms``."""
    name: str
    """The method's name on the resource, e.g. ``create``."""
    http_method: Literal["GET", "POST", "PATCH", "DELETE"]
    path: str = attrs.field(validator=_one_id)
    """The path below the base URL, with the spec's placeholder: ``/rooms/{room_id}``."""
    params: Callable[P, Any]
    """The params class: its fields are the method's keyword arguments."""
    result: Result[R]
    operation_id: str = attrs.field(kw_only=True)
    """The ``operationId`` of the operation in the vendor's OpenAPI document."""
    idempotent: bool = attrs.field(kw_only=True)
    """False for calls that must not be repeated blindly: they create something or act
    (end, kick, mute, token refresh), so a retry after the request may have arrived could
    do it twice. They are retried only when the request provably never left, or on 429 /
    503 with Retry-After."""
    summary: str = attrs.field(kw_only=True)
    """One line: what the call does."""
    example: str = attrs.field(kw_only=True)
    """A Python statement that runs against ``client`` (checked by the test suite)."""
    cli: str = attrs.field(kw_only=True)
    """``telnyx-rooms`` subcommand: resource group and verb, e.g. ``rooms get``."""
    cli_examples: tuple[str, ...] = attrs.field(kw_only=True, default=())
    """Command lines after ``telnyx-rooms``, for ``--help``."""
    returns: str = attrs.field(kw_only=True, default="")
    """What the method returns, in words, when the result kind alone does not say it."""
    raises: str = attrs.field(kw_only=True, default="")
    """Errors particular to this call, in words, for its docstring."""
    sdk: str | None = attrs.field(kw_only=True, default=None)
    """The official SDK's attribute path where it differs from ours, such as
    ``rooms.actions.refresh_client_token``."""
    reconciles_by: str | None = attrs.field(kw_only=True, default=None)
    """For a create with a natural key (``unique_name``): after a lost reply the object is
    looked up by it rather than the create given up or sent blindly again."""

    @property
    def id_name(self) -> str | None:
        """The positional id argument (``room_id``; the spec's ``room_session_id`` is
        ``session_id``), or None for a path without one."""
        ids = _PLACEHOLDER.findall(self.path)
        return _argument_name(ids[0]) if ids else None

    @property
    def key(self) -> str:
        """``resource.name``, e.g. ``rooms.create``: how tests and docs name the operation."""
        return f"{self.resource}.{self.name}"

    @property
    def sends_body(self) -> bool:
        """Whether the params go in a JSON body (POST, PATCH) rather than the query."""
        return self.http_method in ("POST", "PATCH")

    def __repr__(self) -> str:
        return f"Operation({self.key}: {self.http_method} {self.path})"


def _argument_name(placeholder: str) -> str:
    # The spec prefixes every id but the room's with "room_"; the methods drop it.
    return placeholder if placeholder == "room_id" else placeholder.removeprefix("room_")


_ROOM = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
_SESSION = "7b61621f-62e0-4aad-ab11-9fd19e272e73"
_NOT_FOUND = "NotFoundError: no {what} has this id."

# -- rooms ---------------------------------------------------------------------------------------

ROOMS_CREATE: Final = Operation(
    "rooms",
    "create",
    "POST",
    "/rooms",
    p.RoomCreateParams,
    one(Room),
    operation_id="CreateRoom",
    idempotent=False,
    summary="Create a room.",
    returns="Room: the new room.",
    raises=(
        "UnprocessableEntityError: the API refused a field (such as a unique_name in use)."
        " AmbiguousNameError: after a lost reply, several rooms had the unique_name."
    ),
    example='room = await client.rooms.create(unique_name="standup", max_participants=10)',
    cli="rooms create",
    reconciles_by="unique_name",
    cli_examples=(
        "rooms create --unique-name standup --max-participants 10",
        "rooms create --enable-recording --webhook-event-url https://example.com/hooks",
    ),
)
ROOMS_LIST: Final = Operation(
    "rooms",
    "list",
    "GET",
    "/rooms",
    p.RoomListParams,
    page(Room),
    operation_id="ListRooms",
    idempotent=True,
    summary="List rooms.",
    example="async for room in client.rooms.list(date_created_at_gte=date(2026, 1, 1)): ...",
    cli="rooms list",
    cli_examples=(
        "rooms list --page-size 50",
        "rooms list --filter-unique-name standup",
        "rooms list --filter-date-created-at-gte 2026-01-01 --all-pages",
    ),
)
ROOMS_RETRIEVE: Final = Operation(
    "rooms",
    "retrieve",
    "GET",
    "/rooms/{room_id}",
    p.RoomRetrieveParams,
    one(Room),
    operation_id="ViewRoom",
    idempotent=True,
    summary="Fetch one room.",
    raises=_NOT_FOUND.format(what="room"),
    example="room = await client.rooms.retrieve(room_id, include_sessions=True)",
    cli="rooms get",
    cli_examples=(f"rooms get {_ROOM} --include-sessions",),
)
ROOMS_UPDATE: Final = Operation(
    "rooms",
    "update",
    "PATCH",
    "/rooms/{room_id}",
    p.RoomUpdateParams,
    one(Room),
    operation_id="UpdateRoom",
    idempotent=True,
    summary="Change a room; only the arguments passed are sent.",
    returns="Room: the room as changed.",
    raises=_NOT_FOUND.format(what="room"),
    example="room = await client.rooms.update(room_id, max_participants=20)",
    cli="rooms update",
    cli_examples=(
        f"rooms update {_ROOM} --max-participants 20",
        f"rooms update {_ROOM} --webhook-timeout-secs null",
    ),
)
ROOMS_DELETE: Final = Operation(
    "rooms",
    "delete",
    "DELETE",
    "/rooms/{room_id}",
    p.NoParams,
    NOTHING,
    operation_id="DeleteRoom",
    idempotent=True,
    summary="Delete a room.",
    raises=_NOT_FOUND.format(what="room"),
    example="await client.rooms.delete(room_id)",
    cli="rooms delete",
    cli_examples=(f"rooms delete {_ROOM}",),
)
ROOMS_GENERATE_JOIN_CLIENT_TOKEN: Final = Operation(
    "rooms",
    "generate_join_client_token",
    "POST",
    "/rooms/{room_id}/actions/generate_join_client_token",
    p.RoomGenerateJoinClientTokenParams,
    one(ClientToken),
    operation_id="CreateRoomClientToken",
    idempotent=False,
    summary="Mint a token to join a room, and the refresh token that renews it.",
    returns="ClientToken: hand .token to the participant's SDK; keep .refresh_token.",
    raises=_NOT_FOUND.format(what="room"),
    example="token = await client.rooms.generate_join_client_token(room_id, token_ttl_secs=600)",
    cli="rooms token",
    cli_examples=(f"rooms token {_ROOM} --token-ttl-secs 600 --refresh-token-ttl-secs 3600",),
    sdk="rooms.actions.generate_join_client_token",
)
ROOMS_REFRESH_CLIENT_TOKEN: Final = Operation(
    "rooms",
    "refresh_client_token",
    "POST",
    "/rooms/{room_id}/actions/refresh_client_token",
    p.RoomRefreshClientTokenParams,
    one(RefreshedClientToken),
    operation_id="RefreshRoomClientToken",
    idempotent=False,
    summary="Exchange a refresh token for a new join token of the room.",
    returns="RefreshedClientToken: the new token.",
    raises="PermissionDeniedError: the refresh token is not valid for this room or expired.",
    example=(
        "fresh = await client.rooms.refresh_client_token(room_id,"
        " refresh_token=token.refresh_token)"
    ),
    cli="rooms refresh-token",
    cli_examples=(f"rooms refresh-token {_ROOM} --refresh-token eyJhbGciOi...",),
    sdk="rooms.actions.refresh_client_token",
)
ROOMS_LIST_SESSIONS: Final = Operation(
    "rooms",
    "list_sessions",
    "GET",
    "/rooms/{room_id}/sessions",
    p.RoomListSessionsParams,
    page(RoomSession),
    operation_id="RetrieveListRoomSessions",
    idempotent=True,
    summary="List one room's sessions.",
    example="page = await client.rooms.list_sessions(room_id, active=True)",
    cli="rooms sessions",
    cli_examples=(f"rooms sessions {_ROOM} --filter-active --include-participants",),
    sdk="rooms.sessions.list_1",
)

# -- room sessions -------------------------------------------------------------------------------

ROOM_SESSIONS_LIST: Final = Operation(
    "room_sessions",
    "list",
    "GET",
    "/room_sessions",
    p.RoomSessionListParams,
    page(RoomSession),
    operation_id="ListRoomSessions",
    idempotent=True,
    summary="List the sessions of every room.",
    example="ended = await client.room_sessions.list(room_id=room_id, active=False).to_list()",
    cli="sessions list",
    cli_examples=("sessions list --filter-active", f"sessions list --filter-room-id {_ROOM}"),
    sdk="rooms.sessions.list_0",
)
ROOM_SESSIONS_RETRIEVE: Final = Operation(
    "room_sessions",
    "retrieve",
    "GET",
    "/room_sessions/{room_session_id}",
    p.RoomSessionRetrieveParams,
    one(RoomSession),
    operation_id="ViewRoomSession",
    idempotent=True,
    summary="Fetch one room session.",
    raises=_NOT_FOUND.format(what="room session"),
    example="session = await client.room_sessions.retrieve(session_id, include_participants=True)",
    cli="sessions get",
    cli_examples=(f"sessions get {_SESSION} --include-participants",),
    sdk="rooms.sessions.retrieve",
)
ROOM_SESSIONS_LIST_PARTICIPANTS: Final = Operation(
    "room_sessions",
    "list_participants",
    "GET",
    "/room_sessions/{room_session_id}/participants",
    p.RoomSessionListParticipantsParams,
    page(RoomParticipant),
    operation_id="RetrieveListRoomParticipants",
    idempotent=True,
    summary="List the participants of one session.",
    example="async for person in client.room_sessions.list_participants(session_id): ...",
    cli="sessions participants",
    cli_examples=(f"sessions participants {_SESSION} --filter-context Alice",),
    sdk="rooms.sessions.retrieve_participants",
)
ROOM_SESSIONS_END: Final = Operation(
    "room_sessions",
    "end",
    "POST",
    "/room_sessions/{room_session_id}/actions/end",
    p.NoParams,
    one(ActionResult),
    operation_id="EndSession",
    idempotent=False,
    summary="End a session: every participant still in it leaves.",
    raises="UnprocessableEntityError: the session has already ended.",
    example="await client.room_sessions.end(session_id)",
    cli="sessions end",
    cli_examples=(f"sessions end {_SESSION}",),
    sdk="rooms.sessions.actions.end",
)


def _session_action(
    verb: str, params: Callable[P, Any], summary: str, example: str
) -> Operation[P, Coroutine[Any, Any, ActionResult]]:
    return Operation(
        "room_sessions",
        verb,
        "POST",
        f"/room_sessions/{{room_session_id}}/actions/{verb}",
        params,
        one(ActionResult),
        operation_id=f"{verb.capitalize()}ParticipantInSession",
        idempotent=False,
        summary=summary,
        raises="UnprocessableEntityError: the session has already ended.",
        example=f"await client.room_sessions.{verb}(session_id, {example})",
        cli=f"sessions {verb}",
        cli_examples=(
            f"sessions {verb} {_SESSION} --participants all",
            f"sessions {verb} {_SESSION} --participants ID1,ID2 --exclude ID3",
        ),
        sdk=f"rooms.sessions.actions.{verb}",
    )


_ACTION: Final = p.RoomSessionActionParams
ROOM_SESSIONS_KICK: Final = _session_action(
    "kick", _ACTION, "Remove participants from a session.", "participants=[participant_id]"
)
ROOM_SESSIONS_MUTE: Final = _session_action(
    "mute", _ACTION, "Mute participants of a session.", 'participants="all", exclude=[host_id]'
)
ROOM_SESSIONS_UNMUTE: Final = _session_action(
    "unmute", _ACTION, "Unmute participants of a session.", 'participants="all"'
)

# -- room participants ---------------------------------------------------------------------------

ROOM_PARTICIPANTS_LIST: Final = Operation(
    "room_participants",
    "list",
    "GET",
    "/room_participants",
    p.RoomParticipantListParams,
    page(RoomParticipant),
    operation_id="ListRoomParticipants",
    idempotent=True,
    summary="List the participants of every session.",
    example='page = await client.room_participants.list(session_id=session_id, context="Alice")',
    cli="participants list",
    cli_examples=(f"participants list --filter-session-id {_SESSION}",),
)
ROOM_PARTICIPANTS_RETRIEVE: Final = Operation(
    "room_participants",
    "retrieve",
    "GET",
    "/room_participants/{room_participant_id}",
    p.NoParams,
    one(RoomParticipant),
    operation_id="ViewRoomParticipant",
    idempotent=True,
    summary="Fetch one participant.",
    raises=_NOT_FOUND.format(what="participant"),
    example="person = await client.room_participants.retrieve(participant_id)",
    cli="participants get",
    cli_examples=("participants get PARTICIPANT_ID",),
)

# -- room compositions ---------------------------------------------------------------------------

ROOM_COMPOSITIONS_CREATE: Final = Operation(
    "room_compositions",
    "create",
    "POST",
    "/room_compositions",
    p.RoomCompositionCreateParams,
    one(RoomComposition),
    operation_id="CreateRoomComposition",
    idempotent=False,
    summary="Start composing a session's recordings into one video.",
    returns="RoomComposition: the composition, usually still 'enqueued'.",
    raises="UnprocessableEntityError: the session is unknown or a field was refused.",
    example=(
        "composition = await client.room_compositions.create(session_id=session_id,"
        ' resolution="1280x720")'
    ),
    cli="compositions create",
    cli_examples=(
        f"compositions create --session-id {_SESSION} --resolution 1280x720",
        f"compositions create --session-id {_SESSION} --video-layout"
        ' \'{"main": {"x_pos": 0, "y_pos": 0, "width": 1280, "height": 720,'
        ' "video_sources": ["*"]}}\'',
    ),
)
ROOM_COMPOSITIONS_LIST: Final = Operation(
    "room_compositions",
    "list",
    "GET",
    "/room_compositions",
    p.RoomCompositionListParams,
    page(RoomComposition),
    operation_id="ListRoomCompositions",
    idempotent=True,
    summary="List compositions.",
    example='done = await client.room_compositions.list(session_id=session_id, status="completed")',
    cli="compositions list",
    cli_examples=(f"compositions list --filter-session-id {_SESSION} --filter-status completed",),
)
ROOM_COMPOSITIONS_RETRIEVE: Final = Operation(
    "room_compositions",
    "retrieve",
    "GET",
    "/room_compositions/{room_composition_id}",
    p.NoParams,
    one(RoomComposition),
    operation_id="ViewRoomComposition",
    idempotent=True,
    summary="Fetch one composition.",
    raises=_NOT_FOUND.format(what="composition"),
    example="composition = await client.room_compositions.retrieve(composition_id)",
    cli="compositions get",
    cli_examples=("compositions get COMPOSITION_ID",),
)
ROOM_COMPOSITIONS_DELETE: Final = Operation(
    "room_compositions",
    "delete",
    "DELETE",
    "/room_compositions/{room_composition_id}",
    p.NoParams,
    NOTHING,
    operation_id="DeleteRoomComposition",
    idempotent=True,
    summary="Delete a composition.",
    raises=_NOT_FOUND.format(what="composition"),
    example="await client.room_compositions.delete(composition_id)",
    cli="compositions delete",
    cli_examples=("compositions delete COMPOSITION_ID",),
)

# -- room recordings -----------------------------------------------------------------------------

ROOM_RECORDINGS_LIST: Final = Operation(
    "room_recordings",
    "list",
    "GET",
    "/room_recordings",
    p.RoomRecordingListParams,
    page(RoomRecording),
    operation_id="ListRoomRecordings",
    idempotent=True,
    summary="List recordings; duration_secs is a minimum.",
    example='videos = await client.room_recordings.list(session_id=session_id, type="video")',
    cli="recordings list",
    cli_examples=(f"recordings list --filter-room-id {_ROOM} --filter-type video --all-pages",),
)
ROOM_RECORDINGS_RETRIEVE: Final = Operation(
    "room_recordings",
    "retrieve",
    "GET",
    "/room_recordings/{room_recording_id}",
    p.NoParams,
    one(RoomRecording),
    operation_id="ViewRoomRecording",
    idempotent=True,
    summary="Fetch one recording.",
    raises=_NOT_FOUND.format(what="recording"),
    example="recording = await client.room_recordings.retrieve(recording_id)",
    cli="recordings get",
    cli_examples=("recordings get RECORDING_ID",),
)
ROOM_RECORDINGS_DELETE: Final = Operation(
    "room_recordings",
    "delete",
    "DELETE",
    "/room_recordings/{room_recording_id}",
    p.NoParams,
    NOTHING,
    operation_id="DeleteRoomRecording",
    idempotent=True,
    summary="Delete a recording.",
    raises=_NOT_FOUND.format(what="recording"),
    example="await client.room_recordings.delete(recording_id)",
    cli="recordings delete",
    cli_examples=("recordings delete RECORDING_ID",),
)
ROOM_RECORDINGS_DELETE_BULK: Final = Operation(
    "room_recordings",
    "delete_bulk",
    "DELETE",
    "/room_recordings",
    p.RoomRecordingDeleteBulkParams,
    count(RoomRecordingsDeleted, "room_recordings"),
    operation_id="DeleteRoomRecordings",
    idempotent=True,
    summary=(
        "Delete every recording the filters match. With no filter the API deletes every"
        " recording of the account, so that call needs all_recordings=True as proof."
    ),
    returns="int: how many recordings were deleted.",
    example="deleted = await client.room_recordings.delete_bulk(session_id=session_id)",
    cli="recordings delete-bulk",
    cli_examples=(
        f"recordings delete-bulk --filter-session-id {_SESSION} --dry-run",
        "recordings delete-bulk --filter-date-ended-at-lte 2026-01-31 --yes",
    ),
)

OPERATIONS: Final[tuple[Operation[Any, Any], ...]] = (
    ROOMS_CREATE,
    ROOMS_LIST,
    ROOMS_RETRIEVE,
    ROOMS_UPDATE,
    ROOMS_DELETE,
    ROOMS_GENERATE_JOIN_CLIENT_TOKEN,
    ROOMS_REFRESH_CLIENT_TOKEN,
    ROOMS_LIST_SESSIONS,
    ROOM_SESSIONS_LIST,
    ROOM_SESSIONS_RETRIEVE,
    ROOM_SESSIONS_LIST_PARTICIPANTS,
    ROOM_SESSIONS_END,
    ROOM_SESSIONS_KICK,
    ROOM_SESSIONS_MUTE,
    ROOM_SESSIONS_UNMUTE,
    ROOM_PARTICIPANTS_LIST,
    ROOM_PARTICIPANTS_RETRIEVE,
    ROOM_COMPOSITIONS_CREATE,
    ROOM_COMPOSITIONS_LIST,
    ROOM_COMPOSITIONS_RETRIEVE,
    ROOM_COMPOSITIONS_DELETE,
    ROOM_RECORDINGS_LIST,
    ROOM_RECORDINGS_RETRIEVE,
    ROOM_RECORDINGS_DELETE,
    ROOM_RECORDINGS_DELETE_BULK,
)
"""Every operation, in the order the docs list them."""

BY_KEY: Final[Mapping[str, Operation[Any, Any]]] = {op.key: op for op in OPERATIONS}
"""Each operation by ``resource.name``, e.g. ``BY_KEY["rooms.create"]``."""
