"""Signed webhook delivery from the fake API to a room's ``webhook_event_url``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import FakeRoomsAPI

__all__ = ["WebhookDelivery"]


class WebhookDelivery:
    """Sends video-room events as Telnyx does; ``fake.webhooks``."""

    def __init__(self, api: FakeRoomsAPI) -> None:
        self._api = api

    async def emit(self, event_type: str, payload: dict[str, Any], room_id: str | None) -> None:
        """Deliver one event to the webhook URLs of ``room_id`` (or its composition)."""
