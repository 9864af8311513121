"""Growing delays instead of lockouts: throttles and ticket_devices replace the per-row counters.

Revision ID: 0007_throttles
Revises: 0006_insights
Create Date: 2026-12-08

A stranger could lock an owner out (issue #19): 20 wrong phones locked an application's proofs
and 30 wrong passwords an agent's account, for everyone. Now failures from devices an account or
application does not know only slow those devices down (tickets/throttle.py), and the devices that
proved themselves (ticket_devices; agents carry a signed cookie) are never slowed. Batch mode with
recreate="never" for the reasons given in 0002.
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_throttles"
down_revision = "0006_insights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("uq_throttles_scope_key", "throttles", ["scope", "key"], unique=True)
    op.create_index("ix_throttles_last_failure_at", "throttles", ["last_failure_at"])
    op.create_table(
        "ticket_devices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", name="fk_ticket_devices_ticket_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("proved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "uq_ticket_devices_ticket_conversation", "ticket_devices", ["ticket_id", "conversation_id"], unique=True
    )
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.drop_column("proofs_locked_until")
        batch.drop_column("failed_proofs")
    with op.batch_alter_table("agents", recreate="never") as batch:
        batch.drop_column("login_locked_until")
        batch.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("agents", recreate="never") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("login_locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.add_column(sa.Column("failed_proofs", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("proofs_locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("uq_ticket_devices_ticket_conversation", table_name="ticket_devices")
    op.drop_table("ticket_devices")
    op.drop_index("ix_throttles_last_failure_at", table_name="throttles")
    op.drop_index("uq_throttles_scope_key", table_name="throttles")
    op.drop_table("throttles")
