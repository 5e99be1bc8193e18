"""One dialog for many invitations: who will be invited, in which language, and who is skipped."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from linkdesk.i18n import N_, _, ngettext
from linkdesk.labels import IN_LANGUAGE, LANGUAGE_LABELS, number
from linkdesk.mail.templates import default_text
from store.clients import INVITABLE, REINVITABLE
from tui.dialog import Dialog


def plan_of(clients: list[dict], statuses: dict[int, str], reinvite: bool) -> tuple[list, list]:
    """Split clients into those the invitation reaches and those it skips (inactive, or
    already invited for the year, or nothing to re-invite)."""
    allowed = REINVITABLE if reinvite else INVITABLE
    reached = [c for c in clients if c["active"] and statuses.get(c["id"]) in allowed]
    reached_ids = {c["id"] for c in reached}
    return reached, [c for c in clients if c["id"] not in reached_ids]


def skip_reasons(skipped: list[dict], statuses: dict[int, str]) -> str:
    """Why clients are skipped, counted: "2 inactive, 3 accepted, 1 invitation under way"."""
    from linkdesk.labels import skip_reason

    counts: dict[str, int] = {}
    for client in skipped:
        status = statuses.get(client["id"])
        code = "inactive" if not client["active"] else \
            "accepted" if status == "accepted" else \
            "not_invited" if status == "not_invited" else "under_way"
        counts[code] = counts.get(code, 0) + 1
    return ", ".join(skip_reason(code, n) for code, n in counts.items())


class BulkInviteScreen(Dialog[list[int] | None]):
    """Confirms a bulk invitation; dismisses with the ids to invite, or None."""

    BINDINGS = [
        Binding("ctrl+s", "send", N_("Send invitations"), id="send"),
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
    ]

    def __init__(self, clients: list[dict], statuses: dict[int, str], tax_year: int,
                 firm_name: str, preparer_name: str, *, reinvite: bool = False,
                 title: str | None = None) -> None:
        super().__init__()
        self.reached, self.skipped = plan_of(clients, statuses, reinvite)
        self.statuses = statuses
        self.tax_year = tax_year
        self.firm_name = firm_name
        self.preparer_name = preparer_name
        self.reinvite = reinvite
        self.title_text = title

    def compose_dialog(self) -> ComposeResult:
        n = len(self.reached)
        with Vertical(id="bulk-invite", classes="dialog"):
            yield Static(self.title_text or ngettext(
                "Invite {n} client for tax year {year}", "Invite {n} clients for tax year {year}",
                n).format(n=n, year=self.tax_year), classes="title", markup=False)
            languages = Counter(c["language"] for c in self.reached)
            lines = []
            for code in LANGUAGE_LABELS:
                if languages.get(code):
                    subject, _body = default_text(
                        code, firm_name=self.firm_name, tax_year=self.tax_year,
                        client_name="…", preparer_name=self.preparer_name)
                    lines.append(_("{count} {in_language}: “{subject}”").format(
                        count=number(languages[code]), in_language=_(IN_LANGUAGE[code]),
                        subject=subject))
            if self.skipped:
                lines.append(ngettext("{count} skipped: {why}.", "{count} skipped: {why}.",
                                      len(self.skipped)).format(
                    count=number(len(self.skipped)),
                    why=skip_reasons(self.skipped, self.statuses)))
            lines.append("")
            lines.append(_("Each client gets its own link and its own language's message; the "
                           "list stays usable while they are sent, and x stops them: what the "
                           "relay does not have yet is taken back."))
            if self.reinvite:
                lines.append(_("The links sent earlier stop working."))
            yield Static(Text("\n".join(lines)), id="bulk-summary")
            with Horizontal(classes="buttons"):
                yield Button(ngettext("Send {n} invitation", "Send {n} invitations", n)
                             .format(n=n), id="send-button", variant="primary", compact=True,
                             disabled=not n)
                yield Button(_("Cancel"), id="cancel-button", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#send-button" if self.reached else "#cancel-button"))

    @on(Button.Pressed, "#send-button")
    def action_send(self) -> None:
        if self.reached:
            self.dismiss([c["id"] for c in self.reached])

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
