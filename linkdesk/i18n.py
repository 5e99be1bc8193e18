"""The one translation function every string a person reads passes through."""

from __future__ import annotations

import functools
import gettext
import locale
import os
import re
import unicodedata
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


# French before a name: "de" and "que" lose their e before a vowel or a mute h ("d'Acme",
# "qu'Émilie"); "de" and "à" merge with a name's own article "Le"/"Les" ("du Groupe Forget",
# "aux Entreprises Roy"). Only in templates, where "{name}" follows the word; digits never
# elide ("de 8 $"). An h is mute unless the name's first word is one of these (h aspiré).
_ELIDES = re.compile(r"(?<![\w'’])(de|que|jusque|lorsque|puisque)\s+\{(\w+)\}", re.IGNORECASE)
_MERGES = re.compile(r"(?<![\w'’])(de|à)\s+\{(\w+)\}", re.IGNORECASE)
_ARTICLE = re.compile(r"(le|les)\s+(?=\w)", re.IGNORECASE)
_MERGED = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}
_ASPIRATED_H = frozenset((
    "hache", "haie", "hall", "halte", "hameau", "hamburger", "handicap", "hangar", "hardi",
    "harfang", "haricot", "harley", "harpe", "harvey", "harvey's", "hasard", "hausse", "haut",
    "haute", "hauts", "havre", "heron", "heros", "hetre", "hibou", "hockey", "hollande",
    "homard", "home", "honda", "hongrie", "honte", "hors", "hotte", "houle", "house", "housse",
    "huit", "hutte", "hyundai"))


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def vowel_sound(name: str) -> bool:
    """Whether French elides before `name`: a vowel (accents too), a Y before a consonant
    (Yves), or an h that is mute (Hélène, Hydro-Québec; not Hockey Canada)."""
    plain = _plain(name.strip()).lower()
    if not plain or not plain[0].isalpha():
        return False
    if plain[0] in "aeiou":
        return True
    if plain[0] == "y":
        return len(plain) > 1 and plain[1].isalpha() and plain[1] not in "aeiouy"
    if plain[0] == "h":
        return re.split(r"[\s\-]", plain, maxsplit=1)[0] not in _ASPIRATED_H
    return False


def fit(template: str, **names) -> tuple[str, dict]:
    """`template` and `names` made ready for each other: French elision and contraction before
    a name (see above), and one period at the end (see one_period). Put in with .format."""
    names = dict(names)

    def merge(match: re.Match) -> str:
        word, key = match.group(1), match.group(2)
        article = _ARTICLE.match(str(names.get(key, "")))
        if article is None:
            return match.group(0)
        merged = _MERGED[(word.lower(), article.group(1).lower())]
        bare = f"{key}__bare"
        names[bare] = str(names[key])[article.end():]
        return (merged.capitalize() if word[0].isupper() else merged) + " {" + bare + "}"

    def elide(match: re.Match) -> str:
        word, key = match.group(1), match.group(2)
        if key not in names or not vowel_sound(str(names[key])):
            return match.group(0)
        return word[:-1] + "'{" + key + "}"

    template = _ELIDES.sub(elide, _MERGES.sub(merge, template))
    return one_period(template, **names), names


def fill(template: str, **names) -> str:
    """The sentence with `names` put in, as French writes a name after "de" (d'Acme, du
    Groupe Forget) and ending with one period (see fit)."""
    template, names = fit(template, **names)
    return template.format(**names)
