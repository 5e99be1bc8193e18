"""What the preparer does to the client on the cursor: invite, cancel, make inactive, change
the email or the details, read the history, open the books, read the mail sent."""

from __future__ import annotations

from textual import work
from textual.binding import Binding

from linkdesk.i18n import N_, _, fill
from linkdesk.labels import invite_error
from tui.screens.client_selection import ClientBulkActions


class ClientActions(ClientBulkActions):
    """The client list's actions on one client (a layer of ClientsScreen): each works on
    `self.table.current`, then reloads the list on that client."""

    BINDINGS = [
        Binding("i", "invite", N_("Invite"), id="invite",
                tooltip=N_("Invite the selected client, or send a new invitation")),
        Binding("c", "cancel_invitation", N_("Cancel inv."), id="cancel-invitation",
                tooltip=N_("Cancel the invitation under way")),
        Binding("m", "toggle_active", N_("Active"), id="toggle-active",
                tooltip=N_("Make the selected client inactive, or active again")),
        Binding("e", "change_email", N_("Email"), id="change-email",
                tooltip=N_("Change the selected client's email address")),
        Binding("d", "edit_client", N_("Details"), id="edit-client",
                tooltip=N_("Change the selected client's name, phone or language")),
        Binding("t", "timeline", N_("History"), id="timeline",
                tooltip=N_("The selected client's history")),
        Binding("b", "books", N_("Books"), id="books",
                tooltip=N_("The selected organization's books: customers, vendors, network")),
        Binding("B", "firm_books", N_("Firm books"), id="firm-books", show=False,
                tooltip=N_("Your firm's own books")),
        Binding("o", "sent_mail", N_("Mail"), id="sent-mail",
                tooltip=N_("Mail the built-in capture received")),
        Binding("k", "ssh_keys", N_("SSH keys"), id="ssh-keys", show=False,
                tooltip=N_("The keys that open the desk over SSH; who is connected")),
        Binding("w", "reminders", N_("Reminders"), id="reminders", show=False,
                tooltip=N_("Reminder setting, and who is reminded next")),
        Binding("W", "webhooks", N_("Webhooks"), id="webhooks", show=False,
                tooltip=N_("The events sent to the firm's systems, and their answers")),
    ]

    @work(group="invite-open")
    async def action_invite(self) -> None:
        from store.clients import ACCEPTED, INVITABLE, REINVITABLE
        from tui.screens.confirm import ConfirmScreen
        from tui.screens.invite import InviteScreen

        selected = self.table.selected
        if selected:
            await self._open_bulk(sorted(selected))
            return
        row = self.table.current
        if row is None:
            return
        if not row.active:
            self.notify(invite_error("inactive"), severity="warning", markup=False)
            return
        reinvite = row.status not in INVITABLE
        if reinvite and row.status not in REINVITABLE:
            self.notify(invite_error("accepted" if row.status == ACCEPTED else "not_invitable"),
                        severity="warning", markup=False)
            return
        if reinvite and not await self.app.push_screen_wait(ConfirmScreen(
                fill(_("Send {name} a new invitation? The link sent earlier will stop "
                       "working."), name=row.display_name), _("New invitation"))):
            return
        client = await self.store.clients.details(row.id)
        # Sent, the client may leave the list shown (a re-invite under the Pending filter):
        # the cursor then stays on that row, never jumps to the top, where the next key would
        # act on someone far from where the preparer was.
        self.app.push_screen(InviteScreen(client, self.tax_year, reinvite),
                             lambda sent: self.reload(select_id=row.id, counts=True,
                                                      keep_filters=True)
                             if sent else None)

    @work(group="lifecycle")
    async def action_cancel_invitation(self) -> None:
        from store.clients import CANCELLABLE
        from store.invitations import InviteError
        from tui.screens.confirm import ConfirmScreen

        row = self.table.current
        if row is None:
            return
        if row.status not in CANCELLABLE:
            self.notify(_("There is no invitation under way to cancel."), markup=False)
            return
        question = fill(_("Cancel the invitation of {name} for tax year {year}? "
                          "Its link will stop working."), name=row.display_name,
                        year=self.tax_year)
        if not await self.app.push_screen_wait(ConfirmScreen(question, _("Cancel invitation"))):
            return
        try:
            await self.store.invitations.cancel(row.id, self.tax_year, self.preparer.id)
        except InviteError:
            self.notify(_("There is no invitation under way to cancel."), markup=False)
        self.reload(select_id=row.id, counts=True, keep_filters=True)

    @work(group="lifecycle")
    async def action_toggle_active(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        row = self.table.current
        if row is None:
            return
        if row.active:
            question = _("Make {name} inactive? Invitations under way are cancelled and the "
                         "client is hidden from the list.").format(name=row.display_name)
            yes = _("Make inactive")
        else:
            question = _("Make {name} active again?").format(name=row.display_name)
            yes = _("Make active")
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes)):
            return
        await self.store.invitations.set_active(row.id, not row.active, self.preparer.id)
        self.reload(select_id=row.id, counts=True, keep_filters=True)

    @work(group="lifecycle")
    async def action_change_email(self) -> None:
        from tui.screens.change_email import ChangeEmailScreen

        row = self.table.current
        if row is None:
            return
        client = await self.store.clients.details(row.id)
        if await self.app.push_screen_wait(ChangeEmailScreen(client)):
            self.reload(select_id=row.id, counts=True, keep_filters=True)

    @work(group="lifecycle")
    async def action_edit_client(self) -> None:
        from tui.screens.edit_client import EditClientScreen

        row = self.table.current
        if row is None:
            return
        client = await self.store.clients.details(row.id)
        self.app.push_screen(EditClientScreen(client),
                             lambda saved: self.reload(select_id=row.id, keep_filters=True)
                             if saved else None)

    @work(group="lifecycle")
    async def action_timeline(self) -> None:
        from tui.screens.timeline import TimelineScreen

        row = self.table.current
        if row is not None:
            events = await self.store.clients.events(row.id)
            accounts = self.store.accounts
            preparers = {who: await accounts.name(who)
                         for who in {e[3] for e in events if e[3] is not None}}
            await self.app.push_screen_wait(TimelineScreen(row.display_name, events,
                                                           preparers, self.settings.region))

    @work(group="lifecycle")
    async def action_books(self) -> None:
        row = self.table.current
        if row is None:
            return
        network = self.store.network
        books = await network.ensure_books(row.id)
        if books is None:
            self.notify(_("{name} has no books here yet: an organization's books open when it "
                          "accepts its invitation.").format(name=row.display_name),
                        markup=False)
            return
        await self._open_books(books)

    @work(group="lifecycle")
    async def action_firm_books(self) -> None:
        await self._open_books(await self.store.network.firm_books(self.preparer.firm_id))

    async def _open_books(self, company_id: int) -> None:
        from tui.screens.books import BooksScreen

        info = await self.store.network.company(company_id)
        await self.app.push_screen(BooksScreen(info))

    @work(group="lifecycle")
    async def action_sent_mail(self) -> None:
        import asyncio

        from linkdesk.mail.capture import read_captured
        from tui.screens.sent_mail import SentMailScreen

        settings = self.settings
        relay = settings.smtp_url
        captured = [] if relay else await asyncio.to_thread(read_captured, settings.maildir)
        await self.app.push_screen_wait(SentMailScreen(captured, relay))

    def action_ssh_keys(self) -> None:
        from tui.screens.ssh_keys import SshKeysScreen

        self.app.push_screen(SshKeysScreen())

    def action_webhooks(self) -> None:
        from tui.screens.hook_events import HookEventsScreen

        self.app.push_screen(HookEventsScreen())

    def action_reminders(self) -> None:
        from tui.screens.reminders import RemindersScreen

        self.app.push_screen(RemindersScreen(self.preparer.firm_id))
