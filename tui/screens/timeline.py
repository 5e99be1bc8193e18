"""A client's history: every event, oldest first, with delivery results."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from linkdesk.i18n import N_, _
from linkdesk.labels import LANGUAGE_LABELS
from linkdesk.mail import CAPTURED_ANSWER
from store.validate import format_phone
from tui.dialog import Dialog
from tui.formatting import format_datetime

CAPTURED_LABEL = N_("Kept in the built-in mail capture, not delivered: no mail relay is set "
                    "(linkdesk mail check)")

DETAIL_LABELS = {"name": N_("name"), "phone": N_("phone"), "language": N_("language")}

EVENT_LABELS = {
    "client_added": N_("Client added"),
    "invitation_queued": N_("Invitation queued"),
    "invitation_resent": N_("New invitation queued (the previous link no longer works)"),
    "invitation_reminded": N_("Reminder queued (the earlier link still works)"),
    "reminders_stopped": N_("The client stopped the reminders (invitations by hand still go)"),
    "invitation_sent": N_("Sent: the mail relay took the message"),
    "delivery_deferred": N_("Delivery deferred, will retry"),
    "invitation_failed": N_("Delivery failed"),
    "invitation_accepted": N_("Invitation accepted by the client"),
    "invitation_cancelled": N_("Invitation cancelled"),
    "invitation_taken_back": N_("Invitation taken back before it was sent (bulk run stopped)"),
    "client_deactivated": N_("Made inactive"),
    "client_activated": N_("Made active"),
    "email_changed": N_("Email changed"),
    "details_changed": N_("Details changed"),
    "invitation_bounced": N_("Bounced: the client's mail server returned the invitation"),
    "delivery_delayed": N_("Delivery delayed: the client's mail server is still trying"),
    "bounce_after_end": N_("Bounce for an invitation that had already ended"),
}


def _detail_value(field: str, value, region: str) -> str:
    """A changed detail as the list shows it: a phone formatted, a language by its name."""
    if field == "phone":
        return format_phone(value, region) or "—"
    if field == "language":
        return _(LANGUAGE_LABELS.get(value, str(value)))
    return str(value or "—")


def describe(kind: str, detail: dict, who: str | None = None, region: str = "CA") -> Text:
    """One event as a line of plain text (values are never markup)."""
    label = EVENT_LABELS.get(kind, kind)
    if kind == "invitation_sent" and \
            str(detail.get("relay", "")).removeprefix("250 ") == CAPTURED_ANSWER:
        label = CAPTURED_LABEL  # not delivered: no relay is set
    line = Text(_(label), style="bold")
    extras = []
    if "tax_year" in detail:
        extras.append(_("tax year {year}").format(year=detail["tax_year"]))
    if "recipient" in detail:
        extras.append(str(detail["recipient"]))
    if detail.get("status"):
        extras.append(str(detail["status"]))
    if "reason" in detail:
        extras.append(str(detail["reason"]))
    if kind == "email_changed":
        extras.append(f"{detail.get('from', '')} → {detail.get('to', '')}")
        for year in detail.get("withdrawn_years", []):
            extras.append(_("the invitation for {year} was withdrawn (sent to the old "
                            "address)").format(year=year))
    if kind == "details_changed":
        field = str(detail.get("field", ""))
        extras.append("{field}: {old} → {new}".format(
            field=_(DETAIL_LABELS.get(field, field)),
            old=_detail_value(field, detail.get("from"), region),
            new=_detail_value(field, detail.get("to"), region)))
    if who:
        extras.append(_("by {name}").format(name=who))
    if extras:
        line.append("  " + " · ".join(extras))
    return line


class TimelineScreen(Dialog[None]):
    """Shows the events of one client; Escape closes."""

    BINDINGS = [Binding("escape,t", "close", N_("Close"), id="close")]

    def __init__(self, name: str, events: list, preparers: dict[int, str] | None = None,
                 region: str = "CA") -> None:
        """`preparers`: username per preparer id, to say who did each thing; `region`: how
        phones are written."""
        super().__init__()
        self.phone_region = region
        self.client_name = name
        self.events = events
        self.preparers = preparers or {}

    def compose_dialog(self) -> ComposeResult:
        with Vertical(id="timeline", classes="dialog"):
            yield Static(_("History of {name}").format(name=self.client_name), classes="title",
                         markup=False)
            with VerticalScroll():
                for kind, detail, when, who in self.events:
                    line = Text(format_datetime(when) + "  ", style="dim")
                    line.append_text(describe(kind, detail, self.preparers.get(who),
                                              self.phone_region))
                    yield Static(line)

    def action_close(self) -> None:
        self.dismiss(None)
