"""Sending a request by e-mail, only when an SMTP server is configured (standard library only).

Configuration comes from the environment: ``CAMAUDIT_SMTP_HOST`` (required to send at all),
``CAMAUDIT_SMTP_PORT`` (25), ``CAMAUDIT_SMTP_FROM`` (required), ``CAMAUDIT_SMTP_USER`` and
``CAMAUDIT_SMTP_PASSWORD`` (optional login), ``CAMAUDIT_SMTP_STARTTLS=1``. Without a host,
requests are only recorded as sent on the date given.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from camaudit.errors import CamauditError, InputError
from camaudit.oversight.types import InfoRequest

TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    def __repr__(self) -> str:  # never print the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, sender={self.sender!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConfig | None:
        e = os.environ if env is None else env
        host = e.get("CAMAUDIT_SMTP_HOST")
        if not host:
            return None
        sender = e.get("CAMAUDIT_SMTP_FROM")
        if not sender:
            raise InputError("CAMAUDIT_SMTP_HOST is set but CAMAUDIT_SMTP_FROM is not")
        try:
            port = int(e.get("CAMAUDIT_SMTP_PORT", "25"))
        except ValueError:
            raise InputError("CAMAUDIT_SMTP_PORT must be a number") from None
        return cls(
            host,
            port,
            sender,
            e.get("CAMAUDIT_SMTP_USER"),
            e.get("CAMAUDIT_SMTP_PASSWORD"),
            e.get("CAMAUDIT_SMTP_STARTTLS", "") in ("1", "true", "yes"),
        )


def compose(request: InfoRequest, sender: str, to: str, body_name: str) -> EmailMessage:
    """The request as a plain-text e-mail."""
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, to
    msg["Subject"] = f"Information request: {request.title}"
    questions = "\n".join(f"{n}. {q}" for n, q in enumerate(request.questions, start=1))
    msg.set_content(
        f"To {body_name},\n\nThis is a request for information under the freedom of information "
        f"legislation that applies to you.\n\n{questions}\n\nIf you audit your estate with "
        "camaudit, please attach the signed answer it exports (camaudit answer export).\n"
    )
    return msg


def send(config: SmtpConfig, messages: list[EmailMessage]) -> int:
    """Send ``messages`` over one SMTP session; returns how many were accepted."""
    try:
        with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.user:
                smtp.login(config.user, config.password or "")
            for m in messages:
                smtp.send_message(m)
    except (OSError, smtplib.SMTPException) as exc:
        raise CamauditError(f"cannot send mail via {config.host}:{config.port}: {exc}") from None
    return len(messages)
