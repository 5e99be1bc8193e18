"""A mixin's @on handler is never called (Textual registers @on handlers from the namespace of a
MessagePump class only); LiveScreen's was not, so books, bills and invoices never heard a change
while on top. Mixins use named handlers (`on_store_changed`): this keeps it so."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.message_pump import MessagePump

import tui


def test_no_mixin_has_an_on_decorated_handler():
    dead = []
    for module in pkgutil.walk_packages(tui.__path__, "tui."):
        mod = importlib.import_module(module.name)
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if cls.__module__ != mod.__name__ or issubclass(cls, MessagePump):
                continue
            dead += [f"{name}.{attr}" for attr, value in vars(cls).items()
                     if hasattr(value, "_textual_on")]
    assert not dead
