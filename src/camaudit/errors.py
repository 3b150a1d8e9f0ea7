"""One error tree for camaudit.

Everything camaudit raises on purpose derives from :class:`CamauditError`.
:class:`InputError` and its children mean "the user gave us something we cannot use":
the CLI prints their message on one line and exits with status 2.
"""

from __future__ import annotations


class CamauditError(Exception):
    """Base of every error camaudit raises on purpose."""


class InputError(CamauditError):
    """Bad input from the user: a file, a flag, a target. CLI exit code 2."""


class ScopeError(InputError):
    """A target, CIDR or exclusion could not be parsed, or an address is out of scope."""


class EvidenceFormatError(InputError):
    """An evidence record (JSON Lines) is malformed. ``line`` says where, when known."""

    def __init__(self, message: str, *, line: int | None = None, source: str | None = None):
        where = ""
        if source is not None:
            where += f"{source}"
        if line is not None:
            where += f":{line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.line = line
        self.source = source


class DatabaseError(CamauditError):
    """The evidence store could not be opened or written."""


class DatabaseURLError(InputError, DatabaseError):
    """The --db / CAMAUDIT_DB URL is not usable."""


class KnowledgeBaseError(CamauditError):
    """A knowledge-base data file is invalid (schema, regex, or a failing example)."""


class LabError(CamauditError):
    """The emulated lab could not be started or stopped."""


class ProbeError(CamauditError):
    """A probe failed in a way that is not just 'the device did not answer'."""


class ReportError(CamauditError):
    """A report could not be produced."""


class NotFoundError(InputError):
    """No such object, or not one the caller may see (the web answers 404 either way)."""


class AccessDenied(CamauditError):
    """The caller may see the object but not do this to it (the web answers 403)."""


class AuthError(CamauditError):
    """Wrong credentials, a disabled account, or too many failed logins (``throttled``)."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


#: The oversight API raises this for another body's records or ungranted evidence (web: 403/404).
AccessDeniedError = AccessDenied
