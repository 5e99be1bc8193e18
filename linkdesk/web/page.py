"""The pages the client meets: the invitation, its acceptance, a dead link, too many tries.

The firm's first impression on its client, on a phone (390 px) as on a desktop: who invites,
what accepting does and what comes next, how to reach the firm, in the client's language with
a link to the other. No script, no image, no outside resource (the content policy forbids them
all); one inline style sheet with AA contrast and a visible focus. Every value is escaped here.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from linkdesk import i18n
from linkdesk.i18n import N_
from store.validate import format_phone

LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
HTML_LANG = {"en": "en-CA", "fr": "fr-CA"}

# What the page says, in English; the client reads it in its language (the catalog's French).
# It promises only what accepting does: the firm is told, the client costs nothing; what
# comes next is the firm's portal when the firm has one (links.portal), else the firm's call.
TITLE = N_("Client portal invitation")
HEADING = N_("{firm} invites you to its client portal")
INVITE = N_("{firm} invites {client} to its client portal.")
MEANS_TITLE = N_("What accepting does")
MEANS = (N_("{firm} is told at once that you accepted."),
         N_("Accepting costs nothing and signs nothing."))
# An Organization that accepts opens its books here: a visible member of the business network
# with its name, email and phone (store.network.open_books_for). The page says so, and who can
# undo it; an individual publishes nothing.
JOINS = N_("Accepting adds {client} to the business network, a directory of companies: other "
           "members of the same region ({region}) can find its name, its email address "
           "({email}) and its phone number, and copy them into their customer and vendor "
           "records. {firm} can take it off the network.")
JOINS_NO_PHONE = N_("Accepting adds {client} to the business network, a directory of "
                    "companies: other members of the same region ({region}) can find its name "
                    "and its email address ({email}), and copy them into their customer and "
                    "vendor records. {firm} can take it off the network.")
LISTED = N_("{client} is listed in the business network, a directory of companies: other "
            "members of the same region ({region}) can find its name, its email address "
            "({email}) and its phone number, and copy them into their customer and vendor "
            "records. {firm} can take it off the network.")
LISTED_NO_PHONE = N_("{client} is listed in the business network, a directory of companies: "
                     "other members of the same region ({region}) can find its name and its "
                     "email address ({email}), and copy them into their customer and vendor "
                     "records. {firm} can take it off the network.")
NEXT_TITLE = N_("What happens next")
NEXT_PORTAL = N_("Once you confirm, a button takes you to the client portal of {firm}.")
NEXT_IN_TOUCH = N_("{firm} will be in touch about what it needs from you.")
ONCE = N_("This link can be used once.")
CONFIRM = N_("Confirm and accept")
ACCEPTED_TITLE = N_("Invitation accepted")
ACCEPTED = N_("Thank you, {client}. Your invitation from {firm} is accepted.")
ACCEPTED_ON = N_("You accepted the invitation from {firm} on {date}.")
TOLD = N_("{firm} has been told.")
TOLD_IN_TOUCH = N_("{firm} has been told and will be in touch. You can close this page.")
CONTINUE = N_("Continue to the portal")
CONTACT = N_("Questions? Contact {firm}:")
EMAIL = N_("Email")
PHONE = N_("Phone")
INVALID_TITLE = N_("This invitation link can no longer be used")
INVALID = N_("It may have been replaced by a newer invitation, expired, or been cancelled.")
INVALID_ASK = N_("Ask the firm that invited you for a new invitation: reply to its email, "
                 "or call it.")
STOP_TITLE = N_("Stop the reminders")
STOP_ASK = N_("{firm} sends you reminders about its invitation. Do you want no more of them?")
STOP_BUTTON = N_("Stop the reminders")
STOPPED_TITLE = N_("Reminders stopped")
STOPPED = N_("{firm} will send you no more reminders.")
SLOW_DOWN_TITLE = N_("Too many attempts")
SLOW_DOWN = N_("Try again in a few minutes.")

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
button,a.button{display:block;width:100%;min-height:3rem;padding:.75rem 1.5rem;border:0;
border-radius:.5rem;background:#0b57a4;color:#fff;font:inherit;font-weight:700;cursor:pointer;
text-align:center;text-decoration:none}
button:hover,a.button:hover{background:#094a8c}
.go{margin:1.5rem 0 .5rem}
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
button,a.button{display:inline-block;width:auto}
}
"""


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _t(language: str):
    return i18n.translator(language).gettext


def sentence(template: str, **names: str) -> str:
    """The sentence with the names put in (escaped, in bold), as French writes a name after
    "de" (d'Acme, du Groupe Forget), never ending "inc.." (see i18n.fit)."""
    template, names = i18n.fit(template, **names)
    return _e(template).format(**{k: f"<strong>{_e(str(v))}</strong>" for k, v in names.items()})


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
    """The firm's name, and this page in the other language (a GET: it changes nothing, and
    shows the link as it stands: the invitation, or its acceptance)."""
    other = "fr" if language == "en" else "en"
    return (f'<header class="top"><p class="firm">{_e(firm)}</p>'
            f'<p class="lang"><a href="?lang={other}" hreflang="{other}" lang="{other}">'
            f"{LANGUAGE_NAMES[other]}</a></p></header>")


def _tel(phone: str) -> str:
    """A tel: link a phone dials as it is (E.164 as stored, +1 included; an extension as RFC
    3966 writes it, ";ext=23")."""
    number, _sep, extension = phone.partition(";ext=")
    digits = re.sub(r"[^\d+]", "", number)
    extension = re.sub(r"\D", "", extension)
    return f"tel:{digits};ext={extension}" if extension else f"tel:{digits}"


def _contact(language: str, firm: str, email: str, phone: str) -> str:
    if not email and not phone:
        return ""
    t = _t(language)
    rows = ""
    if email:
        rows += (f"<dt>{_e(t(EMAIL))}</dt>"
                 f'<dd><a href="mailto:{_e(email)}">{_e(email)}</a></dd>')
    if phone:  # as stored (E.164) in the link, as the firm's region writes it on the page
        rows += (f"<dt>{_e(t(PHONE))}</dt>"
                 f'<dd><a href="{_e(_tel(phone))}">{_e(format_phone(phone) or phone)}</a></dd>')
    return (f'<div class="contact"><p class="muted">{sentence(t(CONTACT), firm=firm)}'
            f"</p><dl>{rows}</dl></div>")


def _listing(language: str, firm: str, client: str, listing, joins: bool) -> str:
    """What the network shows of the client (store.invitations.Listing), as a sentence."""
    from babel import Locale

    t = _t(language)
    if joins:
        template = JOINS if listing.has_phone else JOINS_NO_PHONE
    else:
        template = LISTED if listing.has_phone else LISTED_NO_PHONE
    region = Locale.parse(i18n.BABEL_LOCALES[language]).territories.get(listing.region,
                                                                        listing.region)
    return sentence(t(template), client=client, firm=firm, region=region, email=listing.email)


def invitation_page(language: str, firm: str, client: str, email: str, phone: str,
                    portal: str = "", listing=None) -> str:
    """The invitation: who invites whom, what accepting does (for an Organization, its listing
    in the network), what comes next, Confirm."""
    t = _t(language)
    means = "".join(f"<li>{sentence(t(item), firm=firm)}</li>" for item in MEANS)
    if listing is not None and listing.joins:
        means += f"<li>{_listing(language, firm, client, listing, joins=True)}</li>"
    after = NEXT_PORTAL if portal else NEXT_IN_TOUCH
    body = (
        _top(language, firm)
        + f"<h1>{sentence(t(HEADING), firm=firm)}</h1>"
        + f"<p>{sentence(t(INVITE), firm=firm, client=client)}</p>"
        + f"<h2>{_e(t(MEANS_TITLE))}</h2><ul>{means}</ul>"
        + f"<h2>{_e(t(NEXT_TITLE))}</h2><p>{sentence(t(after), firm=firm)} "
        + f"{_e(t(ONCE))}</p>"
        + f'<form method="post"><button type="submit">{_e(t(CONFIRM))}</button></form>'
        + _contact(language, firm, email, phone)
    )
    return _document(language, f"{t(TITLE)} · {firm}", body)


def accepted_page(language: str, firm: str, client: str, email: str, phone: str,
                  portal: str = "", accepted_on: dt.date | None = None, listing=None) -> str:
    """After Confirm (or the link opened again, `accepted_on` then says when): it is done, the
    firm knows, an Organization is listed in the network (while it is), and the client goes
    on to the firm's portal, or hears from the firm."""
    from babel.dates import format_date

    t = _t(language)
    if accepted_on is None:
        done = sentence(t(ACCEPTED), client=client, firm=firm)
    else:
        when = format_date(accepted_on, "long", locale=i18n.BABEL_LOCALES[language])
        done = sentence(t(ACCEPTED_ON), firm=firm, date=when)
    if portal:
        after = (f'<p class="muted">{sentence(t(TOLD), firm=firm)}</p>'
                 f'<p class="go"><a class="button" href="{_e(portal)}">{_e(t(CONTINUE))}</a></p>')
    elif accepted_on is None:
        after = f'<p class="muted">{sentence(t(TOLD_IN_TOUCH), firm=firm)}</p>'
    else:
        after = f'<p class="muted">{sentence(t(NEXT_IN_TOUCH), firm=firm)}</p>'
    body = (
        _top(language, firm)
        + f"<h1>{_e(t(ACCEPTED_TITLE))}</h1>"
        + f"<p>{done}</p>"
        + (f"<p>{_listing(language, firm, client, listing, joins=False)}</p>"
           if listing is not None else "")
        + after
        + _contact(language, firm, email, phone)
    )
    return _document(language, f"{t(ACCEPTED_TITLE)} · {firm}", body)


def stop_reminders_page(language: str, firm: str) -> str:
    """A reminder's stop link opened: a question and a button (a GET stops nothing)."""
    t = _t(language)
    body = (_top(language, firm) + f"<h1>{_e(t(STOP_TITLE))}</h1>"
            + f"<p>{sentence(t(STOP_ASK), firm=firm)}</p>"
            + f'<form method="post"><button type="submit">{_e(t(STOP_BUTTON))}</button></form>')
    return _document(language, f"{t(STOP_TITLE)} · {firm}", body)


def reminders_stopped_page(language: str, firm: str) -> str:
    t = _t(language)
    body = (_top(language, firm) + f"<h1>{_e(t(STOPPED_TITLE))}</h1>"
            + f"<p>{sentence(t(STOPPED), firm=firm)}</p>")
    return _document(language, f"{t(STOPPED_TITLE)} · {firm}", body)


def _both(language: str, title: str, paragraphs: tuple[str, ...]) -> str:
    """The same message in both languages, the client's first (when known), each marked
    with its own language for screen readers."""
    order = [language] + [other for other in LANGUAGES if other != language]
    sections = []
    for lang in order:
        t = _t(lang)
        text = "".join(f"<p>{_e(t(paragraph))}</p>" for paragraph in paragraphs)
        sections.append(f'<section lang="{HTML_LANG[lang]}"><h1>{_e(t(title))}</h1>'
                        f"{text}</section>")
    return "".join(sections)


def dead_link_page(language: str) -> str:
    """Every link that cannot be accepted (replaced, expired, cancelled, unknown): the same
    page, naming nobody, saying who to ask, in both languages."""
    body = _both(language, INVALID_TITLE, (INVALID, INVALID_ASK))
    return _document(language, _t(language)(INVALID_TITLE), body)


def slow_down_page(language: str) -> str:
    body = _both(language, SLOW_DOWN_TITLE, (SLOW_DOWN,))
    return _document(language, _t(language)(SLOW_DOWN_TITLE), body)
