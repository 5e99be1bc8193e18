"""No plain mixin carries bindings or handlers (issue 29): Textual reads BINDINGS and @on
handlers only from its own classes (a metaclass reads their namespace), so on a plain mixin
they were silently dead (LiveScreen's @on was never called: books, bills and invoices never heard
a change), and behaviour came to depend on the order of bases. Screens derive from one base
(DeskScreen, LiveScreen, PagedScreen, Dialog, FormDialog, FormScreen; the client list's layers
are Screen classes too, each with its keys beside its actions); the App from PatchedApp."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.message_pump import MessagePump

import tui


def _plain_classes():
    for module in pkgutil.walk_packages(tui.__path__, "tui."):
        mod = importlib.import_module(module.name)
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if cls.__module__ == mod.__name__ and not issubclass(cls, MessagePump):
                yield name, cls


def _handles(attr: str, value) -> bool:
    return attr == "BINDINGS" or hasattr(value, "_textual_on") or (
        callable(value) and (attr.startswith(("on_", "_on_", "action_")) or attr == "on_event"))


def _in_the_fence(cls) -> bool:
    return cls.__module__.startswith("tui.textual_patches.")


def test_no_plain_mixin_carries_bindings_or_handlers():
    carrying = {f"{name}.{attr}" for name, cls in _plain_classes() if not _in_the_fence(cls)
                for attr, value in vars(cls).items() if _handles(attr, value)}
    assert not carrying, sorted(carrying)


def test_the_fences_parts_are_combined_in_the_fence_only():
    """KeyOrder, QuietApp, NewsToasts... override Textual's handlers: each is a part of one
    class of the fence (PatchedApp, QuietScreen, QuietModalScreen), never mixed in elsewhere."""
    outside = {f"{sub.__module__}.{sub.__name__} <- {cls.__name__}"
               for _name, cls in _plain_classes() if _in_the_fence(cls)
               and any(_handles(attr, value) for attr, value in vars(cls).items())
               for sub in cls.__subclasses__() if not _in_the_fence(sub)}
    assert not outside, sorted(outside)
