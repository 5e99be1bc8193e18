"""The private Textual names linkdesk relies on still exist, as they were, on the pinned Textual.

Every use of Textual's private API lives in tui/textual_patches/ and lists its names there; an
upgrade that renames or reshapes one fails here, with the name, instead of in a screen."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import tui.textual_patches

ROOT = Path(__file__).resolve().parent.parent


def _patches() -> list[tuple[str, str, str | None]]:
    found = []
    for info in pkgutil.iter_modules(tui.textual_patches.__path__):
        module = importlib.import_module(f"tui.textual_patches.{info.name}")
        for name, signature in getattr(module, "PRIVATE_NAMES", {}).items():
            found.append((info.name, name, signature))
    return found


def _resolve(dotted: str):
    """The object a dotted name stands for; an instance attribute is looked up on a new
    instance of its class (Textual sets them in __init__)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute) and inspect.isclass(target):
                try:
                    target = target()
                except TypeError:  # made with arguments: its __init__ sets the attribute
                    if f"self.{attribute} =" in inspect.getsource(target.__init__):
                        return None
                    raise AttributeError(attribute) from None
            target = getattr(target, attribute)
        return target
    raise ImportError(dotted)


@pytest.mark.parametrize(("module", "name", "signature"), _patches())
def test_each_private_name_exists_with_its_signature(module, name, signature):
    try:
        target = _resolve(name)
    except (AttributeError, ImportError) as exc:
        pytest.fail(f"{name}, used by tui/textual_patches/{module}.py, is gone: {exc}")
    if signature is not None:
        assert str(inspect.signature(target)) == signature, (
            f"{name}, used by tui/textual_patches/{module}.py, changed its signature")


# The tests of a patch itself look at the Textual state it changes.
TESTS_OF_PATCHES = {"test_tui_search_paint.py", "test_quiet_screen.py", "test_textual_patches.py"}


def test_private_textual_names_are_used_only_inside_the_fence():
    used = {name.rsplit(".", 1)[1] for _module, name, _sig in _patches()}
    outside = []
    for root in ("tui", "linkdesk", "store", "tests", "bench"):
        for path in (ROOT / root).rglob("*.py"):
            if "textual_patches" in path.parts or path.name in TESTS_OF_PATCHES:
                continue
            text = path.read_text()
            for name in used:
                if re.search(rf"\b(app|pilot\.app|self\.app|App)\.{name}\b|import {name}\b",
                             text):
                    outside.append(f"{path.relative_to(ROOT)}: {name}")
    assert not outside, outside
