"""Handoff cases (tickets of kind 'handoff') and support agents with console sessions.

Revision ID: 0003_handoff_agents
Revises: 0002_proof_lockout
Create Date: 2026-11-27

Written by hand, like 0001 and 0002 (values spelled out; batch mode with recreate="never" for the
same reasons as 0002).
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_handoff_agents"
down_revision = "0002_proof_lockout"
branch_labels = None
depends_on = None

ACTIVE_HANDOFF = "kind = 'handoff' AND status IN ('claimed', 'queued')"


def upgrade() -> None:
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.add_column(sa.Column("assignee", sa.String(32), nullable=True))
        batch.add_column(sa.Column("linked_ticket_no", sa.String(16), nullable=True))
        batch.add_column(
            sa.Column("callback_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "uq_tickets_active_handoff_conversation",
        "tickets",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_HANDOFF),
        postgresql_where=sa.text(ACTIVE_HANDOFF),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("login_locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("username", name="uq_agents_username"),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "agent_id",
            sa.Integer(),
            sa.ForeignKey("agents.id", name="fk_agent_sessions_agent_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_agent_sessions_agent_id", "agent_sessions", ["agent_id"])


def downgrade() -> None:
    op.drop_index("ix_agent_sessions_agent_id", table_name="agent_sessions")
    op.drop_table("agent_sessions")
    op.drop_table("agents")
    op.drop_index("uq_tickets_active_handoff_conversation", table_name="tickets")
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.drop_column("callback_requested")
        batch.drop_column("linked_ticket_no")
        batch.drop_column("assignee")
