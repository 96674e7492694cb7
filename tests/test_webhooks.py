"""Signature checks, the replay guard, and typed events (telnyx_rooms_async.webhooks)."""

from __future__ import annotations

import base64
import json
import pickle
import time
import typing
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from multidict import CIMultiDict
from vendordata import SPEC_FILE

from telnyx_rooms_async import ConfigurationError, TelnyxError
from telnyx_rooms_async.webhooks import (
    CompositionCompletedEvent,
    ParticipantJoinedEvent,
    ParticipantJoinedPayload,
    ParticipantLeftEvent,
    RecordingCompletedEvent,
    RecordingStartedEvent,
    SessionEndedEvent,
    SessionStartedEvent,
    UnknownEvent,
    VerificationFailure,
    WebhookError,
    WebhookEvent,
    WebhookMeta,
    WebhookPayloadError,
    WebhookVerificationError,
    WebhookVerifier,
    construct_event,
    parse_event,
    verify,
)

NOW = 1_700_000_000


def _public_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def public_key(private_key: Ed25519PrivateKey) -> str:
    return _public_b64(private_key)


def sign(key: Ed25519PrivateKey, body: bytes, timestamp: int | str = NOW) -> dict[str, str]:
    stamp = str(timestamp)
    signature = key.sign(stamp.encode() + b"|" + body)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": stamp,
    }


def event_body(event_id: str = "ev-1", event_type: str = "video.room.participant.joined") -> bytes:
    return json.dumps(
        {
            "data": {
                "record_type": "event",
                "event_type": event_type,
                "id": event_id,
                "occurred_at": "2024-05-01T10:00:00.123456Z",
                "payload": {
                    "room_id": "room-1",
                    "session_id": "session-1",
                    "participant_id": "participant-1",
                    "context": "Alice",
                },
            },
            "meta": {"attempt": 1, "delivered_to": "https://example.com/hooks"},
        }
    ).encode()


def reason_of(excinfo: pytest.ExceptionInfo[WebhookVerificationError]) -> VerificationFailure:
    return excinfo.value.reason


# -- verify: accepted ------------------------------------------------------------------------


def test_good_signature_is_accepted(private_key: Ed25519PrivateKey, public_key: str) -> None:
    body = event_body()
    verify(body, sign(private_key, body), public_key, now=NOW)
    with pytest.raises(WebhookVerificationError):
        verify(body + b"x", sign(private_key, body), public_key, now=NOW)


@pytest.mark.parametrize(
    "names",
    [
        ("Telnyx-Signature-Ed25519", "Telnyx-Timestamp"),
        ("TELNYX-SIGNATURE-ED25519", "TELNYX-TIMESTAMP"),
        ("telnyx-signature-ed25519", "telnyx-timestamp"),
    ],
)
def test_header_names_are_case_insensitive_in_a_plain_dict(
    private_key: Ed25519PrivateKey, public_key: str, names: tuple[str, str]
) -> None:
    body = event_body()
    signed = sign(private_key, body)
    headers = {
        names[0]: signed["telnyx-signature-ed25519"],
        names[1]: signed["telnyx-timestamp"],
        "Content-Type": "application/json",
    }
    verify(body, headers, public_key, now=NOW)


def test_multidict_headers_as_aiohttp_gives_them(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    body = event_body()
    headers = CIMultiDict({k.upper(): v for k, v in sign(private_key, body).items()})
    verify(body, headers, public_key, now=NOW)


def test_timestamp_exactly_at_the_tolerance_edge_is_accepted(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    body = event_body()
    verify(body, sign(private_key, body, NOW - 300), public_key, now=NOW)
    verify(body, sign(private_key, body, NOW + 300), public_key, now=NOW)
    verify(body, sign(private_key, body, NOW - 10), public_key, tolerance=10, now=NOW)


def test_str_body_is_checked_as_its_utf8_bytes(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    text = '{"data": {"event_type": "video.room.session.started", "payload": {"context": "Zoë"}}}'
    verify(text, sign(private_key, text.encode()), public_key, now=NOW)


def test_default_now_is_the_real_clock(private_key: Ed25519PrivateKey, public_key: str) -> None:
    body = event_body()
    verify(body, sign(private_key, body, int(time.time())), public_key)
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, sign(private_key, body, NOW), public_key)
    assert reason_of(excinfo) is VerificationFailure.TIMESTAMP_OUT_OF_TOLERANCE


def test_whitespace_around_key_and_headers_is_tolerated(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    body = event_body()
    headers = {k: f" {v} " for k, v in sign(private_key, body).items()}
    verify(body, headers, f"  {public_key}\n", now=NOW)


# -- verify: each failure reason -------------------------------------------------------------


def test_tampered_body_is_a_bad_signature(private_key: Ed25519PrivateKey, public_key: str) -> None:
    body = event_body()
    headers = sign(private_key, body)
    tampered = body.replace(b"Alice", b"Mallory")
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(tampered, headers, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.BAD_SIGNATURE
    # One byte appended is enough.
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body + b" ", headers, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.BAD_SIGNATURE


def test_tampered_timestamp_is_a_bad_signature(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    body = event_body()
    headers = sign(private_key, body, NOW)
    headers["telnyx-timestamp"] = str(NOW + 1)  # still within tolerance
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, headers, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.BAD_SIGNATURE


def test_wrong_key_is_a_bad_signature(private_key: Ed25519PrivateKey) -> None:
    body = event_body()
    other = _public_b64(Ed25519PrivateKey.generate())
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, sign(private_key, body), other, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.BAD_SIGNATURE


@pytest.mark.parametrize(
    "signature",
    [
        base64.b64encode(b"\0" * 64).decode(),  # right length, wrong bytes
        base64.b64encode(b"\0" * 63).decode(),  # too short
        base64.b64encode(b"\0" * 65).decode(),  # too long
    ],
)
def test_signature_of_wrong_content_or_length_is_bad(
    private_key: Ed25519PrivateKey, public_key: str, signature: str
) -> None:
    body = event_body()
    headers = {**sign(private_key, body), "telnyx-signature-ed25519": signature}
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, headers, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.BAD_SIGNATURE


@pytest.mark.parametrize("offset", [-301, -3600, 301, 86_400])
def test_stale_or_future_timestamp_is_rejected(
    private_key: Ed25519PrivateKey, public_key: str, offset: int
) -> None:
    body = event_body()
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, sign(private_key, body, NOW + offset), public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.TIMESTAMP_OUT_OF_TOLERANCE
    assert ("old" in str(excinfo.value)) is (offset < 0)


def test_a_nan_clock_rejects_rather_than_accepts(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    body = event_body()
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, sign(private_key, body), public_key, now=float("nan"))
    assert reason_of(excinfo) is VerificationFailure.TIMESTAMP_OUT_OF_TOLERANCE


@pytest.mark.parametrize("missing", ["telnyx-signature-ed25519", "telnyx-timestamp"])
def test_missing_header(private_key: Ed25519PrivateKey, public_key: str, missing: str) -> None:
    body = event_body()
    headers = sign(private_key, body)
    del headers[missing]
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, headers, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.MISSING_HEADER
    assert missing in str(excinfo.value)


@pytest.mark.parametrize("missing", ["telnyx-signature-ed25519", "telnyx-timestamp"])
def test_empty_header_counts_as_missing(
    private_key: Ed25519PrivateKey, public_key: str, missing: str
) -> None:
    body = event_body()
    headers = {**sign(private_key, body), missing: "  "}
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, headers, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.MISSING_HEADER


def test_no_headers_at_all(public_key: str) -> None:
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(event_body(), {}, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.MISSING_HEADER


@pytest.mark.parametrize("signature", ["not base64!", "abc", "====", "YWJj\x00"])
def test_non_base64_signature(
    private_key: Ed25519PrivateKey, public_key: str, signature: str
) -> None:
    body = event_body()
    headers = {**sign(private_key, body), "telnyx-signature-ed25519": signature}
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, headers, public_key, now=NOW)
    assert reason_of(excinfo) is VerificationFailure.BAD_BASE64
    assert signature not in str(excinfo.value)


@pytest.mark.parametrize("stamp", ["abc", "1.5", "1e9", "+1700000000", "-5", "1_700_000_000", ""])
def test_malformed_timestamp(private_key: Ed25519PrivateKey, public_key: str, stamp: str) -> None:
    body = event_body()
    # Signed with the malformed text, so only the format check can reject it.
    headers = sign(private_key, body, stamp) if stamp else sign(private_key, body)
    headers["telnyx-timestamp"] = stamp or "\t"
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify(body, headers, public_key, now=NOW)
    expected = (
        VerificationFailure.MALFORMED_TIMESTAMP if stamp else VerificationFailure.MISSING_HEADER
    )
    assert reason_of(excinfo) is expected


def test_errors_are_library_errors_and_pickle() -> None:
    error = WebhookVerificationError(VerificationFailure.BAD_SIGNATURE, "no match")
    assert isinstance(error, WebhookError)
    assert isinstance(error, TelnyxError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is WebhookVerificationError
    assert copy.reason is VerificationFailure.BAD_SIGNATURE
    assert str(copy) == "no match"
    assert VerificationFailure("bad_base64") is VerificationFailure.BAD_BASE64
    assert json.dumps(VerificationFailure.BAD_BASE64) == '"bad_base64"'
    assert issubclass(WebhookPayloadError, ValueError)


# -- fail closed: no key, bad key, bad settings ------------------------------------------------


@pytest.mark.parametrize("key", ["", "   ", None])
def test_no_key_is_an_error_never_acceptance(
    private_key: Ed25519PrivateKey, key: str | None
) -> None:
    body = event_body()
    with pytest.raises(ConfigurationError, match="no webhook public key"):
        verify(body, sign(private_key, body), key, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "match"),
    [
        ("not a key!", "not valid base64"),
        (base64.b64encode(b"\1" * 31).decode(), "32 bytes"),
        (base64.b64encode(b"\1" * 44).decode(), "32 bytes"),
    ],
)
def test_malformed_key_is_a_configuration_error(
    private_key: Ed25519PrivateKey, key: str, match: str
) -> None:
    body = event_body()
    with pytest.raises(ConfigurationError, match=match):
        verify(body, sign(private_key, body), key, now=NOW)
    with pytest.raises(ConfigurationError, match=match):
        WebhookVerifier(key)


def test_key_error_wins_over_missing_headers() -> None:
    # A misconfigured server must fail loudly on every request, not just on signed ones.
    with pytest.raises(ConfigurationError):
        verify(b"{}", {}, "", now=NOW)


def test_verifier_without_key_or_env_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELNYX_PUBLIC_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="TELNYX_PUBLIC_KEY"):
        WebhookVerifier()
    monkeypatch.setenv("TELNYX_PUBLIC_KEY", "")
    with pytest.raises(ConfigurationError):
        WebhookVerifier()


def test_verifier_reads_key_from_env(
    monkeypatch: pytest.MonkeyPatch, private_key: Ed25519PrivateKey, public_key: str
) -> None:
    monkeypatch.setenv("TELNYX_PUBLIC_KEY", public_key)
    verifier = WebhookVerifier()
    body = event_body()
    verifier.verify(body, sign(private_key, body), now=NOW)
    assert public_key not in repr(verifier)


@pytest.mark.parametrize("tolerance", [-1, float("nan"), float("inf"), True, "300"])
def test_bad_tolerance_is_rejected(public_key: str, tolerance: Any) -> None:
    with pytest.raises(ConfigurationError, match="tolerance"):
        WebhookVerifier(public_key, tolerance=tolerance)
    with pytest.raises(ConfigurationError, match="tolerance"):
        verify(b"{}", {}, public_key, tolerance=tolerance)


@pytest.mark.parametrize("size", [0, -1, 1.5, True])
def test_bad_max_tracked_events_is_rejected(public_key: str, size: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_tracked_events"):
        WebhookVerifier(public_key, max_tracked_events=size)


# -- construct_event and the verifier ----------------------------------------------------------


def test_construct_event_verifies_then_parses(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    body = event_body()
    event = construct_event(body, sign(private_key, body), public_key, now=NOW)
    assert isinstance(event, ParticipantJoinedEvent)
    assert event.payload.context == "Alice"
    with pytest.raises(WebhookVerificationError):
        construct_event(body.replace(b"Alice", b"Eve"), sign(private_key, body), public_key)


def test_construct_event_does_not_parse_a_forged_body(public_key: str) -> None:
    forger = Ed25519PrivateKey.generate()
    body = b"not json at all"
    with pytest.raises(WebhookVerificationError):
        construct_event(body, sign(forger, body), public_key, now=NOW)


def test_verifier_checks_like_verify(private_key: Ed25519PrivateKey, public_key: str) -> None:
    verifier = WebhookVerifier(public_key, tolerance=60)
    body = event_body()
    verifier.verify(body, sign(private_key, body), now=NOW)
    with pytest.raises(WebhookVerificationError) as excinfo:
        verifier.verify(body, sign(private_key, body, NOW - 61), now=NOW)
    assert reason_of(excinfo) is VerificationFailure.TIMESTAMP_OUT_OF_TOLERANCE
    # verify() alone keeps no memory: the same delivery passes twice.
    verifier.verify(body, sign(private_key, body), now=NOW)
    assert verifier.tracked_events == 0


def test_replay_is_rejected(private_key: Ed25519PrivateKey, public_key: str) -> None:
    verifier = WebhookVerifier(public_key)
    body = event_body("ev-replay")
    headers = sign(private_key, body)
    first = verifier.construct_event(body, headers, now=NOW)
    assert first.id == "ev-replay"
    with pytest.raises(WebhookVerificationError) as excinfo:
        verifier.construct_event(body, headers, now=NOW + 5)
    assert reason_of(excinfo) is VerificationFailure.REPLAYED
    # A re-signed copy with a fresh timestamp is the same event: still rejected.
    with pytest.raises(WebhookVerificationError) as excinfo:
        verifier.construct_event(body, sign(private_key, body, NOW + 10), now=NOW + 10)
    assert reason_of(excinfo) is VerificationFailure.REPLAYED
    # Another event passes.
    other = event_body("ev-other")
    verifier.construct_event(other, sign(private_key, other), now=NOW)


def test_replay_window_ends_with_the_tolerance(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    verifier = WebhookVerifier(public_key, tolerance=60)
    body = event_body("ev-window")
    verifier.construct_event(body, sign(private_key, body, NOW), now=NOW)
    # The original delivery is now too old for the timestamp check itself.
    with pytest.raises(WebhookVerificationError) as excinfo:
        verifier.construct_event(body, sign(private_key, body, NOW), now=NOW + 61)
    assert reason_of(excinfo) is VerificationFailure.TIMESTAMP_OUT_OF_TOLERANCE
    # A later delivery of the same id, after the window, is accepted and the table shrank.
    later = NOW + 120
    verifier.construct_event(body, sign(private_key, body, later), now=later)
    assert verifier.tracked_events == 1


def test_forget_lets_an_event_through_again(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    verifier = WebhookVerifier(public_key)
    body = event_body("ev-forget")
    verifier.construct_event(body, sign(private_key, body), now=NOW)
    verifier.forget("ev-forget")
    verifier.forget("never-seen")  # no error
    assert verifier.construct_event(body, sign(private_key, body), now=NOW).id == "ev-forget"


def test_replay_guard_can_be_turned_off(private_key: Ed25519PrivateKey, public_key: str) -> None:
    verifier = WebhookVerifier(public_key, replay_guard=False)
    body = event_body("ev-twice")
    headers = sign(private_key, body)
    verifier.construct_event(body, headers, now=NOW)
    verifier.construct_event(body, headers, now=NOW)
    assert verifier.tracked_events == 0


def test_replay_memory_is_bounded(private_key: Ed25519PrivateKey, public_key: str) -> None:
    verifier = WebhookVerifier(public_key, max_tracked_events=3)
    bodies = [event_body(f"ev-{i}") for i in range(5)]
    for body in bodies:
        verifier.construct_event(body, sign(private_key, body), now=NOW)
    assert verifier.tracked_events == 3
    # The newest ids are still guarded; the oldest were dropped first (documented).
    with pytest.raises(WebhookVerificationError):
        verifier.construct_event(bodies[4], sign(private_key, bodies[4]), now=NOW)
    verifier.construct_event(bodies[0], sign(private_key, bodies[0]), now=NOW)


def test_expired_ids_are_purged(private_key: Ed25519PrivateKey, public_key: str) -> None:
    verifier = WebhookVerifier(public_key, tolerance=10)
    for i in range(20):
        body = event_body(f"ev-{i}")
        verifier.construct_event(body, sign(private_key, body), now=NOW)
    assert verifier.tracked_events == 20
    body = event_body("ev-late")
    verifier.construct_event(body, sign(private_key, body, NOW + 100), now=NOW + 100)
    assert verifier.tracked_events == 1


def test_forged_events_do_not_fill_the_table(public_key: str) -> None:
    verifier = WebhookVerifier(public_key, max_tracked_events=2)
    forger = Ed25519PrivateKey.generate()
    for i in range(5):
        body = event_body(f"forged-{i}")
        with pytest.raises(WebhookVerificationError):
            verifier.construct_event(body, sign(forger, body), now=NOW)
    assert verifier.tracked_events == 0


def test_an_event_without_id_is_not_tracked(
    private_key: Ed25519PrivateKey, public_key: str
) -> None:
    verifier = WebhookVerifier(public_key)
    body = b'{"data": {"event_type": "video.room.session.started", "payload": {}}}'
    event = verifier.construct_event(body, sign(private_key, body), now=NOW)
    assert isinstance(event, SessionStartedEvent)
    assert event.id is None
    assert verifier.tracked_events == 0


# -- parse_event -------------------------------------------------------------------------------


def test_parse_gives_a_frozen_typed_event() -> None:
    event = parse_event(event_body())
    assert isinstance(event, ParticipantJoinedEvent)
    assert event == ParticipantJoinedEvent(
        id="ev-1",
        event_type="video.room.participant.joined",
        occurred_at=event.occurred_at,
        record_type="event",
        payload=ParticipantJoinedPayload(
            room_id="room-1",
            session_id="session-1",
            participant_id="participant-1",
            context="Alice",
        ),
    )
    assert event.occurred_at is not None
    assert event.occurred_at.isoformat() == "2024-05-01T10:00:00.123456+00:00"
    assert event.meta == WebhookMeta(attempt=1, delivered_to="https://example.com/hooks")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.id = "other"  # type: ignore[misc]
    assert hash(event) == hash(parse_event(event_body()))


def test_parse_ignores_unknown_fields() -> None:
    body = json.dumps(
        {
            "data": {
                "event_type": "video.room.session.ended",
                "id": "e",
                "new_top_level": [1, 2],
                "payload": {"room_id": "r", "duration_secs": 12, "brand_new": {"x": 1}},
            },
            "meta": {"attempt": 3, "extra": True},
        }
    )
    event = parse_event(body)
    assert isinstance(event, SessionEndedEvent)
    assert event.payload.duration_secs == 12
    assert event.meta is not None
    assert event.meta.attempt == 3


@pytest.mark.parametrize("payload", ["null", "[]", '"text"', None])
def test_missing_or_odd_payload_gives_an_empty_one(payload: str | None) -> None:
    inner = '"event_type": "video.room.session.started", "id": "e"'
    if payload is not None:
        inner += f', "payload": {payload}'
    event = parse_event('{"data": {' + inner + "}}")
    assert isinstance(event, SessionStartedEvent)
    assert event.payload.room_id is None


def test_unknown_event_type_is_never_an_exception() -> None:
    body = json.dumps(
        {
            "data": {
                "event_type": "video.room.something.new",
                "id": "e-new",
                "occurred_at": "2024-05-01T10:00:00Z",
                "record_type": "event",
                "payload": {"anything": [1, {"deep": True}], "room_id": "r"},
            }
        }
    )
    event = parse_event(body)
    assert type(event) is UnknownEvent
    assert event.event_type == "video.room.something.new"
    assert event.id == "e-new"
    assert event.payload == {"anything": (1, {"deep": True}), "room_id": "r"}  # read-only copy
    hash(event)  # frozen events stay hashable, raw payload or not


@pytest.mark.parametrize("event_type", [None, 42, ["x"]])
def test_missing_or_non_string_event_type_is_unknown(event_type: Any) -> None:
    data: dict[str, Any] = {"id": "e", "payload": {"a": 1}}
    if event_type is not None:
        data["event_type"] = event_type
    event = parse_event(json.dumps({"data": data}))
    assert type(event) is UnknownEvent
    assert event.payload == {"a": 1}


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'"data"', b"{}", b'{"data": null}', b'{"data": [1]}'],
)
def test_a_body_that_is_not_an_event_document(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_event(body)


def test_a_bad_timestamp_in_the_body_is_a_payload_error() -> None:
    body = b'{"data": {"event_type": "video.room.session.started", "occurred_at": "yesterday"}}'
    with pytest.raises(WebhookPayloadError, match="SessionStartedEvent"):
        parse_event(body)


def test_events_work_with_match() -> None:
    def describe(event: WebhookEvent) -> str:
        match event:
            case ParticipantJoinedEvent(payload=ParticipantJoinedPayload(context=context)):
                return f"joined {context}"
            case UnknownEvent(event_type=kind):
                return f"unknown {kind}"
            case _:
                return "other"

    assert describe(parse_event(event_body())) == "joined Alice"
    assert describe(parse_event(event_body(event_type="video.room.x"))) == "unknown video.room.x"
    assert describe(parse_event(event_body(event_type="video.room.session.started"))) == "other"


# -- every event in the spec parses from the spec's own example -------------------------------

EXPECTED_CLASSES: dict[str, type[Any]] = {
    "SessionStartedEvent": SessionStartedEvent,
    "SessionEndedEvent": SessionEndedEvent,
    "ParticipantJoinedEvent": ParticipantJoinedEvent,
    "ParticipantLeftEvent": ParticipantLeftEvent,
    "RecordingStartedEvent": RecordingStartedEvent,
    "RecordingCompletedEvent": RecordingCompletedEvent,
    "CompositionCompletedEvent": CompositionCompletedEvent,
}
BY_EVENT_TYPE = {cls.EVENT_TYPE: cls for cls in EXPECTED_CLASSES.values()}


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_FILE.read_text())
    return spec


def _event_schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    ref = schemas[name]["properties"]["data"]["$ref"]
    data: dict[str, Any] = schemas[ref.rsplit("/", 1)[1]]
    return data


def test_the_spec_has_exactly_the_modelled_event_schemas() -> None:
    schemas = _spec()["components"]["schemas"]
    events = {
        name
        for name, schema in schemas.items()
        if name.endswith("Event") and "data" in schema.get("properties", {})
    }
    assert events == set(EXPECTED_CLASSES)


@pytest.mark.parametrize("name", sorted(EXPECTED_CLASSES))
def test_spec_event_parses_from_its_example(name: str) -> None:
    schema = _event_schema(_spec(), name)
    example = schema["example"]
    declared = schema["properties"]["event_type"]["enum"][0]
    cls = EXPECTED_CLASSES[name]
    assert declared == cls.EVENT_TYPE

    # The example under its schema's own event type: every field lands on the model.
    event = parse_event(json.dumps({"data": {**example, "event_type": declared}}))
    assert type(event) is cls
    assert event.id == example["id"]
    assert event.record_type == "event"
    assert event.occurred_at is not None
    assert event.occurred_at.tzinfo is not None
    assert event.occurred_at.year == int(example["occurred_at"][:4])
    for key, value in example["payload"].items():
        assert getattr(event.payload, key) == value, key
    # Every payload property the schema documents is a field of the model.
    assert attrs.has(type(event.payload))
    payload_fields = {f.name for f in attrs.fields(type(event.payload))}  # type: ignore[arg-type]
    assert set(schema["properties"]["payload"]["properties"]) == payload_fields

    # The example byte for byte, as the vendor wrote it (some carry another event's type):
    # it parses, into the class its own event_type names, without any error.
    as_written = parse_event(json.dumps({"data": example}).encode())
    assert type(as_written) is BY_EVENT_TYPE[example["event_type"]]
    assert as_written.event_type == example["event_type"]
    assert as_written.id == example["id"]


def test_absurdly_nested_json_is_a_payload_error() -> None:
    with pytest.raises(WebhookPayloadError):
        parse_event(b"[" * 100_000 + b"]" * 100_000)


def test_every_event_class_is_in_the_union_and_the_table() -> None:
    # The union is the one list: a class left out of it would never be parsed into.
    from telnyx_rooms_async.webhooks import _events

    declared = {
        value
        for value in vars(_events).values()
        if isinstance(value, type) and value.__name__.endswith("Event") and attrs.has(value)
    }
    assert declared == set(typing.get_args(WebhookEvent))
    assert set(_events._EVENT_CLASSES.values()) == declared - {UnknownEvent}
    for event_type, cls in _events._EVENT_CLASSES.items():
        payload = typing.get_type_hints(cls)["payload"]
        assert parse_event(json.dumps({"data": {"event_type": event_type}})) == cls(
            event_type=event_type, payload=payload()
        )
