"""drop the unused index on licences.bureau_code

No query looks licences up by bureau alone, and one that did would be served by the leading
column of the unique (bureau_code, category, product, serial) constraint. The index only
cost a write per licence (100,000 in a batch import) and space.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_licences_bureau_code", table_name="licences")


def downgrade() -> None:
    op.create_index("ix_licences_bureau_code", "licences", ["bureau_code"], unique=False)
