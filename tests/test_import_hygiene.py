"""The import contract covers every module, and what the settings say of Textual is still true.

lint-imports checks the layers in pyproject.toml; a module of `linkdesk` named in no layer
would escape them unseen, so these tests fail when one is added without being placed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["type"] + ":" + contract["name"]: contract
            for contract in config["contracts"]}


def _layers() -> list[set[str]]:
    (layers,) = [c["layers"] for c in _contracts().values() if c["type"] == "layers"]
    return [{name.strip() for name in layer.replace("|", ":").split(":")} for layer in layers]


def _modules(package: str) -> set[str]:
    """Every module of `package` by dotted name (a package by its own name)."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.add(".".join(parts))
    return found


def _covered(module: str, named: set[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in named)


def _imports_nothing(package: str) -> bool:
    """A package whose modules sit in different layers: its __init__ must import nothing."""
    import ast

    init = ROOT.joinpath(*package.split("."), "__init__.py")
    return not any(isinstance(node, ast.Import | ast.ImportFrom) and node.module != "__future__"
                   for node in ast.walk(ast.parse(init.read_text())))


def test_every_module_of_linkdesk_is_in_one_layer():
    layers = _layers()
    top, services = layers[0], layers[2]
    for module in sorted(_modules("linkdesk") - {"linkdesk"}):
        places = [name for name, layer in (("the entry points", top), ("the services", services))
                  if _covered(module, layer)]
        if not places and (ROOT.joinpath(*module.split(".")) / "__init__.py").exists():
            assert _imports_nothing(module), f"{module}/__init__.py imports across layers"
            continue
        assert len(places) == 1, (
            f"{module} is in {places or 'no layer'}: name it in exactly one of the layers of "
            "pyproject.toml's import contract")


def test_the_services_that_may_not_load_textual_are_the_services_layer():
    (forbidden,) = [c for c in _contracts().values()
                    if c["type"] == "forbidden" and "textual" in c["forbidden_modules"]]
    assert set(forbidden["source_modules"]) == _layers()[2] | {"store"}


def test_every_theme_the_settings_accept_is_one_textual_has():
    from textual.theme import BUILTIN_THEMES

    from linkdesk.settings import THEMES

    assert set(THEMES) == set(BUILTIN_THEMES), (
        "Textual's themes changed: update linkdesk.settings.options.THEMES")


def test_reading_settings_and_starting_the_service_load_no_terminal_library():
    code = ("import sys, linkdesk.settings.sources, linkdesk.service, linkdesk.web.page, store; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.strip()
    assert loaded == "[]"
