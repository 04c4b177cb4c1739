"""applications: the due date of the 30-working-day clock, stored

The console's queue puts the most urgent open applications first. Computing every open
application's deadline from the calendar to sort them cost time in proportion to the open
cases of a province; with the due date stored (the clock's due date not counting a pause in
progress, kept by every transition) the database sorts them and only the page's rows are
computed. Open applications are back-filled here.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

INDEX = "ix_applications_state_bureau_due"


def upgrade() -> None:
    from certsvc.domain.time_limit import clock_due_on  # the one rule for the due date

    op.add_column("applications", sa.Column("clock_due_on", sa.Date, nullable=True))
    op.create_index(INDEX, "applications", ["state", "bureau_code", "clock_due_on"])
    table = sa.table("applications", sa.column("id", sa.Integer), sa.column("state"),
                     sa.column("accepted_on", sa.Date), sa.column("paused_days", sa.Integer),
                     sa.column("clock_due_on", sa.Date))
    conn = op.get_bind()
    rows = conn.execute(sa.select(table).where(
        table.c.state.in_(["under_review", "testing"]))).mappings().all()
    for row in rows:
        conn.execute(table.update().where(table.c.id == row["id"]).values(
            clock_due_on=clock_due_on(dict(row))))


def downgrade() -> None:
    op.drop_index(INDEX, table_name="applications")
    op.drop_column("applications", "clock_due_on")
