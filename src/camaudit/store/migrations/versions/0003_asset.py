"""Asset identity on devices (asset id, location, every source's claims, merges) and the parts
a user split off (device_splits).

Revision ID: 0003_asset
Revises: 0003 (the lead re-chains at merge time)
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_asset"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("asset_id", sa.String(300), nullable=True))
        batch.add_column(sa.Column("location", sa.String(300), nullable=True))
        batch.add_column(sa.Column("asset", sa.JSON, nullable=True))
    op.create_table(
        "device_splits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("part", sa.String(300), nullable=False),
        sa.UniqueConstraint("organisation_id", "part", name="uq_device_split"),
    )


def downgrade() -> None:
    op.drop_table("device_splits")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("asset")
        batch.drop_column("location")
        batch.drop_column("asset_id")
