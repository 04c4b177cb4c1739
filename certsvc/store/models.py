"""Tables. Times are stored in UTC; dates are calendar dates in China."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class LicenceRow(Base):
    """A licence. ``payload`` and ``kid`` are written before signing; ``token`` after."""

    __tablename__ = "licences"
    __table_args__ = (UniqueConstraint("bureau_code", "category", "product", "serial"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    bureau_code: Mapped[str] = mapped_column(String(2))  # indexed by the unique constraint
    category: Mapped[int] = mapped_column(Integer)
    product: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    enterprise_name: Mapped[str] = mapped_column(String(100), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    residence: Mapped[str] = mapped_column(String(200))
    production_address: Mapped[str] = mapped_column(String(200))
    scope: Mapped[list[int]] = mapped_column(JSON)
    issued: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="valid")
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    kid: Mapped[bytes] = mapped_column(LargeBinary(8))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    token: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    token_sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LicenceSeries(Base):
    """The next serial in each bureau's series for a product (``浙XK06-001-``)."""

    __tablename__ = "licence_series"

    bureau_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    next_serial: Mapped[int] = mapped_column(Integer)


class ArtefactVersion(Base):
    """Version counters of published artefacts (the status list)."""

    __tablename__ = "artefact_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LicenceStatusDetail(Base):
    """Why a licence has its status: the order, reason and legal basis of the last change."""

    __tablename__ = "licence_status_details"

    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RetiredStatusIndex(Base):
    """Status indices of superseded tokens (after a change or renewal): listed as ended."""

    __tablename__ = "retired_status_indices"

    status_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"), index=True)
    retired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StatusChange(Base):
    """Every change of a status-list entry, in order: the source of status-list deltas."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    status_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # a LicenceStatus value, or "superseded"
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StatusListVersion(Base):
    """Which status changes each published status-list version includes."""

    __tablename__ = "status_list_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_change_id: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class InstitutionRow(Base):
    """An inspection institution (检验机构): accreditation, level, filing with the authority."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    accreditation: Mapped[str] = mapped_column(String(64))  # 计量认证 (CMA) certificate number
    level: Mapped[int] = mapped_column(Integer)  # 1 = I, 2 = II, 3 = III
    filed: Mapped[bool] = mapped_column(Boolean)
    # barred from testing for licences (国质检监〔2015〕364号 五(一)): the day and the reason
    barred_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    barred_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class AccountRow(Base):
    """Who can act: a bureau, an enterprise, an institution, an auditor."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    bureau_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"),
                                                       nullable=True)
    review_body_id: Mapped[int | None] = mapped_column(ForeignKey("review_bodies.id"),
                                                       nullable=True)
    area_code: Mapped[str | None] = mapped_column(String(6), nullable=True)  # a local bureau's
    # a department's: the feed's event families it may read (certsvc.domain.sharing)
    granted_kinds: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # administers its bureau's staff: adds accounts, makes set-up links, unlocks
    staff_admin: Mapped[bool] = mapped_column(Boolean, default=False,
                                              server_default=false())


class ApiTokenRow(Base):
    """An API token, stored only as its SHA-256 digest (the token is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)


class AccountCredentials(Base):
    """How an account signs in to the console: argon2id password hash, TOTP secret."""

    __tablename__ = "account_credentials"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)  # sealed
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)


class AccountInvite(Base):
    """A one-time link that sets an account's password (and second factor)."""

    __tablename__ = "account_invites"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConsoleSession(Base):
    """A signed-in browser: the cookie holds the id, the table its SHA-256."""

    __tablename__ = "console_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    second_factor_done: Mapped[bool] = mapped_column(Boolean)
    client: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DocumentRow(Base):
    """Who uploaded which document (by SHA-256); the bytes are in the document store."""

    __tablename__ = "documents"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Append-only (a database trigger refuses UPDATE and DELETE): who did what, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(140))
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    bureau_code: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    request_id: Mapped[str] = mapped_column(String(64))


class ApplicationRow(Base):
    """A licence application and its review. ``review`` holds the results of each step."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # new | renewal
    state: Mapped[str] = mapped_column(String(24), index=True)
    bureau_code: Mapped[str] = mapped_column(String(2), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise: Mapped[Any] = mapped_column(JSON)
    scope: Mapped[list[int]] = mapped_column(JSON)
    licence_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    materials: Mapped[Any] = mapped_column(JSON)
    review: Mapped[Any] = mapped_column(JSON)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"),
                                                       nullable=True)
    # the review body assigned the on-site visit now (its queue; a bar gives it back)
    review_body_id: Mapped[int | None] = mapped_column(ForeignKey("review_bodies.id"),
                                                       nullable=True, index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    accepted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    testing_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    # the clock's due date, not counting a pause in progress (kept by every transition;
    # the queue sorts on it)
    clock_due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # 告知承诺: the due date of the on-site review after issue while it is pending, and the
    # day it failed (the bureau's lists; the bar on the commitment path after a failure)
    post_review_due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    post_review_failed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class IdempotencyRecord(Base):
    """The response to a request made with an ``Idempotency-Key``, replayed on a retry."""

    __tablename__ = "idempotency_keys"

    account_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: in progress
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DeclarationRow(Base):
    """One version of an enterprise's standards declaration; withdrawing adds a version."""

    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("uscc", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    version: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[Any] = mapped_column(JSON, nullable=True)  # None when withdrawn
    account_id: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AccidentRow(Base):
    """A product-safety accident report, with its follow-ups."""

    __tablename__ = "accidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau_code: Mapped[str] = mapped_column(String(2), index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    learned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    follow_ups: Mapped[Any] = mapped_column(JSON)


class FeedEvent(Base):
    """What other departments follow: every licence, status, declaration and accident
    change, in order. ``id`` is the cursor."""

    __tablename__ = "feed_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    data: Mapped[Any] = mapped_column(JSON)


class SpotCheckRow(Base):
    """A supervision spot-check result (监督抽查) for an enterprise's products."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau_code: Mapped[str] = mapped_column(String(2))  # who recorded it
    level: Mapped[str] = mapped_column(String(16))  # national | provincial | municipal | county
    checked_on: Mapped[dt.date] = mapped_column(Date)
    unit_ids: Mapped[list[int]] = mapped_column(JSON)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    reference: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RecallRow(Base):
    """A recall of defective products (召回), announced until the enterprise closes it."""

    __tablename__ = "recalls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    unit_ids: Mapped[list[int]] = mapped_column(JSON)
    defect: Mapped[str] = mapped_column(Text)
    batches: Mapped[str] = mapped_column(Text)
    sold: Mapped[int] = mapped_column(Integer)  # units already sold
    unsold: Mapped[int] = mapped_column(Integer)  # units still in stock or in transit
    remedy: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200))
    announced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closing_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class MeasureRow(Base):
    """A supervision measure against a licensee: interview, report demand, rectification."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau_code: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # interview | report | rectify
    reason: Mapped[str] = mapped_column(Text)
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(8), nullable=True)  # passed | failed
    outcome_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    ordered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class HolidayNoticeRow(Base):
    """A year's State Council holiday notice as loaded (every version kept, the newest in
    force)."""

    __tablename__ = "holiday_notices"
    __table_args__ = (UniqueConstraint("year", "version",
                                       name="uq_holiday_notices_year_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    notice: Mapped[str] = mapped_column(String(300))
    holidays: Mapped[list[str]] = mapped_column(JSON)
    workdays: Mapped[list[str]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ReviewBodyRow(Base):
    """A review body (审查机构): an independent legal person, not for profit in this work,
    registered by the national authority (reviews anywhere) or a province (there)."""

    __tablename__ = "review_bodies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    keeper_code: Mapped[str] = mapped_column(String(2), index=True)  # "00" or a province
    qualification: Mapped[str] = mapped_column(String(500))
    unit_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # active | suspended | barred
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReviewerRow(Base):
    """A body's reviewer (审查员), by name and qualification number."""

    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("review_bodies.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    qualification_number: Mapped[str] = mapped_column(String(64), unique=True)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReviewConflictRow(Base):
    """A declared conflict of interest: the body (or one reviewer) consulted for, or is
    otherwise tied to, an enterprise; it may not review that enterprise."""

    __tablename__ = "review_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("review_bodies.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("reviewers.id"), nullable=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    note: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[int] = mapped_column(Integer)  # who declared it


class AnnualReportRow(Base):
    """A review body's annual report (年度报告 and the head's 述职报告) for a year: due by the
    day its keeper set, filed by the body, inspected by the keeper (年度检查)."""

    __tablename__ = "review_body_reports"
    __table_args__ = (UniqueConstraint("body_id", "year", name="uq_review_body_reports"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("review_bodies.id"))
    keeper_code: Mapped[str] = mapped_column(String(2))
    year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    documents: Mapped[Any] = mapped_column(JSON, nullable=True)  # report, head_report
    filed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                         nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    inspection_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    inspected_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)


class RecallOrderRow(Base):
    """责令召回: a bureau orders an enterprise to recall, on an accident or a spot check; the
    enterprise's recall answers it, or the order is overdue after its deadline."""

    __tablename__ = "recall_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau_code: Mapped[str] = mapped_column(String(2), index=True)  # the province
    area_code: Mapped[str | None] = mapped_column(String(6), nullable=True)  # a local order
    account_id: Mapped[int] = mapped_column(Integer)  # who ordered it
    cause: Mapped[str] = mapped_column(String(40))  # "accident:12" or "spot_check:3"
    unit_ids: Mapped[list[int]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    deadline: Mapped[dt.date] = mapped_column(Date, index=True)
    recall_id: Mapped[int | None] = mapped_column(ForeignKey("recalls.id"), nullable=True)
    ordered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)


class ComplaintRow(Base):
    """A report from the public (举报): what was reported, where it went, and its handling.
    ``contact`` is personal data: only the bureau handling it sees it. The reporter follows
    it with a receipt code, stored only as its SHA-256 digest."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    bureau_code: Mapped[str] = mapped_column(String(2), index=True)  # the competent province
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    licence_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    qr_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    photo: Mapped[Any] = mapped_column(JSON, nullable=True)  # document, media_type, size
    receipt_digest: Mapped[str] = mapped_column(String(64), unique=True)
    form_nonce: Mapped[str] = mapped_column(String(32), unique=True)  # one report per form
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)


class InsurancePolicyRow(Base):
    """A product quality-safety liability policy (产品质量安全责任保险) an insurer filed."""

    __tablename__ = "insurance_policies"
    __table_args__ = (UniqueConstraint("account_id", "policy_number",
                                       name="uq_insurance_policies_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(Integer)  # the insurer's account
    insurer: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    policy_number: Mapped[str] = mapped_column(String(64))
    cover_yuan: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EvaluationRow(Base):
    """A quality-safety evaluation (质量安全评价) of an enterprise by a review body."""

    __tablename__ = "quality_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    bureau_code: Mapped[str] = mapped_column(String(2), index=True)  # where it is registered
    body_id: Mapped[int] = mapped_column(ForeignKey("review_bodies.id"))
    evaluated_on: Mapped[dt.date] = mapped_column(Date)
    scores: Mapped[Any] = mapped_column(JSON)
    rating: Mapped[str] = mapped_column(String(16))
    conclusion: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class GradeOverrideRow(Base):
    """A bureau's override of an enterprise's computed supervision grade (the newest holds)."""

    __tablename__ = "grade_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    grade: Mapped[str] = mapped_column(String(1))
    reason: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int] = mapped_column(Integer)
    bureau_code: Mapped[str] = mapped_column(String(2))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StatutoryBarRow(Base):
    """A bar on applying again, written with the decision that brings it (migration 0027):
    ``kind`` names the rule in the catalogue data file; applications for any of
    ``product_codes`` are refused from ``since`` until the day before ``until``."""

    __tablename__ = "statutory_bars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    product_codes: Mapped[list[str]] = mapped_column(JSON)
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(64))  # licence:<number> or application:<id>
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LicenceFileRow(Base):
    """A licence version's sealed file (the OFD): made where the keys are, served anywhere."""

    __tablename__ = "licence_files"
    __table_args__ = (UniqueConstraint("licence_id", "version", "format",
                                       name="uq_licence_files"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    licence_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("licences.id"))
    version: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(8))
    identifier: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LogEntryRow(Base):
    """A leaf of the transparency log: the event's bytes as hashed (``data``: kind, time,
    holder, subject and the event's data), and the digest of the token it is about, which
    the online door and the proof endpoint look leaves up by. ``idx`` is its position."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    token_sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LogHashRow(Base):
    """The log's stored hashes, in the order of :mod:`certsvc.transparency.stored`."""

    __tablename__ = "log_hashes"

    idx: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpointRow(Base):
    """A published checkpoint (signed tree head) with the cosignatures it gathered."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                      primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LogHeadRow(Base):
    """A tree head signed by the log key when leaves were appended (in the same
    transaction, by whoever holds the key), or by the publisher: the online doors hold a
    token to a leaf below the latest one, so that a row written into ``log_entries`` by
    anyone without the log key never counts. Witnesses cosign what the publisher publishes
    (``log_checkpoints``)."""

    __tablename__ = "log_heads"

    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                      primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ClientAttempts(Base):
    """Attempts per client address and purpose in a fixed window, shared by every worker
    process (``certsvc.api.throttle``): ``key`` is ``<purpose> <address>``."""

    __tablename__ = "client_attempts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)  # Unix seconds
    count: Mapped[int] = mapped_column(Integer)
