"""Recordings and compositions to disk, from the fake's own storage origin on loopback.

The storage origin keeps a journal of what it received (``fake.storage_requests``), so the
tests see that neither the key nor the client's extra headers ever reach it.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import pty
import stat
from pathlib import Path
from typing import Any

import attrs
import pytest

from telnyx_rooms_async import (
    APIConnectionError,
    DownloadError,
    ResponseTooLargeError,
    RoomRecording,
    RoomsClient,
)
from telnyx_rooms_async.testing import FakeRoomsAPI, media_bytes

SIZE = 300_000


@attrs.frozen
class Media:
    recording: dict[str, Any]
    composition: dict[str, Any]


@pytest.fixture
async def media(fake: FakeRoomsAPI, client: RoomsClient) -> Media:
    room = await client.rooms.create()
    session = await fake.sim.start_session(room.id)
    alice = await fake.sim.join(session["id"], context="Alice")
    recording = await fake.sim.start_recording(session["id"], alice["id"], "video")
    await fake.sim.end_session(session["id"])
    done = await fake.sim.complete_recording(recording["id"], size_mb=SIZE / 1_000_000)
    composition = await client.room_compositions.create(session_id=session["id"])
    composed = await fake.sim.complete_composition(composition.id, size_mb=0.25)
    return Media(done, composed)


@pytest.fixture
async def nosy(fake: FakeRoomsAPI) -> Any:
    """A client with extra headers that must stay with the API."""
    async with RoomsClient(
        fake.api_key, base_url=fake.base_url, headers={"X-Team-Secret": "s3cr3t"}, timeout=10
    ) as client:
        yield client


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def test_a_recording_downloads_to_a_path_without_the_key(
    fake: FakeRoomsAPI, nosy: RoomsClient, media: Media, tmp_path: Path
) -> None:
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "alice.webm"
    size = await nosy.room_recordings.download(
        media.recording["id"], target, progress=lambda done, total: seen.append((done, total))
    )
    assert size == SIZE
    assert target.read_bytes() == media_bytes(media.recording["id"], SIZE)
    assert leftovers(tmp_path) == ["alice.webm"]
    # Retrieved first (the URL is pre-signed and expires), then fetched from storage.
    assert fake.calls("GET", f"/room_recordings/{media.recording['id']}") == 1
    [fetched] = fake.storage_requests
    assert not fetched.authorization
    assert "x-team-secret" not in {k.lower() for k in fetched.headers}
    assert fetched.headers["User-Agent"].startswith("telnyx-rooms-async/")
    assert seen[-1] == (SIZE, SIZE)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


async def test_a_downloaded_file_gets_the_mode_open_would_give_it(
    client: RoomsClient, media: Media, tmp_path: Path
) -> None:
    umask = os.umask(0o022)
    try:
        os.umask(0o027)
        target = tmp_path / "alice.webm"
        await client.room_recordings.download(media.recording["id"], target)
        (tmp_path / "plain").write_bytes(b"")  # as open(path, "wb") makes a file
    finally:
        os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE((tmp_path / "plain").stat().st_mode)


async def test_a_model_in_hand_downloads_without_retrieving_it(
    fake: FakeRoomsAPI, client: RoomsClient, media: Media
) -> None:
    recording = await client.room_recordings.retrieve(media.recording["id"])
    fake.requests.clear()
    out = io.BytesIO()
    assert await client.room_recordings.download(recording, out) == SIZE
    assert out.getvalue() == media_bytes(recording.id, SIZE)
    assert fake.calls() == 0


async def test_a_composition_downloads_too(
    client: RoomsClient, media: Media, tmp_path: Path
) -> None:
    target = tmp_path / "session.mp4"
    assert await client.room_compositions.download(media.composition["id"], target) == 250_000
    assert target.read_bytes() == media_bytes(media.composition["id"], 250_000)


async def test_an_expired_url_is_refreshed_once(
    fake: FakeRoomsAPI, client: RoomsClient, media: Media, tmp_path: Path
) -> None:
    recording = await client.room_recordings.retrieve(media.recording["id"])
    fake.sim.expire_download_urls()
    target = tmp_path / "late.webm"
    assert await client.room_recordings.download(recording, target) == SIZE
    assert len(fake.storage_requests) == 2  # refused (403), then the fresh URL
    assert fake.calls("GET", f"/room_recordings/{recording.id}") == 2


async def test_a_url_refused_after_the_refresh_is_an_error(
    fake: FakeRoomsAPI, client: RoomsClient, media: Media, tmp_path: Path
) -> None:
    fake.storage_faults.fail("GET", "/recordings/*", status=403, times=None)
    with pytest.raises(DownloadError, match="403"):
        await client.room_recordings.download(media.recording["id"], tmp_path / "x.webm")
    assert leftovers(tmp_path) == []


async def test_max_size_stops_the_download_and_leaves_nothing(
    client: RoomsClient, media: Media, tmp_path: Path
) -> None:
    with pytest.raises(ResponseTooLargeError):
        await client.room_recordings.download(
            media.recording["id"], tmp_path / "big.webm", max_size=SIZE - 1
        )
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fault", ["truncate", "reset"])
async def test_a_transfer_cut_short_leaves_no_partial_file(
    fake: FakeRoomsAPI, client: RoomsClient, media: Media, tmp_path: Path, fault: str
) -> None:
    if fault == "truncate":
        fake.storage_faults.truncate("GET", "/recordings/*")
    else:
        fake.storage_faults.reset("GET", "/recordings/*")
    with pytest.raises(APIConnectionError) as caught:
        await client.room_recordings.download(media.recording["id"], tmp_path / "cut.webm")
    assert "Signature" not in str(caught.value)  # the pre-signed query is not shown
    assert leftovers(tmp_path) == []


async def test_a_cancelled_download_leaves_no_partial_file(
    fake: FakeRoomsAPI, client: RoomsClient, media: Media, tmp_path: Path
) -> None:
    fake.storage_faults.drip("GET", "/recordings/*", interval=0.01)
    started = asyncio.Event()
    task = asyncio.ensure_future(
        client.room_recordings.download(
            media.recording["id"], tmp_path / "slow.webm", progress=lambda *_: started.set()
        )
    )
    await asyncio.wait_for(started.wait(), 5)  # the first bytes are in the temporary file
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://media.example.com/a.webm", "not https"),
        ("ftp://media.example.com/a.webm", "not https"),
        (None, "no download_url"),
    ],
)
async def test_unsafe_or_missing_urls_are_refused_before_any_request(
    fake: FakeRoomsAPI, client: RoomsClient, tmp_path: Path, url: str | None, rule: str
) -> None:
    recording = RoomRecording(id="r1", download_url=url)
    fake.faults.respond(
        "GET", "/room_recordings/r1", body={"data": {"id": "r1", "download_url": url}}, times=None
    )
    with pytest.raises(DownloadError, match=rule):
        await client.room_recordings.download(recording, tmp_path / "x.webm")
    assert fake.storage_requests == []
    assert leftovers(tmp_path) == []


async def test_a_directory_is_not_a_destination(
    client: RoomsClient, media: Media, tmp_path: Path
) -> None:
    from telnyx_rooms_async import InvalidParams

    with pytest.raises(InvalidParams, match="destination"):
        await client.room_recordings.download(media.recording["id"], tmp_path)


async def test_the_command_line_downloads_with_progress_only_on_a_terminal(
    fake: FakeRoomsAPI, media: Media, tmp_path: Path
) -> None:
    from clitools import cli

    target = tmp_path / "r.webm"
    result = await cli(fake, "recordings", "download", media.recording["id"], "-o", str(target))
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"file": str(target), "bytes": SIZE}
    assert result.err == ""  # stderr is not a terminal here: nothing extra
    assert target.read_bytes() == media_bytes(media.recording["id"], SIZE)
    result = await cli(fake, "compositions", "download", media.composition["id"], "-o", str(target))
    assert json.loads(result.out)["bytes"] == 250_000
    missing = await cli(fake, "recordings", "download", "no-such-id", "-o", str(target))
    assert missing.code == 1
    assert "404" in missing.err


async def test_the_command_line_draws_progress_on_a_terminal(
    fake: FakeRoomsAPI, media: Media, tmp_path: Path
) -> None:
    from clitools import connection

    from telnyx_rooms_async.cli import run

    reader, writer = pty.openpty()
    argv = ["recordings", "download", media.recording["id"], "-o", str(tmp_path / "r.webm")]
    try:
        with open(writer, "w", encoding="utf-8", closefd=True) as err:  # noqa: ASYNC230 - a pty
            code = await run([*argv, *connection(fake)], stdout=io.StringIO(), stderr=err)
        os.set_blocking(reader, False)
        chunks = []
        while True:
            try:
                chunk = os.read(reader, 1 << 16)
            except (BlockingIOError, OSError):  # all read; EIO once the other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        shown = b"".join(chunks).decode()
    finally:
        os.close(reader)
    assert code == 0
    assert f"of {SIZE:,} (100%)" in shown
    assert shown.endswith("\r\x1b[K")  # the line is taken away at the end
