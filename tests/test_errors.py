"""``error_for`` on every error shape and status, and the error hierarchy."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from multidict import CIMultiDict

from telnyx_rooms_async import (
    APIConnectionError,
    APIErrorDetail,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    ErrorSource,
    InternalServerError,
    InvalidParams,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    RoomsClient,
    TelnyxError,
    UnprocessableEntityError,
)
from telnyx_rooms_async._errors import error_for
from telnyx_rooms_async.testing import FakeRoomsAPI


def _json(doc: Any) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
        (405, APIStatusError),
        (408, APIStatusError),
        (418, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_picks_the_class(status: int, cls: type[APIStatusError]) -> None:
    err = error_for(status, {}, b"")
    assert type(err) is cls
    assert err.status == status
    assert isinstance(err, APIStatusError)
    assert isinstance(err, TelnyxError)
    assert str(err).startswith(f"HTTP {status}")


JSONAPI = _json(
    {
        "errors": [
            {
                "code": "10015",
                "title": "Invalid attribute",
                "detail": "max_participants must be an integer between 2 and 50",
                "source": {"pointer": "/max_participants"},
                "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10015"},
            },
            {"code": "10016", "title": "Other", "source": {"parameter": "page[size]"}},
        ]
    }
)
BARE = _json({"code": "10005", "title": "Resource not found", "detail": "Room was not found."})
MESSAGE = _json({"message": "Unauthorized access", "success": False})
HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n" + b"<!-- padding -->" * 40 + b"</body></html>"
)


def test_jsonapi_errors_array() -> None:
    err = error_for(422, {}, JSONAPI)
    assert isinstance(err, UnprocessableEntityError)
    assert len(err.errors) == 2
    first, second = err.errors
    assert first == APIErrorDetail(
        code="10015",
        title="Invalid attribute",
        detail="max_participants must be an integer between 2 and 50",
        source=ErrorSource(pointer="/max_participants"),
    )
    assert first.meta == {"url": "https://developers.telnyx.com/docs/overview/errors/10015"}
    assert second.source == ErrorSource(parameter="page[size]")
    assert second.detail is None
    assert err.code == "10015"
    assert err.text is None
    text = str(err)
    assert text.startswith("HTTP 422")
    assert "[10015] Invalid attribute" in text
    assert "max_participants must be an integer between 2 and 50" in text
    assert "at /max_participants" in text
    assert "(+1 more)" in text


def test_bare_error_object() -> None:
    err = error_for(404, {"x-request-id": "req-404"}, BARE)
    assert isinstance(err, NotFoundError)
    assert err.errors == (
        APIErrorDetail(code="10005", title="Resource not found", detail="Room was not found."),
    )
    assert err.code == "10005"
    assert err.request_id == "req-404"
    assert str(err) == (
        "HTTP 404 — [10005] Resource not found — Room was not found. — request id req-404"
    )


def test_message_success_false() -> None:
    err = error_for(401, {}, MESSAGE)
    assert isinstance(err, AuthenticationError)
    assert err.errors == (APIErrorDetail(title="Unauthorized access"),)
    assert err.code is None
    assert "Unauthorized access" in str(err)


@pytest.mark.parametrize("body", [b"", b"   ", b"\r\n"])
def test_empty_body(body: bytes) -> None:
    err = error_for(503, {}, body)
    assert isinstance(err, InternalServerError)
    assert err.errors == ()
    assert err.text is None
    assert str(err) == "HTTP 503"


def test_html_page_from_a_proxy() -> None:
    err = error_for(502, {"Content-Type": "text/html"}, HTML)
    assert isinstance(err, InternalServerError)
    assert err.errors == ()
    assert err.text is not None
    assert err.text.startswith("<html>")
    assert len(err.text) <= 200  # only the start is kept
    text = str(err)
    assert "502 Bad Gateway" in text
    assert "\n" not in text
    assert "\r" not in text
    assert len(text) < 200


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'{"unexpected": "shape"}',
        b"[1, 2, 3]",
        b'"Service Unavailable"',
        b"\xff\xfe\x00garbage",
    ],
)
def test_other_bodies_keep_their_start(body: bytes) -> None:
    err = error_for(500, {}, body)
    assert isinstance(err, InternalServerError)
    assert err.errors == ()
    assert err.text == body.decode("utf-8", "replace")
    assert "body:" in str(err)


def test_error_fields_of_odd_types_become_text() -> None:
    body = _json(
        {"errors": [{"code": 10005, "title": None, "source": "nowhere", "meta": [1]}, "junk", 5]}
    )
    err = error_for(400, {}, body)
    assert err.errors == (APIErrorDetail(code="10005"),)
    assert err.errors[0].source is None
    assert err.errors[0].meta is None
    assert str(err) == "HTTP 400 — [10005]"


def test_empty_errors_array() -> None:
    err = error_for(409, {}, _json({"errors": []}))
    assert isinstance(err, ConflictError)
    assert err.errors == ()
    assert str(err) == "HTTP 409"


@pytest.mark.parametrize(
    "headers",
    [
        {"x-request-id": "abc-123"},
        {"X-Request-Id": "abc-123"},
        CIMultiDict({"X-REQUEST-ID": "abc-123"}),
    ],
)
def test_request_id_from_any_header_case(headers: Any) -> None:
    err = error_for(500, headers, b"")
    assert err.request_id == "abc-123"
    assert str(err).endswith("request id abc-123")


def test_no_request_id() -> None:
    assert error_for(500, {}, b"").request_id is None
    assert error_for(500, {"x-request-id": ""}, b"").request_id is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "5"}, 5.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After": "later"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    err = error_for(429, headers, b"")
    assert isinstance(err, RateLimitError)
    assert err.retry_after == expected
    if expected is not None:
        assert f"retry after {expected:g}s" in str(err)
    else:
        assert "retry after" not in str(err)


def test_str_and_repr_of_a_full_error() -> None:
    err = error_for(
        429,
        {"x-request-id": "r-1", "Retry-After": "2"},
        _json({"errors": [{"code": "10011", "title": "Too many requests"}]}),
    )
    assert str(err) == "HTTP 429 — [10011] Too many requests — retry after 2s — request id r-1"
    assert repr(err) == f"RateLimitError({str(err)!r})"


def test_detail_equal_to_title_is_not_repeated() -> None:
    err = error_for(403, {}, _json({"title": "Forbidden", "detail": "Forbidden"}))
    assert isinstance(err, PermissionDeniedError)
    assert str(err) == "HTTP 403 — Forbidden"


def test_hierarchy() -> None:
    assert issubclass(InvalidParams, ValueError)
    assert issubclass(InvalidParams, TelnyxError)
    assert issubclass(ConfigurationError, TelnyxError)
    assert issubclass(ClientClosedError, TelnyxError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, TelnyxError)
    assert issubclass(ResponseTooLargeError, APIResponseValidationError)
    assert issubclass(APIResponseValidationError, TelnyxError)
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        UnprocessableEntityError,
        RateLimitError,
        InternalServerError,
    ):
        assert issubclass(cls, APIStatusError)


def test_invalid_params_names_field_and_rule() -> None:
    err = InvalidParams("max_participants", "must be an integer from 2 to 50")
    assert err.field == "max_participants"
    assert err.rule == "must be an integer from 2 to 50"
    assert str(err) == "max_participants: must be an integer from 2 to 50"


@pytest.mark.parametrize(
    "err",
    [
        InvalidParams("page_size", "must be an integer from 1 to 250"),
        APIConnectionError("could not connect", request_sent=False),
        APITimeoutError("the attempt timed out", request_sent=True),
        APIResponseValidationError("the reply is not valid JSON", status=200),
        ResponseTooLargeError("too big", status=200),
        error_for(422, {"x-request-id": "r", "Retry-After": "1"}, JSONAPI),
        error_for(502, {}, HTML),
    ],
)
def test_errors_survive_pickling(err: TelnyxError) -> None:
    # Errors cross process boundaries (executors, task queues) by pickle.
    vars(err)["__notes__"] = ["while syncing rooms"]  # add_note() is 3.11+
    copy = pickle.loads(pickle.dumps(err))
    assert vars(copy)["__notes__"] == ["while syncing rooms"]
    assert type(copy) is type(err)
    assert str(copy) == str(err)
    assert vars(copy) == vars(err)


async def test_error_classes_from_the_fake_api(fake: FakeRoomsAPI, client: RoomsClient) -> None:
    with pytest.raises(NotFoundError) as not_found:
        await client.rooms.retrieve("0b1f3c1e-0000-4000-8000-000000000000")
    assert not_found.value.code == "10005"
    assert not_found.value.request_id  # the fake sends x-request-id on every reply
    assert not_found.value.request_id in str(not_found.value)

    await client.rooms.create(unique_name="taken")
    with pytest.raises(UnprocessableEntityError) as unprocessable:
        await client.rooms.create(unique_name="taken")
    assert unprocessable.value.errors[0].source == ErrorSource(pointer="/unique_name")
    assert "at /unique_name" in str(unprocessable.value)

    fake.faults.fail("GET", "/v2/rooms", status=403, body={"title": "Forbidden"})
    with pytest.raises(PermissionDeniedError):
        await client.rooms.list()

    fake.faults.respond("GET", "/v2/rooms", status=502, body=HTML, content_type="text/html")
    with pytest.raises(InternalServerError) as bad_gateway:
        await client.with_options(max_retries=0).rooms.list()
    assert bad_gateway.value.text is not None
    assert "502 Bad Gateway" in bad_gateway.value.text

    fake.faults.respond("DELETE", "/v2/rooms/*", status=400, body=MESSAGE)
    with pytest.raises(BadRequestError) as bad_request:
        await client.rooms.delete("some-id")
    assert bad_request.value.errors[0].title == "Unauthorized access"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"api_key": " "}, "api_key"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"base_url": "http://example.com/v2"}, "allow_insecure_http"),
        ({"timeout": -1}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"headers": {"Authorization": "x"}}, "headers"),
    ],
)
def test_configuration_errors_name_the_argument(kwargs: dict[str, Any], argument: str) -> None:
    from telnyx_rooms_async import ConfigurationError, RoomsClient

    kwargs.setdefault("api_key", "KEY")
    with pytest.raises(ConfigurationError) as caught:
        RoomsClient(**kwargs)
    assert caught.value.argument == argument
    assert pickle.loads(pickle.dumps(caught.value)).argument == argument
