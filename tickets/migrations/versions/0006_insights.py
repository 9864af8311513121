"""What the insights need: agent roles, the desk's timings on cases, and one row per merchant turn.

Revision ID: 0006_insights
Revises: 0005_case_reads
Create Date: 2026-11-28

turn_facts is written by the tracker store in the transaction that stores the turn's events
(web/tracker_store.py), so the insights read indexed rows instead of parsing event JSON.
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_insights"
down_revision = "0005_case_reads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents", recreate="never") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="agent"))
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.add_column(sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("callback_done_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_tickets_kind_created_at", "tickets", ["kind", "created_at"])
    op.create_table(
        "turn_facts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opens_conversation", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("text", sa.String(200), nullable=True),
    )
    op.create_index("ix_turn_facts_day_outcome_topic", "turn_facts", ["day", "outcome", "topic"])
    op.create_index("ix_turn_facts_opens_day", "turn_facts", ["opens_conversation", "day"])
    op.create_index("ix_turn_facts_outcome_at", "turn_facts", ["outcome", "at"])
    op.create_index("ix_turn_facts_conversation_id", "turn_facts", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_turn_facts_conversation_id", table_name="turn_facts")
    op.drop_index("ix_turn_facts_outcome_at", table_name="turn_facts")
    op.drop_index("ix_turn_facts_opens_day", table_name="turn_facts")
    op.drop_index("ix_turn_facts_day_outcome_topic", table_name="turn_facts")
    op.drop_table("turn_facts")
    op.drop_index("ix_tickets_kind_created_at", table_name="tickets")
    with op.batch_alter_table("tickets", recreate="never") as batch:
        batch.drop_column("callback_done_at")
        batch.drop_column("first_reply_at")
    with op.batch_alter_table("agents", recreate="never") as batch:
        batch.drop_column("role")
