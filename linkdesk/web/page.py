"""The pages the client meets: the invitation, its acceptance, a dead link, too many tries.

The firm's first impression on its client, on a phone (390 px) as on a desktop: who invites,
what accepting means and what comes next, how to reach the firm, in the client's language with
a link to the other. No script, no image, no outside resource (the content policy forbids them
all); one inline style sheet with AA contrast and a visible focus. Every value is escaped here.
"""

from __future__ import annotations

import html
import re

from linkdesk import i18n
from store.validate import format_phone

LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
HTML_LANG = {"en": "en-CA", "fr": "fr-CA"}

TEXT = {
    "en": {
        "title": "Client portal invitation",
        "heading": "{firm} invites you to its client portal",
        "invite": "{firm} invites {client} to its secure client portal.",
        "means_title": "What accepting means",
        "means": [
            "You can share documents with {firm} through the portal instead of by email.",
            "You can follow the progress of your file.",
            "Accepting costs nothing and signs nothing.",
        ],
        "next_title": "What happens next",
        "next": "{firm} sees at once that you accepted, and will contact you about what it "
                "needs. This link can be used once.",
        "confirm": "Confirm and accept",
        "accepted_title": "Invitation accepted",
        "accepted": "Thank you, {client}. Your invitation from {firm} is accepted.",
        "accepted_next": "{firm} has been told. You can close this page.",
        "contact": "Questions? Contact {firm}:",
        "email": "Email",
        "phone": "Phone",
        "invalid_title": "This invitation link can no longer be used",
        "invalid": "It may have been used already, replaced by a newer invitation, or "
                   "expired.",
        "invalid_ask": "Ask the firm that invited you for a new invitation: reply to its "
                       "email, or call it.",
        "slow_down_title": "Too many attempts",
        "slow_down": "Try again in a few minutes.",
    },
    "fr": {
        "title": "Invitation au portail client",
        "heading": "{firm} vous invite à son portail client",
        "invite": "{firm} invite {client} à son portail client sécurisé.",
        "means_title": "Ce que signifie accepter",
        "means": [
            "Vous pourrez échanger des documents avec {firm} par le portail plutôt que par "
            "courriel.",
            "Vous pourrez suivre l'avancement de votre dossier.",
            "Accepter ne coûte rien et ne vous engage à rien.",
        ],
        "next_title": "Et ensuite",
        "next": "{firm} voit aussitôt que vous avez accepté et communiquera avec vous pour ce "
                "dont elle a besoin. Ce lien ne sert qu'une fois.",
        "confirm": "Confirmer et accepter",
        "accepted_title": "Invitation acceptée",
        "accepted": "Merci, {client}. Votre invitation de {firm} est acceptée.",
        "accepted_next": "{firm} en a été avisée. Vous pouvez fermer cette page.",
        "contact": "Des questions? Communiquez avec {firm} :",
        "email": "Courriel",
        "phone": "Téléphone",
        "invalid_title": "Ce lien d'invitation ne peut plus être utilisé",
        "invalid": "Il a peut-être déjà servi, été remplacé par une invitation plus récente ou "
                   "expiré.",
        "invalid_ask": "Demandez une nouvelle invitation au cabinet qui vous a invité : "
                       "répondez à son courriel ou appelez-le.",
        "slow_down_title": "Trop de tentatives",
        "slow_down": "Réessayez dans quelques minutes.",
    },
}

# Contrast (WCAG AA, 4.5:1 for text): #1b1f24 on white 16:1, #4a5360 on white 7.6:1, white on
# #0b57a4 6.9:1; the focus ring #b34700 on white 5.0:1.
STYLE = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f5f8;color:#1b1f24;
font:1.0625rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:40rem;margin:0 auto;padding:1.25rem 1.25rem 2rem;background:#fff}
.top{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;
border-bottom:1px solid #d5dbe3;padding-bottom:.75rem;margin-bottom:1.25rem}
.firm{font-weight:700;font-size:1.05rem;margin:0;overflow-wrap:anywhere}
.lang{margin:0;white-space:nowrap}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:1.5rem 0 .4rem}
p,ul{margin:0 0 .75rem}
ul{padding-left:1.25rem}
li{margin:.25rem 0}
.muted{color:#4a5360}
a{color:#0b57a4;text-decoration:underline;text-underline-offset:.15em}
form{margin:1.5rem 0 .5rem}
button{display:block;width:100%;min-height:3rem;padding:.75rem 1.5rem;border:0;
border-radius:.5rem;background:#0b57a4;color:#fff;font:inherit;font-weight:700;cursor:pointer}
button:hover{background:#094a8c}
a:focus-visible,button:focus-visible{outline:3px solid #b34700;outline-offset:3px}
.contact{margin-top:1.75rem;padding-top:1rem;border-top:1px solid #d5dbe3}
.contact dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.25rem 0 0}
.contact dt{color:#4a5360}
.contact dd{margin:0;overflow-wrap:anywhere}
section+section{margin-top:1.75rem;padding-top:1.25rem;border-top:1px solid #d5dbe3}
@media (min-width:48rem){
body{padding:3rem 1rem}
main{padding:2.25rem 2.5rem 2.5rem;border:1px solid #d5dbe3;border-radius:.75rem}
h1{font-size:1.75rem}
button{display:inline-block;width:auto}
}
"""


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def one_period(template: str, **names: str) -> str:
    """The sentence with the names put in (escaped, in bold), never ending "inc.." when a
    name ends with a period where the sentence would put its own."""
    return _e(i18n.one_period(template, **names)).format(
        **{k: f"<strong>{_e(v)}</strong>" for k, v in names.items()})


def _document(language: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{HTML_LANG[language]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _top(language: str, firm: str) -> str:
    """The firm's name, and the page in the other language (a GET: it changes nothing)."""
    other = "fr" if language == "en" else "en"
    return (f'<div class="top"><p class="firm">{_e(firm)}</p>'
            f'<p class="lang"><a href="?lang={other}" hreflang="{other}" lang="{other}">'
            f"{LANGUAGE_NAMES[other]}</a></p></div>")


def _tel(phone: str) -> str:
    """A tel: link a phone dials as it is (E.164 as stored, +1 included; an extension as RFC
    3966 writes it, ";ext=23")."""
    number, _sep, extension = phone.partition(";ext=")
    digits = re.sub(r"[^\d+]", "", number)
    extension = re.sub(r"\D", "", extension)
    return f"tel:{digits};ext={extension}" if extension else f"tel:{digits}"


def _contact(text: dict, firm: str, email: str, phone: str) -> str:
    if not email and not phone:
        return ""
    rows = ""
    if email:
        rows += (f"<dt>{_e(text['email'])}</dt>"
                 f'<dd><a href="mailto:{_e(email)}">{_e(email)}</a></dd>')
    if phone:  # as stored (E.164) in the link, as the firm's region writes it on the page
        rows += (f"<dt>{_e(text['phone'])}</dt>"
                 f'<dd><a href="{_e(_tel(phone))}">{_e(format_phone(phone) or phone)}</a></dd>')
    return (f'<div class="contact"><p class="muted">{one_period(text["contact"], firm=firm)}'
            f"</p><dl>{rows}</dl></div>")


def invitation_page(language: str, firm: str, client: str, email: str, phone: str) -> str:
    """The invitation: who invites whom, what accepting means, what comes next, Confirm."""
    text = TEXT[language]
    means = "".join(f"<li>{one_period(item, firm=firm)}</li>" for item in text["means"])
    body = (
        _top(language, firm)
        + f"<h1>{one_period(text['heading'], firm=firm)}</h1>"
        + f"<p>{one_period(text['invite'], firm=firm, client=client)}</p>"
        + f"<h2>{_e(text['means_title'])}</h2><ul>{means}</ul>"
        + f"<h2>{_e(text['next_title'])}</h2><p>{one_period(text['next'], firm=firm)}</p>"
        + f'<form method="post"><button type="submit">{_e(text["confirm"])}</button></form>'
        + _contact(text, firm, email, phone)
    )
    return _document(language, f"{text['title']} · {firm}", body)


def accepted_page(language: str, firm: str, client: str, email: str, phone: str) -> str:
    """After Confirm: it is done, the firm knows, how to reach it."""
    text = TEXT[language]
    body = (
        _top(language, firm)
        + f"<h1>{_e(text['accepted_title'])}</h1>"
        + f"<p>{one_period(text['accepted'], client=client, firm=firm)}</p>"
        + f'<p class="muted">{one_period(text["accepted_next"], firm=firm)}</p>'
        + _contact(text, firm, email, phone)
    )
    return _document(language, f"{text['accepted_title']} · {firm}", body)


def _both(language: str, title_key: str, keys: tuple[str, ...]) -> str:
    """The same message in both languages, the client's first (when known), each marked
    with its own language for screen readers."""
    order = [language] + [other for other in LANGUAGES if other != language]
    sections = []
    for lang in order:
        text = TEXT[lang]
        paragraphs = "".join(f"<p>{_e(text[key])}</p>" for key in keys)
        sections.append(f'<section lang="{HTML_LANG[lang]}"><h1>{_e(text[title_key])}</h1>'
                        f"{paragraphs}</section>")
    return "".join(sections)


def dead_link_page(language: str) -> str:
    """Every link that cannot be accepted (used, replaced, expired, cancelled, unknown): the
    same page, naming nobody, saying who to ask, in both languages."""
    body = _both(language, "invalid_title", ("invalid", "invalid_ask"))
    return _document(language, TEXT[language]["invalid_title"], body)


def slow_down_page(language: str) -> str:
    body = _both(language, "slow_down_title", ("slow_down",))
    return _document(language, TEXT[language]["slow_down_title"], body)
