"""Async-first, typed client for the Telnyx Video Rooms REST API.

The errors and models are imported with the package; the client and the rest on first use,
so ``import telnyx_rooms_async`` (and the ``telnyx-rooms --help`` that starts with it) does
not pay for aiohttp until a client is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from . import _errors, models
from ._errors import *
from ._lazy import namespace
from ._version import __version__ as __version__
from .models import *

if TYPE_CHECKING:
    from ._client import DEFAULT_BASE_URL as DEFAULT_BASE_URL, RoomsClient as RoomsClient
    from ._converter import to_dict as to_dict, to_json as to_json
    from ._http import RetryEvent as RetryEvent
    from ._pagination import AsyncPaginator as AsyncPaginator, Page as Page
    from .params import UNSET as UNSET

#: Where each name imported on first use is defined.
_LATER: Final[dict[str, tuple[str, ...]]] = {
    "._client": ("DEFAULT_BASE_URL", "RoomsClient"),
    "._converter": ("to_dict", "to_json"),
    "._http": ("RetryEvent",),
    "._pagination": ("AsyncPaginator", "Page"),
    ".params": ("UNSET",),
}
_later, __getattr__, __dir__ = namespace(__name__, _LATER, globals())

__all__ = ["DEFAULT_BASE_URL", "UNSET", "AsyncPaginator", "Page", "RetryEvent", "RoomsClient"]
__all__ += ["__version__", "to_dict", "to_json"]
__all__ += _errors.__all__
__all__ += models.__all__
