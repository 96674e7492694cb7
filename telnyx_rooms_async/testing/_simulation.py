"""Drive the fake API's world: sessions start, participants join and leave, media completes.

What the API's actions change (``end``, ``kick``) goes through the same functions as the
simulation, so a session ended either way looks the same and sends the same webhooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ._storage import Storage, object_name
from ._store import Record, Store, new_id, now_text, parse_time

__all__ = ["USER_ID", "Simulation", "present"]

#: The ``user_id`` of every composition: the fake has one account.
USER_ID = "12a04ec9-0f91-4a91-9f3a-a19d9931182e"


def _seconds_between(start: str | None, end: str | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((parse_time(end) - parse_time(start)).total_seconds()))


def _new(table: dict[str, Record], record_type: str, **fields: Any) -> Record:
    """A new object with a fresh id, in the API's field order, added to ``table``."""
    record: Record = {"id": new_id(), **fields, "record_type": record_type}
    table[record["id"]] = record
    return record


def present(store: Store, session_id: str) -> list[Record]:
    """The participants of a session that have not left."""
    return [p for p in store.participants_of(session_id) if p["left_at"] is None]


class Simulation:
    """What happens in rooms without an API call: ``await fake.sim.start_session(room_id)``…

    Each method changes the fake's store as the real service would, sends the matching
    ``video.room.*`` webhook through ``fake.webhooks``, and returns a copy of the changed
    object in the API's wire form (a completed recording or composition with a download
    URL of the fake's storage origin). An unknown id raises ``LookupError``; an action the
    object's state does not allow (joining an ended session, a full room…) ``ValueError``.
    """

    def __init__(
        self,
        store: Store,
        emit: Callable[[str, dict[str, Any], str | None], Awaitable[object]],
        storage: Storage,
        *,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._emit = emit
        self._storage = storage
        self._changed = on_change

    # -- shared with the API's actions -----------------------------------------------------

    async def _remove(self, participant: Record, reason: str) -> None:
        """Take a participant out of its session: it leaves, unmuted; its recordings stop."""
        store = self._store
        stamp = now_text()
        participant["left_at"] = stamp
        participant["updated_at"] = stamp
        store.muted.discard(participant["id"])
        for recording in store.recordings.values():
            if recording["participant_id"] == participant["id"] and recording["ended_at"] is None:
                recording["ended_at"] = stamp
                recording["updated_at"] = stamp
        session = store.sessions[participant["session_id"]]
        self._changed()
        await self._emit(
            "video.room.participant.left",
            {
                "context": participant["context"],
                "duration_secs": _seconds_between(participant["joined_at"], stamp),
                "left_reason": reason,
                "participant_id": participant["id"],
                "room_id": session["room_id"],
                "session_id": session["id"],
            },
            session["room_id"],
        )

    async def _close(self, session: Record, reason: str) -> None:
        """End a session: everyone still in it leaves, and its room has no active session."""
        store = self._store
        for participant in present(store, session["id"]):
            await self._remove(participant, "session_ended")
        stamp = now_text()
        session["active"] = False
        session["ended_at"] = stamp
        session["updated_at"] = stamp
        room = store.rooms.get(session["room_id"])
        if room is not None and room["active_session_id"] == session["id"]:
            room["active_session_id"] = None
        self._changed()
        await self._emit(
            "video.room.session.ended",
            {
                "duration_secs": _seconds_between(session["created_at"], stamp),
                "ended_reason": reason,
                "room_id": session["room_id"],
                "session_id": session["id"],
            },
            session["room_id"],
        )

    def _download_url(self, folder: str, record: Record) -> str:
        return self._storage.url(folder, object_name(folder, record))

    def expire_download_urls(self) -> None:
        """Every download URL handed out so far expires: the storage origin answers 403.

        Retrieving a recording or composition again gives a new URL that works.
        """
        self._storage.expire_urls()

    def _get(self, table: dict[str, Record], what: str, key: str) -> Record:
        record = table.get(key)
        if record is None:
            raise LookupError(f"the fake API has no {what} {key!r}")
        return record

    def _active_session(self, session_id: str) -> Record:
        session = self._get(self._store.sessions, "room session", session_id)
        if not session["active"]:
            raise ValueError(f"room session {session_id!r} has ended")
        return session

    async def start_session(self, room_id: str) -> dict[str, Any]:
        """Start a session in a room (it becomes the room's ``active_session_id``)."""
        store = self._store
        room = self._get(store.rooms, "room", room_id)
        if room["active_session_id"] is not None:
            raise ValueError(f"room {room_id!r} already has an active session")
        stamp = now_text()
        session = _new(
            store.sessions,
            "room_session",
            room_id=room_id,
            active=True,
            created_at=stamp,
            updated_at=stamp,
            ended_at=None,
        )
        room["active_session_id"] = session["id"]
        self._changed()
        await self._emit(
            "video.room.session.started",
            {"room_id": room_id, "session_id": session["id"]},
            room_id,
        )
        return dict(session)

    async def join(self, session_id: str, *, context: str | None = None) -> dict[str, Any]:
        """A participant joins an active session, with the ``context`` its SDK gave."""
        store = self._store
        session = self._active_session(session_id)
        room = store.rooms.get(session["room_id"])
        if room is not None and len(present(store, session_id)) >= room["max_participants"]:
            raise ValueError(f"room {room['id']!r} is full ({room['max_participants']})")
        stamp = now_text()
        participant = _new(
            store.participants,
            "room_participant",
            session_id=session_id,
            context=context,
            joined_at=stamp,
            left_at=None,
            updated_at=stamp,
        )
        session["updated_at"] = stamp
        self._changed()
        await self._emit(
            "video.room.participant.joined",
            {
                "context": context,
                "participant_id": participant["id"],
                "room_id": session["room_id"],
                "session_id": session_id,
            },
            session["room_id"],
        )
        return dict(participant)

    async def leave(self, participant_id: str, *, reason: str = "leave") -> dict[str, Any]:
        """A participant leaves its session (``left_reason`` of the webhook: ``reason``)."""
        participant = self._get(self._store.participants, "room participant", participant_id)
        if participant["left_at"] is not None:
            raise ValueError(f"room participant {participant_id!r} has already left")
        await self._remove(participant, reason)
        return dict(participant)

    async def end_session(self, session_id: str, *, reason: str = "stale") -> dict[str, Any]:
        """A session ends by itself (``ended_reason`` of the webhook: ``reason``)."""
        session = self._active_session(session_id)
        await self._close(session, reason)
        return dict(session)

    async def start_recording(
        self, session_id: str, participant_id: str, type: str = "audio"
    ) -> dict[str, Any]:
        """Start recording a present participant's ``"audio"`` or ``"video"``."""
        store = self._store
        session = self._active_session(session_id)
        participant = self._get(store.participants, "room participant", participant_id)
        if participant["session_id"] != session_id or participant["left_at"] is not None:
            raise ValueError(f"room participant {participant_id!r} is not in {session_id!r}")
        if type not in ("audio", "video"):
            raise ValueError("type must be 'audio' or 'video'")
        stamp = now_text()
        recording: Record = {
            "id": new_id(),
            "room_id": session["room_id"],
            "session_id": session_id,
            "participant_id": participant_id,
            "type": type,
            "status": "processing",
            "codec": "opus" if type == "audio" else "vp8",
            "size_mb": None,
            "duration_secs": None,
            "download_url": None,
            "started_at": stamp,
            "ended_at": None,
            "completed_at": None,
            "created_at": stamp,
            "updated_at": stamp,
            "record_type": "room_recording",
        }
        store.recordings[recording["id"]] = recording
        self._changed()
        await self._emit(
            "video.room.recording.started",
            {
                "participant_id": participant_id,
                "recording_id": recording["id"],
                "room_id": session["room_id"],
                "session_id": session_id,
                "type": type,
            },
            session["room_id"],
        )
        return dict(recording)

    async def complete_recording(
        self, recording_id: str, *, size_mb: float = 1.5, duration_secs: int | None = None
    ) -> dict[str, Any]:
        """A recording finishes processing: ``completed``, with its size and download URL."""
        recording = self._get(self._store.recordings, "room recording", recording_id)
        if recording["status"] == "completed":
            raise ValueError(f"room recording {recording_id!r} is already completed")
        stamp = now_text()
        if recording["ended_at"] is None:
            recording["ended_at"] = stamp
        recording.update(
            status="completed",
            completed_at=stamp,
            updated_at=stamp,
            size_mb=size_mb,
            duration_secs=(
                duration_secs
                if duration_secs is not None
                else _seconds_between(recording["started_at"], recording["ended_at"])
            ),
        )
        recording["download_url"] = self._download_url("recordings", recording)
        self._changed()
        await self._emit(
            "video.room.recording.completed",
            {
                "codec": recording["codec"],
                "download_url": recording["download_url"],
                "duration_secs": recording["duration_secs"],
                "participant_id": recording["participant_id"],
                "recording_id": recording_id,
                "room_id": recording["room_id"],
                "session_id": recording["session_id"],
                "size_mb": size_mb,
                "type": recording["type"],
            },
            recording["room_id"],
        )
        return dict(recording)

    async def complete_composition(
        self, composition_id: str, *, size_mb: float = 6.0, duration_secs: int | None = None
    ) -> dict[str, Any]:
        """A composition finishes: ``completed``, spanning its session, with a download URL."""
        store = self._store
        composition = self._get(store.compositions, "room composition", composition_id)
        if composition["status"] == "completed":
            raise ValueError(f"room composition {composition_id!r} is already completed")
        stamp = now_text()
        session = store.sessions.get(composition["session_id"])
        started = session["created_at"] if session is not None else stamp
        ended = session["ended_at"] if session is not None and session["ended_at"] else stamp
        composition.update(
            status="completed",
            completed_at=stamp,
            updated_at=stamp,
            started_at=started,
            ended_at=ended,
            size_mb=size_mb,
            duration_secs=(
                duration_secs if duration_secs is not None else _seconds_between(started, ended)
            ),
        )
        composition["download_url"] = self._download_url("compositions", composition)
        self._changed()
        await self._emit(
            "video.room.composition.completed",
            {
                "composition_id": composition_id,
                "download_url": composition["download_url"],
                "duration_secs": composition["duration_secs"],
                "format": composition["format"],
                "resolution": composition["resolution"],
                "room_id": composition["room_id"],
                "session_id": composition["session_id"],
                "size_mb": size_mb,
            },
            composition["room_id"],
        )
        return dict(composition)
