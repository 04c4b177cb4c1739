"""quality-safety evaluations by review bodies; overrides of supervision grades

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("bureau_code", sa.String(2), nullable=False),
        sa.Column("body_id", sa.Integer(), sa.ForeignKey("review_bodies.id"), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("rating", sa.String(16), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quality_evaluations_uscc", "quality_evaluations", ["uscc"])
    op.create_index("ix_quality_evaluations_bureau_code", "quality_evaluations",
                    ["bureau_code"])
    op.create_table(
        "grade_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("grade", sa.String(1), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bureau_code", sa.String(2), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_grade_overrides_uscc", "grade_overrides", ["uscc"])


def downgrade() -> None:
    op.drop_table("grade_overrides")
    op.drop_table("quality_evaluations")
