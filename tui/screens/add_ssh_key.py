"""Adding an SSH key: one OpenSSH public key line pasted, its fingerprint shown as it is read."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from linkdesk.i18n import N_, _
from linkdesk.ssh.keys import BadKey, read_key_line
from store.ssh_door import KeyFacts, SshKeyError
from tui.forms import FormDialog
from tui.widgets.form_field import FormField

KEY_LINE_MAX = 16 * 1024  # an RSA key of 8,192 bits is about 1,400 characters


def read_facts(line: str) -> KeyFacts | str:
    """The key on `line`, or why it is refused (one line)."""
    try:
        return read_key_line(line)
    except BadKey as exc:
        return str(exc)


class AddSshKeyScreen(FormDialog[str | None]):
    """Asks for the preparer (an admin may name any; a preparer adds their own) and the key
    line; dismisses with the new key's fingerprint once it is saved, None if not."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="save"),
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
    ]

    def __init__(self, username: str, admin: bool) -> None:
        super().__init__()
        self.username = username
        self.admin = admin

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="add-ssh-key", classes="dialog"):
            yield Static(_("Add an SSH key"), classes="title", markup=False)
            yield FormField("username", _("Preparer"), max_length=64)
            yield FormField("key", _("Public key line"), max_length=KEY_LINE_MAX,
                            placeholder="ssh-ed25519 AAAA… name@laptop")
            yield Static("", id="key-said", markup=False)
            yield Static(Text(_("Paste the one line of the preparer's .pub file (ed25519, "
                                "ECDSA, or RSA of 3,072 bits or more); never the private "
                                "key."), style="dim"))
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="save-button", variant="primary", compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        name = self.query_one("#input-username", Input)
        name.value = self.username
        name.disabled = not self.admin  # a preparer adds keys to their own account only
        self.set_focus(self.query_one("#input-key", Input))

    @on(Input.Changed, "#input-key")
    def _read_as_typed(self, event: Input.Changed) -> None:
        """The fingerprint as soon as the line reads as a key; why not, once it is long
        enough to be one."""
        said = self.query_one("#key-said", Static)
        facts = read_facts(event.value) if event.value.strip() else ""
        if isinstance(facts, KeyFacts):
            said.update(Text(f"{facts.algorithm}  {facts.fingerprint}  {facts.comment}".rstrip(),
                             style="bold"))
            said.set_class(False, "warning")
        else:
            said.update(facts if len(event.value.strip()) > 40 else "")
            said.set_class(True, "warning")

    @on(Button.Pressed, "#save-button")
    def submit_form(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self.save()

    @work(exclusive=True, group="add-ssh-key")
    async def save(self) -> None:
        from linkdesk.labels import key_error

        said = self.query_one("#key-said", Static)
        said.set_class(True, "warning")
        username = self.query_one("#input-username", Input).value.strip()
        facts = read_facts(self.query_one("#input-key", Input).value)
        if not username:
            said.update(_("Name the preparer whose key this is."))
            return
        if isinstance(facts, str):
            said.update(facts)
            return
        try:
            row = await self.store.ssh.add_key(username, facts, self.preparer_id)
        except SshKeyError as exc:
            said.update(key_error(exc.code))  # what was typed stays, to correct
            return
        self.notify(_("Added {algorithm} key {fingerprint} for {name}.").format(
            algorithm=row.algorithm, fingerprint=row.fingerprint, name=row.username),
            markup=False)
        self.dismiss(row.fingerprint)
