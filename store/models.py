"""Peewee models describing the tables; they are never bound globally, queries bind per store."""

from __future__ import annotations

from decimal import Decimal

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CompositeKey,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


class DecimalText(TextField):
    """An exact amount kept as its decimal text: SQLite has no decimal type, and a REAL would
    turn 0.1 into 0.1000000000000000055."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("amounts are never floats")
        return str(value)

    def python_value(self, value):
        return None if value is None else Decimal(value)


class BaseModel(Model):
    """Unbound base: every query is bound to the store's database when it runs."""

    class Meta:
        database = None
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField()

    class Meta:
        primary_key = False
        table_name = "schema_version"


class Firm(BaseModel):
    id = AutoField()
    name = TextField()
    created_at = DateTimeField()
    reminders_on = BooleanField(default=False)
    reminder_days = IntegerField(default=7)
    reminder_max = IntegerField(default=1)
    settings_version = IntegerField(default=1)  # raised by every save of the settings
    settings_by = IntegerField(null=True)  # the preparer who saved them last


class Preparer(BaseModel):
    id = AutoField()
    firm = ForeignKeyField(Firm, column_name="firm_id", lazy_load=False)
    username = TextField()
    username_key = TextField(unique=True)
    email = TextField()
    password_hash = TextField()
    role = TextField(default="preparer")  # "admin" or "preparer"
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    created_at = DateTimeField()
    last_login_at = DateTimeField(null=True)


class UnknownSignIn(BaseModel):
    """Failed sign-ins under a name that is no account (keyed by a hash of the name)."""

    name_hash = TextField(primary_key=True)
    failures = IntegerField()
    locked_until = DateTimeField(null=True)
    updated_at = DateTimeField()

    class Meta:
        table_name = "unknown_sign_in"


class Client(BaseModel):
    id = AutoField()
    firm = ForeignKeyField(Firm, column_name="firm_id", lazy_load=False)
    kind = TextField()
    first_name = TextField(null=True)
    last_name = TextField(null=True)
    organization_name = TextField(null=True)
    display_name = TextField()
    version = IntegerField(default=1)  # raised by every change of the client's details
    import_run = IntegerField(null=True)  # loaded by an import not switched on yet: hidden
    sort_key = TextField()
    search_key = TextField()
    email = TextField()
    email_key = TextField()
    phone = TextField(null=True)
    language = TextField(default="en")
    active = BooleanField(default=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    reminders_stopped_at = DateTimeField(null=True)  # the client asked for no more reminders


class ClientYearStatus(BaseModel):
    client = ForeignKeyField(Client, column_name="client_id", lazy_load=False)
    tax_year = IntegerField()
    status = TextField()
    updated_at = DateTimeField()

    class Meta:
        primary_key = CompositeKey("client", "tax_year")
        table_name = "client_year_status"


class ClientEvent(BaseModel):
    id = AutoField()
    client = ForeignKeyField(Client, column_name="client_id", lazy_load=False)
    preparer = ForeignKeyField(Preparer, column_name="preparer_id", null=True, lazy_load=False)
    kind = TextField()
    detail = TextField(default="{}")
    at = DateTimeField()

    class Meta:
        table_name = "client_event"


class Invitation(BaseModel):
    id = AutoField()
    client = ForeignKeyField(Client, column_name="client_id", lazy_load=False)
    tax_year = IntegerField()
    token_hash = TextField(unique=True)
    state = TextField()
    recipient = TextField()
    language = TextField()
    created_by = ForeignKeyField(Preparer, column_name="created_by", null=True, lazy_load=False)
    created_at = DateTimeField()
    expires_at = DateTimeField()
    sent_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    failure = TextField(null=True)
    reminders = IntegerField(default=0)
    reminded_at = DateTimeField(null=True)  # the last reminder queued; the next counts from it
    bulk_run = IntegerField(null=True, column_name="bulk_run_id")  # the run that queued it
    previous_status = TextField(null=True)  # the client's status for the year before it
    replaced = IntegerField(null=True, column_name="replaced_id")  # the live one it ended


class InvitationLink(BaseModel):
    """One link of an invitation (the first, then one per reminder): any of them accepts it."""

    token_hash = TextField(primary_key=True)
    invitation = ForeignKeyField(Invitation, column_name="invitation_id", lazy_load=False)
    created_at = DateTimeField()

    class Meta:
        table_name = "invitation_link"


class Outbox(BaseModel):
    id = AutoField()
    invitation = ForeignKeyField(Invitation, column_name="invitation_id", null=True,
                                 lazy_load=False)
    invoice = IntegerField(null=True, column_name="invoice_id")  # or an invoice, by email
    message_id = TextField(unique=True)
    envelope_from = TextField()
    envelope_to = TextField()
    # The column hides peewee's Model.raw (raw SQL), which nothing here calls on Outbox.
    raw = BlobField(null=True)  # type: ignore[assignment]
    state = TextField()
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()
    claimed_until = DateTimeField(null=True)
    claimed_by = IntegerField(null=True)  # the pipeline_process that claimed it
    last_error = TextField(null=True)
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)


class OutboxTag(BaseModel):
    """A message's tag, in its Return-Path (VERP): how a bounce finds the message."""

    return_tag = TextField(primary_key=True)
    outbox = ForeignKeyField(Outbox, column_name="outbox_id", lazy_load=False)

    class Meta:
        table_name = "outbox_tag"


class Company(BaseModel):
    """A company's books: the firm's own, or a member of the business network."""

    id = AutoField()
    kind = TextField()  # "firm" or "member"
    firm = ForeignKeyField(Firm, column_name="firm_id", null=True, lazy_load=False)
    client = ForeignKeyField(Client, column_name="client_id", null=True, lazy_load=False)
    member_key = TextField(null=True)
    name = TextField()
    name_fold = TextField()
    email = TextField(default="")
    phone = TextField(default="")
    website = TextField(default="")
    address = TextField(default="")
    city = TextField(default="")
    region = TextField(default="CA")
    plan = TextField(default="essentials")
    business_number = TextField(default="")  # its GST/HST registration, compact
    peppol_id = TextField(default="")  # "scheme:value", the scheme from Peppol's EAS list
    language = TextField(default="en")  # what its customers read by default (en, fr)
    visible = BooleanField(default=True)
    version = IntegerField(default=1)
    updated_at = DateTimeField()
    import_run = IntegerField(null=True)  # loaded by an import not switched on yet: hidden


class ImportRun(BaseModel):
    """One import: its rows stay hidden until it is switched on ("live") in one transaction."""

    id = AutoField()
    kind = TextField()  # "members"
    state = TextField()  # "loading", "live", "failed"
    started_at = DateTimeField()
    ended_at = DateTimeField(null=True)

    class Meta:
        table_name = "import_run"


class MemberChange(BaseModel):
    """A member's new details read by an import, applied when the import is switched on."""

    import_run = IntegerField()
    company = IntegerField(column_name="company_id")
    member_key = TextField()
    name_fold = TextField()
    detail = TextField()  # JSON of the member's fields

    class Meta:
        table_name = "member_change"
        primary_key = CompositeKey("import_run", "company")


class NetworkWord(BaseModel):
    region = TextField()
    word = TextField()
    company = ForeignKeyField(Company, column_name="company_id", lazy_load=False)

    class Meta:
        primary_key = CompositeKey("region", "word", "company")


class Contact(BaseModel):
    """A customer or vendor in a company's books, perhaps linked to a network member."""

    id = AutoField()
    company = ForeignKeyField(Company, column_name="company_id", lazy_load=False)
    role = TextField()  # "customer" or "vendor"
    name = TextField()
    email = TextField(default="")
    phone = TextField(default="")
    website = TextField(default="")
    address = TextField(default="")
    city = TextField(default="")
    business_number = TextField(default="")  # compact: 9 digits, or 15 with RT0001
    peppol_id = TextField(default="")  # "scheme:value", the scheme from Peppol's EAS list
    language = TextField(default="")  # en or fr; empty: the company's
    member = ForeignKeyField(Company, column_name="member_id", null=True, lazy_load=False,
                             backref="linked_contacts")
    synced_version = IntegerField(null=True)
    edited = BooleanField(default=False)
    pending = TextField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class HookEvent(BaseModel):
    """An event for the firm's systems (a webhook), queued in the transaction of the change it
    tells and kept until its receiver answered 2xx; its body is sent byte for byte each try."""

    id = AutoField()
    event_id = TextField(unique=True)  # "evt_...": the same on every try, for the receiver
    kind = TextField()  # "invitation.accepted", "bill.paid", ...
    body = TextField()  # the JSON sent
    state = TextField()  # queued, sending, sent, failed (refused: see store.hooks)
    attempts = IntegerField(default=0)
    refusals = IntegerField(default=0)  # answers in a row that refused it (store.hooks)
    next_attempt_at = DateTimeField()
    claimed_until = DateTimeField(null=True)
    claimed_by = IntegerField(null=True)  # the pipeline_process that claimed it
    last_status = IntegerField(null=True)  # the receiver's last HTTP status
    last_error = TextField(null=True)  # or why there was none (refused, timed out)
    last_at = DateTimeField(null=True)
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "hook_event"


class PipelineProcess(BaseModel):
    """A process that runs part of the pipeline (a service, or a terminal on its own), with
    its heartbeat: how the others know whether it is alive."""

    id = AutoField()
    role = TextField()  # "service" or "app"
    host = TextField()
    pid = IntegerField()
    serves_page = BooleanField(default=False)
    runs_pipeline = BooleanField(default=False)
    started_at = DateTimeField()
    beat_at = DateTimeField()
    stopped_at = DateTimeField(null=True)
    relay_ok = BooleanField(null=True)
    relay_said = TextField(null=True)
    relay_at = DateTimeField(null=True)
    relay_kind = TextField(null=True)  # what kind of relay problem (None: fine, or unknown)

    class Meta:
        table_name = "pipeline_process"


class SshKey(BaseModel):
    """A preparer's public key for the SSH door (one OpenSSH line, its SHA256 fingerprint)."""

    id = AutoField()
    preparer = ForeignKeyField(Preparer, column_name="preparer_id", lazy_load=False)
    fingerprint = TextField(unique=True)
    algorithm = TextField()
    public_key = TextField()
    comment = TextField(default="")
    added_at = DateTimeField()
    added_by = IntegerField(null=True)
    last_used_at = DateTimeField(null=True)

    class Meta:
        table_name = "ssh_key"


class SshSession(BaseModel):
    """A session through the SSH door: open while `ended_at` is empty and its service lives."""

    id = AutoField()
    preparer = IntegerField(column_name="preparer_id", null=True)
    kind = TextField()  # "desk", "command" or "demo"
    fingerprint = TextField(default="")
    address = TextField(default="")
    process_id = IntegerField(null=True)  # the service's pipeline_process row
    pid = IntegerField(null=True)  # the session's own process
    started_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    end_asked_by = IntegerField(null=True)

    class Meta:
        table_name = "ssh_session"


class SshEvent(BaseModel):
    """Who came in through the SSH door, who left, who was refused: append only."""

    id = AutoField()
    at = DateTimeField()
    kind = TextField()  # "sign_in", "sign_out", "refused", "ended"
    preparer = IntegerField(column_name="preparer_id", null=True)
    fingerprint = TextField(default="")
    address = TextField(default="")
    session = IntegerField(column_name="session_id", null=True)
    detail = TextField(default="")

    class Meta:
        table_name = "ssh_event"


class BulkRun(BaseModel):
    """A bulk invitation's progress, kept as it goes: one cut short by a crash stays visible."""

    id = AutoField()
    firm = ForeignKeyField(Firm, column_name="firm_id", lazy_load=False)
    preparer_id = IntegerField(null=True)
    tax_year = IntegerField()
    total = IntegerField()
    queued = IntegerField(default=0)
    skipped = IntegerField(default=0)
    state = TextField()  # "running", "done", "cancelled", "interrupted"
    process_id = IntegerField(null=True)
    started_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "bulk_run"


class ExpenseCategory(BaseModel):
    """A company's chart of expense categories: where an approved bill's lines go."""

    id = AutoField()
    company = ForeignKeyField(Company, column_name="company_id", lazy_load=False)
    code = TextField()  # a default category's code (its label is translated), or ""
    name = TextField()  # the name a preparer gave (a default one's is its code)
    active = BooleanField(default=True)

    class Meta:
        table_name = "expense_category"


class Invoice(BaseModel):
    """A sales invoice (or credit note) in a company's books, and what became of it."""

    id = AutoField()
    company = ForeignKeyField(Company, column_name="company_id", lazy_load=False)
    customer = ForeignKeyField(Contact, column_name="customer_id", lazy_load=False)
    kind = TextField(default="invoice")  # "invoice" or "credit_note"
    corrects = IntegerField(null=True, column_name="corrects_id")  # a credit note's invoice
    number = TextField()
    number_key = TextField()
    issue_date = TextField()  # ISO dates: a date has no time zone to get wrong
    due_date = TextField(null=True)
    terms = TextField(default="")
    currency = TextField(default="CAD")
    notes = TextField(default="")
    net = DecimalText()
    tax = DecimalText()
    total = DecimalText()
    status = TextField(default="draft")
    status_note = TextField(default="")  # the customer's reason, or why it went by email
    route = TextField(null=True)  # "network" or "email", once sent
    sent_at = DateTimeField(null=True)
    paid_on = TextField(null=True)
    paid_method = TextField(default="")
    created_by = IntegerField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    version = IntegerField(default=1)


class InvoiceLine(BaseModel):
    invoice = ForeignKeyField(Invoice, column_name="invoice_id", lazy_load=False,
                              on_delete="CASCADE")
    position = IntegerField()
    description = TextField()
    quantity = DecimalText()
    unit_price = DecimalText()
    tax_code = TextField()
    net = DecimalText()

    class Meta:
        table_name = "invoice_line"
        primary_key = CompositeKey("invoice", "position")


class Bill(BaseModel):
    """A bill in a company's books: received through the network, imported, or entered;
    its figures are the sender's, kept exactly as sent."""

    id = AutoField()
    company = ForeignKeyField(Company, column_name="company_id", lazy_load=False)
    vendor = ForeignKeyField(Contact, column_name="vendor_id", null=True, lazy_load=False)
    source = TextField()  # "network", "ubl" or "manual"
    dedupe_key = TextField()  # who sent it and its number: the same invoice is one bill
    sender = IntegerField(null=True, column_name="sender_id")  # the sending member's books
    invoice = IntegerField(null=True, column_name="invoice_id")  # the sender's invoice
    seller = TextField()  # JSON: the seller's name, identifiers and public details as sent
    buyer_name = TextField(default="")
    kind = TextField(default="invoice")
    number = TextField()
    number_key = TextField()
    corrects_number = TextField(default="")
    issue_date = TextField()
    due_date = TextField(null=True)
    terms = TextField(default="")
    currency = TextField(default="CAD")
    notes = TextField(default="")
    net = DecimalText()
    tax = DecimalText()
    total = DecimalText()
    payable = DecimalText()
    taxes = TextField(default="[]")  # JSON: the tax lines as sent
    warnings = TextField(default="[]")  # JSON: what the import noticed, shown at review
    status = TextField(default="review")  # review, scheduled, paid, rejected, duplicate
    reason = TextField(default="")
    pay_on = TextField(null=True)
    paid_on = TextField(null=True)
    paid_method = TextField(default="")
    decided_by = IntegerField(null=True)
    received_at = DateTimeField()
    updated_at = DateTimeField()
    version = IntegerField(default=1)
    digest = TextField(default="")  # of the document as received: the same one again is a no-op
    source_file = TextField(default="")  # the file an imported bill came from
    version_of = IntegerField(null=True)  # the first bill under this key, when a new version
    duplicate_of = IntegerField(null=True)  # the bill this one was marked a duplicate of


class BillLine(BaseModel):
    bill = ForeignKeyField(Bill, column_name="bill_id", lazy_load=False, on_delete="CASCADE")
    position = IntegerField()
    description = TextField()
    quantity = DecimalText()
    unit_price = DecimalText()
    net = DecimalText()
    tax_category = TextField(default="")
    tax_rate = DecimalText()
    category = IntegerField(null=True, column_name="category_id")  # chosen at approval

    class Meta:
        table_name = "bill_line"
        primary_key = CompositeKey("bill", "position")


class CompanyEvent(BaseModel):
    """A change to a company's public details, plan, visibility or to the firm's settings,
    naming the preparer: who changed what the network sees."""

    id = AutoField()
    company = IntegerField(null=True, column_name="company_id")
    firm = IntegerField(null=True, column_name="firm_id")
    preparer = IntegerField(null=True, column_name="preparer_id")
    kind = TextField()
    detail = TextField(default="{}")
    at = DateTimeField()

    class Meta:
        table_name = "company_event"
