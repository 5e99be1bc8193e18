"""The private Textual names linkdesk relies on still exist, as they were, on the pinned Textual.

Every use of Textual's private API lives in tui/textual_patches/ and lists its names there; an
upgrade that renames or reshapes one fails here, with the name, instead of in a screen."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
import textual

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


# -- every private name, wherever it is used --------------------------------------------------

TEXTUAL = Path(textual.__file__).parent
OUR_CODE = ("tui", "linkdesk", "store", "tests", "bench")


def _names_defined(paths) -> set[str]:
    """Every `_name` the files define: functions, classes, attributes set, module names."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def _outside_the_fence() -> list[Path]:
    return [path for root in OUR_CODE for path in (ROOT / root).rglob("*.py")
            if "textual_patches" not in path.parts and path.name not in TESTS_OF_PATCHES]


def _near_textual(path: Path) -> bool:
    """Code that holds Textual objects (peewee's `_meta` is not Textual's, though the names
    meet)."""
    return path.parts[len(ROOT.parts)] == "tui" or any(
        word in path.read_text() for word in ("textual", "pilot", "running("))


def test_no_private_textual_name_is_read_outside_the_fence():
    """An attribute `x._name` that Textual defines and we do not, or a private Textual module."""
    textual_private = _names_defined(TEXTUAL.rglob("*.py"))
    files = _outside_the_fence()
    ours = _names_defined(files) | _names_defined((ROOT / "tui" / "textual_patches").rglob(
        "*.py"))
    outside = []
    for path in filter(_near_textual, files):
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and node.attr in textual_private - ours:
                outside.append(f"{where} .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
                module_parts = (node.module or "").split(".")
                if any(part.startswith("_") for part in module_parts) or any(
                        alias.name.startswith("_") for alias in node.names):
                    outside.append(f"{where} from {node.module} import ...")
    assert not outside, "private Textual names outside tui/textual_patches/: " + ", ".join(
        outside)


def _textual_defines(cls: type, name: str) -> bool:
    return any(base.__module__.startswith("textual") and name in vars(base)
               for base in cls.__mro__[1:])


def test_no_class_outside_the_fence_overrides_a_private_textual_name():
    overrides = []
    for path in _outside_the_fence():
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in ("tui", "linkdesk", "store"):
            continue
        module = importlib.import_module(".".join(relative.with_suffix("").parts))
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            made_by_textual = set(vars(type("Probe", (cls,), {})))  # its metaclass's own
            for name in set(vars(cls)) - made_by_textual:
                if name.startswith("_") and not name.startswith("__") \
                        and _textual_defines(cls, name):
                    overrides.append(f"{relative}: {cls.__name__}.{name}")
    assert not overrides, "overrides of private Textual names outside tui/textual_patches/: " \
        + ", ".join(overrides)
