"""Operations: import by upload, scan of an admin-set scope, and their progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from camaudit.accounts import Capability
from camaudit.importers import REGISTRY as IMPORTERS
from camaudit.web.deps import HtmlCaller, HtmlEstate, HtmlEstatePost, Jobs
from camaudit.web.operations import job_for, save_upload, start_import, start_scan
from camaudit.web.params import FormId
from camaudit.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, estate: HtmlEstate, caller: HtmlCaller, jobs: Jobs) -> Response:
    return render(
        request,
        "import.html",
        caller,
        orgs=estate.orgs(Capability.OPERATE),
        formats=list(IMPORTERS),
        jobs=[j for j in jobs.jobs(estate.visible(Capability.OPERATE)) if j.kind == "import"],
    )


@router.post("/import")
async def import_upload(
    estate: HtmlEstatePost,
    jobs: Jobs,
    org_id: FormId,
    fmt: Annotated[str, Form(max_length=20)],
    file: Annotated[UploadFile, File()],
    site: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    estate.org(org_id, Capability.OPERATE)  # refuse before keeping any of it
    path = await save_upload(file)
    job = start_import(
        estate, jobs, org_id, fmt, path, site=site or None, filename=file.filename or ""
    )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/scan", response_class=HTMLResponse)
def scan_form(request: Request, estate: HtmlEstate, caller: HtmlCaller, jobs: Jobs) -> Response:
    return render(
        request,
        "scan.html",
        caller,
        scopes=estate.scopes(),
        jobs=[j for j in jobs.jobs(estate.visible(Capability.OPERATE)) if j.kind == "scan"],
    )


@router.post("/scan")
def scan_start(estate: HtmlEstatePost, jobs: Jobs, scope_id: FormId) -> Response:
    job = start_scan(estate, jobs, scope_id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request, job_id: str, estate: HtmlEstate, caller: HtmlCaller, jobs: Jobs
) -> Response:
    return render(request, "job.html", caller, job=job_for(estate, jobs, job_id))


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(
    request: Request, job_id: str, estate: HtmlEstate, caller: HtmlCaller, jobs: Jobs
) -> Response:
    """The progress fragment the job page re-fetches in place while the job runs."""
    return render(request, "_job_progress.html", caller, job=job_for(estate, jobs, job_id))
