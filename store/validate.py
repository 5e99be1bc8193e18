"""Validation of what a preparer types: names, email, phone, web address, business number."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from store.text import clean_text

# email_validator and phonenumbers cost ~60 ms to import; they are imported where they are
# used so that commands that never check an address (`linkdesk status`) start quickly.

KINDS = ("individual", "organization")
LANGUAGES = ("en", "fr")
MAX_NAME = 200
MAX_EMAIL = 254


class FieldError(ValueError):
    """A value a person typed is not acceptable; `code` names the reason for the screen."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_email(raw: str) -> str:
    """Return the normalised address for `raw`, checking syntax only (no DNS look-up)."""
    value = (raw or "").strip()
    if not value:
        raise FieldError("required")
    if len(value) > MAX_EMAIL:
        raise FieldError("email_too_long")
    from email_validator import EmailNotValidError, validate_email

    try:
        # test_environment: RFC 6761's .test is taken (a firm tries the product on addresses
        # of its own); the other special-use names (.invalid, .localhost, .local, .onion,
        # .arpa) are refused. It also turns deliverability (DNS) checks off.
        result = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise FieldError("email_invalid") from exc
    return result.normalized


# Names reserved so that they never reach a real mailbox (RFC 2606, RFC 6761), and mDNS's.
NO_MAIL_SUFFIXES = (".localhost", ".invalid", ".test", ".example", ".local")


def receives_mail(address: str) -> bool:
    """False for an address whose domain is reserved never to receive mail (the built-in
    sender `invitations@linkdesk.localhost`, say): not one to show a client as a contact."""
    domain = address.rpartition("@")[2].strip().rstrip(".").casefold()
    if not domain or domain == "localhost":
        return False
    return not any(domain.endswith(suffix) for suffix in NO_MAIL_SUFFIXES)


def email_key(email: str) -> str:
    """Return the form of an address used to spot the same mailbox typed twice."""
    return email.casefold()


def parse_phone(raw: str, region: str = "CA") -> str | None:
    """Return `raw` as an E.164 number, None when empty; `region` applies to national numbers.
    An extension ("418-555-0199 x23") is kept as RFC 3966 writes it: "+14185550199;ext=23"."""
    value = (raw or "").strip()
    if not value:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise FieldError("phone_invalid") from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldError("phone_invalid")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


def format_phone(e164: str | None, region: str = "CA") -> str:
    """A stored E.164 number as a person reads it: national in `region`, else international
    (an extension after it: "(418) 555-0199 ext. 23")."""
    if not e164:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_name(raw: str, *, required: bool = True) -> str:
    """Return a cleaned name; control characters and escape sequences are removed."""
    value = clean_text(raw)
    if not value:
        if required:
            raise FieldError("required")
        return ""
    if len(value) > MAX_NAME:
        raise FieldError("name_too_long")
    return value


@dataclass(frozen=True)
class ClientDraft:
    """A client as typed in the add-client form, before it is checked and stored."""

    kind: str
    email: str
    first_name: str = ""
    last_name: str = ""
    organization_name: str = ""
    phone: str = ""
    language: str = "en"


@dataclass(frozen=True)
class CleanClient:
    """A checked client, ready to store: names cleaned, email normalised, phone in E.164."""

    kind: str
    email: str
    first_name: str
    last_name: str
    organization_name: str
    phone: str | None
    language: str

    @property
    def display_name(self) -> str:
        if self.kind == "organization":
            return self.organization_name
        return f"{self.last_name}, {self.first_name}"


@dataclass
class DraftErrors:
    """The reason, per field, that a draft cannot be stored."""

    by_field: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_field)


def check_draft(draft: ClientDraft, region: str = "CA") -> CleanClient | DraftErrors:
    """Check every field of `draft`; return the clean client or every error at once."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}

    def take(name: str, fn, *args, **kwargs) -> None:
        try:
            values[name] = fn(*args, **kwargs)
        except FieldError as exc:
            errors[name] = exc.code

    if draft.kind not in KINDS:
        errors["kind"] = "kind_invalid"
    if draft.language not in LANGUAGES:
        errors["language"] = "language_invalid"
    if draft.kind == "organization":
        take("organization_name", parse_name, draft.organization_name)
        values["first_name"] = values["last_name"] = ""
    else:
        take("first_name", parse_name, draft.first_name)
        take("last_name", parse_name, draft.last_name)
        values["organization_name"] = ""
    take("email", parse_email, draft.email)
    take("phone", parse_phone, draft.phone, region)
    if errors:
        return DraftErrors(errors)
    return CleanClient(kind=draft.kind, language=draft.language, **values)  # type: ignore[arg-type]



def parse_business_number(raw: str) -> str:
    """A Canadian business number, compact: the 9 digits, or 15 with a program account
    (123456782RT0001 for GST/HST). python-stdnum knows the CRA's check digit (Luhn) and the
    program codes; a hand-written check would drift from it."""
    from stdnum.ca import bn
    from stdnum.exceptions import ValidationError

    try:
        return bn.validate((raw or "").upper())
    except ValidationError:
        raise FieldError("business_number_invalid") from None


def parse_optional_business_number(raw: str) -> str:
    """A business number as typed in a form: "" when left empty, else compact and checked."""
    value = (raw or "").strip()
    return parse_business_number(value) if value else ""


def format_business_number(compact: str) -> str:
    """As the CRA prints it: 123456782 RT0001."""
    return f"{compact[:9]} {compact[9:]}" if len(compact) == 15 else compact


def tax_id_business_number(raw: str) -> str | None:
    """The Canadian business number in a document's tax identifier ("CA" prefix, spaces and
    a program account allowed), compact, or None when it is not a valid one."""
    value = (raw or "").strip()
    if value[:2].upper() == "CA":
        value = value[2:]
    try:
        return parse_business_number(value)
    except FieldError:
        return None


TAX_SCHEMES = ("VAT", "GST", "HST", "TAX")  # how documents name a tax registration


def peppol_schemes() -> dict[str, str]:
    """The electronic address schemes (EAS) a Peppol participant identifier may use, by code,
    with their names (store/data/peppol_eas.toml, from the Peppol rules in force)."""
    return dict(_peppol_schemes())


@functools.cache
def _peppol_schemes() -> tuple[tuple[str, str], ...]:
    import tomllib
    from importlib import resources

    text = resources.files("store").joinpath("data/peppol_eas.toml").read_text("utf-8")
    return tuple(tomllib.loads(text)["codes"].items())


def parse_peppol_id(raw: str) -> str:
    """A Peppol participant identifier as typed ("0088:7300010000001", spaces aside; "" when
    left empty): its scheme must be one Peppol accepts, its value the scheme's own shape where
    we know it (a GLN's check digit, a D-U-N-S number's nine digits), at most 100 characters
    of letters, digits and . - _ otherwise."""
    value = "".join((raw or "").split())
    if not value:
        return ""
    scheme, _colon, identifier = value.partition(":")
    if scheme.lower() == "iso6523-actorid-upis":  # the full form, "…::0088:…"
        scheme, _colon, identifier = identifier.lstrip(":").partition(":")
    if scheme not in peppol_schemes():
        raise FieldError("peppol_scheme_unknown")
    if not identifier or len(identifier) > 100 or not re.fullmatch(r"[A-Za-z0-9.\-_]+",
                                                                      identifier):
        raise FieldError("peppol_id_invalid")
    if scheme == "0088":
        from stdnum import ean

        if len(identifier) != 13 or not ean.is_valid(identifier):
            raise FieldError("peppol_id_invalid")
    elif scheme == "0060" and not re.fullmatch(r"\d{9}", identifier):
        raise FieldError("peppol_id_invalid")
    return f"{scheme}:{identifier}"


MAX_WEBSITE = 200
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def parse_website(raw: str) -> str:
    """Return a web address as https://host/path ("" when empty); a bare domain gets https://."""
    value = (raw or "").strip()
    if not value:
        return ""
    if len(value) > MAX_WEBSITE or any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise FieldError("website_invalid")
    if "://" not in value:
        value = "https://" + value
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        raise FieldError("website_invalid") from None
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(host) or parts.username:
        raise FieldError("website_invalid")
    return value


@dataclass(frozen=True)
class DetailsDraft:
    """A company's public details (or a customer's or vendor's) as typed in a form."""

    name: str
    email: str = ""
    phone: str = ""
    website: str = ""
    address: str = ""
    city: str = ""


@dataclass(frozen=True)
class Details:
    """The five public details, checked: name, email, phone (E.164), website, address + city."""

    name: str
    email: str = ""
    phone: str = ""
    website: str = ""
    address: str = ""
    city: str = ""


def check_details(draft: DetailsDraft, region: str = "CA") -> Details | DraftErrors:
    """Check a details form with the client form's rules; email and phone may be left empty."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}

    def take(name: str, fn, *args) -> None:
        try:
            values[name] = fn(*args)
        except FieldError as exc:
            errors[name] = exc.code

    take("name", parse_name, draft.name)
    email = draft.email.strip()
    values["email"] = ""
    if email:
        take("email", parse_email, email)
    take("phone", parse_phone, draft.phone, region)
    values["phone"] = values.get("phone") or ""
    take("website", parse_website, draft.website)
    values["address"] = clean_text(draft.address)[:MAX_NAME]
    values["city"] = clean_text(draft.city)[:MAX_NAME]
    if errors:
        return DraftErrors(errors)
    return Details(**values)


# Bulk imports check thousands of rows: email_validator and phonenumbers take about 50 µs a
# value each, most of an import's time. The common shapes are checked here in a microsecond,
# with the same result those libraries give; anything else still goes through them.
_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
# email_validator's special-use names other than "test" (refused): left to parse_email.
_SPECIAL_USE_TLDS = frozenset(("arpa", "invalid", "local", "localhost", "onion"))
_PHONE_CHARS = re.compile(r"^[0-9+()\-. /]*(?:(?:ext|x|poste)\.? ?[0-9]{1,6})?$", re.IGNORECASE)


def quick_email(raw: str) -> str:
    """parse_email, with a fast path for plain ASCII addresses."""
    value = (raw or "").strip()
    if value and len(value) <= MAX_EMAIL and _PLAIN_EMAIL.match(value):
        local, _at, domain = value.rpartition("@")
        if domain.rpartition(".")[2].lower() not in _SPECIAL_USE_TLDS:
            return f"{local}@{domain.lower()}"  # as email_validator normalises it
    return parse_email(value)


def quick_phone(raw: str, region: str = "CA") -> str | None:
    """parse_phone, with a fast path for ten-digit North American numbers."""
    value = (raw or "").strip()
    if not value:
        return None
    if not _PHONE_CHARS.match(value):
        raise FieldError("phone_invalid")
    lowered = value.lower()
    if region in ("CA", "US") and "x" not in lowered and "poste" not in lowered:
        digits = "".join(c for c in value if c.isdigit())
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        if len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789":
            return "+1" + digits
    return parse_phone(value, region)
