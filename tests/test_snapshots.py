"""Every screen at 80x24, in English and in French, and the client list at 120x40, compared
with the SVGs committed under tests/__snapshots__ (pytest-textual-snapshot's SVG format, kept by
syrupy). A word cut at 80 columns, a key that vanished, a dialog that no longer fits: the
picture changes and this fails. After a change meant to show: `pytest tests/test_snapshots.py
--snapshot-update`, then look at the new SVGs (a browser opens them) before committing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension

from tests.snapshot_app import CASES

ROOT = Path(__file__).resolve().parents[1]


class SVG(SVGImageExtension):
    """pytest-textual-snapshot's SVG files, named .svg (syrupy 7 reads `file_extension`; the
    plugin still sets the older `_file_extension`, which left them .raw)."""

    file_extension = "svg"
pytestmark = pytest.mark.timeout(600)


PARTS = 4  # each language's screens drawn in this many processes, which pytest-xdist spreads


# In colour, both languages, one after the other in one process (each string is translated
# when shown); without colour (NO_COLOR) and on the Linux console (TERM=linux), English: what
# those change is colour, the same in any language, and a screen that cannot be drawn there
# (NO_COLOR once stopped the app on any empty list) fails in either.
RUNS = [(("en", "fr"), "colour"), (("en",), "no_color"), (("en",), "linux")]


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize(("languages", "look"), RUNS,
                         ids=["+".join(languages) + "-" + look for languages, look in RUNS])
def test_every_screen_looks_as_committed(languages, look, part, snapshot, tmp_path):
    # A process per look and part: NO_COLOR and TERM are read from the environment when
    # Textual starts, and the parts spread over pytest-xdist's workers.
    names = list(CASES)[part::PARTS]
    env = {**os.environ, "LINKDESK_LANG": languages[0], "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("COLORTERM", None)
    if look == "no_color":
        env["NO_COLOR"] = "1"
    elif look == "linux":
        env["TERM"] = "linux"
    drawn = subprocess.run([sys.executable, "-m", "tests.snapshot_app", ",".join(languages),
                            look, str(tmp_path), *names], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=540)
    assert drawn.returncode == 0, drawn.stderr[-3000:]
    changed = []
    for language in languages:
        prefix = language if look == "colour" else f"{language}-{look}"
        changed += [f"{prefix}-{name}" for name in names
                    if not snapshot(name=f"{prefix}-{name}", extension_class=SVG)
                    == (tmp_path / language / f"{name}.svg").read_text()]
    assert not changed, f"these screens changed: {changed}; new pictures: {tmp_path}"
