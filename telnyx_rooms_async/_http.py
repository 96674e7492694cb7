"""The one request pipeline: every operation is sent, retried and classified here."""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Literal, NamedTuple, TypeVar
from urllib.parse import quote

import aiohttp
import attrs
import backoff
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    DeadlineExceededError,
    InvalidParams,
    ResponseTooLargeError,
    TelnyxError,
    error_for,
    request_id_of,
)
from ._retry import RETRY_STATUSES, delays
from ._scrub import Scrubber, printable
from ._session import Pool

__all__ = ["Call", "Pipeline", "Request", "RetryEvent", "RetryKind", "encode_id"]

log: Final = logging.getLogger("telnyx_rooms_async")

E = TypeVar("E", bound="APIConnectionError | APIStatusError | APIResponseValidationError")

_JSON_CT: Final = {"Content-Type": "application/json"}
#: aiohttp rounds timers of 5 s or more up to the next whole second; that would let a call
#: overrun its deadline by up to a second, so rounding is switched off.
_NO_CEIL: Final = math.inf
#: An attempt that starts within this many seconds of its call uses the prebuilt timeout.
_FRESH: Final = 0.001
#: A total-timeout timer may fire a hair before the deadline it was set for.
_DEADLINE_SLACK: Final = 0.001


def encode_id(name: str, value: object) -> str:
    """Percent-encode one path id; refuse what could change the path."""
    if not isinstance(value, str) or not value or value in (".", "..") or "/" in value:
        raise InvalidParams(name, "must be a non-empty string without '/' and not '.' or '..'")
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        raise InvalidParams(name, "must be valid Unicode text (no lone surrogates)") from None


class Request(NamedTuple):
    """One API call, described before it is sent (immutable; a tuple builds fastest)."""

    method: str
    """HTTP method."""
    path: str
    """Path below the base URL, ids already encoded, starting with ``/``."""
    query: str = ""
    """Encoded query string without ``?``."""
    body: bytes | None = None
    """JSON body, already encoded."""
    idempotent: bool = True
    """False for a call that must not be repeated blindly (it creates something or acts):
    retried only if it never left, or on 429 / 503 + Retry-After."""


@attrs.frozen(kw_only=True)
class RetryEvent:
    """What an ``on_retry`` hook is told before each retry sleep."""

    attempt: int
    """1 for the first retry, 2 for the second…"""
    wait: float
    """Seconds the client will sleep before the retry."""
    method: str
    """HTTP method of the call."""
    path: str
    """Path of the call below the base URL (no query)."""
    status: int | None
    """Status of the failed attempt, or None when it failed below HTTP."""
    exception: TelnyxError
    """The failure that is being retried."""
    request_id: str | None
    """``x-request-id`` of the failed attempt, when the API sent one."""
    kind: RetryKind = "retry"
    """``"retry"``: the request is sent again. For a create with a ``unique_name`` whose
    reply was lost: ``"lookup"``, the room is looked up by name instead; ``"resend"``, the
    lookup found it was never made, so it is sent again."""


RetryKind = Literal["retry", "lookup", "resend"]

OnRetry = Callable[[RetryEvent], "Awaitable[None] | None"]


@attrs.frozen(kw_only=True)
class Settings:
    """Per-view call settings; the pool is shared, these are not."""

    timeout: float
    """Seconds one call may take in all."""
    connect_timeout: float
    """Seconds one attempt may take to connect."""
    read_timeout: float
    """Seconds the socket may stay silent during one attempt."""
    max_retries: int
    """Retries after the first attempt, where safe."""
    headers: Mapping[str, str]
    """Extra headers, User-Agent included."""
    on_retry: OnRetry | None
    """Called before each retry sleep."""
    max_response_size: int
    """Largest reply body read, in bytes."""


class Call:
    """Mutable state of one call across its attempts: its request and its deadline."""

    __slots__ = ("attempts", "deadline", "last_failure", "pending", "request")

    def __init__(self, request: Request, deadline: float) -> None:
        self.request = request
        self.deadline = deadline
        self.attempts = 0
        self.last_failure: TelnyxError | None = None
        #: A retryable failure of the first attempt, handed to the backoff loop.
        self.pending: TelnyxError | None = None


#: The longest description of a lower-level failure kept in a message.
_MAX_DESCRIPTION: Final = 300


def _describe(exc: BaseException, scrub: Scrubber) -> str:
    """A failure below HTTP in words, without the key, even if a server put it in them."""
    if isinstance(exc, aiohttp.ClientResponseError):
        # Its repr carries request_info, whose headers hold the Authorization header; its
        # message may quote what the server sent where a status line should be.
        text = f"{type(exc).__name__}: {exc.status} {exc.message}"
    else:
        detail = str(exc)
        text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return scrub(printable(text, _MAX_DESCRIPTION))


def _connection_error(exc: BaseException, timeout: float, scrub: Scrubber) -> APIConnectionError:
    what = _describe(exc, scrub)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError(
            f"could not connect within {timeout:g}s ({what})", request_sent=False
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return APIConnectionError(f"could not connect: {what}", request_sent=False)
    if isinstance(exc, asyncio.TimeoutError):
        return APITimeoutError(f"the attempt timed out ({what})", request_sent=True)
    return APIConnectionError(f"the connection failed: {what}", request_sent=True)


def should_retry(exc: Exception, idempotent: bool) -> bool:
    """Whether a failed attempt may be retried.

    Idempotent calls retry on connection errors, timeouts and 408, 429, 500, 502, 503 and 504.
    A call that is not (a create, an action) retries only when the request provably never left
    (a connect failure), on 429, or on 503 with Retry-After: otherwise the server may have
    acted on it already.
    """
    if isinstance(exc, DeadlineExceededError):
        return False
    if isinstance(exc, APIStatusError):
        if not idempotent:
            return exc.status == 429 or (exc.status == 503 and exc.retry_after is not None)
        return exc.status in RETRY_STATUSES
    if isinstance(exc, APIConnectionError):
        return idempotent or not exc.request_sent
    return False


class Pipeline:
    """Sends requests for one client view through the shared pool."""

    __slots__ = (
        "_base",
        "_first_timeout",
        "_headers",
        "_headers_json",
        "_pool",
        "_send_idempotent",
        "_send_once",
        "scrub",
        "settings",
    )

    def __init__(self, pool: Pool, base_url: str, auth: str, settings: Settings) -> None:
        self._pool = pool
        #: Masks the key in every string built from what a server sent.
        self.scrub = Scrubber(auth.partition(" ")[2])
        self._base = base_url.rstrip("/")
        self.settings = settings
        headers = {"Accept": "application/json", **settings.headers, "Authorization": auth}
        # Multidicts built once: aiohttp would build one from a plain dict on every request.
        self._headers: Mapping[str, str] = CIMultiDictProxy(CIMultiDict(headers))
        self._headers_json: Mapping[str, str] = CIMultiDictProxy(
            CIMultiDict({**headers, **_JSON_CT})
        )
        self._first_timeout = aiohttp.ClientTimeout(
            total=settings.timeout,
            sock_connect=settings.connect_timeout,
            sock_read=settings.read_timeout,
            ceil_threshold=_NO_CEIL,
        )
        tries = settings.max_retries + 1
        self._send_idempotent = self._build_sender(tries, idempotent=True)
        self._send_once = self._build_sender(tries, idempotent=False)

    def derive(self, auth: str, settings: Settings) -> Pipeline:
        """A pipeline with other settings over the same pool."""
        return Pipeline(self._pool, self._base, auth, settings)

    def _build_sender(self, tries: int, *, idempotent: bool) -> Callable[[Call], Awaitable[bytes]]:
        if tries <= 1:
            return self._attempt
        sender: Callable[[Call], Awaitable[bytes]] = backoff.on_exception(
            delays,
            (APIConnectionError, APIStatusError),
            max_tries=tries,
            giveup=lambda e: not should_retry(e, idempotent),
            jitter=None,
            logger=None,
            on_backoff=self._before_retry,
        )(self._again)
        return sender

    def session(self) -> aiohttp.ClientSession:
        """The pool's session (made on first use): for requests that are not API calls."""
        return self._pool.session()

    def name_lock(self, name: str) -> asyncio.Lock:
        """The client's lock for one room name (see ``Pool.name_lock``)."""
        return self._pool.name_lock(name)

    def start(self, request: Request) -> Call:
        """A new call of ``request``, with its deadline ``timeout`` seconds from now."""
        return Call(request, self._pool.loop_time() + self.settings.timeout)

    async def send(self, request: Request, call: Call | None = None) -> bytes:
        """Send ``request`` (retrying as allowed) and return the body of its 2xx reply.

        ``call`` (from ``start``) lets a caller that makes several requests of one call
        give them one deadline.
        """
        if call is None:
            call = Call(request, self._pool.loop_time() + self.settings.timeout)
        try:
            # The first attempt runs outside backoff: most calls succeed at once, and the
            # wrapper's bookkeeping (two datetime.now(), a generator, a coroutine) is then waste.
            return await self._attempt(call)
        except (APIConnectionError, APIStatusError) as exc:
            if self.settings.max_retries == 0 or not should_retry(exc, request.idempotent):
                raise
            call.pending = exc
        if request.idempotent:
            return await self._send_idempotent(call)
        return await self._send_once(call)

    async def attempt(self, call: Call) -> bytes:
        """One attempt of ``call.request`` within the call's deadline, never retried."""
        return await self._attempt(call)

    async def _again(self, call: Call) -> bytes:
        # Backoff's first "attempt" replays the failure send() already saw, so its wait,
        # give-up rule and on_retry hook treat it exactly as before.
        pending = call.pending
        if pending is not None:
            call.pending = None
            raise pending
        return await self._attempt(call)

    async def _before_retry(self, details: Mapping[str, Any]) -> None:
        await self.announce(details["args"][0], details["exception"], details["wait"])

    async def announce(
        self, call: Call, exc: TelnyxError, wait: float, kind: RetryKind = "retry"
    ) -> None:
        """Tell the log and the ``on_retry`` hook about the next step of ``call``.

        Raises ``DeadlineExceededError`` when waiting ``wait`` seconds would pass the
        call's deadline. The caller sleeps (backoff does, for plain retries).
        """
        self._check_wait(call, exc, wait)
        hook = self.settings.on_retry
        status = exc.status if isinstance(exc, APIStatusError) else None
        request_id = exc.request_id if isinstance(exc, APIStatusError) else None
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s %s in %.3fs after attempt %d (%s)",
                kind,
                call.request.method,
                call.request.path,
                wait,
                call.attempts,
                status if status is not None else type(exc).__name__,
            )
        if hook is None:
            return
        event = RetryEvent(
            attempt=call.attempts,
            wait=wait,
            method=call.request.method,
            path=call.request.path,
            status=status,
            exception=exc,
            request_id=request_id,
            kind=kind,
        )
        try:
            result = hook(event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.warning("on_retry hook raised; the call goes on", exc_info=True)
        # A slow async hook spends the call's time too.
        self._check_wait(call, exc, wait)

    def _check_wait(self, call: Call, exc: TelnyxError, wait: float) -> None:
        if self._pool.loop_time() + wait >= call.deadline:
            # Sleeping would pass the deadline: fail now rather than after a useless wait.
            raise self._deadline_error(call, exc, f"the next retry was due in {wait:.3g}s") from exc

    def _deadline_error(
        self, call: Call, last: TelnyxError | None, when: str
    ) -> DeadlineExceededError:
        if isinstance(last, APIStatusError):
            last_text = f"{type(last).__name__}: HTTP {last.status}"
        elif last is not None:
            last_text = f"{type(last).__name__}: {getattr(last, 'message', last)}"
        else:
            last_text = "none"
        return self.tag(
            DeadlineExceededError(
                f"the call's deadline (timeout={self.settings.timeout:g}s) passed: {when};"
                f" {call.attempts} attempt(s) ran; last failure: {last_text}",
                request_sent=call.attempts > 0,
            ),
            call.request,
        )

    def tag(self, error: E, request: Request) -> E:
        """``error`` with the call's method and URL (never its query) set on it."""
        error.method = request.method
        error.url = self._base + request.path
        return error

    async def _attempt(self, call: Call) -> bytes:
        pool = self._pool
        session = pool.session()
        request = call.request
        settings = self.settings
        started = pool.loop_time()
        remaining = call.deadline - started
        if remaining <= 0:
            raise self._deadline_error(
                call, call.last_failure, "no time was left for another attempt"
            ) from call.last_failure
        gate = pool.gate
        if gate is not None and gate.locked():
            # Every connection is busy: queue for one, first come first served, in the
            # call's time; the attempt's own timeout then starts from what is left.
            if not await _take(gate, remaining):
                raise self._deadline_error(
                    call, call.last_failure, "no connection of the pool came free in time"
                ) from call.last_failure
            remaining = call.deadline - pool.loop_time()
            if remaining <= 0:
                # aiohttp reads a total timeout of 0 or less as none at all.
                gate.release()
                raise self._deadline_error(
                    call, call.last_failure, "no connection of the pool came free in time"
                ) from call.last_failure
        elif gate is not None:
            await gate.acquire()  # a permit is free: no wait
        call.attempts += 1
        url = self._base + request.path
        if request.query:
            url = f"{url}?{request.query}"
        if remaining > settings.timeout - _FRESH:
            # A first attempt, microseconds after send() set the deadline: the prebuilt
            # timeout is as good, and building one costs more than the rest of this method.
            timeout = self._first_timeout
        else:
            timeout = aiohttp.ClientTimeout(
                total=remaining,
                sock_connect=settings.connect_timeout,
                sock_read=settings.read_timeout,
                ceil_threshold=_NO_CEIL,
            )
        try:
            failure: APIConnectionError | None = None
            try:
                async with session.request(
                    request.method,
                    URL(url, encoded=True),
                    data=request.body,
                    headers=self._headers if request.body is None else self._headers_json,
                    timeout=timeout,
                    allow_redirects=False,
                    # A lent session may raise on errors by default; the pipeline maps them itself.
                    raise_for_status=False,
                ) as resp:
                    status = resp.status
                    limit = settings.max_response_size
                    length = resp.content_length
                    if length is not None and length > limit:
                        raise self.tag(
                            ResponseTooLargeError(
                                f"the reply declares {length} bytes, above"
                                f" max_response_size={limit}",
                                status=status,
                            ),
                            request,
                        )
                    headers = resp.headers
                    if length is not None and "Content-Encoding" not in headers:
                        # The parser stops at Content-Length, which is below the limit.
                        body = await resp.read()
                    else:
                        # Decoded (gzip, br...) or of unknown length: count what is held.
                        body = await _read_limited(resp, limit)
            except ResponseTooLargeError as exc:
                self.tag(exc, request)
                raise
            except TelnyxError:
                raise
            except Exception as exc:  # aiohttp's, the socket's, the parser's: all below HTTP
                if (
                    isinstance(exc, asyncio.TimeoutError)
                    and pool.loop_time() >= call.deadline - _DEADLINE_SLACK
                ):
                    failure = self._deadline_error(
                        call, call.last_failure, f"attempt {call.attempts} was cut short"
                    )
                else:
                    failure = self.tag(
                        _connection_error(exc, settings.connect_timeout, self.scrub), request
                    )
                    call.last_failure = failure
        finally:
            if gate is not None:
                gate.release()
        if failure is not None:
            # Raised outside the except block so aiohttp's exception is not chained.
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s %s attempt %d failed after %.3fs: %s",
                    request.method,
                    request.path,
                    call.attempts,
                    pool.loop_time() - started,
                    type(failure).__name__,
                )
            if isinstance(failure, DeadlineExceededError):
                raise failure from call.last_failure
            raise failure
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d attempt %d %.3fs request_id=%s",
                request.method,
                request.path,
                status,
                call.attempts,
                pool.loop_time() - started,
                request_id_of(headers, self.scrub),
            )
        if status >= 300:
            error = self.tag(error_for(status, headers, body, scrub=self.scrub), request)
            call.last_failure = error
            raise error
        if status < 200:
            # An interim status (1xx) or a number below it cannot end an exchange.
            raise self.tag(
                APIResponseValidationError(
                    f"the reply's status {status} is not a final HTTP status", status=status
                ),
                request,
            )
        return body


async def _take(gate: asyncio.Semaphore, timeout: float) -> bool:
    """Take a permit of ``gate`` within ``timeout`` seconds; False if none came free.

    If the caller is cancelled meanwhile, no permit is kept.
    """
    if not gate.locked():
        await gate.acquire()  # free now: returns without waiting
        return True
    waiter = asyncio.ensure_future(gate.acquire())
    taken = False
    try:
        await asyncio.wait((waiter,), timeout=timeout)
        taken = waiter.done() and not waiter.cancelled()
        return taken
    finally:
        if not taken:
            if waiter.done() and not waiter.cancelled():
                gate.release()  # taken just as time ran out, or as the caller was cancelled
            else:
                waiter.cancel()


async def _read_limited(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    chunks = []
    size = 0
    async for chunk in resp.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLargeError(
                f"the reply passed max_response_size={limit} bytes", status=resp.status
            )
        chunks.append(chunk)
    return b"".join(chunks)
