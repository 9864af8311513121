"""Drop tickets.return_method: the policy names one way to return the device (handing it in at a
designated place), so the application no longer asks for one.

Revision ID: 0004_no_return_method
Revises: 0003_handoff_agents
Create Date: 2026-11-28

Batch mode with recreate="never", for the reasons given in 0002 (SQLite 3.35+ drops a plain
column in place). The downgrade brings the column back empty.
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_no_return_method"
down_revision = "0003_handoff_agents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.drop_column("return_method")


def downgrade() -> None:
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.add_column(sa.Column("return_method", sa.String(32), nullable=True))
