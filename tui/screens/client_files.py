"""Importing clients from a CSV file (with a preview first) and exporting the list to one."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from linkdesk.i18n import N_, _, ngettext
from tui.desk import DeskScreen
from tui.dialog import Dialog
from tui.widgets.text_input import TextInput


def _expand(raw: str) -> Path:
    """A path as typed, with ~ for the home directory."""
    return Path(raw).expanduser()


class ImportClientsScreen(Dialog[int | None]):
    """Path, then a preview of what would be imported; nothing is written before Import."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
        Binding("ctrl+s", "import_now", N_("Import"), id="import"),
    ]

    def __init__(self, firm_id: int) -> None:
        super().__init__()
        self.firm_id = firm_id
        self.plan = None

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="import-clients", classes="dialog"):
            yield Static(_("Import clients from a CSV file"), classes="title", markup=False)
            yield TextInput(placeholder=_("Path of the CSV file, then Enter for a preview"),
                        id="path", compact=True)
            with VerticalScroll(id="preview-box"):
                yield Static("", id="preview", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Import"), id="import-button", variant="primary", compact=True,
                             disabled=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#path", Input))

    @on(Input.Submitted, "#path")
    def _preview(self) -> None:
        self.preview()

    @work(exclusive=True, group="preview")
    async def preview(self) -> None:
        from linkdesk.import_preview import describe_plan
        from store.client_csv import ClientFileError, read_plan

        raw = self.query_one("#path", Input).value.strip()
        box = self.query_one("#preview", Static)
        button = self.query_one("#import-button", Button)
        button.disabled = True
        self.plan = None
        if not raw:
            return
        try:
            plan = await read_plan(self.store, self.firm_id, _expand(raw),
                                   self.settings.region)
        except ClientFileError as exc:
            box.update(Text(str(exc), style="bold red"))
            return
        lines = describe_plan(plan)
        if plan.missing:
            lines.append(_("No column for {what}: rename the file's headers (first name, last "
                           "name, organization, email, phone, language) or use `linkdesk "
                           "import clients --map`.").format(what=", ".join(plan.missing)))
        box.update(Text("\n".join(lines)))
        if plan.ready and not plan.missing:
            self.plan = plan
            ready = len(plan.ready)
            button.label = ngettext("Import {n} client", "Import {n} clients", ready).format(
                n=ready)
            button.disabled = False
            self.set_focus(button)

    @on(Button.Pressed, "#import-button")
    def action_import_now(self) -> None:
        if self.plan is not None:
            self.write()

    @work(exclusive=True, group="import")
    async def write(self) -> None:
        from store.client_csv import import_plan

        button = self.query_one("#import-button", Button)
        button.disabled = True
        added = await import_plan(self.store, self.firm_id, self.plan, self.preparer_id)
        self.dismiss(added)

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportClientsScreen(Dialog[int | None]):
    """Asks where to write the list as it is filtered now; dismisses with the count written."""

    BINDINGS = [Binding("ctrl+s", "export", N_("Export"), id="export"),
                Binding("escape", "cancel", N_("Cancel"), id="cancel")]

    def __init__(self, query, default_path: str) -> None:
        super().__init__()
        self.client_query = query
        self.default_path = default_path

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="export-clients", classes="dialog"):
            yield Static(_("Export the list as shown (filter, search, sort), with statuses, "
                           "to CSV"), classes="title", markup=False)
            yield TextInput(self.default_path, id="path", compact=True)
            yield Static("", id="export-problem", classes="warning", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Export"), id="export-button", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#path", Input))

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#export-button")
    def action_export(self) -> None:
        self.export()

    @work(exclusive=True, group="export")
    async def export(self) -> None:
        from store.client_csv import ClientFileError, export_clients

        path = _expand(self.query_one("#path", Input).value.strip())
        try:
            count = await export_clients(self.store, self.client_query, path)
        except ClientFileError as exc:
            self.query_one("#export-problem", Static).update(str(exc))
            return
        self.notify(ngettext("Exported {n} client to {file}.", "Exported {n} clients to {file}.",
                             count).format(n=count, file=path),
                    markup=False)
        self.dismiss(count)

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ClientFileActions(DeskScreen):
    """The client list's import and export (a layer of ClientsScreen, under its bulk
    invitations and its actions on one client)."""

    BINDINGS = [
        Binding("I", "import_clients", N_("Import"), id="import-clients", show=False,
                tooltip=N_("Import clients from a CSV file (preview first)")),
        Binding("X", "export_clients", N_("Export"), id="export-clients", show=False,
                tooltip=N_("Export the list as shown, with statuses, to CSV")),
    ]

    def action_import_clients(self) -> None:
        from tui.screens.client_files import ImportClientsScreen

        def imported(added: int | None) -> None:
            if added:
                self.notify(ngettext("Imported {n} client.", "Imported {n} clients.", added).format(
                    n=added), markup=False)
                self.reload(counts=True)

        self.app.push_screen(ImportClientsScreen(self.preparer.firm_id),
                             imported)

    def action_export_clients(self) -> None:
        from tui.screens.client_files import ExportClientsScreen

        self.app.push_screen(ExportClientsScreen(self.query_now(),
                                                 f"clients-{self.tax_year}.csv"))
