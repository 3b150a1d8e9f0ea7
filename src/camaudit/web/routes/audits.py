"""Audits and their differences, findings by policy, and report downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from camaudit.accounts import Capability
from camaudit.errors import NotFoundError
from camaudit.estate import ScopedEstate
from camaudit.reports import FORMATS, SUFFIXES
from camaudit.web.deps import HtmlCaller, HtmlEstate
from camaudit.web.params import ObjectId
from camaudit.web.templating import render

router = APIRouter(include_in_schema=False)

MEDIA = {
    "html": "text/html",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "cyclonedx": "application/vnd.cyclonedx+json",
    "answer": "text/markdown",
    "answer-json": "application/json",
}


@router.get("/audits", response_class=HTMLResponse)
def audits(request: Request, estate: HtmlEstate, caller: HtmlCaller) -> Response:
    return render(request, "audits.html", caller, audits=list(reversed(estate.audits())))


@router.get("/audits/{audit_id}", response_class=HTMLResponse)
def audit(
    request: Request, audit_id: ObjectId, estate: HtmlEstate, caller: HtmlCaller, other: int = 0
) -> Response:
    a = estate.audit(audit_id)
    if other:
        return RedirectResponse(f"/audits/{audit_id}/diff/{other}", status_code=303)
    peers = [x for x in estate.audits() if x.organisation == a.organisation and x.id != a.id]
    return render(
        request,
        "audit.html",
        caller,
        audit=a,
        evidence=estate.audit_evidence_count(audit_id),
        peers=peers,
    )


@router.get("/audits/{audit_id}/diff/{other_id}", response_class=HTMLResponse)
def audit_diff(
    request: Request, audit_id: ObjectId, other_id: ObjectId, estate: HtmlEstate, caller: HtmlCaller
) -> Response:
    result = estate.diff(audit_id, other_id)
    return render(
        request,
        "diff.html",
        caller,
        a=estate.audit(audit_id),
        b=estate.audit(other_id),
        diff=result,
        summary=result.summary(),
    )


@router.get("/findings", response_class=HTMLResponse)
def findings(request: Request, estate: HtmlEstate, caller: HtmlCaller, org: str = "") -> Response:
    return render(
        request,
        "findings.html",
        caller,
        groups=estate.findings_by_policy(org or None),
        orgs=estate.orgs(),
        org=org,
    )


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, estate: HtmlEstate, caller: HtmlCaller) -> Response:
    return render(
        request,
        "reports.html",
        caller,
        orgs=estate.orgs(Capability.DEVICES),
        formats=list(FORMATS),
    )


def report_file(estate: ScopedEstate, org_id: ObjectId, fmt: str) -> Response:
    """Write the report to a temporary folder and send it (the folder goes afterwards)."""
    if fmt not in FORMATS:
        raise NotFoundError(f"no report format {fmt!r}")
    org = estate.org(org_id, Capability.DEVICES)
    tmp = tempfile.TemporaryDirectory(prefix="camaudit-report-")
    name = f"camaudit-{org_id}{SUFFIXES[fmt]}"
    path = estate.report(org_id, fmt, Path(tmp.name) / name)
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=f"camaudit-{_slug(org.name)}{SUFFIXES[fmt]}",
        background=BackgroundTask(tmp.cleanup),
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower() or "org"


@router.get("/reports/{org_id}/{fmt}")
def report(org_id: ObjectId, fmt: str, estate: HtmlEstate) -> Response:
    return report_file(estate, org_id, fmt)
