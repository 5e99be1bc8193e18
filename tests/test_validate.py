"""Checks of typed values: email, phone, names, control characters."""

from __future__ import annotations

import pytest

from store import ClientDraft, DraftErrors, FieldError, check_draft
from store.text import clean_text, fold
from store.validate import format_phone, parse_email, parse_phone, quick_email


@pytest.mark.parametrize("raw", ["", "   "])
def test_email_required(raw):
    with pytest.raises(FieldError) as err:
        parse_email(raw)
    assert err.value.code == "required"


@pytest.mark.parametrize(
    "raw", ["plainaddress", "a@b", "a@@b.com", "a b@c.com", "a@b.com\r\nBcc: x@y"]
)
def test_email_invalid(raw):
    with pytest.raises(FieldError) as err:
        parse_email(raw)
    assert err.value.code == "email_invalid"


@pytest.mark.parametrize("check", [parse_email, quick_email])
def test_test_domain_addresses_are_taken(check):
    """RFC 6761's .test is where a firm tries the product on addresses of its own."""
    assert check("Emilie@Cabinet.TEST") == "Emilie@cabinet.test"


@pytest.mark.parametrize("check", [parse_email, quick_email])
@pytest.mark.parametrize("raw", ["a@b.invalid", "a@desk.localhost", "a@printer.local",
                                 "a@x.onion", "a@1.in-addr.arpa"])
def test_domains_that_never_take_mail_are_refused_by_both_checks(check, raw):
    with pytest.raises(FieldError) as err:
        check(raw)
    assert err.value.code == "email_invalid"


def test_email_normalised_domain_lowercased():
    assert parse_email("  Emilie@Example.COM ") == "Emilie@example.com"


def test_email_international_domain():
    assert parse_email("élise@québec.ca") == "élise@québec.ca"


def test_phone_national_canadian_to_e164():
    assert parse_phone("(514) 555-0199") == "+15145550199"
    assert parse_phone("") is None


@pytest.mark.parametrize("raw", ["12", "555", "not a phone", "+1 999 555 0199"])
def test_phone_invalid(raw):
    with pytest.raises(FieldError) as err:
        parse_phone(raw)
    assert err.value.code == "phone_invalid"


def test_phone_formatting_national_and_international():
    assert format_phone("+15145550199") == "(514) 555-0199"
    assert format_phone("+33142685300") == "+33 1 42 68 53 00"


def test_clean_text_strips_escape_sequences_and_c1_controls():
    hostile = "Dupont\x1b[31m\x9b2J\x07 Fils\u202e"
    cleaned = clean_text(hostile)
    assert "\x1b" not in cleaned and "\x9b" not in cleaned and "\x07" not in cleaned
    assert "\u202e" not in cleaned
    assert cleaned == "Dupont [31m 2J Fils"


def test_fold_ignores_case_and_accents():
    assert fold("Émilie GAGNON") == "emilie gagnon"
    assert fold("Œuvres") == "oeuvres"


def test_individual_needs_first_last_and_email_phone_optional():
    result = check_draft(ClientDraft(kind="individual", email=""))
    assert isinstance(result, DraftErrors)
    assert result.by_field == {
        "first_name": "required", "last_name": "required", "email": "required"}
    ok = check_draft(ClientDraft(kind="individual", first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com"))
    assert ok.phone is None and ok.display_name == "Gagnon, Émilie"


def test_organization_needs_name_and_email_only():
    result = check_draft(ClientDraft(kind="organization", email="x@example.com"))
    assert isinstance(result, DraftErrors)
    assert result.by_field == {"organization_name": "required"}
    ok = check_draft(ClientDraft(
        kind="organization", organization_name="Plomberie Gagnon & Fils",
        email="info@gagnon.ca", phone="418 555 0100", first_name="ignored"))
    assert ok.display_name == "Plomberie Gagnon & Fils" and ok.first_name == ""
    assert ok.phone == "+14185550100"


def test_names_lose_control_characters():
    ok = check_draft(ClientDraft(kind="organization", organization_name="\x1b]0;pwned\x07Acme",
                                 email="a@example.com"))
    assert ok.organization_name == "]0;pwned Acme"


def test_a_phone_extension_is_kept_and_shown():
    stored = parse_phone("418-555-0199 x23")
    assert stored == "+14185550199;ext=23"
    assert format_phone(stored) == "(418) 555-0199 ext. 23"
    assert parse_phone(format_phone(stored)) == stored  # what is shown reads back the same


def test_the_page_dials_an_extension():
    from linkdesk.web.page import _tel

    assert _tel("+14185550199;ext=23") == "tel:+14185550199;ext=23"
    assert _tel("+14185550199") == "tel:+14185550199"
