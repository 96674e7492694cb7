"""What ``help()``, IDEs and the API reference show: each field documented where pydoc sees it.

Models, error details and webhook events carry an ``Attributes:`` section (Google style) in
the class docstring, one entry per field with its type; params classes get theirs from their
fields' metadata at import. Both must list exactly the fields, in order, with the annotated
types, so the documentation cannot drift from the classes.
"""

from __future__ import annotations

import inspect
import pydoc
import re
import typing

import attrs
import pytest

from telnyx_rooms_async import _errors, models, params
from telnyx_rooms_async.webhooks import _events

_ENTRY = re.compile(r"^    (?P<name>\w+) \((?P<type>.+?)\): (?P<text>.+)$")


def attributes_section(cls: type) -> list[tuple[str, str, str]]:
    """(name, type, first line of text) of each entry of the class's Attributes section."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    _, found, section = doc.partition("\nAttributes:\n")
    assert found, f"{cls.__name__} has no Attributes section"
    entries = []
    for line in section.splitlines():
        if not line.strip():
            break
        match = _ENTRY.match(line)
        if match:
            entries.append((match["name"], match["type"], match["text"]))
        else:
            assert line.startswith(" " * 8), f"{cls.__name__}: {line!r} is not an entry"
    return entries


def _documented_classes(module: object, names: list[str]) -> list[type]:
    classes = [getattr(module, name) for name in names]
    return [c for c in classes if isinstance(c, type) and attrs.has(c) and attrs.fields(c)]


def annotation_text(annotation: object) -> str:
    """An annotation as the docstrings write it: ``int | None``, ``Mapping[str, Any]``."""
    if isinstance(annotation, str):
        return annotation
    text = inspect.formatannotation(annotation)
    return re.sub(r"\b(?:[a-z_]\w*\.)+(?=[A-Za-z_]\w*)", "", text)


MODELS = _documented_classes(models, models.__all__)
ERROR_DETAILS = [_errors.APIErrorDetail, _errors.ErrorSource]
EVENTS = _documented_classes(_events, _events.__all__)
PARAMS = _documented_classes(params, params.__all__)


@pytest.mark.parametrize("cls", MODELS + ERROR_DETAILS + EVENTS, ids=lambda c: c.__name__)
def test_model_docstring_lists_every_field_with_its_type(cls: type) -> None:
    entries = attributes_section(cls)
    fields = [(a.name, annotation_text(a.type)) for a in attrs.fields(cls)]
    assert [(name, kind) for name, kind, _ in entries] == fields
    assert all(text.strip() for _, _, text in entries)


@pytest.mark.parametrize("cls", PARAMS, ids=lambda c: c.__name__)
def test_params_docstring_lists_every_argument_with_its_rule(cls: type) -> None:
    entries = attributes_section(cls)
    assert [name for name, _, _ in entries] == [a.name for a in params.reading_order(cls)]
    doc = " ".join(inspect.cleandoc(cls.__doc__ or "").split())
    for a in attrs.fields(cls):
        assert params.field_help(cls, a.name) in doc


def test_the_lists_cover_the_public_classes() -> None:
    assert {c.__name__ for c in MODELS} >= {"Room", "RoomSession", "RoomRecording", "PageMeta"}
    assert {c.__name__ for c in PARAMS} >= {"RoomCreateParams", "VideoRegionParams"}
    events = {c.__name__ for c in typing.get_args(_events.WebhookEvent)}
    payloads = {name.replace("Event", "Payload") for name in events - {"UnknownEvent"}}
    assert {c.__name__ for c in EVENTS} == events | payloads | {"WebhookMeta"}


def test_pydoc_shows_the_fields() -> None:
    room = pydoc.render_doc(models.Room, renderer=pydoc.plaintext)
    assert "max_participants (int | None): Participants allowed in the room at once." in room
    create = pydoc.render_doc(params.RoomCreateParams, renderer=pydoc.plaintext)
    assert "It must be an integer from 2 to 50." in create


def test_documenting_twice_changes_nothing() -> None:
    before = params.RoomListParams.__doc__
    params.document_fields(params.RoomListParams)
    assert params.RoomListParams.__doc__ == before


@pytest.mark.parametrize("width", range(60, 100))
def test_a_hyphenated_word_is_never_split(width: int) -> None:
    @attrs.frozen(kw_only=True)
    class Demo:
        """A params class made up for this test."""

        # Padding moves the hyphen across the wrap column as width varies.
        reason: str | None = params.field(doc="x" * (width - 40) + " a non-empty reason, shown")

    params.document_fields(Demo)
    doc = " ".join(inspect.cleandoc(Demo.__doc__ or "").split())
    assert "a non-empty reason" in doc
