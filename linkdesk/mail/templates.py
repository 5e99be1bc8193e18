"""The invitation's default subject and message, in the client's language (from the catalog);
the preparer may edit both.

The French text (linkdesk/locale/fr) is written as a Québec professional writes to a client:
vouvoiement, « courriel », « année d'imposition ».
"""

from __future__ import annotations

from dataclasses import dataclass

from linkdesk.i18n import N_, translator


@dataclass(frozen=True)
class InvitationText:
    subject: str
    body: str
    button: str
    ignore_note: str


BUTTON = N_("Start / Sign in")
IGNORE_NOTE = N_("If you were not expecting this invitation, you can ignore this email.")
INVITATION = InvitationText(
    subject=N_("{firm_name} invites you to its client portal for tax year {tax_year}"),
    body=N_("Hello {client_name},\n\n"
            "{firm_name} is getting ready to prepare your {tax_year} tax return and invites "
            "you to its client portal.\n\n"
            "To accept, open the link below and confirm.\n\n"
            "Thank you,\n{signature}"),
    button=BUTTON, ignore_note=IGNORE_NOTE)
REMINDER = InvitationText(
    subject=N_("Reminder: {firm_name} invites you to its client portal for tax year "
               "{tax_year}"),
    body=N_("Hello {client_name},\n\n"
            "A few days ago {firm_name} invited you to its client portal for your "
            "{tax_year} tax return. The invitation is still waiting for you.\n\n"
            "To accept, open the link below and confirm (the link in the earlier email works "
            "too).\n\n"
            "Thank you,\n{firm_name}"),
    button=BUTTON, ignore_note=IGNORE_NOTE)


def in_language(text: InvitationText, language: str) -> InvitationText:
    """`text` in the client's `language` (the catalog's; English when it has none)."""
    gettext = translator(language).gettext
    return InvitationText(gettext(text.subject), gettext(text.body), gettext(text.button),
                          gettext(text.ignore_note))


def signature(firm_name: str, preparer_name: str | None) -> str:
    """Who signs: the preparer then the firm, or the firm alone when the message comes from
    the firm itself (a script, a reminder: no preparer, or the firm's own name)."""
    names = [preparer_name or "", firm_name]
    return "\n".join(dict.fromkeys(name for name in names if name))


def reminder_text(language: str, **values: object) -> tuple[str, str]:
    """The reminder's subject and message for `language`, filled with `values`."""
    template = in_language(REMINDER, language)
    return template.subject.format(**values), template.body.format(**values)


def default_text(language: str, **values) -> tuple[str, str]:
    """The subject and message for `language`, filled with `values` (plain text, not markup)."""
    template = in_language(INVITATION, language)
    values["signature"] = signature(str(values["firm_name"]), values.get("preparer_name"))
    return template.subject.format(**values), template.body.format(**values)
