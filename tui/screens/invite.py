"""The invite dialog: recipient, subject, message, tax year and language, all editable."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from linkdesk.i18n import N_, _
from linkdesk.labels import IN_LANGUAGE, INVITE_ERRORS, LANGUAGE_LABELS, field_error
from linkdesk.mail.templates import default_text
from store.validate import FieldError, parse_email
from tui.forms import FormDialog
from tui.screens.confirm import ConfirmScreen
from tui.widgets.form_field import FormField


class InviteScreen(FormDialog[bool]):
    """Sends one invitation; dismisses with True once it is queued for delivery."""

    BINDINGS = [
        Binding("ctrl+s", "send", N_("Send invitation"), id="send", tooltip=N_("Queue and send")),
        Binding("escape", "cancel", N_("Cancel"), id="cancel",
                tooltip=N_("Close, sending nothing")),
    ]

    def __init__(
        self, client: dict, tax_year: int, reinvite: bool = False
    ) -> None:
        super().__init__()
        self.reinvite = reinvite
        self.client = client
        self.tax_year = tax_year
        self._filled: tuple[str, str] | None = None  # the template text last put in the fields

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="invite", classes="dialog"):
            title = _("Invite {name} for tax year {year}").format(
                name=self.client["display_name"], year=self.tax_year)
            yield Static(title, classes="title", markup=False)
            yield FormField("recipient", _("Recipient"), max_length=254)
            yield FormField("subject", _("Subject"), max_length=200)
            with Horizontal(classes="form-row"):
                yield Label(_("Language"), classes="form-label")
                yield Select([(_(label), code) for code, label in LANGUAGE_LABELS.items()],
                             value=self.client["language"], allow_blank=False,
                             id="invite-language", compact=True)
            yield Label(_("Message"), classes="form-label")
            yield TextArea(id="invite-message", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="invite-problem", classes="warning", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Send invitation"), id="send-button", variant="primary",
                             compact=True)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        self.query_one("#input-recipient", Input).value = self.client["email"]
        self._fill(self.client["language"])
        self.set_focus(self.query_one("#input-recipient", Input))

    def _edited(self) -> bool:
        """The preparer changed the subject or the message the template put there."""
        subject = self.query_one("#input-subject", Input).value
        return self._filled is not None and (
            subject, self.query_one("#invite-message", TextArea).text) != self._filled

    def _fill(self, language: str, *, replace: bool = False) -> None:
        """Put the template of `language` in subject and message, unless the preparer edited
        them (and was not asked, or chose to keep them)."""
        subject_input = self.query_one("#input-subject", Input)
        message = self.query_one("#invite-message", TextArea)
        if self._edited() and not replace:
            return
        subject, body = default_text(
            language, firm_name=self.preparer.firm_name, tax_year=self.tax_year,
            client_name=self.client["greeting_name"], preparer_name=self.preparer.username)
        subject_input.value = subject
        message.text = body
        self._filled = (subject, body)

    @on(Select.Changed, "#invite-language")
    def _language_changed(self, event: Select.Changed) -> None:
        language = str(event.value)
        if not self._edited():
            self._fill(language)
            return
        # The preparer's own words would go out inside the other language's email (its
        # greeting, link and footer): ask, rather than keep or replace them without a word.
        in_language = _(IN_LANGUAGE.get(language, language))
        self.app.push_screen(ConfirmScreen(
            _("You changed the subject or the message. Replace them with the invitation "
              "{in_language}? Kept, your text goes out as you wrote it, in an email whose "
              "other parts are {in_language}.").format(in_language=in_language),
            _("Replace")), lambda replace: self._fill(language, replace=bool(replace)))

    def submit_form(self) -> None:
        self.set_focus(self.query_one("#invite-message", TextArea))

    @on(Button.Pressed, "#send-button")
    def action_send(self) -> None:
        self.send()

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(exclusive=True, group="invite")
    async def send(self) -> None:
        from linkdesk.mail.compose import HeaderInjectionError
        from linkdesk.mail.outgoing import invitation_builder
        from store.invitations import InviteError

        problem = self.query_one("#invite-problem", Static)
        recipient_field = self.query_one("#field-recipient", FormField)
        subject_field = self.query_one("#field-subject", FormField)
        recipient_field.set_error(None)
        subject_field.set_error(None)
        problem.update("")
        try:
            recipient = parse_email(recipient_field.value)
        except FieldError as exc:
            recipient_field.set_error(exc.code)
            self.set_focus(recipient_field.input)
            return
        subject = subject_field.value.strip()
        body = self.query_one("#invite-message", TextArea).text.strip()
        if not subject:
            subject_field.set_error("required")
            return
        if not body:
            problem.update(field_error("required"))
            return
        language = str(self.query_one("#invite-language", Select).value)
        settings = self.settings
        build = invitation_builder(
            firm_name=self.preparer.firm_name, sender_address=settings.sender_address,
            recipient_name=self.client["greeting_name"], recipient_address=recipient,
            subject=subject, body=body, language=language,
            reply_to=await self.store.network.firm_email(self.preparer.firm_id),
            portal=settings.portal_url,
        )
        button = self.query_one("#send-button", Button)
        button.disabled = True
        try:
            await self.store.invitations.invite(
                self.client["id"], self.tax_year, self.preparer.id, settings.link_base,
                recipient, language, build, reinvite=self.reinvite,
            )
        except InviteError as exc:
            problem.update(_(INVITE_ERRORS.get(exc.code, exc.code)))
            return
        except HeaderInjectionError:
            problem.update(_("Line breaks are not allowed in the recipient or the subject."))
            return
        finally:
            button.disabled = False
        if self.runtime is not None:
            self.runtime.wake_delivery()
        self.dismiss(True)
