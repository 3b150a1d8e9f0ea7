"""Typed records of the oversight side: statuses, roles, requests, recipients, responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from camaudit.oversight.bodies import Body

#: The label of a response a published report counts but does not attribute to a body.
NOT_NAMED = "reported but not named"


class ResponseStatus(StrEnum):
    """What a body said (or did not say) in reply to a request."""

    CONFIRMED = "confirmed"
    DENIED_PUBLIC = "denied-public"
    NONE_ANYWHERE = "none-anywhere"
    PARTIAL = "partial"
    REFUSED = "refused"
    NO_RESPONSE = "no-response"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def denies(self) -> bool:
        """Whether the status says the body has no such kit (in public CCTV or anywhere)."""
        return self in (ResponseStatus.DENIED_PUBLIC, ResponseStatus.NONE_ANYWHERE)

    @classmethod
    def parse(cls, text: str) -> ResponseStatus:
        t = text.strip().casefold().replace("_", "-").replace(" ", "-")
        for s in cls:
            if t in (s.value, slug_label(s.label)):
                return s
        aliases = {"denied": cls.DENIED_PUBLIC, "none": cls.NONE_ANYWHERE, "yes": cls.CONFIRMED}
        if t in aliases:
            return aliases[t]
        raise ValueError(
            f"unknown status {text!r}; choose one of: {', '.join(s.value for s in cls)}"
        )


def slug_label(label: str) -> str:
    return label.casefold().replace(" ", "-")


_LABELS = {
    ResponseStatus.CONFIRMED: "confirmed",
    ResponseStatus.DENIED_PUBLIC: "denied in public CCTV",
    ResponseStatus.NONE_ANYWHERE: "none anywhere",
    ResponseStatus.PARTIAL: "partial",
    ResponseStatus.REFUSED: "refused (exemption)",
    ResponseStatus.NO_RESPONSE: "no response by deadline",
}


class Role(StrEnum):
    """Who is calling: an oversight user (commissioner, department, journalist) or a member of
    one body."""

    OVERSIGHT = "oversight"
    BODY = "body"


@dataclass(frozen=True, slots=True)
class Caller:
    """The identity the web layer (or CLI) acts for. ``body`` is the body key of a body user."""

    user: str
    role: Role
    body: str | None = None

    def __post_init__(self) -> None:
        if self.role is Role.BODY and not self.body:
            raise ValueError("a body user needs the key of their body")

    @classmethod
    def oversight(cls, user: str) -> Caller:
        return cls(user, Role.OVERSIGHT)

    @classmethod
    def of_body(cls, user: str, body: str) -> Caller:
        return cls(user, Role.BODY, body)


@dataclass(frozen=True, slots=True)
class InfoRequest:
    id: int
    title: str
    round: str
    questions: tuple[str, ...]
    created_by: str
    created: datetime
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "round": self.round,
            "questions": list(self.questions),
            "created_by": self.created_by,
            "created": self.created.isoformat(),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Recipient:
    request_id: int
    body: Body
    sent: date | None
    channel: str = "recorded"
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    id: int
    filename: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Response:
    """One recorded response. ``body`` is ``None`` when it was reported but not named."""

    id: int
    request_id: int
    body: Body | None
    status: ResponseStatus
    received: date | None = None
    text: str = ""
    exemption: str | None = None
    source: str | None = None
    reported_devices: int | None = None
    replacement_plan: str | None = None
    replacement_cost: float | None = None
    answer: dict[str, Any] | None = None
    answer_sha256: str | None = None
    provenance: str | None = None
    recorded_by: str = ""
    recorded: datetime | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    @property
    def body_name(self) -> str:
        return self.body.name if self.body else NOT_NAMED

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request": self.request_id,
            "body": self.body.key if self.body else None,
            "body_name": self.body_name,
            "status": self.status.value,
            "status_label": self.status.label,
            "received": self.received.isoformat() if self.received else None,
            "text": self.text,
            "exemption": self.exemption,
            "source": self.source,
            "reported_devices": self.reported_devices,
            "replacement_plan": self.replacement_plan,
            "replacement_cost": self.replacement_cost,
            "answer_sha256": self.answer_sha256,
            "provenance": self.provenance,
            "recorded_by": self.recorded_by,
            "recorded": self.recorded.isoformat() if self.recorded else None,
            "attachments": [
                {"id": a.id, "filename": a.filename, "sha256": a.sha256, "size": a.size}
                for a in self.attachments
            ],
        }
