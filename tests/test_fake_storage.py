"""The storage origin: pre-signed download URLs of completed recordings and compositions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
import pytest

from telnyx_rooms_async import RoomsClient
from telnyx_rooms_async.testing import FakeRoomsAPI, media_bytes


@attrs.frozen
class Media:
    recording: dict[str, Any]
    composition: dict[str, Any]


async def completed(fake: FakeRoomsAPI, client: RoomsClient) -> Media:
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"], context="Alice")
    recording = await fake.sim.start_recording(session["id"], alice["id"], "audio")
    await fake.sim.end_session(session["id"])
    done = await fake.sim.complete_recording(recording["id"], size_mb=0.3)
    composition = await client.room_compositions.create(session_id=session["id"])
    composed = await fake.sim.complete_composition(composition.id, size_mb=0.25)
    return Media(done, composed)


@pytest.fixture
async def media(fake: FakeRoomsAPI, client: RoomsClient) -> Media:
    return await completed(fake, client)


async def get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, bytes, aiohttp.typedefs.LooseHeaders]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers) as response,
    ):
        return response.status, await response.read(), response.headers


async def test_a_completed_recording_downloads_its_size_in_deterministic_bytes(
    fake: FakeRoomsAPI, media: Media
) -> None:
    url = media.recording["download_url"]
    assert url.startswith(fake.storage_url + "/recordings/")
    assert urlsplit(url).port != fake.port
    status, body, headers = await get(url)
    assert status == 200
    assert len(body) == 300_000
    assert body == media_bytes(media.recording["id"], 300_000)
    assert headers["Content-Type"] == "audio/ogg"
    assert headers["Accept-Ranges"] == "bytes"
    again = await get(url)
    assert again[1] == body
    # Another object has other bytes.
    other = await get(media.composition["download_url"])
    assert len(other[1]) == 250_000
    assert other[1][:64] != body[:64]
    assert other[2]["Content-Type"] == "video/mp4"


async def test_the_api_and_its_webhook_give_working_urls(
    fake: FakeRoomsAPI, client: RoomsClient, media: Media
) -> None:
    fetched = await client.room_recordings.retrieve(media.recording["id"])
    assert fetched.download_url is not None
    status, body, _ = await get(fetched.download_url)
    assert (status, len(body)) == (200, 300_000)
    page = await client.room_compositions.list()
    assert page.items[0].download_url is not None
    assert (await get(page.items[0].download_url))[0] == 200
    [event] = [
        e for e in fake.webhooks.events if e["data"]["event_type"].endswith("recording.completed")
    ]
    assert (await get(event["data"]["payload"]["download_url"]))[0] == 200


async def test_the_journal_keeps_headers_and_whether_authorization_was_sent(
    fake: FakeRoomsAPI, media: Media
) -> None:
    url = media.recording["download_url"]
    await get(url, {"X-Trace": "abc"})
    await get(url, {"Authorization": "Bearer secret-key-123"})
    first, second = fake.storage_requests
    assert (first.method, first.authorization, first.headers["X-Trace"]) == ("GET", False, "abc")
    assert first.path == urlsplit(url).path
    assert first.query["Signature"]
    assert second.authorization is True
    assert "Authorization" not in second.headers
    assert "secret-key-123" not in repr(fake.storage_requests)
    # Downloads are not calls of the API.
    assert all(c.path.startswith("/v2/") for c in fake.requests)


async def test_expired_urls_get_403_and_a_fresh_retrieve_gives_a_new_one(
    fake: FakeRoomsAPI, client: RoomsClient, media: Media
) -> None:
    old = media.recording["download_url"]
    fake.sim.expire_download_urls()
    status, body, headers = await get(old)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert headers["Content-Type"].startswith("application/xml")
    fresh = (await client.room_recordings.retrieve(media.recording["id"])).download_url
    assert fresh is not None and fresh != old
    assert (await get(fresh))[0] == 200


async def test_urls_expire_after_their_ttl() -> None:
    async with FakeRoomsAPI(download_url_ttl=0) as fake:
        async with RoomsClient(fake.api_key, base_url=fake.base_url, timeout=10) as own:
            media = await completed(fake, own)
        assert (await get(media.recording["download_url"]))[0] == 403


@pytest.mark.parametrize(
    "change",
    [
        lambda url: url.replace("Signature=", "Signature=0"),
        lambda url: url.replace("KeyId=0", "KeyId=1"),
        lambda url: url.split("?")[0],
        lambda url: url.replace(".ogg", ".webm"),
    ],
)
async def test_a_forged_url_gets_403(media: Media, change: Any) -> None:
    status, body, _ = await get(change(media.recording["download_url"]))
    assert status == 403
    assert b"SignatureDoesNotMatch" in body


async def test_a_deleted_object_is_404(client: RoomsClient, media: Media) -> None:
    await client.room_recordings.delete(media.recording["id"])
    status, body, _ = await get(media.recording["download_url"])
    assert status == 404
    assert b"NoSuchKey" in body


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [("bytes=10-19", 10, 20), ("bytes=299990-", 299_990, 300_000), ("bytes=-5", 299_995, 300_000)],
)
async def test_range_requests(media: Media, header: str, start: int, stop: int) -> None:
    whole = media_bytes(media.recording["id"], 300_000)
    status, body, headers = await get(media.recording["download_url"], {"Range": header})
    assert status == 206
    assert body == whole[start:stop]
    assert headers["Content-Range"] == f"bytes {start}-{stop - 1}/300000"


async def test_an_unsatisfiable_range_is_416(media: Media) -> None:
    status, _, headers = await get(media.recording["download_url"], {"Range": "bytes=400000-"})
    assert status == 416
    assert headers["Content-Range"] == "bytes */300000"


async def test_head_gives_the_size_without_the_body(media: Media) -> None:
    status, body, headers = await get(media.recording["download_url"], method="HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", "300000")


# -- faults apply to downloads too ---------------------------------------------------------------


async def download(url: str) -> tuple[int, BaseException | None]:
    """How many body bytes arrived, and the error that ended the download (None: none)."""
    received = 0
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            async for chunk in response.content.iter_chunked(65536):
                received += len(chunk)
    except aiohttp.ClientError as exc:
        return received, exc
    return received, None


async def test_a_truncated_download_fails_on_the_client(fake: FakeRoomsAPI, media: Media) -> None:
    fault = fake.storage_faults.truncate("GET", "/recordings/*")
    received, error = await download(media.recording["download_url"])
    assert isinstance(error, aiohttp.ClientPayloadError)
    assert 0 < received < 300_000
    assert fault.hits == 1
    # Used up: the next download is whole.
    assert len((await get(media.recording["download_url"]))[1]) == 300_000


async def test_a_reset_mid_download_fails_on_the_client(fake: FakeRoomsAPI, media: Media) -> None:
    fake.storage_faults.reset("GET", "/recordings/*", after_handling=True)
    received, error = await download(media.recording["download_url"])
    assert error is not None
    assert received < 300_000


async def test_a_storage_failure_and_a_delay(fake: FakeRoomsAPI, media: Media) -> None:
    fake.storage_faults.fail("get", "/compositions/*", status=503, body="<Error/>")
    fake.storage_faults.delay("GET", "/compositions/*", 0.01)
    assert (await get(media.composition["download_url"]))[0] == 503
    status, body, _ = await get(media.composition["download_url"])
    assert (status, len(body)) == (200, 250_000)


def test_storage_fault_patterns_are_checked() -> None:
    faults = FakeRoomsAPI().storage_faults
    with pytest.raises(ValueError, match="can never match"):
        faults.truncate("GET", "/rooms")
    with pytest.raises(ValueError, match="method"):
        faults.truncate("POST", "/recordings/*")
    assert faults.truncate("get", "/recordings/*").method == "GET"


def test_media_bytes_are_a_pattern_of_the_id() -> None:
    one = media_bytes("a", 10_000)
    assert len(one) == 10_000
    assert media_bytes("a", 10_000) == one
    assert media_bytes("a", 100) == one[:100]
    assert media_bytes("b", 100) != one[:100]
