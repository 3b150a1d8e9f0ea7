"""HTTP requests made with a credential the user supplied for this address (and only then).

:class:`AuthenticatedClient` answers HTTP Digest challenges (RFC 7616: SHA-256 or MD5, qop=auth),
re-uses the nonce for later requests, and retries once on a stale nonce. Basic authentication is
sent only over TLS. After one rejection it stops sending the credential to that device for the
rest of the run (no repeated failures that could lock an account). Nothing it records carries
the credential: :func:`camaudit.net.credentials.scrub` runs on every recorded payload.
"""

from __future__ import annotations

from camaudit.models import Evidence, EvidenceKind
from camaudit.net.credentials import Credential, scrub
from camaudit.net.digest import (
    DigestSession,
    basic_authorization,
    choose_digest,
    offers_basic,
    parse_challenges,
)
from camaudit.probes.base import ProbeContext, ProbeResult, ProbeStatus, RunBudget, observed
from camaudit.probes.http_request import Outcome, Request, client_tls_context, exchange

#: Ports on which authenticated inventory speaks TLS.
TLS_PORTS = frozenset({443, 8443})


def authenticated_start(
    name: str, ip: str, port: int, ctx: ProbeContext, *, steps: float = 3.0
) -> tuple[ProbeResult, AuthenticatedClient | None, RunBudget]:
    """The common opening of a credentialed probe: a SKIPPED result when the user gave no
    credential for this address, else a NO_RESPONSE result and a client bound to a run budget."""
    result = ProbeResult(name, ip, port, ProbeStatus.SKIPPED)
    budget = RunBudget(ctx.timeout, steps=steps)
    credential = ctx.credential_for(ip, name)
    if credential is None:
        result.detail = "no credentials supplied for this address"
        return result, None, budget
    result.status = ProbeStatus.NO_RESPONSE
    client = AuthenticatedClient(ctx, ip, port, credential, budget, tls=port in TLS_PORTS)
    return result, client, budget


class AuthenticatedClient:
    """One device, one credential, one probe run."""

    def __init__(
        self,
        ctx: ProbeContext,
        ip: str,
        port: int,
        credential: Credential | None,
        budget: RunBudget,
        *,
        tls: bool = False,
    ) -> None:
        self.ctx = ctx
        self.ip = ip
        self.port = port
        self.credential = credential
        self.budget = budget
        self.tls = tls
        self.session: DigestSession | None = None
        self.rejected = False  # the device refused the credential: do not send it again
        self.basic_only = False  # the device offered only Basic, and this is plain HTTP

    def __repr__(self) -> str:
        return f"AuthenticatedClient({self.ip}:{self.port}, tls={self.tls})"

    async def _send(self, request: Request, authorization: str | None) -> Outcome:
        headers = list(request.headers)
        if authorization is not None:
            headers.append(("Authorization", authorization))
        req = Request(request.method, request.target, headers, request.body, request.protocol)
        return await exchange(
            self.ctx,
            self.ip,
            self.port,
            req,
            deadline=self.budget.deadline(),
            tls=client_tls_context() if self.tls else None,
        )

    def _authorization(self, request: Request) -> str | None:
        if self.session is None:
            return None
        return self.session.authorization(request.method, request.target)

    async def request(self, request: Request) -> Outcome:
        """Send ``request``, answering a 401 with the credential when there is one.

        A pre-authorised request (re-used nonce) that gets a 401 is answered once with the new
        challenge; a credential rejected on a fresh challenge is not sent again in this run.
        """
        out = await self._send(request, self._authorization(request))
        if self.credential is None or self.rejected:
            return out
        answered_here = False
        for _ in range(2):
            resp = out.response
            if resp is None or resp.status != 401 or self.budget.exhausted:
                return out
            challenges = parse_challenges(resp.headers_named("www-authenticate"))
            chosen = choose_digest(challenges)
            user = self.credential.username.reveal()
            password = self.credential.password.reveal()
            if chosen is None:
                return await self._basic(request, out, offers_basic(challenges), answered_here)
            if answered_here and not chosen.stale:
                break
            self.session = DigestSession(chosen, user, password)
            answered_here = True
            out = await self._send(
                request, self.session.authorization(request.method, request.target)
            )
        if out.response is not None and out.response.status == 401 and answered_here:
            self.rejected = True
            self.session = None
            return _rejected(out)
        return out

    async def _basic(
        self, request: Request, out: Outcome, offered: bool, answered_here: bool
    ) -> Outcome:
        if not offered or answered_here or self.credential is None:
            return out
        if not self.tls:
            self.basic_only = True
            out.detail = "the device offers only Basic authentication; not sent over plain HTTP"
            return out
        auth = basic_authorization(
            self.credential.username.reveal(), self.credential.password.reveal()
        )
        out = await self._send(request, auth)
        if out.response is not None and out.response.status == 401:
            self.rejected = True
            return _rejected(out)
        return out

    def evidence(self, kind: EvidenceKind, payload: bytes, source: str) -> Evidence:
        """Evidence of a response, with the credential and any auth headers scrubbed."""
        return observed(kind, scrub(payload, self.credential), self.ip, self.port, source)


def _rejected(out: Outcome) -> Outcome:
    out.status = ProbeStatus.AUTH_FAILED
    out.detail = "the device rejected the supplied credentials"
    return out
