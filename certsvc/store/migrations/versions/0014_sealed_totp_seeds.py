"""account_credentials.totp_secret holds a sealed seed (about 83 characters)

TOTP seeds are sealed with AES-256-GCM under a data key kept in keys/
(``certsvc.signer.secret_box``); the column grows to hold them. Seeds stored in clear before
are sealed the next time their account gives a code (the migration has no key).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account_credentials") as batch:
        batch.alter_column("totp_secret", type_=sa.String(200), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("account_credentials") as batch:
        batch.alter_column("totp_secret", type_=sa.String(64), existing_nullable=True)
