"""local bureaus (city and county, by GB/T 2260 area) and recall orders (责令召回)

A local bureau's account keeps its area code; it supervises the enterprises registered in
that area. A bureau may order a recall on an accident or a spot check; the enterprise's recall
answers the order, which is overdue past its deadline while unanswered.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("area_code", sa.String(6), nullable=True))
    op.create_table(
        "recall_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("bureau_code", sa.String(2), nullable=False),
        sa.Column("area_code", sa.String(6), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(40), nullable=False),
        sa.Column("unit_ids", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("recall_id", sa.Integer(), sa.ForeignKey("recalls.id"), nullable=True),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recall_orders_uscc", "recall_orders", ["uscc"])
    op.create_index("ix_recall_orders_bureau_code", "recall_orders", ["bureau_code"])
    op.create_index("ix_recall_orders_deadline", "recall_orders", ["deadline"])


def downgrade() -> None:
    op.drop_table("recall_orders")
    op.drop_column("accounts", "area_code")
