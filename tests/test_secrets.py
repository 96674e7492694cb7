"""The API key never leaves: not in a repr, str, log record or exception, on any error path.

A hypothesis property runs the client into every kind of failure (error statuses with every
error-body shape, refused and reset connections, bodies cut short, read timeouts and
deadlines, bad replies, invalid arguments, a closed client) with a random key, capturing
DEBUG logs of every logger, and looks for the key in everything a user could print: the
exception, its ``__cause__``/``__context__`` chain and traceback, its attributes, retry
events, the client's repr and every log record. Then the transport rules: no bearer token
over plain http to a non-loopback host unless allowed, and TLS verification on by default.
First of all the basics: the key shows up in no repr, str, pickle, exception text,
traceback or log record of an ordinary call.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import ipaddress
import logging
import os
import pickle
import socket
import ssl
import string
import tempfile
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawserver import RawServer, echo_headers, refused_port, respond

from telnyx_rooms_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InvalidParams,
    RetryEvent,
    Room,
    RoomsClient,
    TelnyxError,
)
from telnyx_rooms_async._secret import Secret
from telnyx_rooms_async.testing import FakeRoomsAPI

KEYS = st.text(string.ascii_letters + string.digits + "_-", min_size=12, max_size=40).map(
    lambda s: f"KEY{s}"
)

# -- what a user could print ----------------------------------------------------------------


def exception_texts(exc: BaseException) -> Iterator[str]:
    """Every text an exception, its chain and its attributes can show."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    yield "".join(traceback.format_exception(exc))
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        for name in dir(current):
            if name.startswith("__"):
                continue
            try:
                value = getattr(current, name)
            except Exception as error:  # a property may refuse; its message counts too
                value = error
            if not callable(value):
                yield repr(value)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


class Captured(logging.Handler):
    """Every record of every logger, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.texts.append(repr(record.args))


LOGGERS = ("", "telnyx_rooms_async", "aiohttp", "aiohttp.client", "aiohttp.server", "asyncio")


class capture_logs:
    """Route every listed logger's DEBUG records into one handler, for a ``with`` block."""

    def __init__(self) -> None:
        self.handler = Captured()
        self._saved: list[tuple[logging.Logger, int]] = []

    def __enter__(self) -> Captured:
        for name in LOGGERS:
            logger = logging.getLogger(name)
            self._saved.append((logger, logger.level))
            logger.setLevel(logging.DEBUG)
        logging.getLogger().addHandler(self.handler)
        return self.handler

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self.handler)
        for logger, level in self._saved:
            logger.setLevel(level)


def assert_hidden(key: str, texts: list[str], what: str) -> None:
    """The key is in none of ``texts``."""
    leaks = [t for t in texts if key in t]
    assert not leaks, f"the API key leaked through {what}: {leaks[0][:300]!r}"


# -- the error paths ------------------------------------------------------------------------

Call = Callable[[RoomsClient], Awaitable[Any]]

ERROR_BODIES: dict[str, tuple[bytes, str]] = {
    "errors": (
        b'{"errors": [{"code": "10015", "title": "Invalid", "detail": "bad",'
        b' "source": {"pointer": "/max_participants"}, "meta": {"url": "https://x"}}]}',
        "application/json",
    ),
    "bare": (b'{"code": "10005", "title": "Resource not found"}', "application/json"),
    "message": (b'{"message": "Error", "success": false}', "application/json"),
    "html": (b"<html><body>502 Bad Gateway</body></html>", "text/html"),
    "empty": (b"", "application/json"),
    "junk": (b"\xff\xfe not json at all", "application/octet-stream"),
}
STATUSES = (400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504)
BAD_2XX = (b"", b"{", b"[]", b'{"data": []}', b'{"data": {"no_id": 1}}', b"<html></html>")

CALLS: dict[str, Call] = {
    "retrieve": lambda c: c.rooms.retrieve("room-1"),
    "create": lambda c: c.rooms.create(unique_name="r", max_participants=5),
    "list": lambda c: c.rooms.list(page_size=5),
    "update": lambda c: c.rooms.update("room-1", max_participants=3),
    "delete": lambda c: c.rooms.delete("room-1"),
}

INVALID_CALLS: dict[str, Call] = {
    "max_participants": lambda c: c.rooms.create(max_participants=1),
    "webhook_url": lambda c: c.rooms.create(webhook_event_url="not a url"),
    "room_id_slash": lambda c: c.rooms.retrieve("a/b"),
    "room_id_dotdot": lambda c: c.rooms.retrieve(".."),
    "page_size": lambda c: c.rooms.list(page_size=0),
    "date": lambda c: c.rooms.list(date_created_at_gte="yesterday"),
}


async def run_path(key: str, path: str, variant: str, status: int, call: str) -> list[str]:
    """Drive one error path; return every text a user could see from it."""
    texts: list[str] = []
    events: list[RetryEvent] = []
    outcome: object = None

    async def attempt(client: RoomsClient, fn: Call) -> None:
        nonlocal outcome
        texts.extend([repr(client), str(client), repr(client.rooms)])
        try:
            outcome = await fn(client)
        except (TelnyxError, ValueError, TypeError) as exc:
            outcome = exc
            texts.extend(exception_texts(exc))

    def client_for(base_url: str, **options: Any) -> RoomsClient:
        settings_: dict[str, Any] = {
            "timeout": 2.0,
            "connect_timeout": 0.5,
            "read_timeout": 0.5,
            "max_retries": 1,
            "on_retry": events.append,
            **options,
        }
        return RoomsClient(key, base_url=base_url, **settings_)

    if path == "refused":
        async with client_for(f"http://127.0.0.1:{refused_port()}/v2") as client:
            await attempt(client, CALLS[call])
    elif path == "echo":
        async with RawServer(echo_headers(status, as_json=variant == "errors")) as server:
            async with client_for(server.base_url, max_retries=0) as client:
                await attempt(client, CALLS[call])
    else:
        async with FakeRoomsAPI(api_key=key) as fake:
            async with client_for(fake.base_url) as client:
                view = client.with_options(read_timeout=0.05, timeout=0.3)
                texts.extend([repr(view), str(view)])
                if path == "status":
                    body, content_type = ERROR_BODIES[variant]
                    fake.faults.respond(
                        "*",
                        "/v2/rooms*",
                        status=status,
                        body=body,
                        content_type=content_type,
                        headers={"Retry-After": "0", "x-request-id": "req-1"},
                        times=None,
                    )
                    await attempt(client, CALLS[call])
                elif path == "reset":
                    fake.faults.reset("*", "/v2/rooms*", after_handling=variant == "after")
                    await attempt(client, CALLS[call])
                elif path == "truncate":
                    fake.faults.truncate("*", "/v2/rooms*", times=None)
                    await attempt(client, CALLS[call])
                elif path == "timeout":
                    if variant == "drip":
                        fake.faults.drip("*", "/v2/rooms*", interval=0.1, times=None)
                    else:
                        fake.faults.delay("*", "/v2/rooms*", 1.0, times=None)
                    await attempt(view, CALLS[call])
                elif path == "bad_2xx":
                    body = BAD_2XX[status % len(BAD_2XX)]
                    fake.faults.respond("*", "/v2/rooms*", body=body, times=None)
                    await attempt(client, CALLS[call])
                elif path == "invalid":
                    await attempt(client, INVALID_CALLS[variant])
                    assert fake.calls() == 0
                elif path == "wrong_key":
                    async with client_for(fake.base_url, max_retries=0) as other:
                        await attempt(other, CALLS[call])
                        await attempt(other.with_options(timeout=1), CALLS[call])
                    # the fake's own key differs: a 401 with its error document
                    fake.api_key = key + "-other"
                    await attempt(client, CALLS[call])
                else:  # pragma: no cover - the strategy draws only the paths above
                    raise AssertionError(path)
            await attempt(client, CALLS[call])  # closed client
    for event in events:
        texts.extend([repr(event), str(event)])
        texts.extend(exception_texts(event.exception))
    if isinstance(outcome, BaseException):
        texts.append(f"{outcome!r}")
    return texts


PATHS = st.one_of(
    st.tuples(
        st.just("status"),
        st.sampled_from(sorted(ERROR_BODIES)),
        st.sampled_from(STATUSES),
    ),
    st.tuples(st.just("refused"), st.just(""), st.just(0)),
    st.tuples(st.just("reset"), st.sampled_from(["before", "after"]), st.just(0)),
    st.tuples(st.just("truncate"), st.just(""), st.just(0)),
    st.tuples(st.just("timeout"), st.sampled_from(["drip", "delay"]), st.just(0)),
    st.tuples(st.just("bad_2xx"), st.just(""), st.integers(0, len(BAD_2XX) - 1)),
    st.tuples(st.just("invalid"), st.sampled_from(sorted(INVALID_CALLS)), st.just(0)),
    st.tuples(st.just("wrong_key"), st.just(""), st.just(0)),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(key=KEYS, path=PATHS, call=st.sampled_from(sorted(CALLS)))
def test_key_never_leaks_on_error_paths(key: str, path: tuple[str, str, int], call: str) -> None:
    kind, variant, status = path
    with capture_logs() as logs:
        texts = asyncio.run(run_path(key, kind, variant, status, call))
    assert texts, "the path produced nothing to inspect"
    assert_hidden(key, texts, f"{kind}/{variant}/{status} {call}")
    assert_hidden(key, logs.texts, f"a log record on {kind}/{variant}/{status} {call}")


@pytest.mark.parametrize("status", [401, 502])
@pytest.mark.parametrize("variant", ["html", "errors"])
async def test_key_echoed_by_a_proxy_is_not_repeated(status: int, variant: str) -> None:
    """An error page that repeats the request headers must not carry the key into the error.

    Debugging proxies and some gateways answer with the request's headers in the body; the
    client keeps the start of such a body (``APIStatusError.text``) or its ``detail``.
    """
    key = "KEY-echoed-by-proxy-0123456789"
    with capture_logs() as logs:
        texts = await run_path(key, "echo", variant, status, "retrieve")
    assert any("user-agent" in t for t in texts), "the rest of the body should remain"
    assert_hidden(key, texts, f"an echoed {variant} {status} body")
    assert_hidden(key, logs.texts, "a log record")


async def test_every_error_path_is_exercised() -> None:
    """Each path of the property really fails the way it is meant to (not silently passes)."""
    key = "KEY-exercised-0123456789"
    for path, variant, status in [
        ("status", "errors", 422),
        ("echo", "html", 502),
        ("refused", "", 0),
        ("reset", "before", 0),
        ("truncate", "", 0),
        ("timeout", "drip", 0),
        ("bad_2xx", "", 1),
        ("invalid", "room_id_slash", 0),
    ]:
        texts = await run_path(key, path, variant, status, "retrieve")
        joined = "\n".join(texts)
        assert "Error" in joined, (path, joined[:500])


async def test_debug_logs_are_written_and_clean(fake: FakeRoomsAPI) -> None:
    """DEBUG logging is on in the property above; prove the library does log there."""
    with capture_logs() as logs:
        fake.faults.fail("GET", "/v2/rooms*", status=503, headers={"Retry-After": "0"})
        async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
            await client.rooms.list()
    assert any("telnyx_rooms_async" in t and "retry" in t for t in logs.texts), logs.texts
    assert_hidden(fake.api_key, logs.texts, "a log record")


def test_client_repr_and_pickling_hide_the_key() -> None:
    key = "KEY-repr-check-0123456789"
    client = RoomsClient(key, base_url="http://127.0.0.1:1/v2")
    view = client.with_options(timeout=1)
    texts = [repr(client), str(client), repr(view), repr(client.rooms), repr(vars(RoomsClient))]
    texts += [repr(getattr(client, name, None)) for name in RoomsClient.__slots__]
    assert_hidden(key, texts, "the client's repr")
    with pytest.raises(TypeError) as caught:
        pickle.dumps(client)
    assert_hidden(key, list(exception_texts(caught.value)), "a pickling error")


@pytest.mark.parametrize(
    "build",
    [
        lambda k: RoomsClient(k, base_url="http://api.example.com/v2"),
        lambda k: RoomsClient(k + "\n", base_url="https://api.example.com/v2"),
        lambda k: RoomsClient(k, headers={"Authorization": f"Bearer {k}"}),
        lambda k: RoomsClient(k, base_url=f"https://user:{k}@api.example.com/v2"),
        lambda k: RoomsClient(k, timeout=-1),
        lambda k: RoomsClient(k, base_url="ftp://x"),
    ],
    ids=["insecure", "line-break", "auth-header", "url-credentials", "timeout", "scheme"],
)
def test_configuration_errors_hide_the_key(build: Callable[[str], RoomsClient]) -> None:
    key = "KEY-config-check-0123456789"
    with pytest.raises(ConfigurationError) as caught:
        build(key)
    assert_hidden(key, list(exception_texts(caught.value)), "a configuration error")


# -- plain http only to loopback ------------------------------------------------------------

REFUSED = [
    "http://api.telnyx.com/v2",
    "http://10.0.0.1/v2",
    "http://192.168.1.10:8080/v2",
    "http://127.0.0.1.nip.io/v2",
    "http://localhost.example.com/v2",
    "http://[2001:db8::1]/v2",
    "http://[::ffff:8.8.8.8]/v2",
    "http://0.0.0.0/v2",
]
ALLOWED_LOOPBACK = [
    "http://127.0.0.1:4010/v2",
    "http://127.8.9.10/v2",
    "http://localhost:8080/v2",
    "http://LOCALHOST/v2",
    "http://[::1]:4010/v2",
]


@pytest.mark.parametrize("base_url", REFUSED)
def test_plain_http_to_another_host_is_refused(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        RoomsClient("KEY-x", base_url=base_url)
    client = RoomsClient("KEY-x", base_url=base_url, allow_insecure_http=True)
    assert client.base_url == base_url


def test_plain_http_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELNYX_BASE_URL", "http://api.telnyx.com/v2")
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        RoomsClient("KEY-x")


@pytest.mark.parametrize("base_url", ALLOWED_LOOPBACK)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    assert RoomsClient("KEY-x", base_url=base_url).base_url == base_url


HOST_LABELS = st.from_regex(r"\A[a-z][a-z0-9-]{0,14}[a-z0-9]\Z")


@settings(max_examples=80, deadline=None, database=None)
@given(
    labels=st.lists(HOST_LABELS, min_size=1, max_size=4),
    tld=st.sampled_from(["com", "net", "io", "example", "internal"]),
    port=st.one_of(st.none(), st.integers(1, 65535)),
)
def test_plain_http_to_any_named_host_is_refused(
    labels: list[str], tld: str, port: int | None
) -> None:
    host = ".".join([*labels, tld])
    base_url = f"http://{host}{'' if port is None else f':{port}'}/v2"
    with pytest.raises(ConfigurationError):
        RoomsClient("KEY-x", base_url=base_url)
    assert RoomsClient("KEY-x", base_url=base_url.replace("http:", "https:", 1))


@settings(max_examples=80, deadline=None, database=None)
@given(address=st.ip_addresses(v=4))
def test_plain_http_to_an_ipv4_address(address: ipaddress.IPv4Address) -> None:
    base_url = f"http://{address}/v2"
    if address.is_loopback:
        assert RoomsClient("KEY-x", base_url=base_url)
    else:
        with pytest.raises(ConfigurationError):
            RoomsClient("KEY-x", base_url=base_url)


# -- TLS verification -----------------------------------------------------------------------


def self_signed() -> tuple[ssl.SSLContext, bytes]:
    """A server context with a fresh self-signed certificate for 127.0.0.1, and its PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as folder:
        cert_file = os.path.join(folder, "cert.pem")
        key_file = os.path.join(folder, "key.pem")
        with open(cert_file, "wb") as f:
            f.write(cert_pem)
        with open(key_file, "wb") as f:
            f.write(key_pem)
        server_ctx.load_cert_chain(cert_file, key_file)
    return server_ctx, cert_pem


async def test_tls_verification_is_on_by_default() -> None:
    key = "KEY-tls-check-0123456789"
    server_ctx, cert_pem = self_signed()
    loop = asyncio.get_running_loop()
    # The server side of a refused handshake is reported to the loop; that is expected here.
    loop.set_exception_handler(lambda _loop, _context: None)
    async with RawServer(respond(), ssl=server_ctx) as server:
        async with RoomsClient(key, base_url=server.base_url, max_retries=0) as client:
            with pytest.raises(APIConnectionError) as caught:
                await client.rooms.retrieve("r1")
        assert "certificate" in str(caught.value).lower()
        assert caught.value.request_sent is False
        assert server.requests == []  # the handshake failed: not one header went out
        assert_hidden(key, list(exception_texts(caught.value)), "a TLS error")

        trusted = ssl.create_default_context(cadata=cert_pem.decode())
        async with RoomsClient(key, base_url=server.base_url, ssl_context=trusted) as client:
            room = await client.rooms.retrieve("r1")
        assert isinstance(room, Room)
        assert server.requests[-1].headers["authorization"] == f"Bearer {key}"


async def test_status_errors_keep_what_is_useful() -> None:
    """Hiding the key does not hide the rest: the status, code and request id stay."""
    async with FakeRoomsAPI() as fake:
        fake.faults.fail(
            "GET",
            "/v2/rooms/*",
            status=422,
            body={"errors": [{"code": "10015", "title": "Invalid", "detail": "bad"}]},
            headers={"x-request-id": "req-42"},
        )
        async with RoomsClient(fake.api_key, base_url=fake.base_url) as client:
            with pytest.raises(APIStatusError) as caught:
                await client.rooms.retrieve("r1")
    text = str(caught.value)
    assert "422" in text and "10015" in text and "req-42" in text


# -- the basics: reprs, pickles, tracebacks and log records --------------------------------


KEY = "KEY0123456789SECRETabcdef"


def _texts(obj: object) -> str:
    return f"{obj!r}\n{obj!s}\n{obj}"


def _error_texts(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + _texts(exc) + repr(vars(exc))


def test_secret_never_shows_its_value() -> None:
    secret = Secret(KEY)
    assert KEY not in _texts(secret)
    assert KEY not in f"{secret:}" + f"{secret} {secret!r}"
    assert repr(secret) == "Secret('***')"
    assert secret.bearer() == f"Bearer {KEY}"
    assert secret == Secret(KEY)
    assert secret != Secret(KEY + "x")
    assert secret != KEY
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        copy.copy(secret)
    with pytest.raises(AttributeError):
        secret.__dict__  # noqa: B018 - slotted: nothing for vars() to show


async def test_client_and_views_hide_the_key(fake: FakeRoomsAPI) -> None:
    fake.api_key = KEY
    async with RoomsClient(KEY, base_url=fake.base_url) as client:
        view = client.with_options(timeout=3, headers={"X-A": "b"})
        paginator = client.rooms.list()
        page = await paginator
        for obj in (client, view, client.rooms, view.rooms, client.room_sessions, paginator, page):
            assert KEY not in _texts(obj)
        assert "RoomsClient(" in repr(client)
        with pytest.raises(TypeError):
            pickle.dumps(client)
    assert KEY not in _texts(client)


async def test_status_errors_hide_the_key(fake: FakeRoomsAPI) -> None:
    # The fake expects another key: its 401 must not echo the one that was sent.
    async with RoomsClient(KEY, base_url=fake.base_url) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.rooms.retrieve("r1")
    assert KEY not in _error_texts(info.value)


async def test_connection_errors_hide_the_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    events: list[RetryEvent] = []
    async with RoomsClient(
        KEY, base_url=f"http://127.0.0.1:{port}/v2", max_retries=1, on_retry=events.append
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.rooms.create(unique_name="x")
    assert KEY not in _error_texts(info.value)
    assert events
    assert KEY not in repr(events)


async def test_timeouts_and_retries_hide_the_key(fake: FakeRoomsAPI) -> None:
    fake.api_key = KEY
    events: list[RetryEvent] = []
    fake.faults.fail("GET", "/v2/rooms", status=503, headers={"Retry-After": "0"})
    fake.faults.delay("GET", "/v2/rooms", 1.0, times=None)
    async with RoomsClient(
        KEY, base_url=fake.base_url, read_timeout=0.2, timeout=0.6, on_retry=events.append
    ) as client:
        with pytest.raises(APITimeoutError) as info:
            await client.rooms.list()
    assert KEY not in _error_texts(info.value)
    assert events
    assert KEY not in repr(events)


@pytest.mark.parametrize(
    "build",
    [
        lambda: RoomsClient(KEY, base_url="http://example.com/v2"),
        lambda: RoomsClient(KEY, base_url="not a url at all"),
        lambda: RoomsClient(KEY, headers={"Authorization": f"Bearer {KEY}"}),
        lambda: RoomsClient(KEY, timeout=-1),
        lambda: RoomsClient(KEY + "\n"),
    ],
)
def test_configuration_errors_hide_the_key_of_the_call(build: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        build()  # type: ignore[operator]
    assert KEY not in _error_texts(info.value)


async def test_invalid_params_hide_the_key(fake: FakeRoomsAPI) -> None:
    async with RoomsClient(KEY, base_url=fake.base_url) as client:
        with pytest.raises(InvalidParams) as info:
            await client.rooms.create(max_participants=KEY)  # type: ignore[arg-type]
    assert KEY not in _error_texts(info.value)


async def test_no_log_record_carries_the_key(
    fake: FakeRoomsAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, aiohttp's, asyncio's
    fake.api_key = KEY
    fake.faults.fail("POST", "/v2/rooms", status=429, headers={"Retry-After": "0"})
    fake.faults.reset("GET", "/v2/rooms/*")
    async with RoomsClient(KEY, base_url=fake.base_url, read_timeout=2) as client:
        room = await client.rooms.create(unique_name="logged")
        await client.rooms.retrieve(room.id)
        await client.rooms.update(room.id, max_participants=5)
        await client.rooms.list().to_list()
        await client.rooms.delete(room.id)
    async with RoomsClient("KEY-wrong" + KEY, base_url=fake.base_url) as wrong:
        with pytest.raises(TelnyxError):
            await wrong.rooms.list()
    ours = [r for r in caplog.records if r.name.startswith("telnyx_rooms_async")]
    assert len(ours) >= 6  # the calls were logged at DEBUG
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        if record.exc_info and record.exc_info[1] is not None:
            text += "".join(traceback.format_exception(record.exc_info[1]))
        assert KEY not in text, record.getMessage()
    assert KEY not in caplog.text
