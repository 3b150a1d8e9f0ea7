"""Web layer: users, memberships, sessions, API tokens, login failures, activity, scan scopes.

Revision ID: 0003_web
Revises: 0003_asset
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_web"
down_revision = "0003_asset"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created", _TS, nullable=False),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("evidence_granted", sa.Boolean, nullable=False),
        sa.UniqueConstraint("user_id", "organisation_id"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created", _TS, nullable=False),
        sa.Column("expires", _TS, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created", _TS, nullable=False),
        sa.Column("last_used", _TS, nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("ts", _TS, nullable=False),
    )
    op.create_index("ix_login_failures_ts", "login_failures", ["ts"])
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_activity_org", "activity", ["organisation"])
    op.create_table(
        "scan_scopes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("targets", sa.JSON, nullable=False),
        sa.Column("exclude", sa.JSON, nullable=False),
        sa.Column("site", sa.String(200), nullable=True),
        sa.Column("port_offset", sa.Integer, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.UniqueConstraint("organisation_id", "name"),
    )


def downgrade() -> None:
    for name in (
        "scan_scopes",
        "activity",
        "login_failures",
        "api_tokens",
        "web_sessions",
        "memberships",
        "users",
    ):
        op.drop_table(name)
