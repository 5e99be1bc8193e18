"""The bulk invitation's line under the list says all it counts at 80 columns, in French too."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.content import Content
from textual.widgets import Static

from linkdesk.bulk import BulkProgress
from linkdesk.i18n import set_language
from tui.widgets.bulk_progress import BulkProgressPanel


class Bare(App):
    CSS_PATH = str(Path(__file__).resolve().parents[1] / "tui.tcss")

    def compose(self):
        yield Static("rows", id="rows")
        yield BulkProgressPanel()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("state", ["running", "finished", "stopped"])
async def test_every_count_of_the_line_is_in_sight(language, state):
    """'Invitation groupée terminée : 40 envoyées · 0 en attente · 0 en échec · 0' lost its
    last count at 80 columns, and a run under way lost more beside its bar."""
    progress = BulkProgress(total=304, queued=290, skipped=4, sent=280, failed=3)
    progress.done = state != "running"
    progress.cancelled = state == "stopped"
    app = Bare()
    try:
        set_language(language)
        async with app.run_test(size=(80, 24)) as pilot:
            panel = app.query_one(BulkProgressPanel)
            panel.show(progress)
            await pilot.pause()
            counts = panel.query_one("#bulk-counts", Static)
            text = str(counts.render())
            lines = Content(text).wrap(counts.content_region.width)
            seen = counts.content_region.intersection(panel.content_region)  # not clipped
            assert len(lines) <= seen.height, [str(line) for line in lines]
            assert panel.region.bottom <= 24
    finally:
        set_language("en")
