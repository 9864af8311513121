"""Per-ticket lockout for ownership proofs (phone last 4 digits).

Revision ID: 0002_proof_lockout
Revises: 0001_initial
Create Date: 2026-11-28

Written by hand, like 0001: values are spelled out rather than imported from tickets.*.

Both directions use batch mode with recreate="never": SQLite (3.35+) can ADD and DROP these plain
columns in place, and copying `tickets` instead would lose the partial WHERE of
uq_tickets_open_deregistration_terminal (not reflected by SQLAlchemy 1.4) and, with foreign keys
on, fail to drop a table that ticket_history references.
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_proof_lockout"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", recreate="never") as batch:
        # NOT NULL with a server default: existing rows start at 0 on both backends.
        batch.add_column(sa.Column("failed_proofs", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("proofs_locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.drop_column("proofs_locked_until")
        batch.drop_column("failed_proofs")
