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
            "you to its secure client portal, where you can share documents and follow the "
            "progress of your file.\n\n"
            "To accept, open the link below and confirm.\n\n"
            "Thank you,\n{preparer_name}\n{firm_name}"
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
            "invite à son portail client sécurisé, où vous pourrez nous transmettre vos "
            "documents et suivre l'avancement de votre dossier.\n\n"
            "Pour accepter, ouvrez le lien ci-dessous et confirmez.\n\n"
            "Merci,\n{preparer_name}\n{firm_name}"
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
            "A few days ago {firm_name} invited you to its secure client portal for your "
            "{tax_year} tax return. The invitation is still waiting for you.\n\n"
            "To accept, open the link below and confirm. This link replaces the one in our "
            "earlier email.\n\n"
            "Thank you,\n{firm_name}"
        ),
        button="Start / Sign in",
        ignore_note="If you were not expecting this invitation, you can ignore this email.",
    ),
    "fr": InvitationText(
        subject="Rappel : {firm_name} vous invite à son portail client pour l'année "
                "d'imposition {tax_year}",
        body=(
            "Bonjour {client_name},\n\n"
            "Il y a quelques jours, {firm_name} vous a invité à son portail client sécurisé "
            "pour votre déclaration de revenus {tax_year}. L'invitation vous attend toujours."
            "\n\n"
            "Pour accepter, ouvrez le lien ci-dessous et confirmez. Ce lien remplace celui de "
            "notre courriel précédent.\n\n"
            "Merci,\n{firm_name}"
        ),
        button="Démarrer / Ouvrir une session",
        ignore_note="Si vous n'attendiez pas cette invitation, vous pouvez ignorer ce courriel.",
    ),
}


def reminder_text(language: str, **values: object) -> tuple[str, str]:
    """The reminder's subject and message for `language`, filled with `values`."""
    template = REMINDERS.get(language, REMINDERS["en"])
    return template.subject.format(**values), template.body.format(**values)


def default_text(language: str, **values: object) -> tuple[str, str]:
    """The subject and message for `language`, filled with `values` (plain text, not markup)."""
    template = TEMPLATES.get(language, TEMPLATES["en"])
    return template.subject.format(**values), template.body.format(**values)
