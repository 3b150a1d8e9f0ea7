"""JSON API, acting: imports by upload, scans of admin-set scopes, job progress, activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from camaudit.accounts import Capability
from camaudit.web.deps import ApiEstate, ApiEstatePost, Jobs
from camaudit.web.jobs import Job
from camaudit.web.operations import job_for, save_upload, start_import, start_scan
from camaudit.web.params import ObjectId
from camaudit.web.schemas import ActivityOut, JobOut, ScopeOut

router = APIRouter(prefix="/api", tags=["operations"])


def _job(j: Job) -> JobOut:
    return JobOut.model_validate(j.to_dict())


@router.post("/orgs/{org_id}/imports", response_model=JobOut, status_code=202)
async def import_upload(
    org_id: ObjectId,
    estate: ApiEstatePost,
    jobs: Jobs,
    fmt: Annotated[str, Form(max_length=20)],
    file: Annotated[UploadFile, File()],
    site: Annotated[str, Form(max_length=200)] = "",
) -> JobOut:
    """Upload a file (register, nmap, shodan, ...) to import for an organisation."""
    estate.org(org_id, Capability.OPERATE)
    path = await save_upload(file)
    return _job(
        start_import(
            estate, jobs, org_id, fmt, path, site=site or None, filename=file.filename or ""
        )
    )


@router.get("/scopes", response_model=list[ScopeOut])
def scopes(estate: ApiEstate) -> list[ScopeOut]:
    return [
        ScopeOut(
            id=s.id,
            org=s.org,
            name=s.name,
            targets=list(s.targets),
            exclude=list(s.exclude),
            site=s.site,
        )
        for s in estate.scopes()
    ]


@router.post("/scopes/{scope_id}/scan", response_model=JobOut, status_code=202)
def scan(scope_id: ObjectId, estate: ApiEstatePost, jobs: Jobs) -> JobOut:
    """Scan one of the organisation's admin-set scopes."""
    return _job(start_scan(estate, jobs, scope_id))


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: str, estate: ApiEstate, jobs: Jobs) -> JobOut:
    return _job(job_for(estate, jobs, job_id))


@router.get("/activity", response_model=list[ActivityOut])
def activity(estate: ApiEstate) -> list[ActivityOut]:
    """The activity log of the organisations the caller administers."""
    return [
        ActivityOut(
            id=e.id,
            ts=e.ts,
            username=e.username,
            organisation=e.organisation,
            action=e.action,
            target=e.target,
            detail=e.detail,
        )
        for e in estate.activity()
    ]
