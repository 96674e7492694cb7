"""Async-first, typed client for the Telnyx Video Rooms REST API.

The public names below are imported on first use, so ``import telnyx_rooms_async`` (and the
``telnyx-rooms --help`` that starts with it) does not pay for aiohttp until a client is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ._lazy import namespace
from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._client import (
        DEFAULT_BASE_URL as DEFAULT_BASE_URL,
        RoomsClient as RoomsClient,
    )
    from ._converter import (
        to_dict as to_dict,
        to_json as to_json,
    )
    from ._errors import (
        AmbiguousNameError as AmbiguousNameError,
        APIConnectionError as APIConnectionError,
        APIErrorDetail as APIErrorDetail,
        APIResponseValidationError as APIResponseValidationError,
        APIStatusError as APIStatusError,
        APITimeoutError as APITimeoutError,
        AuthenticationError as AuthenticationError,
        BadRequestError as BadRequestError,
        ClientClosedError as ClientClosedError,
        ConfigurationError as ConfigurationError,
        ConflictError as ConflictError,
        DeadlineExceededError as DeadlineExceededError,
        DownloadError as DownloadError,
        ErrorSource as ErrorSource,
        InternalServerError as InternalServerError,
        InvalidParams as InvalidParams,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        RateLimitError as RateLimitError,
        ResponseTooLargeError as ResponseTooLargeError,
        TelnyxError as TelnyxError,
        UnprocessableEntityError as UnprocessableEntityError,
    )
    from ._http import (
        RetryEvent as RetryEvent,
    )
    from ._pagination import (
        AsyncPaginator as AsyncPaginator,
        Page as Page,
    )
    from .models import (
        ActionResult as ActionResult,
        ClientToken as ClientToken,
        PageMeta as PageMeta,
        RefreshedClientToken as RefreshedClientToken,
        Room as Room,
        RoomComposition as RoomComposition,
        RoomParticipant as RoomParticipant,
        RoomRecording as RoomRecording,
        RoomSession as RoomSession,
        VideoRegion as VideoRegion,
    )
    from .params import (
        UNSET as UNSET,
    )

#: Where each public name is defined; aiohttp is imported only with ``._client``.
_HOMES: Final[dict[str, tuple[str, ...]]] = {
    "._errors": (
        "AmbiguousNameError",
        "APIConnectionError",
        "APIErrorDetail",
        "APIResponseValidationError",
        "APIStatusError",
        "APITimeoutError",
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
    ),
    ".models": (
        "ActionResult",
        "ClientToken",
        "PageMeta",
        "RefreshedClientToken",
        "Room",
        "RoomComposition",
        "RoomParticipant",
        "RoomRecording",
        "RoomSession",
        "VideoRegion",
    ),
    ".params": ("UNSET",),
    "._converter": ("to_dict", "to_json"),
    "._pagination": ("AsyncPaginator", "Page"),
    "._http": ("RetryEvent",),
    "._client": ("DEFAULT_BASE_URL", "RoomsClient"),
}
_names, __getattr__, __dir__ = namespace(__name__, _HOMES, globals())
__all__ = sorted([*_names, "__version__"])
