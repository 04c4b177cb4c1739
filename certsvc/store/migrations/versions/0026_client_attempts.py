"""client attempts: per-client limits shared by every worker

The console's sign-in limit and the report form's limits counted in each worker process, so
a deployment of N workers allowed N times the limit (issue 24). One row per purpose and
client address, counted in a single statement (certsvc/store/throttle.py).

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_attempts",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("client_attempts")
