"""Account creation: the firm's first preparer also names the firm."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from linkdesk.i18n import N_, _
from store import AccountError, DraftErrors
from store.accounts import check_password, check_username
from store.secret import Secret
from store.validate import Details, DetailsDraft, FieldError, check_details, parse_email
from tui.forms import FormScreen
from tui.widgets.form_field import FormField
from tui.widgets.key_bar import KeyBar


class CreateAccountScreen(FormScreen):
    """Creates the firm and its first account (an admin), and signs it in. The only account
    made here: the others are an admin's to add."""

    help_title = N_("Create an account")  # what help calls this screen


    def compose(self) -> ComposeResult:
        with Vertical(id="create-account", classes="dialog"):
            yield Static(_("Create the firm's first account"), classes="title", markup=False)
            yield FormField("firm_name", _("Firm name"), max_length=200)
            yield FormField("username", _("Username"), max_length=64)
            yield FormField("email", _("Email"), max_length=254)
            yield FormField("password", _("Password"), password=True,
                            placeholder=_("10 characters or more"))
            yield FormField("password2", _("Password again"), password=True)
            # What the invitation page shows clients as the firm's contact: asked now, so
            # that a client never reads an address that receives no mail.
            yield FormField("firm_email", _("Public email"), optional=True,
                            max_length=254)
            yield FormField("firm_phone", _("Public phone"), optional=True,
                            max_length=40)
            yield Static(_("The firm's public email and phone: clients see them on the "
                           "invitation page; leave them empty to add them later in the "
                           "firm's books (B, then p)."),
                         id="firm-contact-note", classes="note", markup=False)
            yield Static("", id="create-message", classes="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(
                    _("Create account"), id="create-button", variant="primary", compact=True
                )
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query(Input).first())

    @on(Button.Pressed, "#create-button")
    def submit_form(self) -> None:
        self.create()

    @work(exclusive=True, group="create-account")
    async def create(self) -> None:
        fields = {f.field_name: f for f in self.query(FormField)}
        for f in fields.values():
            f.set_error(None)
        values = {name: f.value for name, f in fields.items()}
        # Every problem at once, each beside its field (one a press, they came one by one).
        problems = self._problems(values)
        contact = self._firm_contact(values, problems)
        if problems:
            for name, code in problems.items():
                fields[name].set_error(code)
            first_bad = next(name for name in fields if name in problems)
            self.set_focus(fields[first_bad].input)
            return
        button = self.query_one("#create-button", Button)
        button.disabled = True
        try:
            info = await self.store.accounts.create(
                values["username"],
                values["email"],
                Secret(values["password"]),
                values.get("firm_name", ""),
                only_first=True,  # anyone at the keyboard gets here: never a second account
            )
        except AccountError as exc:
            for name, code in exc.by_field.items():
                if name in fields:
                    fields[name].set_error(code)
            first_bad = next(iter(exc.by_field))
            if first_bad in fields:
                self.set_focus(fields[first_bad].input)
            return
        finally:
            button.disabled = False
        if contact is not None:
            books = await self.store.network.firm_books(info.firm_id)
            await self.store.network.update_profile(books, contact, by=info.id)
        self.app.signed_in(info)

    def _problems(self, values: dict[str, str]) -> dict[str, str]:
        """What is wrong with the account's fields, by field: the store's own checks, run
        before it is asked (it would say only the first kind of problem)."""
        problems: dict[str, str] = {}
        if not values.get("firm_name", "").strip():
            problems["firm_name"] = "required"
        for name, check in (("username", check_username), ("email", parse_email),
                            ("password", check_password)):
            try:
                check(values[name])
            except FieldError as exc:
                problems[name] = exc.code
        if "password" not in problems and values["password"] != values["password2"]:
            problems["password2"] = "password_mismatch"
        return problems

    def _firm_contact(self, values: dict[str, str], problems: dict[str, str]
                      ) -> Details | None:
        """The firm's public email and phone as checked details; None when none was typed
        or one is refused (added to `problems`)."""
        email, phone = values.get("firm_email", "").strip(), values.get("firm_phone", "").strip()
        if not (email or phone):
            return None
        checked = check_details(DetailsDraft(values.get("firm_name", "") or "-", email, phone),
                                self.settings.region)
        if isinstance(checked, DraftErrors):
            bad = {"email": "firm_email", "phone": "firm_phone"}
            problems.update((bad[name], code) for name, code in checked.by_field.items()
                            if name in bad)
            return None  # a wrong firm's name is the account's own check's to say
        return checked
