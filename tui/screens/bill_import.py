"""Importing e-invoice files (UBL 2.1) into a company's bills from the app: a file or a folder
of them; each refused file says which rules it breaks, and nothing of it is written."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from linkdesk.einvoice.intake import UnreadableFile, import_documents, read_documents
from linkdesk.i18n import N_, _, ngettext
from linkdesk.labels import bill_import_line
from tui.dialog import Dialog
from tui.widgets.text_input import TextInput

MAX_FILES = 5000


def files_at(path: Path) -> list[Path]:
    """The file, or the .xml files of the folder, in name order."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.xml") if p.is_file())[:MAX_FILES]
    return [path]


class BillImportScreen(Dialog[bool]):
    BINDINGS = [Binding("ctrl+s", "import", N_("Import"), id="import"),
                Binding("escape", "close", N_("Close"), id="close")]

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.imported = False

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="bill-import", classes="dialog"):
            yield Static(_("Import e-invoices (UBL 2.1, Peppol BIS 3.0)"), classes="title",
                         markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("File or folder"), classes="form-label")
                yield TextInput(str(Path.cwd()), id="path", compact=True)
            with VerticalScroll(id="import-results"):
                yield Static("", id="results", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Import"), id="import-button", variant="primary", compact=True)
                yield Button(_("Close"), id="close-button", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#path"))

    def on_input_submitted(self) -> None:
        self.action_import()

    @on(Button.Pressed, "#import-button")
    def action_import(self) -> None:
        self.run_import(Path(self.query_one("#path", Input).value.strip()).expanduser())

    @on(Button.Pressed, "#close-button")
    def action_close(self) -> None:
        self.dismiss(self.imported)

    @work(exclusive=True, group="bill-import")
    async def run_import(self, path: Path) -> None:
        results = self.query_one("#results", Static)
        try:
            paths = await asyncio.to_thread(files_at, path)
            if not paths:
                results.update(_("No .xml file in {path}.").format(path=path))
                return
            documents = await asyncio.to_thread(read_documents, paths)
        except UnreadableFile as exc:
            results.update(str(exc))
            return
        count = len(documents)
        results.update(ngettext("Importing {n} file…", "Importing {n} files…", count).format(
            n=count))
        done = await import_documents(self.store, self.company_id, documents)
        self.imported = self.imported or any(r["outcome"] != "refused" for r in done)
        results.update(Text("\n".join(bill_import_line(r) for r in done)))
