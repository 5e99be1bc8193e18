"""The invitation's default subject and message, per language; the preparer may edit both.

The French text is written as a Québec professional writes to a client: vouvoiement,
« courriel », « année d'imposition ».
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InvitationText:
    subject: str
    body: str
    button: str
    ignore_note: str


TEMPLATES = {
    "en": InvitationText(
        subject="{firm_name} invites you to its client portal for tax year {tax_year}",
        body=(
            "Hello {client_name},\n\n"
            "{firm_name} is getting ready to prepare your {tax_year} tax return and invites "
            "you to its client portal.\n\n"
            "To accept, open the link below and confirm.\n\n"
            "Thank you,\n{signature}"
        ),
        button="Start / Sign in",
        ignore_note="If you were not expecting this invitation, you can ignore this email.",
    ),
    "fr": InvitationText(
        subject="{firm_name} vous invite à son portail client pour l'année d'imposition "
        "{tax_year}",
        body=(
            "Bonjour {client_name},\n\n"
            "{firm_name} se prépare à produire votre déclaration de revenus {tax_year} et vous "
            "invite à son portail client.\n\n"
            "Pour accepter, ouvrez le lien ci-dessous et confirmez.\n\n"
            "Merci,\n{signature}"
        ),
        button="Démarrer / Ouvrir une session",
        ignore_note="Si vous n'attendiez pas cette invitation, vous pouvez ignorer ce courriel.",
    ),
}


REMINDERS = {
    "en": InvitationText(
        subject="Reminder: {firm_name} invites you to its client portal for tax year {tax_year}",
        body=(
            "Hello {client_name},\n\n"
            "A few days ago {firm_name} invited you to its client portal for your "
            "{tax_year} tax return. The invitation is still waiting for you.\n\n"
            "To accept, open the link below and confirm (the link in the earlier email works "
            "too).\n\n"
            "Thank you,\n{firm_name}"
        ),
        button="Start / Sign in",
        ignore_note="If you were not expecting this invitation, you can ignore this email.",
    ),
    "fr": InvitationText(
        subject="Rappel\u00a0: {firm_name} vous invite à son portail client pour l'année "
                "d'imposition {tax_year}",
        body=(
            "Bonjour {client_name},\n\n"
            "Il y a quelques jours, {firm_name} vous a invité à son portail client "
            "pour votre déclaration de revenus {tax_year}. L'invitation vous attend toujours."
            "\n\n"
            "Pour accepter, ouvrez le lien ci-dessous et confirmez (celui du courriel précédent "
            "fonctionne aussi).\n\n"
            "Merci,\n{firm_name}"
        ),
        button="Démarrer / Ouvrir une session",
        ignore_note="Si vous n'attendiez pas cette invitation, vous pouvez ignorer ce courriel.",
    ),
}


def signature(firm_name: str, preparer_name: str | None) -> str:
    """Who signs: the preparer then the firm, or the firm alone when the message comes from
    the firm itself (a script, a reminder: no preparer, or the firm's own name)."""
    names = [preparer_name or "", firm_name]
    return "\n".join(dict.fromkeys(name for name in names if name))


def reminder_text(language: str, **values: object) -> tuple[str, str]:
    """The reminder's subject and message for `language`, filled with `values`."""
    template = REMINDERS.get(language, REMINDERS["en"])
    return template.subject.format(**values), template.body.format(**values)


def default_text(language: str, **values) -> tuple[str, str]:
    """The subject and message for `language`, filled with `values` (plain text, not markup)."""
    template = TEMPLATES.get(language, TEMPLATES["en"])
    values["signature"] = signature(str(values["firm_name"]), values.get("preparer_name"))
    return template.subject.format(**values), template.body.format(**values)
