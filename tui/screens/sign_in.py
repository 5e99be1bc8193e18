"""Sign-in: username and password, with the way to create an account."""

from __future__ import annotations

from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from linkdesk.i18n import N_, _
from linkdesk.labels import sign_in_error
from store.secret import Secret
from tui.forms import FormScreen
from tui.warmup import warm_client_list
from tui.widgets.form_field import FormField
from tui.widgets.key_bar import KeyBar


class SignInScreen(FormScreen):
    """Asks who is at the keyboard; opens account creation when the firm has nobody yet.

    Once the firm has its first account, nobody makes one here: whoever reaches this screen
    (a terminal left open, the SSH door with passwords on) would be in the firm's client list.
    An admin adds preparers (`linkdesk user add`)."""

    help_title = N_("Sign in")  # what help calls this screen

    AUTO_FOCUS = "#input-username"

    def compose(self) -> ComposeResult:
        with Vertical(id="sign-in", classes="dialog"):
            yield Static(_("Sign in to linkdesk"), classes="title", markup=False)
            yield Static("", id="firm-name", markup=False)
            yield FormField("username", _("Username"), max_length=64)
            yield FormField("password", _("Password"), password=True)
            yield Static("", id="sign-in-message", classes="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Sign in"), id="sign-in-button", variant="primary", compact=True)
            yield Static(_("No account yet? An admin of the firm adds it (linkdesk user add)."),
                         classes="note", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.load_firm()
        # Once this screen is drawn, and while the preparer types, load the client list's code
        # in a thread so that the Enter on the password opens the list at once.
        self.set_timer(0.25, self._warm_up)

    def _warm_up(self) -> None:
        self.run_worker(
            partial(warm_client_list, self.settings.region), thread=True, group="warm-up"
        )

    @work(group="sign-in-firm")
    async def load_firm(self) -> None:
        store = self.store
        if await store.accounts.count() == 0:
            from tui.screens.create_account import CreateAccountScreen

            # In place of this screen: once the account is made, the desk takes its place,
            # with no sign-in prompt shown in between to type into.
            self.app.switch_screen(CreateAccountScreen())
            return
        firm_id = await store.firm_id()
        if firm_id is not None:
            self.query_one("#firm-name", Static).update(await store.firm_name(firm_id))

    @on(Button.Pressed, "#sign-in-button")
    def submit_form(self) -> None:
        self.sign_in()

    @work(exclusive=True, group="sign-in")
    async def sign_in(self) -> None:
        username = self.query_one("#input-username", Input).value
        password_input = self.query_one("#input-password", Input)
        message = self.query_one("#sign-in-message", Static)
        button = self.query_one("#sign-in-button", Button)
        if not username.strip() or not password_input.value:
            message.update(_("Enter your username and password."))
            return
        button.disabled = True
        message.update(_("Checking…"))
        try:
            result = await self.store.accounts.sign_in(username,
                                                           Secret(password_input.value))
        finally:
            button.disabled = False
        password_input.value = ""
        if result.ok:
            self.app.signed_in(result.preparer)
            return
        message.update(sign_in_error(result.reason))
        self.set_focus(password_input)
