"""Oversight records: bodies, information requests, recipients, responses, attachments, grants.

Revision ID: 0003_oversight
Revises: 0003_web (the web head, on this integration branch)
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_oversight"
down_revision = "0003_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bodies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("official_name", sa.String(300), nullable=True),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("nation", sa.String(60), nullable=True),
        sa.Column("population", sa.Integer, nullable=True),
        sa.Column("population_vintage", sa.String(80), nullable=True),
        sa.Column("population_source", sa.Text, nullable=True),
        sa.Column("population_confidence", sa.String(10), nullable=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("public_key", sa.Text, nullable=True),
    )
    op.create_table(
        "info_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("round", sa.String(80), nullable=False),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text, nullable=True),
    )
    op.create_table(
        "request_recipients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("info_requests.id"), nullable=False),
        sa.Column("body_id", sa.Integer, sa.ForeignKey("bodies.id"), nullable=False),
        sa.Column("sent", sa.Date, nullable=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.UniqueConstraint("request_id", "body_id", name="uq_recipient"),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("info_requests.id"), nullable=False),
        sa.Column("body_id", sa.Integer, sa.ForeignKey("bodies.id"), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("received", sa.Date, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("exemption", sa.String(200), nullable=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("reported_devices", sa.Integer, nullable=True),
        sa.Column("replacement_plan", sa.Text, nullable=True),
        sa.Column("replacement_cost", sa.Float, nullable=True),
        sa.Column("answer", sa.JSON, nullable=True),
        sa.Column("answer_sha256", sa.String(64), nullable=True),
        sa.Column("provenance", sa.String(40), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_responses_request", "responses", ["request_id"])
    op.create_table(
        "response_attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("response_id", sa.Integer, sa.ForeignKey("responses.id"), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "evidence_grants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body_id", sa.Integer, sa.ForeignKey("bodies.id"), nullable=False),
        sa.Column("grantee", sa.String(200), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("body_id", "grantee", name="uq_evidence_grant"),
    )


def downgrade() -> None:
    op.drop_table("evidence_grants")
    op.drop_table("response_attachments")
    op.drop_index("ix_responses_request", table_name="responses")
    op.drop_table("responses")
    op.drop_table("request_recipients")
    op.drop_table("info_requests")
    op.drop_table("bodies")
