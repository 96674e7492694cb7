"""The fake's storage origin: where completed recordings and compositions are downloaded.

A second loopback listener, apart from the API, as the real media lives on another host.
Its URLs are pre-signed like the real ones (``Expires``, ``KeyId`` and ``Signature`` in the
query, no credentials needed) and expire: after ``url_ttl`` seconds, or at once when
``expire_urls()`` is called; an expired or forged URL is answered 403. Retrieving the object
from the API again gives a fresh URL. An object's bytes are deterministic, ``size_mb`` times
1,000,000 of them, a pattern drawn from its id (``media_bytes``), sent in chunks, with
``Range`` requests answered 206. Every request is kept in ``requests`` with its headers
(the value of an Authorization header excepted: only whether there was one), and the fault
list ``faults`` applies here as on the API (a delay, a reset or a truncation mid-body...).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Final

import attrs
from aiohttp import web
from multidict import CIMultiDict

from ._faults import AFTER, BEFORE, Faults, before, stream_body
from ._patterns import RouteTable
from ._store import Record, Store

__all__ = [
    "DEFAULT_URL_TTL",
    "STORAGE_ROUTES",
    "Storage",
    "StorageRequest",
    "media_bytes",
    "object_name",
    "object_size",
]

log = logging.getLogger(__name__)

#: The folder of each kind of object, and the store table it lives in.
_FOLDERS: Final = ("recordings", "compositions")
STORAGE_ROUTES: Final = RouteTable(
    "", [(m, f"/{folder}/{{name}}") for folder in _FOLDERS for m in ("GET", "HEAD")]
)
"""The routes of the storage origin, for fault patterns such as ``/recordings/*``."""

_BLOCK: Final = 4096
_CHUNK: Final = 64 * 1024
#: Seconds a download URL is valid when the fake is not told otherwise.
DEFAULT_URL_TTL: Final = 600.0
_RANGE: Final = re.compile(r"bytes=([0-9]*)-([0-9]*)")
_EXTENSION: Final = re.compile(r"[a-z0-9]{1,8}")
_TYPES: Final = {"ogg": "audio/ogg", "webm": "video/webm", "mp4": "video/mp4"}


@functools.lru_cache(maxsize=64)
def _pattern(object_id: str) -> bytes:
    # One 4 KiB block from the id, repeated so that any chunk is one slice.
    seed = object_id.encode()
    block = b"".join(
        hashlib.sha256(seed + i.to_bytes(2, "big")).digest() for i in range(_BLOCK // 32)
    )
    return block * (_CHUNK // _BLOCK + 1)


def _chunks(object_id: str, start: int, stop: int) -> Iterator[bytes]:
    pattern = _pattern(object_id)
    offset = start
    while offset < stop:
        count = min(_CHUNK, stop - offset)
        skew = offset % _BLOCK
        yield pattern[skew : skew + count]
        offset += count


def media_bytes(object_id: str, size: int) -> bytes:
    """The ``size`` bytes the storage origin serves for the object ``object_id``.

    For checking a download: the same id and size always give the same bytes, and other
    ids other bytes. ``size`` is the object's ``size_mb`` times 1,000,000, rounded.
    """
    return b"".join(_chunks(object_id, 0, size))


def object_size(record: Record) -> int:
    """The byte size of a completed object: ``size_mb`` x 1,000,000."""
    return round(float(record.get("size_mb") or 0) * 1_000_000)


@attrs.frozen(kw_only=True)
class StorageRequest:
    """One request the storage origin received."""

    method: str
    path: str
    query: Mapping[str, str] = attrs.field(eq=False, hash=False)
    """The decoded query (the signature included: it is not a credential of the account)."""
    headers: Mapping[str, str] = attrs.field(eq=False, hash=False)
    """Every request header but Authorization, whose value is never kept."""
    authorization: bool
    """Whether the request carried an Authorization header (a download should not)."""

    def to_json(self) -> dict[str, Any]:
        """The request as the admin API shows it."""
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "headers": dict(self.headers),
            "authorization": self.authorization,
        }


def _error(status: int, code: str, message: str) -> web.Response:
    # Object stores answer in XML.
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return web.Response(status=status, text=body, content_type="application/xml")


class Storage:
    """The storage origin of one fake: signs download URLs and serves the objects."""

    def __init__(self, store: Store, *, url_ttl: float = DEFAULT_URL_TTL) -> None:
        self._store = store
        #: Seconds a download URL stays valid.
        self.url_ttl = url_ttl
        #: Faults of the storage origin (paths such as ``/recordings/*``).
        self.faults = Faults(STORAGE_ROUTES)
        #: Every request received, in order.
        self.requests: list[StorageRequest] = []
        #: The origin's base URL, set when it listens.
        self.base_url = "http://127.0.0.1:0"
        self._secret = secrets.token_bytes(32)
        self._generation = 0

    # -- URLs ------------------------------------------------------------------------------

    def _signature(self, path: str, expires: str, key_id: str) -> str:
        message = f"GET\n{path}\n{expires}\n{key_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, folder: str, name: str) -> str:
        """A fresh pre-signed URL of the object ``/<folder>/<name>``."""
        path = f"/{folder}/{name}"
        expires = str(int(time.time() + self.url_ttl))
        key_id = str(self._generation)
        signature = self._signature(path, expires, key_id)
        return f"{self.base_url}{path}?Expires={expires}&KeyId={key_id}&Signature={signature}"

    def view(self, folder: str, record: Record) -> Record:
        """``record`` as the API shows it: a completed object gets a freshly signed URL."""
        if record.get("status") != "completed":
            return dict(record)
        return {**record, "download_url": self.url(folder, object_name(folder, record))}

    def expire_urls(self) -> None:
        """Make every download URL issued so far expire now (403 from then on)."""
        self._generation += 1

    def reset(self) -> None:
        """Forget recorded requests and faults."""
        self.requests.clear()
        self.faults.clear()

    # -- serving ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp app of the origin."""
        app = web.Application(middlewares=[self._journal])
        for folder in _FOLDERS:
            app.router.add_get(f"/{folder}/{{name}}", functools.partial(self._serve, folder))
        return app

    @web.middleware
    async def _journal(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.requests.append(
            StorageRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=CIMultiDict(
                    (k, v) for k, v in request.headers.items() if k.lower() != "authorization"
                ),
                authorization="Authorization" in request.headers,
            )
        )
        response = await handler(request)
        log.info("storage %s %s -> %d", request.method, request.path, response.status)
        return response

    def _refusal(self, request: web.Request) -> web.Response | None:
        """403 for a URL that is not signed by this origin, or has expired."""
        query = request.query
        expires, key_id = query.get("Expires", ""), query.get("KeyId", "")
        given = query.get("Signature", "")
        if not (expires.isdigit() and key_id.isdigit()) or not hmac.compare_digest(
            given, self._signature(request.path, expires, key_id)
        ):
            return _error(403, "SignatureDoesNotMatch", "The request signature is not valid.")
        if int(key_id) != self._generation or int(expires) <= time.time():
            return _error(403, "AccessDenied", "Request has expired")
        return None

    async def _serve(self, folder: str, request: web.Request) -> web.StreamResponse:
        fault = self.faults.take(request, BEFORE)
        if fault is not None:
            replaced = await before(fault, request)
            if replaced is not None:
                return replaced
        refused = self._refusal(request)
        if refused is not None:
            return refused
        name = request.match_info["name"]
        record = self._store.tables()[folder].get(name.split(".", 1)[0])
        if (
            record is None
            or record.get("status") != "completed"
            or object_name(folder, record) != name
        ):
            return _error(404, "NoSuchKey", "The specified key does not exist.")
        size = object_size(record)
        span = _byte_range(request.headers.get("Range"), size)
        if span is None:
            return web.Response(status=416, headers={"Content-Range": f"bytes */{size}"})
        start, stop = span
        extension = name.rsplit(".", 1)[-1]
        response = web.StreamResponse(
            status=206 if (start, stop) != (0, size) else 200,
            headers={
                "Content-Type": _TYPES.get(extension, "application/octet-stream"),
                "Accept-Ranges": "bytes",
                "ETag": f'"{hashlib.sha256(name.encode()).hexdigest()[:32]}"',
            },
        )
        if response.status == 206:
            response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        if request.method == "HEAD":
            response.content_length = stop - start
            await response.prepare(request)
            return response
        chunks = _chunks(record["id"], start, stop)
        return await stream_body(
            request, response, stop - start, chunks, self.faults.take(request, AFTER)
        )


def object_name(folder: str, record: Record) -> str:
    """The object's file name: its id and an extension from its kind."""
    if folder == "compositions":
        # The format is any string the caller gave: only a plain one makes an extension.
        chosen = str(record.get("format") or "")
        return f"{record['id']}.{chosen if _EXTENSION.fullmatch(chosen) else 'mp4'}"
    return f"{record['id']}.{'ogg' if record.get('type') == 'audio' else 'webm'}"


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, stop)`` of a ``Range`` header; the whole object when there is none or it is
    not one simple byte range; None when it cannot be satisfied (a 416)."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or not (match[1] or match[2]):
        return 0, size
    if not match[1]:
        # "bytes=-N": the last N bytes.
        count = int(match[2])
        return (max(0, size - count), size) if count > 0 and size > 0 else None
    start = int(match[1])
    stop = min(int(match[2]) + 1, size) if match[2] else size
    if start >= size or stop <= start:
        return None
    return start, stop
