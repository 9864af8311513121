"""case_reads: every time an agent opens a case's transcript.

Revision ID: 0005_case_reads
Revises: 0004_no_return_method
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_case_reads"
down_revision = "0004_no_return_method"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_reads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", name="fk_case_reads_case_id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_reads_case_id", "case_reads", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_reads_case_id", table_name="case_reads")
    op.drop_table("case_reads")
