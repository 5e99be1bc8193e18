"""A company's public details and, for a member, its plan and network visibility."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static, Switch

from linkdesk.i18n import N_, _
from linkdesk.labels import linked_sync_message, network_error, plan_label
from store.network import PLANS, CompanyInfo, LinkSync, NetworkError
from store.versions import ChangedMeanwhile
from tui.forms import FormDialog
from tui.screens.confirm import ConfirmScreen
from tui.widgets.details_fields import (
    business_number_field,
    checked_form,
    details_fields,
    fill,
    fill_business_number,
    fill_peppol_id,
    peppol_id_field,
)


def visibility_question(name: str, visible: bool) -> str:
    """What switching visibility does, spelled out before it is done."""
    if visible:
        return _("Make {name} visible on the business network again? Members of its region "
                 "can find it; customers and vendors linked to it get its current details and "
                 "its later changes; accounts-payable automation works again.").format(name=name)
    return _("Hide {name} from the business network? Members will no longer find it. Those "
             "who linked it earlier keep the details they saved but get no more updates, and "
             "accounts-payable automation stops for it. You can switch it on again at any "
             "time.").format(name=name)


def visibility_words(visible: bool) -> str:
    """The switch's state in words, next to it."""
    return _("Visible on the network") if visible else _("Hidden from the network")


class CompanyProfileScreen(FormDialog[bool]):
    """Edits the five public details (the client form's rules); dismisses True when saved.
    Read only (no Save, no ctrl+s) for a preparer who is not an admin. Its own messages go to
    its status line, not to toasts that would cover its buttons at 80x24."""

    DEFAULT_CSS = """
    CompanyProfileScreen #visible-state { width: auto; margin: 0 2 0 1; }
    CompanyProfileScreen .buttons #form-message, CompanyProfileScreen .buttons #admin-only {
        width: 1fr;
    }
    CompanyProfileScreen ToastRack { align: right top; }
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Close"), id="cancel"),
        Binding("ctrl+s", "save", N_("Save"), id="save"),
    ]

    def __init__(self, info: CompanyInfo) -> None:
        super().__init__()
        self.info = info
        self.changed = False

    def compose_dialog(self) -> ComposeResult:
        member = not self.info.is_firm_books
        with Vertical(id="company-profile", classes="dialog"):
            yield Static(_("Company profile: details members of the network see")
                         if member else _("Your firm's own books"), classes="title",
                         markup=False)
            yield from details_fields(_("Company name"))
            yield business_number_field()
            yield peppol_id_field()
            if member:
                with Horizontal(classes="form-row"):
                    yield Label(_("Plan"), classes="form-label")
                    yield Select([(plan_label(p), p) for p in PLANS], value=self.info.plan,
                                 allow_blank=False, id="plan", compact=True)
                with Horizontal(classes="form-row"):
                    yield Label(_("Network visibility"), classes="form-label")
                    yield Switch(value=self.info.visible, id="visible")
                    yield Static(visibility_words(self.info.visible), id="visible-state",
                                 markup=False)
                    yield Static(_("Region: {region}").format(region=self.info.region),
                                 classes="note", markup=False)
            else:
                yield Static(_("A firm's own books are never published on the business "
                               "network and have no network search or visibility settings."),
                             classes="note", markup=False)
            # The status line shares the buttons' row: at 80x24 a line of its own would push
            # the buttons off the dialog when a message wraps.
            with Horizontal(classes="buttons"):
                message = Static("", id="form-message", classes="message", markup=False)
                if self._admin:
                    yield message
                    yield Button(_("Save"), id="save-button", variant="primary", compact=True)
                else:
                    message.display = False  # nothing to report: nothing can be changed
                    yield message
                    yield Static(_("Read only: only an admin of the firm may change this "
                                   "company's public details."),
                                 id="admin-only", classes="note", markup=False)
                yield Button(_("Close"), id="cancel-button", compact=True)

    @property
    def _admin(self) -> bool:
        preparer = self.preparer
        return preparer is None or preparer.is_admin

    @property
    def _by(self) -> int | None:
        return self.preparer_id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save" and not self._admin:
            return False  # read only: no ctrl+s, and none shown
        return super().check_action(action, parameters)

    def _say(self, message: str) -> None:
        """The dialog's own feedback, on its status line (a toast would cover its buttons)."""
        self.query_one("#form-message", Static).update(message)

    def on_mount(self) -> None:
        fill(self, self.info.details, self.settings.region)
        fill_business_number(self, self.info.business_number)
        fill_peppol_id(self, self.info.peppol_id)
        if not self._admin:
            for widget in self.query("Input, Select, Switch"):
                widget.disabled = True
            self.set_focus(self.query_one("#cancel-button"))
            return
        self.set_focus(self.query_one("#input-name"))

    def submit_form(self) -> None:
        if self._admin:
            self.action_save()

    @on(Switch.Changed, "#visible")
    def _visibility_switched(self, event: Switch.Changed) -> None:
        visible = event.value
        self.query_one("#visible-state", Static).update(visibility_words(visible))
        if visible == self.info.visible:
            return
        yes = _("Make visible") if visible else _("Hide from the network")

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.switch_visibility(visible)
            else:
                with self.prevent(Switch.Changed):
                    self.query_one("#visible", Switch).value = self.info.visible
                self.query_one("#visible-state", Static).update(
                    visibility_words(self.info.visible))

        self.app.push_screen(
            ConfirmScreen(visibility_question(self.info.details.name, visible), yes), answered)

    @work(exclusive=True, group="visibility")
    async def switch_visibility(self, visible: bool) -> None:
        try:
            sync = await self.store.network.set_visible(self.info.id, visible, by=self._by)
        except NetworkError as exc:
            self._say(network_error(exc))
            with self.prevent(Switch.Changed):
                self.query_one("#visible", Switch).value = self.info.visible
            self.query_one("#visible-state", Static).update(visibility_words(self.info.visible))
            return
        self.info = await self.store.network.company(self.info.id)
        self.changed = True
        self._say(" ".join(filter(None, (
            _("Visible on the business network.") if visible
            else _("Hidden from the business network."),
            linked_sync_message(sync.updated, sync.held)))))

    @on(Button.Pressed, "#save-button")
    def action_save(self) -> None:
        if self._admin:
            self.save()

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(self.changed)

    @work(exclusive=True, group="save")
    async def save(self) -> None:
        checked = checked_form(self, self.settings.region)
        if checked is None:
            return
        result, number, peppol_id = checked
        network = self.store.network
        sync = LinkSync()
        try:
            sync = await network.update_profile(self.info.id, result, self.info.version,
                                                by=self._by)
        except NetworkError as exc:
            self._say(network_error(exc))
            return
        except ChangedMeanwhile as theirs:
            now = theirs.now
            if not await self.app.push_screen_wait(ConfirmScreen(
                    _("Someone changed these details while you had them open: they are now "
                      "{details}. Save yours over them?").format(details=", ".join(
                        v for v in (now.name, now.email, now.phone, now.website, now.city)
                        if v)), _("Save mine"))):
                self.dismiss(True)  # theirs stay
                return
            sync = await network.update_profile(self.info.id, result, theirs.version,
                                                by=self._by)
        try:
            await network.set_business_number(self.info.id, number, by=self._by)
            await network.set_peppol_id(self.info.id, peppol_id, by=self._by)
            if not self.info.is_firm_books:
                plan = self.query_one("#plan", Select).value
                if plan != self.info.plan:
                    await network.set_plan(self.info.id, str(plan), by=self._by)
        except NetworkError as exc:
            self._say(network_error(exc))
            return
        if message := linked_sync_message(sync.updated, sync.held):
            self.notify(message, markup=False)  # shown on the books, once this has closed
        self.dismiss(True)
