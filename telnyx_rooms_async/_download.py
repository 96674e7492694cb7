"""Recordings and compositions to disk: their pre-signed ``download_url``, streamed safely.

The URL is pre-signed by the storage host, so it carries its own credential and expires;
the client's API key and its extra ``headers=`` never go there (a User-Agent does). A file is
written under a temporary name beside the destination and renamed only once complete, so a
failure or a cancellation leaves no partial file. A 403 from storage (the URL expired) is
answered once by retrieving the object again for a fresh URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, Final, TypeAlias, TypeVar
from urllib.parse import urlsplit

import aiohttp

from ._errors import (
    APIConnectionError,
    APITimeoutError,
    DownloadError,
    InvalidParams,
    ResponseTooLargeError,
    TelnyxError,
)
from ._http import Pipeline
from ._net import is_loopback_host
from ._scrub import printable
from ._version import __version__

__all__ = ["Destination", "Progress", "download"]

Destination: TypeAlias = "str | os.PathLike[str] | IO[bytes]"
"""A file path (written atomically) or a binary file object open for writing."""
Progress: TypeAlias = Callable[[int, "int | None"], object]
"""Called as ``progress(bytes_done, bytes_total)`` after each chunk; the total may be None."""

M = TypeVar("M")

_CHUNK: Final = 256 * 1024
_HEADERS: Final = {"User-Agent": f"telnyx-rooms-async/{__version__}", "Accept": "*/*"}


def _where(url: str) -> str:
    """The URL for a message: scheme, host and path; never the query (it holds the signature)."""
    parts = urlsplit(url)
    return printable(f"{parts.scheme}://{parts.netloc}{parts.path}", 200)


def _checked(url: object) -> str:
    if not isinstance(url, str) or not url:
        raise DownloadError("there is no download_url yet: the media is still processing")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise DownloadError("the download_url is not a URL") from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and is_loopback_host(host):
        return url
    raise DownloadError(f"refusing a download_url that is not https: {_where(url)}")


async def download(
    pipeline: Pipeline,
    item: M | str,
    destination: Destination,
    *,
    retrieve: Callable[[str], Awaitable[M]],
    max_size: int | None,
    progress: Progress | None,
) -> int:
    """Download ``item`` (a model with ``id`` and ``download_url``, or an id) to ``destination``.

    Returns the number of bytes written.
    """
    if max_size is not None and (type(max_size) is not int or max_size < 1):
        raise InvalidParams("max_size", "must be an integer >= 1")
    if isinstance(item, str):
        if not item:
            raise InvalidParams("id", "must be a non-empty string")
        model: Any = await retrieve(item)
    else:
        model = item
    url = getattr(model, "download_url", None)
    if url is None:
        model = await retrieve(model.id)  # listed before it completed, perhaps
        url = model.download_url
    for refreshed in (False, True):
        try:
            return await _to(destination, pipeline, _checked(url), max_size, progress)
        except _Expired:
            if refreshed:
                raise DownloadError("the download_url was refused (403) after a refresh") from None
        # A pre-signed URL expires: a fresh one comes with the object.
        url = (await retrieve(model.id)).download_url  # type: ignore[attr-defined]
    raise AssertionError("unreachable")  # pragma: no cover


class _Expired(Exception):
    """Storage answered 403: the pre-signed URL expired (or was never valid)."""


async def _to(
    destination: Destination,
    pipeline: Pipeline,
    url: str,
    max_size: int | None,
    progress: Progress | None,
) -> int:
    if not isinstance(destination, str | os.PathLike):
        return await _stream(pipeline, url, max_size, progress, destination)
    path = Path(destination)
    handle, temporary = await asyncio.to_thread(_open_beside, path)
    done = False
    try:
        with os.fdopen(handle, "wb") as out:
            size = await _stream(pipeline, url, max_size, progress, out)
            # Flushed to disk before the rename, off the event loop: fsync may take a while.
            await asyncio.to_thread(_settle, out)
        await asyncio.to_thread(os.replace, temporary, path)
        done = True
        return size
    finally:
        if not done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


_NEW_FILE: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _open_beside(path: Path) -> tuple[int, str]:
    """A new temporary file in the destination's directory (so the rename is atomic).

    Made with mode 0o666 less the umask, as ``open(path, "wb")`` would make the file, not
    ``mkstemp``'s 0o600: the renamed download is then an ordinary file of the user's.
    """
    if path.is_dir():
        raise InvalidParams("destination", "is a directory; name the file to write")
    for _ in range(100):
        temporary = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.part")
        try:
            return os.open(temporary, _NEW_FILE, 0o666), temporary
        except FileExistsError:  # pragma: no cover - 48 random bits collide once in ages
            continue
    raise FileExistsError(f"no free temporary name beside {path.name}")  # pragma: no cover


def _settle(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())


async def _stream(
    pipeline: Pipeline,
    url: str,
    max_size: int | None,
    progress: Progress | None,
    out: IO[bytes],
) -> int:
    settings = pipeline.settings
    timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=settings.connect_timeout, sock_read=settings.read_timeout
    )
    session = pipeline.session()
    written = 0
    failure: TelnyxError | None = None
    try:
        async with session.get(
            url,
            headers=_HEADERS,
            timeout=timeout,
            allow_redirects=False,
            raise_for_status=False,
            # The storage host's own encoding is the file; do not decode it.
            auto_decompress=False,
        ) as resp:
            if resp.status == 403:
                raise _Expired
            if resp.status != 200:
                raise DownloadError(
                    f"storage answered HTTP {resp.status} for {_where(url)}", status=resp.status
                )
            total = resp.content_length
            if max_size is not None and total is not None and total > max_size:
                raise ResponseTooLargeError(
                    f"the file is {total} bytes, above max_size={max_size}", status=resp.status
                )
            async for chunk in resp.content.iter_chunked(_CHUNK):
                written += len(chunk)
                if max_size is not None and written > max_size:
                    raise ResponseTooLargeError(
                        f"the file passed max_size={max_size} bytes", status=resp.status
                    )
                out.write(chunk)
                if progress is not None:
                    progress(written, total)
            if total is not None and written != total:
                raise DownloadError(f"storage sent {written} of {total} bytes", status=resp.status)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        kind = APITimeoutError if isinstance(exc, asyncio.TimeoutError) else APIConnectionError
        failure = kind(
            f"the download from {_where(url)} failed: {type(exc).__name__}", request_sent=True
        )
    if failure is not None:
        raise failure  # outside the except block: aiohttp's exception is not chained
    return written
