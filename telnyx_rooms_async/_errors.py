"""The exception hierarchy and the one table from HTTP status to exception class."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final

import attrs

from ._retry import header, parse_retry_after
from ._scrub import printable
from .models import TooDeep, freeze_json

__all__ = [
    "APIConnectionError",
    "APIErrorDetail",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousNameError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceededError",
    "DownloadError",
    "ErrorSource",
    "InternalServerError",
    "InvalidParams",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "TelnyxError",
    "UnprocessableEntityError",
]

# How much of a non-JSON error body is kept: enough to recognise a proxy's page.
_TEXT_PREVIEW: Final = 200
# How much of that text str() shows, with its whitespace collapsed onto one line.
_MESSAGE_PREVIEW: Final = 120


class TelnyxError(Exception):
    """Root of every error this library raises."""


def _rebuild(cls: type[Exception], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception:
    """Unpickle an error whose __init__ takes keyword-only arguments."""
    return cls(*args, **kwargs)


class _Keyworded(TelnyxError):
    """An error built from a message and keyword-only fields, and pickled with them."""

    #: The keyword-only arguments of ``__init__``, which ``__reduce__`` passes back.
    _keywords: ClassVar[tuple[str, ...]] = ()
    message: str

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        for name, value in fields.items():
            setattr(self, name, value)

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {name: getattr(self, name) for name in self._keywords}
        return (_rebuild, (type(self), (self.message,), kwargs), self.__dict__)


class ConfigurationError(_Keyworded, ValueError):
    """The client was configured wrongly (no API key, insecure base URL, bad limits).

    ``argument`` names the constructor argument at fault (``"api_key"``, ``"timeout"``...)
    when there is one, so that a command line or a settings loader can name its own option.

    Attributes:
        message (str): What is wrong, without the key.
        argument (str | None): The constructor argument at fault, or None.
    """

    _keywords = ("argument",)
    argument: str | None

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message, argument=argument)


class ClientClosedError(TelnyxError, RuntimeError):
    """The client (or the client it was derived from) was closed."""


class InvalidParams(TelnyxError, ValueError):
    """An argument broke a rule of the API; raised before any request is sent.

    ``str(exc)`` is ``"<field>: <rule>"``, such as ``"max_participants: must be an integer
    from 2 to 50"``. The value itself is never repeated.

    Attributes:
        field (str): The argument at fault, e.g. ``"max_participants"`` or
            ``"video_layout['main'].width"``.
        rule (str): The rule it broke, e.g. ``"must be an integer from 2 to 50"``.
    """

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds from ``args`` (the message), which does not fit __init__.
        return (type(self), (self.field, self.rule), self.__dict__)


class _CallError(_Keyworded):
    """An error of one call: it says which request it was (method and URL, no query)."""

    #: The HTTP method of the call, e.g. ``"GET"``.
    method: str | None = None
    #: The URL that was called, without its query string.
    url: str | None = None

    def _where(self) -> str:
        return f" — {self.method} {self.url}" if self.method and self.url else ""

    def __str__(self) -> str:
        return self.message + self._where()


class APIConnectionError(_CallError):
    """The request failed below HTTP: refused, reset, cut short or timed out.

    Attributes:
        message (str): What failed.
        request_sent (bool): False only when the request provably never reached the server
            (refused, or no connection within ``connect_timeout``).
        method (str | None): The HTTP method of the call, e.g. ``"POST"``.
        url (str | None): The URL that was called, without its query string.
    """

    _keywords = ("request_sent",)
    request_sent: bool

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message, request_sent=request_sent)


class APITimeoutError(APIConnectionError):
    """An attempt ran out of time (connect or read); see also DeadlineExceededError."""


class DeadlineExceededError(APITimeoutError):
    """The call's total deadline (``timeout``) passed; it is never retried."""


class _WithStatus(_Keyworded):
    """An error with a message and the HTTP status, if any, of the reply at fault."""

    _keywords = ("status",)
    status: int | None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, status=status)


class APIResponseValidationError(_CallError, _WithStatus):
    """A successful reply was not JSON or did not fit the expected model.

    Attributes:
        message (str): What did not fit, and where.
        status (int | None): The reply's HTTP status.
        method (str | None): The HTTP method of the call, e.g. ``"GET"``.
        url (str | None): The URL that was called, without its query string.
    """


class ResponseTooLargeError(APIResponseValidationError):
    """A reply was larger than the client's ``max_response_size``."""


class DownloadError(_WithStatus):
    """A recording or composition could not be downloaded from its storage host.

    ``status`` is the storage host's HTTP status when it answered; messages name the URL
    without its query, which holds the pre-signed credential.
    """


class AmbiguousNameError(TelnyxError):
    """More than one room has the ``unique_name`` a create or ``get_or_create`` looked up.

    The client never guesses which one was meant: ``room_ids`` lists them all.
    """

    def __init__(self, unique_name: str, room_ids: tuple[str, ...]) -> None:
        super().__init__(f"{len(room_ids)} rooms have this unique_name: {', '.join(room_ids)}")
        #: The name looked up.
        self.unique_name = unique_name
        #: The ids of every room with that name.
        self.room_ids = room_ids

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.unique_name, self.room_ids), self.__dict__)


@attrs.frozen(kw_only=True)
class ErrorSource:
    """Where in the request an error was found.

    Attributes:
        pointer (str | None): JSON pointer (RFC 6901) to the offending body field.
        parameter (str | None): The offending query parameter.
    """

    pointer: str | None = None
    parameter: str | None = None


@attrs.frozen(kw_only=True)
class APIErrorDetail:
    """One entry of the API's ``errors`` array.

    Attributes:
        code (str | None): The Telnyx error code, e.g. ``"10005"``.
        title (str | None): A short, human-readable summary.
        detail (str | None): A longer explanation of this occurrence.
        source (ErrorSource | None): Which part of the request caused it.
        meta (Mapping[str, Any] | None): Extra data, such as a documentation URL.
    """

    code: str | None = None
    title: str | None = None
    detail: str | None = None
    source: ErrorSource | None = None
    meta: Mapping[str, Any] | None = attrs.field(default=None, eq=False, hash=False)


class APIStatusError(_CallError):
    """The API answered with an error status; a subclass per status says which.

    ``str(exc)`` gives the status, the first error's code, title, detail and source, the
    ``Retry-After`` wait, the request id, and the method and URL of the call.

    Attributes:
        status (int): The HTTP status, e.g. ``422``.
        errors (tuple[APIErrorDetail, ...]): The API's ``errors`` array, typed; empty when
            the body had none.
        code (str | None): The first error's code, if any.
        request_id (str | None): The reply's ``x-request-id``: quote it to Telnyx support.
        retry_after (float | None): Seconds the server asked to wait (``Retry-After``), if
            it said.
        text (str | None): The start of a body that was not a JSON error document (an HTML
            page from a proxy, say).
        method (str | None): The HTTP method of the call, e.g. ``"PATCH"``.
        url (str | None): The URL that was called, without its query string.
    """

    def __init__(
        self,
        status: int,
        *,
        errors: tuple[APIErrorDetail, ...] = (),
        request_id: str | None = None,
        retry_after: float | None = None,
        text: str | None = None,
    ) -> None:
        self.status = status
        self.errors = errors
        self.request_id = request_id
        self.retry_after = retry_after
        #: The start of a body that was not a JSON error document.
        self.text = text
        super().__init__(self._describe())

    def __reduce__(self) -> tuple[Any, ...]:
        state = {
            "errors": self.errors,
            "request_id": self.request_id,
            "retry_after": self.retry_after,
            "text": self.text,
        }
        return (_rebuild, (type(self), (self.status,), state), self.__dict__)

    @property
    def code(self) -> str | None:
        """The first error's code, if any."""
        return self.errors[0].code if self.errors else None

    def _describe(self) -> str:
        parts = [f"HTTP {self.status}"]
        if self.errors:
            first = self.errors[0]
            head = " ".join(p for p in (first.code and f"[{first.code}]", first.title) if p)
            if head:
                parts.append(head)
            if first.detail and first.detail != first.title:
                parts.append(first.detail)
            if first.source and (first.source.pointer or first.source.parameter):
                parts.append(f"at {first.source.pointer or first.source.parameter}")
            if len(self.errors) > 1:
                parts.append(f"(+{len(self.errors) - 1} more)")
        elif self.text and self.text.strip():
            preview = " ".join(self.text.split())
            if len(preview) > _MESSAGE_PREVIEW:
                preview = preview[: _MESSAGE_PREVIEW - 1] + "…"
            parts.append(f"body: {preview!r}")
        if self.retry_after is not None:
            parts.append(f"retry after {self.retry_after:g}s")
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        return " — ".join(parts) + self._where()

    def __str__(self) -> str:
        return self._describe()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()!r})"


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the API rejected the request's content."""


class RateLimitError(APIStatusError):
    """HTTP 429."""


class InternalServerError(APIStatusError):
    """HTTP 500 or above."""


_BY_STATUS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


#: Error details kept from one reply (``str()`` shows the first and counts the rest).
_MAX_DETAILS: Final = 100
#: The longest ``x-request-id`` kept; request ids are short.
_MAX_REQUEST_ID: Final = 200


def _keep(text: str) -> str:
    return text


def _details(doc: Any, scrub: Callable[[str], str]) -> tuple[APIErrorDetail, ...] | None:
    """The error details of a decoded body, or None when it is not an error document."""

    def text(value: object) -> str | None:
        if value is None:
            return None
        return scrub(value if isinstance(value, str) else str(value)[:_TEXT_PREVIEW])

    def detail(item: Mapping[str, Any]) -> APIErrorDetail:
        raw_source = item.get("source")
        source = None
        if isinstance(raw_source, Mapping):
            source = ErrorSource(
                pointer=text(raw_source.get("pointer")), parameter=text(raw_source.get("parameter"))
            )
        meta = item.get("meta")
        try:
            frozen = freeze_json(dict(meta), scrub) if isinstance(meta, Mapping) else None
        except TooDeep:
            frozen = None  # absurd nesting: not kept, the rest of the error is
        return APIErrorDetail(
            code=text(item.get("code")),
            title=text(item.get("title")),
            detail=text(item.get("detail")),
            source=source,
            meta=frozen,
        )

    if not isinstance(doc, Mapping):
        return None
    items = doc.get("errors")
    if isinstance(items, list):
        return tuple(detail(i) for i in items[:_MAX_DETAILS] if isinstance(i, Mapping))
    if "code" in doc or "title" in doc or "detail" in doc:
        return (detail(doc),)
    if "message" in doc:
        return (APIErrorDetail(title=text(doc["message"])),)
    return None


def _parse_body(
    body: bytes, scrub: Callable[[str], str]
) -> tuple[tuple[APIErrorDetail, ...], str | None]:
    """Read every error shape the API uses; never raise."""
    if not body.strip():
        return (), None
    try:
        details = _details(json.loads(body, parse_constant=_no_constant), scrub)
    except (ValueError, RecursionError):  # not JSON, or absurdly deep JSON
        details = None
    if details is not None:
        return details, None
    return (), scrub(body[:_TEXT_PREVIEW].decode("utf-8", "replace"))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def request_id_of(headers: Mapping[str, str], scrub: Callable[[str], str] = _keep) -> str | None:
    """The reply's ``x-request-id``, printable and without the key, or None."""
    raw = header(headers, "x-request-id")
    return scrub(printable(raw, _MAX_REQUEST_ID)) if raw else None


def error_for(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    scrub: Callable[[str], str] = _keep,
) -> APIStatusError:
    """The typed error for an error reply; pure, and it never raises.

    ``scrub`` is applied to every string taken from the reply (the client passes one that
    masks its API key).
    """
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    try:
        errors, text = _parse_body(body, scrub)
    except Exception:  # a defence in depth: an error reply must still give an error
        errors, text = (), None
    try:
        retry_after = parse_retry_after(headers)
    except Exception:
        retry_after = None
    return cls(
        status,
        errors=errors,
        request_id=request_id_of(headers, scrub),
        retry_after=retry_after,
        text=text,
    )
