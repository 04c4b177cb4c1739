"""review bodies (审查机构), their reviewers, conflicts and annual reports; the bar on
inspection institutions

国质检监〔2015〕364号 五(一): on-site verification is the work of registered review bodies and
their named reviewers; bodies report yearly and are inspected; a body or institution found
unfit or breaking the rules may no longer review or test. An application keeps the body
assigned its on-site visit (that body's queue), an account may be a review body's.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_bodies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("keeper_code", sa.String(2), nullable=False),
        sa.Column("qualification", sa.String(500), nullable=False),
        sa.Column("unit_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_on", sa.Date(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uscc"),
    )
    op.create_index("ix_review_bodies_keeper_code", "review_bodies", ["keeper_code"])
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body_id", sa.Integer(), sa.ForeignKey("review_bodies.id"), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("qualification_number", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("qualification_number"),
    )
    op.create_index("ix_reviewers_body_id", "reviewers", ["body_id"])
    op.create_table(
        "review_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body_id", sa.Integer(), sa.ForeignKey("review_bodies.id"), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("reviewers.id"), nullable=True),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_conflicts_body_id", "review_conflicts", ["body_id"])
    op.create_index("ix_review_conflicts_uscc", "review_conflicts", ["uscc"])
    op.create_table(
        "review_body_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body_id", sa.Integer(), sa.ForeignKey("review_bodies.id"), nullable=False),
        sa.Column("keeper_code", sa.String(2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("inspection_note", sa.Text(), nullable=True),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("body_id", "year", name="uq_review_body_reports"),
    )
    op.create_index("ix_review_body_reports_due_on", "review_body_reports", ["due_on"])
    with op.batch_alter_table("accounts") as accounts:
        accounts.add_column(sa.Column("review_body_id", sa.Integer(), nullable=True))
        accounts.create_foreign_key("fk_accounts_review_body", "review_bodies",
                                    ["review_body_id"], ["id"])
    with op.batch_alter_table("applications") as applications:
        applications.add_column(sa.Column("review_body_id", sa.Integer(), nullable=True))
        applications.create_foreign_key("fk_applications_review_body", "review_bodies",
                                        ["review_body_id"], ["id"])
    op.create_index("ix_applications_review_body_id", "applications", ["review_body_id"])
    op.add_column("institutions", sa.Column("barred_on", sa.Date(), nullable=True))
    op.add_column("institutions", sa.Column("barred_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("institutions", "barred_reason")
    op.drop_column("institutions", "barred_on")
    op.drop_index("ix_applications_review_body_id", table_name="applications")
    with op.batch_alter_table("applications") as applications:
        applications.drop_constraint("fk_applications_review_body", type_="foreignkey")
        applications.drop_column("review_body_id")
    with op.batch_alter_table("accounts") as accounts:
        accounts.drop_constraint("fk_accounts_review_body", type_="foreignkey")
        accounts.drop_column("review_body_id")
    op.drop_table("review_body_reports")
    op.drop_table("review_conflicts")
    op.drop_table("reviewers")
    op.drop_table("review_bodies")
