"""Signed webhook deliveries as Telnyx sends them, for the webhook benchmarks.

The body is the ``ParticipantJoined`` example of the vendor's OpenAPI document (its
``event_type`` corrected: the example says ``session.started``), inside ``data`` with the
delivery ``meta`` Telnyx adds. Each body gets its own event id, so a receiver's replay
guard sees no duplicate. Signatures are Ed25519 over ``b"<timestamp>|<body>"``, made with
``cryptography`` from a 32-byte seed that the driver shares with the receiver.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"


def event_body(event_id: str, delivered_to: str = "https://example.com/telnyx/webhooks") -> bytes:
    """One ``video.room.participant.joined`` delivery, serialised as Telnyx does (compact)."""
    doc = {
        "data": {
            "event_type": "video.room.participant.joined",
            "id": event_id,
            "occurred_at": "2018-02-02T22:25:27.521992Z",
            "payload": {
                "context": "Alice",
                "participant_id": "5ccc7b54-4df3-4bca-a65a-35a1ecc777f0",
                "room_id": "0ccc7b54-4df3-4bca-a65a-35a1ecc777f0",
                "session_id": "7b61621f-62e0-4aad-ab11-9fd19e272e73",
            },
            "record_type": "event",
        },
        "meta": {"attempt": 1, "delivered_to": delivered_to},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def private_key(seed_b64: str) -> Any:
    """The Ed25519 private key of a base64 seed."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64))


def public_key_b64(seed_b64: str) -> str:
    """The base64 public key, as the Telnyx portal shows it."""
    from cryptography.hazmat.primitives import serialization

    raw = (
        private_key(seed_b64)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode("ascii")


def signed_events(seed_b64: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """``count`` distinct bodies with their signature headers, all stamped now."""
    key = private_key(seed_b64)
    stamp = str(int(time.time()))
    out = []
    for _ in range(count):
        body = event_body(str(uuid.uuid4()))
        signature = key.sign(stamp.encode("ascii") + b"|" + body)
        headers = {
            SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
            TIMESTAMP_HEADER: stamp,
        }
        out.append((body, headers))
    return out
