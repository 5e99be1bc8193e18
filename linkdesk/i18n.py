"""The one translation function every string a person reads passes through."""

from __future__ import annotations

import functools
import gettext
import locale
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "linkdesk"
SUPPORTED = ("en", "fr")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def pick_language(requested: str | None = None) -> str:
    """The language to use: the one asked for, else the environment's locale, else English."""
    candidates = [requested] if requested else []
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            candidates.append(os.environ[var])
    if not requested:
        try:
            candidates.append(locale.getlocale()[0] or "")
        except ValueError:
            pass
    for candidate in candidates:
        code = (candidate or "").split(".")[0].split("_")[0].lower()
        if code in SUPPORTED:
            return code
    return "en"


def set_language(language: str) -> None:
    """Switch every later `_()` call to `language` (a catalog that is missing falls back)."""
    global _translation, _language
    _language = language if language in SUPPORTED else "en"
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[_language], fallback=True
    )


def current_language() -> str:
    return _language


BABEL_LOCALES = {"en": "en_CA", "fr": "fr_CA"}


def babel_locale() -> str:
    """The Babel locale numbers, amounts and dates are written in for the current language."""
    return BABEL_LOCALES.get(_language, "en_CA")


@functools.lru_cache(maxsize=len(SUPPORTED))
def translator(language: str) -> gettext.NullTranslations:
    """The catalog of `language` (English when unknown), whatever the screens' language is: what
    a client reads (an email, the page) is in the client's language, not the preparer's. Use
    `.gettext` on strings marked with `N_`."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR,
                               languages=[language if language in SUPPORTED else "en"],
                               fallback=True)


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on a count."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for translation where it is defined; `_()` translates it where shown."""
    return message


def one_period(template: str, **names: str) -> str:
    """`template` made ready for `names`: a "{name}." whose name ends with its own period
    (Acme Inc., Leblanc Cleaning Ltd.) loses the sentence's, so no "Ltd.." is ever written."""
    for key, value in names.items():
        if str(value).endswith("."):
            template = template.replace("{" + key + "}.", "{" + key + "}")
    return template


def fill(template: str, **names) -> str:
    """The sentence with `names` put in, ending with one period (see one_period)."""
    return one_period(template, **names).format(**names)
