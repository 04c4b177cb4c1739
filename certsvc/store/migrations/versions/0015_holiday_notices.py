"""holiday notices loaded by the national authority

A year's State Council holiday notice, loaded through the API, the CLI or the console;
every load is kept (a new version of its year), the newest in force.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holiday_notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("notice", sa.String(300), nullable=False),
        sa.Column("holidays", sa.JSON, nullable=False),
        sa.Column("workdays", sa.JSON, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Integer, nullable=True),
        sa.UniqueConstraint("year", "version", name="uq_holiday_notices_year_version"),
    )


def downgrade() -> None:
    op.drop_table("holiday_notices")
