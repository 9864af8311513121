"""Tickets, their append-only history and the daily ticket-number counter.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-27

Written by hand. Values are spelled out rather than imported from tickets.* so that this
migration keeps meaning what it meant when it ran, whatever the code says later.
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

OPEN_DEREGISTRATION = (
    "kind = 'deregistration' AND status IN ('awaiting_device_return', 'in_review', 'submitted')"
)

# ticket_history is an audit trail: the database itself refuses to change or delete it.
PG_APPEND_ONLY = [
    """
    CREATE FUNCTION ticket_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ticket_history is append-only';
    END
    $$
    """,
    """
    CREATE TRIGGER ticket_history_append_only BEFORE UPDATE OR DELETE ON ticket_history
    FOR EACH ROW EXECUTE FUNCTION ticket_history_append_only()
    """,
]
SQLITE_APPEND_ONLY = [
    f"""
    CREATE TRIGGER ticket_history_no_{verb.lower()} BEFORE {verb} ON ticket_history
    BEGIN SELECT RAISE(ABORT, 'ticket_history is append-only'); END
    """
    for verb in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_no", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False, server_default="deregistration"),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("merchant_no", sa.String(15)),
        sa.Column("terminal_sn", sa.String(20)),
        sa.Column("phone", sa.String(11)),
        sa.Column("reason", sa.String(32)),
        sa.Column("reason_detail", sa.String(200)),
        sa.Column("balance_cleared", sa.Boolean()),
        sa.Column("return_method", sa.String(32)),
        sa.Column("conversation_id", sa.String(128)),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("ticket_no", name="uq_tickets_ticket_no"),
        sa.UniqueConstraint("idempotency_key", name="uq_tickets_idempotency_key"),
    )
    op.create_index(
        "uq_tickets_open_deregistration_terminal",
        "tickets",
        ["terminal_sn"],
        unique=True,
        sqlite_where=sa.text(OPEN_DEREGISTRATION),
        postgresql_where=sa.text(OPEN_DEREGISTRATION),
    )
    op.create_index("ix_tickets_terminal_sn", "tickets", ["terminal_sn"])
    op.create_index("ix_tickets_status_created_at", "tickets", ["status", "created_at"])

    op.create_table(
        "ticket_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", ondelete="RESTRICT", name="fk_ticket_history_ticket_id"),
            nullable=False,
        ),
        sa.Column("actor_kind", sa.String(32), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(32)),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("note", sa.String(500)),
    )
    op.create_index("ix_ticket_history_ticket_id", "ticket_history", ["ticket_id"])

    op.create_table(
        "ticket_sequences",
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("last_value", sa.Integer(), nullable=False),
    )

    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": PG_APPEND_ONLY, "sqlite": SQLITE_APPEND_ONLY}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("ticket_sequences")
    op.drop_table("ticket_history")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ticket_history_append_only()")
    op.drop_index("ix_tickets_status_created_at", table_name="tickets")
    op.drop_index("ix_tickets_terminal_sn", table_name="tickets")
    op.drop_index("uq_tickets_open_deregistration_terminal", table_name="tickets")
    op.drop_table("tickets")
