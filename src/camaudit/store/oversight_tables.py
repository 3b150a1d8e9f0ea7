"""Tables of the oversight records: public bodies, information requests, responses, grants.

Kept apart from the evidence tables (:mod:`camaudit.store.tables`) but on the same metadata, so
one migration history covers both. Responses are records of what a body said; nothing here is
derived from evidence.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from camaudit.store.tables import Base


class BodyRow(Base):
    """A public body asked for information (a council, a police force, ...)."""

    __tablename__ = "bodies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    nation: Mapped[str | None] = mapped_column(String(60), nullable=True)
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    population_vintage: Mapped[str | None] = mapped_column(String(80), nullable=True)
    population_source: Mapped[str | None] = mapped_column(Text, nullable=True)
    population_confidence: Mapped[str | None] = mapped_column(String(10), nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    organisation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    public_key: Mapped[str | None] = mapped_column(Text, nullable=True)


class InfoRequestRow(Base):
    """An information request (FOI) drafted by an oversight user."""

    __tablename__ = "info_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    round: Mapped[str] = mapped_column(String(80))
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str | None] = mapped_column(Text, nullable=True)


class RecipientRow(Base):
    """One body a request went to, and when (the FOI clock starts the next working day)."""

    __tablename__ = "request_recipients"
    __table_args__ = (UniqueConstraint("request_id", "body_id", name="uq_recipient"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("info_requests.id"))
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    sent: Mapped[date | None] = mapped_column(Date, nullable=True)
    channel: Mapped[str] = mapped_column(String(40), default="recorded")
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)


class ResponseRow(Base):
    """What a body answered (``body_id`` is null for a response reported but not named)."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_request", "request_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("info_requests.id"))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(30))
    received: Mapped[date | None] = mapped_column(Date, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    exemption: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    reported_devices: Mapped[int | None] = mapped_column(Integer, nullable=True)
    replacement_plan: Mapped[str | None] = mapped_column(Text, nullable=True)
    replacement_cost: Mapped[float | None] = mapped_column(Float, nullable=True)
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    answer_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    provenance: Mapped[str | None] = mapped_column(String(40), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttachmentRow(Base):
    """A file that came with a response, kept as bytes with its SHA-256."""

    __tablename__ = "response_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceGrantRow(Base):
    """A body's permission for a named user (or ``*``: every oversight user) to read its evidence."""

    __tablename__ = "evidence_grants"
    __table_args__ = (UniqueConstraint("body_id", "grantee", name="uq_evidence_grant"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    grantee: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[str] = mapped_column(String(200))
    granted: Mapped[datetime] = mapped_column(DateTime(timezone=True))
