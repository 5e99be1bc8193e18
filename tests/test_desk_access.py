"""Screens and widgets reach the app through one typed base (tui.desk.Desk)."""

from __future__ import annotations

import re
from pathlib import Path


def test_screens_reach_the_app_through_the_typed_desk_only():
    """Store, settings, runtime, preparer and the pipeline's state come through tui.desk.Desk,
    typed; an untyped `self.app.store` or a `getattr(self.app, ...)` hides a missing one until
    a preparer meets it."""
    tui = Path(__file__).resolve().parents[1] / "tui"
    untyped = re.compile(r"self\.app\.(store|settings|runtime|preparer|pipeline_note|relay_state)"
                         r"\b|getattr\(self\.app\b")
    found = [f"{path.relative_to(tui)}:{number}: {line.strip()}"
             for path in sorted(tui.rglob("*.py")) if path.name not in {"app.py", "desk.py"}
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if untyped.search(line)]
    assert found == []
