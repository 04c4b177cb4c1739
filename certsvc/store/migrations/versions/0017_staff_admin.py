"""accounts: who administers a bureau's staff

Any bureau account could make set-up links for its colleagues, and a set-up link sets a new
password: a clerk could take over another clerk's account. Only an account marked as its
bureau's staff administrator (by the operator: ``certsvc account create --staff-admin`` or
``certsvc account staff-admin``) does it now. No existing account is marked: the operator
marks one per bureau.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("staff_admin", sa.Boolean, nullable=False,
                                        server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("accounts", "staff_admin")
