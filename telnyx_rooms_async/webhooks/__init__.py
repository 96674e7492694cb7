"""Verify Telnyx webhook signatures (Ed25519), turn video-room events into typed objects,
and handle each event exactly once, on one process or across replicas.

Telnyx signs every webhook with the account's Ed25519 key: the header
``telnyx-signature-ed25519`` is the base64 signature of the bytes
``b"<telnyx-timestamp>|<raw body>"`` and ``telnyx-timestamp`` is Unix seconds. Checking
needs the optional ``cryptography`` package (``pip install 'telnyx-rooms-async[webhooks]'``);
without it every check raises ``ImportError``, never accepts.

::

    verifier = WebhookVerifier(public_key)          # the base64 key from the portal
    event = verifier.construct_event(body, headers)  # raw bytes, as received
    match event:
        case ParticipantJoinedEvent(payload=p):
            ...

A web app hands each request to ``aiohttp_handler`` (aiohttp) or ``WebhookReceiver``
(anything else): they claim the event id in an ``EventStore`` before your handler runs,
so a retried or duplicated delivery is handled once. Behind several replicas, share a
``RedisEventStore`` (``pip install 'telnyx-rooms-async[redis]'``).
"""

from . import _aiohttp, _base, _events, _receiver, _redis, _store, _verify
from ._aiohttp import *
from ._base import *
from ._events import *
from ._receiver import *
from ._redis import *
from ._store import *
from ._verify import *

# Every public name of the submodules, each listed once, in its own module's __all__.
__all__: list[str] = []
__all__ += _aiohttp.__all__
__all__ += _base.__all__
__all__ += _events.__all__
__all__ += _receiver.__all__
__all__ += _redis.__all__
__all__ += _store.__all__
__all__ += _verify.__all__
