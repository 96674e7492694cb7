"""A griffe extension: the resource methods, as the API reference should show them.

A resource class declares each method as a descriptor over a row of the operations table
(``create = method(ROOMS_CREATE)``); class access gives a function with the real signature
and docstring, but one that names the package as its module, so griffe's inspector would
take it for an import and drop it. This extension inspects each such method as a method
of its class instead, with its signature and its generated docstring.
"""

from __future__ import annotations

from typing import Any

from griffe import Class, Extension, Inspector, ObjectNode, Visitor

from telnyx_rooms_async._operations import Operation


class ResourceMethods(Extension):
    """Inspect the table's methods of every resource class as members of that class."""

    def on_class_members(
        self, *, node: Any, cls: Class, agent: Visitor | Inspector, **kwargs: Any
    ) -> None:
        if not isinstance(node, ObjectNode) or not isinstance(agent, Inspector):
            return
        for name, value in vars(node.obj).items():
            if isinstance(getattr(value, "op", None), Operation):
                method = getattr(node.obj, name)  # the descriptor's function for the class
                if name in cls.members:
                    cls.del_member(name)  # the alias griffe made of it
                agent.inspect_function(ObjectNode(method, name, parent=node))
