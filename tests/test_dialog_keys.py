"""Every dialog with a primary button does it on ctrl+s, and its key line says so."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import tui.screens
from tui.dialog import Dialog


def _dialogs() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(tui.screens.__path__):
        module = importlib.import_module(f"tui.screens.{info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Dialog):
                found.append(cls)
    return found


def _keys(cls: type) -> set[str]:
    keys = set()
    for klass in cls.__mro__:
        for binding in getattr(klass, "BINDINGS", ()):
            key = binding.key if hasattr(binding, "key") else binding[0]
            keys.update(k.strip() for k in key.split(","))
    return keys


@pytest.mark.parametrize("dialog", [c for c in _dialogs()
                                    if 'variant="primary"' in inspect.getsource(c)],
                         ids=lambda c: c.__name__)
def test_a_dialogs_primary_button_has_ctrl_s(dialog):
    """From any field, ctrl+s does what the highlighted button does (Save, OK, Import):
    the preparer need not Tab past a message or a list to reach it."""
    assert "ctrl+s" in _keys(dialog)
