"""statutory bars: the years an enterprise may not apply again

After 吊销, after a licence obtained by deceit or a false commitment was 撤销, and after an
application refused for false information, the law bars a new application for a time
(issue 25; the rules and their sources are in the catalogue data file). Each bar is written
in the transaction of the decision that brings it, and read when an application is filed.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statutory_bars",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("product_codes", sa.JSON(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_statutory_bars_uscc", "statutory_bars", ["uscc"])


def downgrade() -> None:
    op.drop_index("ix_statutory_bars_uscc", "statutory_bars")
    op.drop_table("statutory_bars")
