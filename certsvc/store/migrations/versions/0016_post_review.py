"""applications: the on-site review that follows a licence issued on commitment (告知承诺)

国发〔2018〕33号 lets a provincial bureau issue a licence after a formal review on the
enterprise's commitment, the on-site review following within a set time. The review's due
date is kept while it is pending (the bureau's lists of reviews due and overdue sort and
filter on it), and the day a review failed (the list of failures, and the bar on the
commitment path that follows a failure).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("applications", sa.Column("post_review_due_on", sa.Date, nullable=True))
    op.add_column("applications", sa.Column("post_review_failed_on", sa.Date, nullable=True))
    # the lists (a bureau's or all: the few pending or failed rows first), the licence page's
    # pending commitment, and the bar (an enterprise's latest failure)
    op.create_index("ix_applications_post_review_due", "applications",
                    ["post_review_due_on", "bureau_code"])
    op.create_index("ix_applications_post_review_failed", "applications",
                    ["post_review_failed_on", "bureau_code"])
    op.create_index("ix_applications_post_review_bar", "applications",
                    ["uscc", "post_review_failed_on"])


def downgrade() -> None:
    op.drop_index("ix_applications_post_review_bar", table_name="applications")
    op.drop_index("ix_applications_post_review_failed", table_name="applications")
    op.drop_index("ix_applications_post_review_due", table_name="applications")
    op.drop_column("applications", "post_review_failed_on")
    op.drop_column("applications", "post_review_due_on")
