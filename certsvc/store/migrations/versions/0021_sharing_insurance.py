"""departments' granted event families; insurers' liability policies

A department account reads only the families of feed events it was granted. Existing
department accounts could read every event, so they are granted every family there is: the
operator narrows them (`certsvc account grant`). Insurers file product quality-safety
liability policies.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

FAMILIES = ["licence", "spot_check", "recall", "measure", "accident", "declaration",
            "insurance", "evaluation"]


def upgrade() -> None:
    op.add_column("accounts", sa.Column("granted_kinds", sa.JSON(), nullable=True))
    accounts = sa.table("accounts", sa.column("role", sa.String),
                        sa.column("granted_kinds", sa.JSON))
    op.execute(accounts.update().where(accounts.c.role == "department")
               .values(granted_kinds=FAMILIES))
    op.create_table(
        "insurance_policies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("insurer", sa.String(100), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("policy_number", sa.String(64), nullable=False),
        sa.Column("cover_yuan", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "policy_number", name="uq_insurance_policies_number"),
    )
    op.create_index("ix_insurance_policies_uscc", "insurance_policies", ["uscc"])


def downgrade() -> None:
    op.drop_table("insurance_policies")
    op.drop_column("accounts", "granted_kinds")
