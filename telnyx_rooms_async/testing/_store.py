"""In-memory state of the fake API, kept in the wire form the API sends."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

__all__ = ["Record", "Store", "Token", "new_id", "now_text", "parse_time"]

Record = dict[str, Any]


def new_id() -> str:
    """A fresh UUID, as the API uses for every id."""
    return str(uuid.uuid4())


def now_text() -> str:
    """The current time in the API's format, e.g. ``2021-04-16T09:46:20.954863Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """A time in the API's format (or a test's hand-written ``...Z`` stamp), as a datetime."""
    return datetime.fromisoformat(text.removesuffix("Z") + "+00:00")


Token = dict[str, Any]
"""An issued token: ``kind`` (``"client"`` or ``"refresh"``), ``room_id``, ``expires_at``."""


class Store:
    """Every object the fake API knows, by id, in creation order."""

    def __init__(self) -> None:
        self.rooms: dict[str, Record] = {}
        self.sessions: dict[str, Record] = {}
        self.participants: dict[str, Record] = {}
        self.recordings: dict[str, Record] = {}
        self.compositions: dict[str, Record] = {}
        #: Every token issued, by its opaque string (see :data:`Token`).
        self.tokens: dict[str, Token] = {}
        #: Ids of the participants muted now (by the mute action, until unmuted or gone).
        self.muted: set[str] = set()

    def clear(self) -> None:
        """Forget every object, in place: whoever holds a table keeps holding the live one."""
        for table in self.tables().values():
            table.clear()
        self.tokens.clear()
        self.muted.clear()

    def tables(self) -> dict[str, dict[str, Record]]:
        """The object tables by name (``rooms``, ``sessions``...), the store's own dicts."""
        return {
            "rooms": self.rooms,
            "sessions": self.sessions,
            "participants": self.participants,
            "recordings": self.recordings,
            "compositions": self.compositions,
        }

    def is_muted(self, participant_id: str) -> bool:
        """Whether a mute action applies to the participant now."""
        return participant_id in self.muted

    def sessions_of(self, room_id: str) -> list[Record]:
        """The sessions of one room, oldest first."""
        return [s for s in self.sessions.values() if s["room_id"] == room_id]

    def participants_of(self, session_id: str) -> list[Record]:
        """The participants of one session, in joining order."""
        return [p for p in self.participants.values() if p["session_id"] == session_id]

    def session_view(self, session: Record, *, include_participants: bool) -> Record:
        """A session as the API shows it, with its participants when asked for."""
        view = dict(session)
        view["participants"] = (
            [dict(p) for p in self.participants_of(session["id"])] if include_participants else []
        )
        return view

    def room_view(self, room: Record, *, include_sessions: bool) -> Record:
        """A room as the API shows it, with its sessions when asked for."""
        view = dict(room)
        if include_sessions:
            view["sessions"] = [
                self.session_view(s, include_participants=False)
                for s in self.sessions_of(room["id"])
            ]
        return view
