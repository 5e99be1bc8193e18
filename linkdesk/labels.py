"""What a person reads for the store's codes: statuses, kinds, field errors, sign-in results."""

from __future__ import annotations

from decimal import Decimal

from linkdesk.i18n import N_, _, babel_locale, current_language, ngettext

STATUS_LABELS = {
    "not_invited": N_("Not invited"),
    "sending": N_("Sending invitation"),
    "pending": N_("Invitation pending"),
    "failed": N_("Delivery failed"),
    "expired": N_("Invitation expired"),
    "accepted": N_("Invitation accepted"),
    "inactive": N_("Inactive"),  # not a year's status: how the list shows an inactive client
}

# Where a line of counts has no room for the whole words (80 columns, in French too).
STATUS_SHORT_LABELS = {
    "not_invited": N_("Not invited"),
    "sending": N_("status|Sending"),
    "pending": N_("status|Pending"),
    "failed": N_("status|Failed"),
    "expired": N_("status|Expired"),
    "accepted": N_("status|Accepted"),
    "inactive": N_("Inactive"),
}

KIND_LABELS = {
    "individual": N_("Individual"),
    "organization": N_("Organization"),
}

KIND_SHORT_LABELS = {
    "individual": N_("Ind."),
    "organization": N_("Org."),
}

LANGUAGE_LABELS = {
    "en": N_("English"),
    "fr": N_("French"),
}

# A language inside a sentence ("304 in French"), where French writes it in lower case.
IN_LANGUAGE = {"en": N_("in English"), "fr": N_("in French")}

FIELD_ERRORS = {
    "required": N_("Required."),
    "email_invalid": N_("Not a valid email address."),
    "email_too_long": N_("Email address is too long."),
    "phone_invalid": N_("Not a valid phone number."),
    "name_too_long": N_("Too long (200 characters at most)."),
    "kind_invalid": N_("Choose Individual or Organization."),
    "language_invalid": N_("Choose English or French."),
    "website_invalid": N_("Not a web address (example.com or https://example.com)."),
    "business_number_invalid": N_("Not a Canadian business number: 9 digits, or 15 as in "
                                  "123456782 RT0001."),
    "peppol_scheme_unknown": N_("Not a Peppol identifier: start with a scheme Peppol accepts "
                                "and a colon, as in 0088:7300010000001 (a GLN)."),
    "peppol_id_invalid": N_("This Peppol identifier's value does not fit its scheme (a GLN is "
                            "13 digits with its check digit, a D-U-N-S number 9 digits)."),
    "username_invalid": N_("2 to 64 letters, digits, dots, dashes, @ or underscores."),
    "username_taken": N_("That username is taken."),
    "firm_has_accounts": N_("This firm has its accounts already: an admin of the firm adds a "
                            "preparer (linkdesk user add)."),
    "password_too_short": N_("At least 10 characters."),
    "password_too_long": N_("Too long (1,024 characters at most)."),
    "password_mismatch": N_("The two passwords differ."),
    # A CSV row (store.client_csv): its quote would have taken the rows after it.
    "quote_unclosed": N_("A quotation mark on this line is never closed."),
}

SIGN_IN_ERRORS = {
    "invalid": N_("Unknown username or wrong password."),
    "locked": N_("Too many failed attempts. Try again in a few minutes."),
    "too_long": N_("Unknown username or wrong password."),
}


INVITE_ERRORS = {
    "inactive": N_("This client is inactive: make it active before inviting it."),
    "not_invitable": N_("This client already has an invitation under way for this tax year."),
    "accepted": N_("This client already accepted its invitation for this tax year."),
    "unknown_client": N_("This client no longer exists."),
}


def invite_error(code: str) -> str:
    return _(INVITE_ERRORS.get(code, code))


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def status_short_label(status: str) -> str:
    """A status in a word or two (the counts line on a narrow terminal)."""
    label = _(STATUS_SHORT_LABELS.get(status, status))
    return label.split("|", 1)[-1]  # "status|Pending" when the catalog has no entry


def kind_label(kind: str) -> str:
    return _(KIND_LABELS.get(kind, kind))


def kind_short_label(kind: str) -> str:
    return _(KIND_SHORT_LABELS.get(kind, kind))


def field_error(code: str) -> str:
    return _(FIELD_ERRORS.get(code, code))


def sign_in_error(code: str) -> str:
    return _(SIGN_IN_ERRORS.get(code, SIGN_IN_ERRORS["invalid"]))


NETWORK_ERRORS = {
    "firm_books": N_("Your firm's own books are not on the business network."),
    "rate_limited": N_("Too many network searches: try again in {seconds} seconds."),
    "member_unavailable": N_("That member can no longer be found on the network."),
    "unknown_company": N_("These books no longer exist."),
    "unknown_contact": N_("This record no longer exists."),
    "role_invalid": N_("Choose customer or vendor."),
    "plan_invalid": N_("Choose Simple Start, Essentials, Plus or Advanced."),
    "admin_only": N_("Only an admin of the firm may change a company's public details, plan "
                     "and visibility."),
    "business_number_invalid": N_("Not a Canadian business number: 9 digits, or 15 as in "
                                  "123456782 RT0001."),
    "peppol_scheme_unknown": N_("Not a Peppol identifier: start with a scheme Peppol accepts "
                                "and a colon, as in 0088:7300010000001 (a GLN)."),
    "peppol_id_invalid": N_("This Peppol identifier's value does not fit its scheme (a GLN is "
                            "13 digits with its check digit, a D-U-N-S number 9 digits)."),
}

PLAN_LABELS = {
    "simple_start": N_("Simple Start"),
    "essentials": N_("Essentials"),
    "plus": N_("Plus"),
    "advanced": N_("Advanced"),
}


def network_error(exc) -> str:
    """The reason a network action was refused, for a person (a NetworkError)."""
    import math

    text = _(NETWORK_ERRORS.get(exc.code, exc.code))
    return text.format(seconds=max(1, math.ceil(getattr(exc, "retry_after", 0))))


def plan_label(plan: str) -> str:
    return _(PLAN_LABELS.get(plan, plan))


MEMBER_ROW_ERRORS = {
    "member_id_empty": N_("member_id is empty"),
    "member_id_too_long": N_("member_id is longer than 100 characters"),
    "member_id_repeated": N_("member_id already on line {value}"),
    "name_empty": N_("name is empty"),
    "name_too_long": N_("name is longer than 200 characters"),
    "email_invalid": N_("email is not a valid address: {value}"),
    "region_invalid": N_("region is not a two-letter country code: {value}"),
    "phone_invalid": N_("phone is not a phone number: {value}"),
    "website_invalid": N_("website is not a web address: {value}"),
    "plan_invalid": N_("plan is not Simple Start, Essentials, Plus or Advanced: {value}"),
    "visible_invalid": N_("visible is not yes or no: {value}"),
    "field_count": N_("the row's fields do not match the header (fields/header: {value})"),
}


def member_row_error(code: str, value: str) -> str:
    return _(MEMBER_ROW_ERRORS.get(code, code)).format(value=value)

RELAY_ADVICE = {
    "login_refused": N_("The relay refused the login: check the user in mail.relay and the "
                        "password in mail.password_file."),
    "no_login": N_("The relay offers no login: use smtp+starttls:// or smtps://, or take the "
                   "user out of mail.relay."),
    "login_required": N_("The relay wants a login: put a user in mail.relay "
                         "(smtp+starttls://USER@host) and its password in mail.password_file."),
    "cleartext_login": N_("A password is never sent without TLS: use smtp+starttls:// or "
                          "smtps://, or set mail.trusted_link = true if the network to the "
                          "relay is the firm's own."),
    "no_starttls": N_("The relay does not offer STARTTLS: use smtps:// (port 465) if it has "
                      "TLS, or ask whoever runs it."),
    "certificate": N_("Its certificate is not signed by an authority this machine trusts: "
                      "name the firm's authority (a PEM file) in mail.ca_file."),
    "hostname": N_("Its certificate is for another name: connect by the name on the "
                   "certificate in mail.relay (not an IP address)."),
    "tls_failed": N_("Check the port and the scheme: smtps:// is TLS from the start (465), "
                     "smtp+starttls:// upgrades a plain connection (587)."),
    "unreachable": N_("Check the relay's host and port in mail.relay, and that this machine "
                      "can reach it."),
    "sender_refused": N_("The relay refuses the sender: set mail.from to an address this "
                         "login may send as."),
    "recipient_refused": N_("The relay refused the test address: check it, or try another."),
}


def relay_advice(kind: str | None) -> str:
    """What to change for a relay problem of this kind."""
    return _(RELAY_ADVICE[kind]) if kind in RELAY_ADVICE else \
        _("Check the relay's settings (linkdesk config, linkdesk mail check).")


BILL_STATUSES = {
    "review": N_("For review"),
    "scheduled": N_("Scheduled"),
    "paid": N_("Paid"),
    "rejected": N_("Rejected"),
    "duplicate": N_("Duplicate"),
}


def bill_status_label(status: str) -> str:
    return _(BILL_STATUSES.get(status, status))


BILL_WARNINGS = {
    "buyer_not_company": N_("the buyer named in the file is not obviously this company"),
    "possible_duplicate": N_("this vendor already has a bill with this number"),
    "new_version": N_("a different document under this number is held already: compare the "
                      "versions before deciding"),
    "seller_number_invalid": N_("the seller's GST/HST number in the file fails its check digit"),
    "tax_rounded": N_("a tax in the file is a few cents off its rate (rounded per line)"),
}


# Our own words for the official e-invoice rules a preparer meets most, keyed by rule id; any
# other rule is shown in its own words (English, as the CEN and Peppol artefacts state it).
RULE_MESSAGES = {
    "BR-CO-10": N_("the line amounts do not add up to the total of the lines"),
    "BR-CO-13": N_("the total without tax is not the lines less allowances plus charges"),
    "BR-CO-14": N_("the total tax is not the sum of the tax subtotals"),
    "BR-CO-15": N_("the total with tax is not the total without tax plus the tax"),
    "BR-CO-16": N_("the amount due is not the total less what was prepaid"),
    "BR-CO-17": N_("a tax subtotal is not its taxable amount times its rate"),
    "BR-CO-26": N_("the seller has no identifier (tax number, registration or scheme)"),
    "BR-S-02": N_("standard-rated lines but no seller tax number"),
    "BR-S-08": N_("a standard-rated subtotal does not match the lines at its rate"),
    "BR-49": N_("payment instructions without a payment means code"),
    "PEPPOL-EN16931-R010": N_("the buyer has no Peppol electronic address"),
    "PEPPOL-EN16931-R020": N_("the seller has no Peppol electronic address"),
    "PEPPOL-EN16931-CL008": N_("an electronic address is in a scheme Peppol does not list"),
    "PEPPOL-EN16931-R004": N_("not declared as a Peppol BIS Billing 3.0 document"),
}


def rule_text(rule: str, found: str) -> str:
    """An official rule's finding for a person: our words when we have them, else its own."""
    return _(RULE_MESSAGES[rule]) if rule in RULE_MESSAGES else found


def bill_warning(key: str) -> str:
    """A Document.warnings key for a person: ours, or an official rule's (with its id)."""
    from store.documents import split_rule_warning

    rule = split_rule_warning(key)
    if rule is None:
        return _(BILL_WARNINGS.get(key, key))
    return _("{rule}: {text}").format(rule=rule[0], text=rule_text(*rule))


# What an e-invoice export needs and a document lacks (linkdesk.einvoice.ubl_write.CannotExport)
EXPORT_FIELDS = {
    "seller_name": N_("the company's name"),
    "buyer_name": N_("the customer's name"),
    "seller_endpoint": N_("the company's Peppol participant identifier (company profile)"),
    "buyer_endpoint": N_("the customer's Peppol participant identifier"),
    "seller_endpoint_scheme": N_("a scheme from Peppol's list for the company's participant "
                                 "identifier"),
    "buyer_endpoint_scheme": N_("a scheme from Peppol's list for the customer's participant "
                                "identifier"),
    "seller_country": N_("the company's country"),
    "seller_tax_number": N_("the company's GST/HST number (its lines are taxed)"),
    "tax_outside_scope_mixed": N_("one tax treatment: \"No tax\" lines cannot be mixed with "
                                  "taxed ones"),
    "lines": N_("at least one line"),
}


def export_refusal(field: str) -> str:
    """Why an e-invoice cannot be written, naming what to fill in."""
    return _("This e-invoice would not pass the official rules: it needs {what}.").format(
        what=_(EXPORT_FIELDS[field]) if field in EXPORT_FIELDS else field)


def bill_import_line(result: dict) -> str:
    """One imported file's outcome, for a person."""
    if result["outcome"] == "refused":
        return _("{file}: refused: {problems}").format(file=result["file"], problems="; ".join(
            f"{p['rule']}: {rule_text(p['rule'], p['found'])}" for p in result["problems"]))
    credit = result.get("kind") == "credit_note"
    text = {
        "created": (_("{file}: credit note {number} for review ({amount})") if credit
                    else _("{file}: bill {number} for review ({amount})")),
        "updated": _("{file}: bill {number} updated, still for review ({amount})"),
        "unchanged": _("{file}: already imported as bill {number}; nothing changed"),
        "version": _("{file}: a different document under number {number}: kept as a new "
                     "version for review beside the first ({amount})"),
    }.get(result["outcome"], _("{file}: refused: bill {number} was already decided"))
    amount = (money(Decimal(str(result["total"])), result["currency"])
              if result.get("total") is not None and result.get("currency") else "")
    line = text.format(**{**result, "amount": amount})
    for warning in result.get("warnings", []):
        line += "\n  " + _("warning: {text}").format(text=bill_warning(warning))
    return line


def seconds(value: float) -> str:
    """A duration in seconds, one decimal, as the language writes it: 0.4 or 0,4."""
    from babel.numbers import format_decimal

    return format_decimal(round(value, 1), "#,##0.0", locale=babel_locale())


def money(amount, currency: str) -> str:
    """An amount as the language writes it: $1,234.56 in English, 1 234,56 $ in French."""
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=babel_locale())


# UNCL 5305 tax categories an e-invoice line may carry; "S" (standard rate) goes unsaid.
TAX_CATEGORIES = {
    "Z": N_("zero-rated"),
    "E": N_("exempt"),
    "O": N_("not subject to tax"),
    "AE": N_("reverse charge"),
    "K": N_("intra-community supply"),
    "G": N_("export"),
}


def number(value) -> str:
    """A quantity as the language writes it: 1,234.5 in English, 1 234,5 in French."""
    from babel.numbers import format_decimal

    return format_decimal(value, "#,##0.###", locale=babel_locale())


def percent(rate) -> str:
    """A tax rate as the language writes it: 14.975% in English, 14,975 % in French."""
    return number(rate) + ("\u00a0%" if current_language() == "fr" else "%")


def tax_category_label(category: str) -> str:
    """What a tax category means ("" for the standard rate; an unknown code as sent)."""
    if category in ("", "S"):
        return ""
    meaning = TAX_CATEGORIES.get(category)
    return _(meaning) if meaning else category


def tax_rate_label(category: str, rate) -> str:
    """A line's tax: its rate, and what its category means unless it is the standard rate."""
    meaning = tax_category_label(category)
    return f"{percent(rate)} {meaning}" if meaning else percent(rate)


def when(iso_date: str | None) -> str:
    """A stored ISO date as the language writes it (2026-03-22 / 22 mars 2026)."""
    if not iso_date:
        return ""
    import datetime as dt

    from babel.dates import format_date

    return format_date(dt.date.fromisoformat(iso_date), "medium", locale=babel_locale())


def when_at(moment) -> str:
    """A stored time (naive UTC) in local time, as `when` writes its date, then the time
    (Mar 22, 2026, 1:05 p.m. / 22 mars 2026, 13 h 05): every screen writes a moment so."""
    import datetime as dt

    from babel.dates import format_date, format_time, get_datetime_format

    local = moment.replace(tzinfo=dt.UTC).astimezone()
    locale = babel_locale()
    return str(get_datetime_format("medium", locale=locale)).replace("'", "").format(
        format_time(local, "short", locale=locale), format_date(local, "medium", locale=locale))


EXPENSE_CATEGORIES = {
    "advertising": N_("Advertising"),
    "bank_fees": N_("Bank fees"),
    "cost_of_goods": N_("Cost of goods sold"),
    "insurance": N_("Insurance"),
    "meals": N_("Meals and entertainment"),
    "office": N_("Office expenses"),
    "professional_fees": N_("Professional fees"),
    "rent": N_("Rent"),
    "repairs": N_("Repairs and maintenance"),
    "subcontractors": N_("Subcontractors"),
    "supplies": N_("Supplies"),
    "telephone": N_("Telephone and internet"),
    "travel": N_("Travel"),
    "utilities": N_("Utilities"),
    "other": N_("Other expenses"),
}


def category_label(code: str, name: str) -> str:
    """A chart category: a default one's translated name, or the name a preparer gave."""
    return _(EXPENSE_CATEGORIES[code]) if code in EXPENSE_CATEGORIES and name == code else name


PAYMENT_METHODS = {"transfer": N_("Bank transfer"), "cheque": N_("Cheque"), "card": N_("Card"),
                   "cash": N_("Cash"), "other": N_("Other")}

BILL_ERRORS = {
    "vendor_needed": N_("Choose the vendor, or create it from the bill's details."),
    "categories_needed": N_("Choose an expense category."),
    "reason_needed": N_("Say why the bill is rejected: the vendor sees it."),
    "not_review": N_("This bill was already decided (by a colleague?)."),
    "not_scheduled": N_("Only a bill scheduled for payment can be marked paid."),
    "method_invalid": N_("Choose how it was paid."),
    "unknown_bill": N_("This bill no longer exists."),
    "vendor_unknown": N_("That vendor no longer exists."),
    "duplicate_of_unknown": N_("That bill is not one this bill can duplicate."),
}


def bill_summary(row) -> str:
    """A bill named so a person can tell it from another (store.bills.BillRow)."""
    return _("bill {number} from {vendor}, issued {issued}, {total} ({status}, #{id})").format(
        number=row.number, vendor=row.vendor, issued=when(row.issue_date),
        total=money(row.total, row.currency), status=bill_status_label(row.status).lower(),
        id=row.id)


def bill_decision(view) -> str:
    """What is true of a decided bill (store.bills.BillView): paid when and how, rejected and
    why, a duplicate of which; "" for one still open."""
    row = view.row
    if row.status == "paid":
        return _("Paid on {date} by {method}: nothing owed.").format(
            date=when(view.paid_on), method=_(PAYMENT_METHODS.get(view.paid_method,
                                                                 view.paid_method)).lower())
    if row.status == "rejected":
        return _("Rejected: “{reason}”. Nothing is owed.").format(reason=view.reason)
    if row.status == "duplicate":
        return _("A duplicate of bill #{id}: nothing is owed on this one.").format(
            id=view.duplicate_of) if view.duplicate_of else _(
            "A duplicate: nothing is owed on this one.")
    if row.status == "scheduled":
        return _("Approved: payment scheduled for {date}.").format(date=when(row.pay_on))
    return ""


def bill_error(code: str) -> str:
    return _(BILL_ERRORS.get(code, code))


INVOICE_STATUSES = {
    "draft": N_("Draft"),
    "sent": N_("Sent by email"),
    "received": N_("Received"),
    "scheduled": N_("Payment scheduled"),
    "paid": N_("Paid"),
    "rejected": N_("Rejected"),
}


def invoice_status_label(status: str) -> str:
    return _(INVOICE_STATUSES.get(status, status))


WHY_NOT_NETWORK = {
    "not_linked": N_("the customer is not linked to a network member"),
    "sender_firm_books": N_("a firm's own books are not on the network"),
    "receiver_firm_books": N_("the customer's books are a firm's own"),
    "same_books": N_("the customer is these same books"),
    "sender_hidden": N_("these books are hidden from the network"),
    "receiver_hidden": N_("the customer is hidden from the network"),
    "receiver_simple_start": N_("the customer is on Simple Start, which has no bills to review"),
    "other_region": N_("the customer is in another region"),
    "email_failed": N_("the email could not be delivered"),
    "customer_has_no_email": N_("the customer has no email address"),
    "already_decided": N_("the customer already decided on it"),
    "already_sent": N_("it was sent already; to send it once more, use Send again"),
    "unknown_invoice": N_("this invoice no longer exists"),
}


def why_not_network(code: str | None) -> str:
    return _(WHY_NOT_NETWORK.get(code or "", code or ""))


def skip_reason(code: str, n: int) -> str:
    """Why n clients of a bulk invitation were skipped, counted, for a person (each message
    written out, so that the catalog tool finds both forms)."""
    from linkdesk.i18n import ngettext

    if code == "inactive":
        text = ngettext("{n} inactive", "{n} inactive", n)
    elif code == "accepted":
        text = ngettext("{n} already accepted", "{n} already accepted", n)
    elif code == "under_way":
        text = ngettext("{n} with an invitation under way", "{n} with an invitation under way",
                        n)
    elif code == "not_invited":
        text = ngettext("{n} not invited yet (nothing to send again)",
                        "{n} not invited yet (nothing to send again)", n)
    elif code == "not_invitable":
        text = ngettext("{n} invited meanwhile by a colleague",
                        "{n} invited meanwhile by a colleague", n)
    elif code == "unknown_client":
        text = ngettext("{n} removed meanwhile", "{n} removed meanwhile", n)
    else:
        text = "{n} " + code
    return text.format(n=n)


def bulk_counts(progress) -> str:
    """"3 sent · 1 waiting · 0 failed", each count in its own plural (French writes 0 and 1
    in the singular); a stopped run says what was taken back and what was never queued."""
    parts = [(progress.sent, ngettext("{n} sent", "{n} sent", progress.sent))]
    if progress.cancelled:
        parts += [
            (progress.taken_back, ngettext("{n} taken back", "{n} taken back",
                                           progress.taken_back)),
            (progress.not_queued, ngettext("{n} never queued", "{n} never queued",
                                           progress.not_queued)),
            (progress.waiting, ngettext("{n} with the relay", "{n} with the relay",
                                        progress.waiting)),
        ]
    else:
        parts.append((progress.waiting, ngettext("{n} waiting", "{n} waiting",
                                                 progress.waiting)))
    parts += [(progress.failed, ngettext("{n} failed", "{n} failed", progress.failed)),
              (progress.skipped, ngettext("{n} skipped", "{n} skipped", progress.skipped))]
    return " · ".join(text.format(n=number(n)) for n, text in parts)


def linked_sync_message(updated: int, held: int) -> str:
    """What a member's change did to the records linked to it, truthfully: those updated and
    those edited by hand that hold the change for review ("" when there were none)."""
    if updated and held:
        return "; ".join((
            ngettext("{n} linked customer or vendor updated",
                     "{n} linked customers or vendors updated", updated).format(n=updated),
            ngettext("{n} holds the change for review.", "{n} hold the change for review.",
                     held).format(n=held)))
    if updated:
        return ngettext("{n} linked customer or vendor updated.",
                        "{n} linked customers or vendors updated.", updated).format(n=updated)
    if held:
        return ngettext("{n} linked customer or vendor holds the change for review (edited "
                        "by hand).", "{n} linked customers or vendors hold the change for "
                        "review (edited by hand).", held).format(n=held)
    return ""


TAX_NAMES = {"GST": N_("GST"), "HST": N_("HST"), "QST": N_("QST"), "PST": N_("PST"),
             "RST": N_("RST"), "VAT": N_("VAT")}


def tax_name(name: str) -> str:
    """A tax's short name as the language writes it (TPS, TVQ... in French)."""
    return _(TAX_NAMES[name]) if name in TAX_NAMES else name


def tax_period_lines(period) -> list[str]:
    """A period's taxes on bills (store.bills.TaxPeriod), for a person: each tax apart, then
    what can be claimed, then what is not counted yet."""
    lines = [_("Taxes on bills issued from {start} to {end}").format(
        start=when(period.start.isoformat()), end=when(period.end.isoformat()))]
    if not period.approved:
        lines.append("  " + _("No approved bill in this period."))
    for currency, name, amount in period.approved:
        lines.append(f"  {tax_name(name):6} {money(amount, currency):>14}")
    for kind, label in (("itc", _("GST/HST input tax credits")),
                        ("itr", _("QST input tax refunds"))):
        for currency, amount in period.claimable(kind):
            lines.append(f"{label}: {money(amount, currency)}")
    lines.append(ngettext("Counted: {n} approved bill (scheduled or paid), credit notes "
                          "taken off.", "Counted: {n} approved bills (scheduled or paid), "
                          "credit notes taken off.", period.bills).format(n=period.bills))
    if period.bills_for_review:
        held = ", ".join(f"{tax_name(n)} {money(a, c)}" for c, n, a in period.for_review)
        lines.append(ngettext("Not counted: {n} bill still for review ({taxes}).",
                              "Not counted: {n} bills still for review ({taxes}).",
                              period.bills_for_review).format(
            n=period.bills_for_review, taxes=held))
    if period.derived:
        lines.append(_("Some amounts were worked out from a combined rate (GST and QST "
                       "stated as one by the file): check them against the bills."))
    return lines


def send_question(plan, again: bool) -> str:
    """The question before an invoice leaves (store.invoices.SendPlan): where it goes, for how
    much, and, sent once more, what becomes of the copy the customer already has."""
    amount = money(plan.total, plan.currency)
    if plan.route == "network":
        where = _("into {books}'s books on the network, as a bill for review").format(
            books=plan.books)
    else:
        where = _("by email to {email} ({why})").format(
            email=plan.email, why=why_not_network(plan.refusal))
    question = (_("Send this credit note of {amount} to {customer} {where}?")
                if plan.kind == "credit_note" else
                _("Send this invoice of {amount} to {customer} {where}?")).format(
        amount=amount, customer=plan.customer, where=where)
    if again and plan.route == "network":
        question += " " + _("The bill already in their books is replaced by this copy, "
                            "since they have not approved it.")
    elif again:
        question += " " + _("They receive a second email; the first stays in their mailbox.")
    return question


def key_error(code: str) -> str:
    """What a person reads when a key cannot be added or removed."""
    return {
        "unknown_user": _("no preparer by that name"),
        "key_taken": _("that key is already a preparer's; a key is one person's"),
        "not_found": _("that preparer has no key with that fingerprint"),
        "not_allowed": _("only an admin changes another preparer's keys"),
    }.get(code, code)
