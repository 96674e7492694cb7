"""Resource methods made from rows of the operations table.

A resource class declares one attribute per operation, ``create = method(ROOMS_CREATE)``.
Type checkers see each method with the signature of its params class (every keyword and its
type, through ``ParamSpec``), plus the positional id for operations on one object; at run
time the descriptor binds a function with that signature and a docstring written from the
row and the params class's field metadata, so ``help()`` and IDEs show the same thing.
"""

from __future__ import annotations

import inspect
import time
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, Final, Generic, ParamSpec, TypeVar, overload

from ._converter import structure_data
from ._errors import APIResponseValidationError
from ._http import Pipeline, Request, encode_id
from ._operations import Operation
from ._pagination import AsyncPaginator
from ._reconcile import create_room
from .params import NoParams, field_help, reading_order, to_body, to_query

__all__ = ["Resource", "below", "describe", "helper", "method", "method_with_id"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

_MISSING: Final = object()


class Resource:
    """Base of the resource classes: holds the pipeline of its client view."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline


def _reader(op: Operation[Any, Any], scrub: Callable[[str], str]) -> Callable[[bytes], Any]:
    """Turns a 2xx body into what the method returns."""
    result = op.result
    model = result.model
    if result.kind == "none":
        return lambda _body: None
    if result.kind == "one":
        assert model is not None
        return lambda body: structure_data(body, model, scrub=scrub)
    assert model is not None
    assert result.field is not None
    field = result.field

    def read_count(body: bytes) -> int:
        value = getattr(structure_data(body, model, scrub=scrub), field)
        # The whole result is this one number, so its type is checked, unlike model fields.
        if type(value) is not int:
            raise APIResponseValidationError(f"the reply's 'data.{field}' is not an integer")
        return value

    return read_count


def _tagging(
    read: Callable[[bytes], Any], pipeline: Pipeline, request: Request
) -> Callable[[bytes], Any]:
    """``read``, with the request's method and URL put on a validation error."""

    def tagged(body: bytes) -> Any:
        try:
            return read(body)
        except APIResponseValidationError as exc:
            pipeline.tag(exc, request)
            raise

    return tagged


def _params_of(cls: Any, qualname: str) -> Callable[[dict[str, Any]], Any]:
    """Builds the params object from the keyword arguments, naming the method in a TypeError."""
    owner = f"{cls.__name__}.__init__()"

    def build(kwargs: dict[str, Any]) -> Any:
        try:
            return cls(**kwargs)
        except TypeError as exc:
            # attrs' __init__ would be named; the caller called the method.
            raise TypeError(str(exc).replace(owner, f"{qualname}()")) from None

    return build


def _bind(op: Operation[Any, Any], pipeline: Pipeline, qualname: str) -> Callable[..., Any]:
    """The method of ``op`` for one client view."""
    build = _params_of(op.params, qualname)
    http_method = op.http_method
    idempotent = op.idempotent
    empty = op.params is NoParams
    sends_body = op.sends_body
    id_name = op.id_name
    if id_name is None:
        fixed_path = op.path

        def target(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
            if args:
                raise TypeError(f"{qualname}() takes keyword arguments only")
            return fixed_path, build(kwargs)
    else:
        head, _, tail = op.path.partition("{")
        tail = tail.partition("}")[2]

        def target(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
            if len(args) == 1:
                value = args[0]
            elif not args and id_name in kwargs:
                value = kwargs.pop(id_name)
            else:
                raise TypeError(f"{qualname}() takes the {id_name} as its one positional argument")
            return head + encode_id(id_name, value) + tail, build(kwargs)

    if op.result.kind == "page":
        item = op.result.model
        assert item is not None

        def paginate(*args: Any, **kwargs: Any) -> AsyncPaginator[Any]:
            path, params = target(args, kwargs)
            return AsyncPaginator(pipeline, path, params, item)

        return paginate

    read = _reader(op, pipeline.scrub)
    natural_key = op.reconciles_by

    async def call(*args: Any, **kwargs: Any) -> Any:
        path, params = target(args, kwargs)
        if empty:
            request = Request(http_method, path, "", None, idempotent)
        elif sends_body:
            request = Request(http_method, path, "", to_body(params), idempotent)
        else:
            request = Request(http_method, path, to_query(params), None, idempotent)

        if natural_key is not None and getattr(params, natural_key) is not None:
            started = time.time()
            return await create_room(
                pipeline, request, params, _tagging(read, pipeline, request), started
            )
        body = await pipeline.send(request)
        try:
            return read(body)
        except APIResponseValidationError as exc:
            pipeline.tag(exc, request)
            raise

    return call


# -- what help(), IDEs and the docs show -----------------------------------------------------


def _type_text(annotation: Any) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return str(text).replace("Unset", "UNSET")


_RETURNS: Final = {
    "one": "{model}",
    "page": (
        "AsyncPaginator[{model}]: await it for the first Page (.items, .meta,"
        " .next_page()), or use 'async for' for every {model} of every page, fetched lazily."
    ),
    "none": "None",
    "count": "int",
}

_RAISES: Final = (
    "InvalidParams: an argument breaks its rule; nothing is sent.",
    "APIStatusError: the API answered with an error status (a subclass per status, such as"
    " NotFoundError for 404; .status, .errors, .request_id).",
    "APIConnectionError: no reply (refused, reset, cut short); APITimeoutError and"
    " DeadlineExceededError when time ran out.",
    "APIResponseValidationError: a 2xx reply that is not the documented shape.",
)


def describe(op: Operation[Any, Any]) -> str:
    """The docstring of ``op``'s method: summary, arguments with rules, returns, raises, example."""
    model = op.result.model.__name__ if op.result.model is not None else ""
    note = (
        "Not repeated blindly: retried only when the request provably never left, or on"
        " 429 / 503 with Retry-After."
        if not op.idempotent
        else ""
    )
    if op.reconciles_by:
        note += (
            f" With a {op.reconciles_by}, a lost reply is reconciled: the object is looked"
            f" up by its {op.reconciles_by} instead (see RetryEvent.kind)."
        )
    return _doc(
        op.summary,
        f"``{op.http_method} {op.path}``",
        op.id_name,
        op.params,
        op.returns or _RETURNS[op.result.kind].format(model=model),
        op.raises,
        op.example,
        note,
    )


def _doc(
    summary: str,
    http: str,
    id_name: str | None,
    params: Any,
    returns: str,
    raises: str,
    example: str,
    note: str,
) -> str:
    lines = [summary, "", http, ""]
    args = []
    if id_name is not None:
        args.append(f"    {id_name} (str): The id of the object (positional).")
    for a in reading_order(params):
        args.append(f"    {a.name} ({_type_text(a.type)}): {field_help(params, a.name)}")
    if args:
        lines += ["Args:", *args, ""]
    lines += ["Returns:", f"    {returns}", "", "Raises:"]
    if raises:
        lines.append(f"    {raises}")
    lines += [f"    {text}" for text in _RAISES]
    lines += ["", "Example:", f"    {example}"]
    if note:
        lines += ["", note.strip()]
    return "\n".join(lines)


class _Face:
    """What ``help()``, IDEs and the docs show of a method: signature, types, docstring."""

    __slots__ = ("annotations", "doc", "id_name", "params", "returns")

    def __init__(self, params: Any, id_name: str | None, returns: str, doc: str) -> None:
        self.params = params
        self.id_name = id_name
        self.returns = returns
        self.doc = doc
        hints = typing.get_type_hints(params.__init__)
        hints.pop("return", None)
        self.annotations = {id_name: str, **hints} if id_name is not None else hints

    @classmethod
    def of(cls, op: Operation[Any, Any]) -> _Face:
        model = op.result.model.__name__ if op.result.model is not None else "None"
        returns = {"page": f"AsyncPaginator[{model}]", "count": "int"}.get(op.result.kind, model)
        return cls(op.params, op.id_name, returns, describe(op))

    def signature(self, *, with_self: bool) -> inspect.Signature:
        own = inspect.signature(self.params).parameters
        parameters = [own[a.name] for a in reading_order(self.params)]
        first = inspect.Parameter.POSITIONAL_ONLY
        if self.id_name is not None:
            parameters.insert(0, inspect.Parameter(self.id_name, first, annotation="str"))
        if with_self:
            parameters.insert(0, inspect.Parameter("self", first))
        return inspect.Signature(parameters, return_annotation=self.returns)

    def dress(self, fn: Callable[..., Any], owner: str, name: str, *, with_self: bool) -> None:
        fn.__name__ = name
        fn.__qualname__ = f"{owner}.{name}"
        fn.__doc__ = self.doc
        fn.__module__ = "telnyx_rooms_async"
        # Real types, so typing.get_type_hints() works on the method as on any other.
        fn.__annotations__ = dict(self.annotations)
        fn.__signature__ = self.signature(with_self=with_self)  # type: ignore[attr-defined]


class _Descriptor:
    """A resource method made once per resource object, on first use (see module docstring)."""

    def __init__(self, face: _Face, name: str) -> None:
        self._face = face
        self._name = name
        self._owner = ""
        self._unbound: Callable[..., Any] | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._owner = owner.__name__

    def _make(self, resource: Resource, qualname: str) -> Callable[..., Any]:
        raise NotImplementedError

    def _get(self, resource: Resource | None) -> Callable[..., Any]:
        if resource is None:
            # What class access gives (``Rooms.create``): a function, so that help(), pydoc
            # and the docs' inspector show the signature and docstring.
            if self._unbound is None:
                name = self._name

                def unbound(resource: Resource, *args: Any, **kwargs: Any) -> Any:
                    return getattr(resource, name)(*args, **kwargs)

                self._face.dress(unbound, self._owner, name, with_self=True)
                self._unbound = unbound
            return self._unbound
        fn = self._make(resource, f"{self._owner}.{self._name}")
        self._face.dress(fn, self._owner, self._name, with_self=False)
        # Kept on the instance: the next lookup finds it there and skips this descriptor.
        resource.__dict__[self._name] = fn
        return fn


class _Method(_Descriptor, Generic[P, R]):
    def __init__(self, op: Operation[P, R]) -> None:
        super().__init__(_Face.of(op), op.name)
        self.op = op

    def _make(self, resource: Resource, qualname: str) -> Callable[..., Any]:
        return _bind(self.op, resource._pipeline, qualname)


class method(_Method[P, R]):
    """A method whose arguments are the keyword arguments of the row's params class."""

    def __init__(self, op: Operation[P, R]) -> None:
        if op.id_name is not None:
            raise ValueError(f"{op.key}: the path has an id; use method_with_id()")
        super().__init__(op)

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: Resource, owner: type) -> Callable[P, R]: ...
    def __get__(self, obj: Resource | None, owner: type) -> Any:
        return self._get(obj)


class method_with_id(_Method[P, R]):
    """A method on one object: its id first (positional), then the params' keyword arguments."""

    def __init__(self, op: Operation[P, R]) -> None:
        if op.id_name is None:
            raise ValueError(f"{op.key}: the path has no id; use method()")
        super().__init__(op)

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: Resource, owner: type) -> Callable[Concatenate[str, P], R]: ...
    def __get__(self, obj: Resource | None, owner: type) -> Any:
        return self._get(obj)


class helper(_Descriptor, Generic[P, T]):
    """A method made of several calls (``rooms.get_or_create``), typed by its params class.

    ``run(resource, params)`` does the work; the keyword arguments build ``params`` first,
    so their rules hold before any I/O, as for the rows' methods.
    """

    def __init__(
        self,
        params: Callable[P, Any],
        run: Callable[[Any, Any], Awaitable[T]],
        *,
        name: str,
        summary: str,
        http: str,
        returns: str,
        returns_doc: str,
        raises: str,
        example: str,
        note: str = "",
    ) -> None:
        doc = _doc(summary, http, None, params, returns_doc, raises, example, note)
        super().__init__(_Face(params, None, returns, doc), name)
        self._params = params
        self._run = run

    def _make(self, resource: Resource, qualname: str) -> Callable[..., Any]:
        build = _params_of(self._params, qualname)
        run = self._run

        async def call(*args: Any, **kwargs: Any) -> Any:
            if args:
                raise TypeError(f"{qualname}() takes keyword arguments only")
            return await run(resource, build(kwargs))

        return call

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[..., Any]: ...
    @overload
    def __get__(self, obj: Resource, owner: type) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, obj: Resource | None, owner: type) -> Any:
        return self._get(obj)


G = TypeVar("G", bound=Resource)


class below(Generic[G]):
    """A group of methods under a resource, made once per resource object on first use.

    ``client.rooms.actions`` is ``below(RoomActions)``: the official SDK's spelling of calls
    that are ``client.rooms.*`` here, over the same pipeline.
    """

    def __init__(self, cls: type[G]) -> None:
        self._cls = cls
        self._name = cls.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type) -> below[G]: ...
    @overload
    def __get__(self, obj: Resource, owner: type) -> G: ...
    def __get__(self, obj: Resource | None, owner: type) -> Any:
        if obj is None:
            return self
        group = self._cls(obj._pipeline)
        obj.__dict__[self._name] = group  # found directly from now on
        return group
