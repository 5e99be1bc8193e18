"""The public-details fields shared by the company profile and the customer/vendor form."""

from __future__ import annotations

from textual.dom import DOMNode

from linkdesk.i18n import N_, _
from store.validate import (
    Details,
    DetailsDraft,
    DraftErrors,
    FieldError,
    check_details,
    format_business_number,
    format_phone,
    parse_optional_business_number,
    parse_peppol_id,
)
from tui.widgets.form_field import FormField

DETAIL_FIELDS = (
    ("name", N_("Name")),
    ("email", N_("Email (optional)")),
    ("phone", N_("Phone (optional)")),
    ("website", N_("Website (optional)")),
    ("address", N_("Address (optional)")),
    ("city", N_("City (optional)")),
)


def details_fields(name_label: str | None = None) -> list[FormField]:
    return [FormField(name, name_label if name == "name" and name_label else _(label),
                      optional=name != "name", max_length=254 if name == "email" else 200)
            for name, label in DETAIL_FIELDS]


def _fields(node: DOMNode) -> dict[str, FormField]:
    return {f.field_name: f for f in node.query(FormField)}


def fill(node: DOMNode, details: Details, region: str = "CA") -> None:
    """Put `details` in the form (the phone as a person reads it)."""
    fields = _fields(node)
    for name, _label in DETAIL_FIELDS:
        value = getattr(details, name)
        fields[name].input.value = format_phone(value, region) if name == "phone" else value


def draft_of(node: DOMNode) -> DetailsDraft:
    fields = _fields(node)
    return DetailsDraft(**{name: fields[name].value for name, _label in DETAIL_FIELDS})


def show_errors(node: DOMNode, result: Details | DraftErrors) -> FormField | None:
    """Show each field's error (or none); return the first field in error."""
    errors = result.by_field if isinstance(result, DraftErrors) else {}
    first = None
    for name, field in _fields(node).items():
        field.set_error(errors.get(name))
        if first is None and name in errors:
            first = field
    return first


def _number_error(value: str) -> str | None:
    try:
        parse_optional_business_number(value)
    except FieldError as exc:
        return exc.code
    return None


def business_number_field() -> FormField:
    """The GST/HST registration, beside the details (it is not published on the network)."""
    field = FormField("business_number", _("GST/HST # (optional)"), optional=True,
                      max_length=30,
                      placeholder=_("e.g. {example}").format(example="123456782 RT0001"))
    field.recheck = _number_error
    return field


def fill_business_number(node: DOMNode, number: str) -> None:
    node.query_one("#input-business_number").value = format_business_number(number)


def _peppol_error(value: str) -> str | None:
    try:
        parse_peppol_id(value)
    except FieldError as exc:
        return exc.code
    return None


def peppol_id_field() -> FormField:
    """The Peppol participant identifier: where Peppol e-invoices to this party go."""
    field = FormField("peppol_id", _("Peppol ID (optional)"), optional=True, max_length=140,
                      placeholder=_("scheme:value, e.g. {example}").format(
                          example="0088:7300010000001"))
    field.recheck = _peppol_error
    return field


def fill_peppol_id(node: DOMNode, peppol_id: str) -> None:
    node.query_one("#input-peppol_id").value = peppol_id


def checked_form(node: DOMNode, region: str) -> tuple[Details, str, str] | None:
    """The details, business number and Peppol ID typed, checked; on a refusal, every
    field's error shown, the first field in error focused, and None."""
    result = check_details(draft_of(node), region)
    first_bad = show_errors(node, result)
    for name, recheck in (("business_number", _number_error), ("peppol_id", _peppol_error)):
        field = node.query_one(f"#field-{name}", FormField)
        code = recheck(field.value)
        field.set_error(code)
        first_bad = first_bad or (field if code else None)
    if first_bad is not None:
        node.screen.set_focus(first_bad.input)
        return None
    return (result, parse_optional_business_number(_value(node, "business_number")),
            parse_peppol_id(_value(node, "peppol_id")))


def _value(node: DOMNode, name: str) -> str:
    return node.query_one(f"#field-{name}", FormField).value
