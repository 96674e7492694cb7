"""``client.rooms.generate_join_client_token`` and ``refresh_client_token`` against the fake API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest

from telnyx_rooms_async import (
    ClientToken,
    InternalServerError,
    InvalidParams,
    NotFoundError,
    PermissionDeniedError,
    RefreshedClientToken,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI

UNKNOWN = "0b1f3c1e-0000-4000-8000-000000000000"


async def raw(fake: FakeRoomsAPI, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request straight to the fake API, past the client's own checks."""
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.base_url + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


def _close_to(moment: datetime | None, seconds: int) -> bool:
    assert moment is not None
    expected = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return abs((moment - expected).total_seconds()) <= 5


async def test_generate_with_the_default_ttls(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create()
    token = await client.rooms.generate_join_client_token(room.id)
    assert isinstance(token, ClientToken)
    assert token.token
    assert token.refresh_token
    assert token.token != token.refresh_token
    assert _close_to(token.token_expires_at, 600)
    assert _close_to(token.refresh_token_expires_at, 3600)
    call = fake.requests[-1]
    assert call.method == "POST"
    assert call.path == f"/v2/rooms/{room.id}/actions/generate_join_client_token"
    assert call.body == {}
    issued = fake.store.tokens
    assert issued[token.token]["kind"] == "client"
    assert issued[token.refresh_token]["kind"] == "refresh"
    assert {issued[token.token]["room_id"], issued[token.refresh_token]["room_id"]} == {room.id}


async def test_generate_honours_the_ttls(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create()
    token = await client.rooms.generate_join_client_token(
        room.id, token_ttl_secs=10, refresh_token_ttl_secs=86400
    )
    assert fake.requests[-1].body == {"token_ttl_secs": 10, "refresh_token_ttl_secs": 86400}
    assert _close_to(token.token_expires_at, 10)
    assert _close_to(token.refresh_token_expires_at, 86400)


async def test_tokens_stay_out_of_repr(client: RoomsClient) -> None:
    room = await client.rooms.create()
    token = await client.rooms.generate_join_client_token(room.id)
    refreshed = await client.rooms.refresh_client_token(
        room.id, refresh_token=token.refresh_token or ""
    )
    assert token.token not in repr(token)
    assert str(token.refresh_token) not in repr(token)
    assert refreshed.token not in repr(refreshed)


async def test_refresh_gives_a_new_token(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    room = await client.rooms.create()
    token = await client.rooms.generate_join_client_token(room.id)
    assert token.refresh_token is not None
    refreshed = await client.rooms.refresh_client_token(
        room.id, refresh_token=token.refresh_token, token_ttl_secs=120
    )
    assert isinstance(refreshed, RefreshedClientToken)
    assert refreshed.token not in (token.token, token.refresh_token)
    assert _close_to(refreshed.token_expires_at, 120)
    call = fake.requests[-1]
    assert call.path == f"/v2/rooms/{room.id}/actions/refresh_client_token"
    assert call.body == {"refresh_token": token.refresh_token, "token_ttl_secs": 120}
    assert fake.store.tokens[refreshed.token]["kind"] == "client"
    # The refresh token stays valid until it expires.
    again = await client.rooms.refresh_client_token(room.id, refresh_token=token.refresh_token)
    assert _close_to(again.token_expires_at, 600)


async def test_refresh_needs_a_refresh_token_of_that_room(client: RoomsClient) -> None:
    room = await client.rooms.create()
    other = await client.rooms.create()
    token = await client.rooms.generate_join_client_token(room.id)
    assert token.refresh_token is not None
    for room_id, refresh in [
        (other.id, token.refresh_token),  # issued for another room
        (room.id, token.token),  # a client token is not a refresh token
        (room.id, "made-up"),  # never issued
    ]:
        with pytest.raises(PermissionDeniedError) as info:
            await client.rooms.refresh_client_token(room_id, refresh_token=refresh)
        assert info.value.status == 403
        assert info.value.errors[0].code == "10010"


async def test_refresh_rejects_an_expired_refresh_token(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create()
    token = await client.rooms.generate_join_client_token(room.id, refresh_token_ttl_secs=60)
    assert token.refresh_token is not None
    fake.store.tokens[token.refresh_token]["expires_at"] = datetime.now(timezone.utc) - timedelta(
        seconds=1
    )
    with pytest.raises(PermissionDeniedError, match="expired"):
        await client.rooms.refresh_client_token(room.id, refresh_token=token.refresh_token)


@pytest.mark.parametrize("action", ["generate_join_client_token", "refresh_client_token"])
async def test_token_actions_on_an_unknown_room_are_404(
    fake: FakeRoomsAPI, client: RoomsClient, action: str
) -> None:
    call = (
        client.rooms.generate_join_client_token(UNKNOWN)
        if action == "generate_join_client_token"
        else client.rooms.refresh_client_token(UNKNOWN, refresh_token="tok")
    )
    with pytest.raises(NotFoundError) as info:
        await call
    assert info.value.status == 404
    assert info.value.errors[0].code == "10005"
    assert fake.calls("POST", f"/v2/rooms/{UNKNOWN}/actions/{action}") == 1


async def test_token_actions_follow_the_creating_post_retry_rule(
    fake: FakeRoomsAPI, client: RoomsClient
) -> None:
    room = await client.rooms.create()
    path = f"/v2/rooms/{room.id}/actions/generate_join_client_token"
    fake.faults.fail("POST", path, status=500, times=1)
    with pytest.raises(InternalServerError):
        await client.rooms.generate_join_client_token(room.id)
    assert fake.calls("POST", path) == 1  # a 500 may come after the work was done
    fake.faults.fail("POST", path, status=429, headers={"Retry-After": "0"}, times=1)
    token = await client.rooms.generate_join_client_token(room.id)
    assert token.token
    assert fake.calls("POST", path) == 3


GENERATE_BAD: list[tuple[dict[str, Any], str]] = [
    ({"token_ttl_secs": 9}, "token_ttl_secs"),
    ({"token_ttl_secs": 3601}, "token_ttl_secs"),
    ({"token_ttl_secs": True}, "token_ttl_secs"),
    ({"token_ttl_secs": "600"}, "token_ttl_secs"),
    ({"refresh_token_ttl_secs": 59}, "refresh_token_ttl_secs"),
    ({"refresh_token_ttl_secs": 86401}, "refresh_token_ttl_secs"),
    ({"refresh_token_ttl_secs": 3600.0}, "refresh_token_ttl_secs"),
]


@pytest.mark.parametrize(("kwargs", "field"), GENERATE_BAD)
async def test_generate_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        await client.rooms.generate_join_client_token("room-1", **kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


REFRESH_BAD: list[tuple[str, dict[str, Any], str]] = [
    ("room-1", {"refresh_token": ""}, "refresh_token"),
    ("room-1", {"refresh_token": "   "}, "refresh_token"),
    ("room-1", {"refresh_token": None}, "refresh_token"),
    ("room-1", {"refresh_token": 42}, "refresh_token"),
    ("room-1", {"refresh_token": "t", "token_ttl_secs": 9}, "token_ttl_secs"),
    ("room-1", {"refresh_token": "t", "token_ttl_secs": 3601}, "token_ttl_secs"),
    ("", {"refresh_token": "t"}, "room_id"),
    ("a/b", {"refresh_token": "t"}, "room_id"),
]


@pytest.mark.parametrize(("room_id", "kwargs", "field"), REFRESH_BAD)
async def test_refresh_validates_before_sending(
    fake: FakeRoomsAPI, client: RoomsClient, room_id: str, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidParams) as info:
        await client.rooms.refresh_client_token(room_id, **kwargs)
    assert info.value.field == field
    assert fake.calls() == 0


@pytest.mark.parametrize(
    ("action", "body", "pointer"),
    [
        ("generate_join_client_token", {"token_ttl_secs": 5}, "/token_ttl_secs"),
        (
            "generate_join_client_token",
            {"refresh_token_ttl_secs": 90000},
            "/refresh_token_ttl_secs",
        ),
        ("generate_join_client_token", [], ""),
        ("refresh_client_token", {}, "/refresh_token"),
        ("refresh_client_token", {"refresh_token": 5}, "/refresh_token"),
        ("refresh_client_token", {"refresh_token": "t", "token_ttl_secs": 0}, "/token_ttl_secs"),
    ],
)
async def test_the_fake_answers_bad_token_bodies_with_422(
    fake: FakeRoomsAPI, client: RoomsClient, action: str, body: Any, pointer: str
) -> None:
    room = await client.rooms.create()
    status, document = await raw(fake, "POST", f"/rooms/{room.id}/actions/{action}", body)
    assert status == 422
    assert document["errors"][0]["source"] == {"pointer": pointer}
