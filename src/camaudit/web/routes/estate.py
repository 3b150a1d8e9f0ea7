"""Estate pages: overview, device list, device page, evidence and its raw bytes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from camaudit.estate import DeviceFilter
from camaudit.models import Severity
from camaudit.reports.charts import report_charts
from camaudit.web.deps import HtmlCaller, HtmlEstate
from camaudit.web.params import ObjectId, device_filter
from camaudit.web.rawview import preview, raw_response
from camaudit.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 100


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, estate: HtmlEstate, caller: HtmlCaller, org: str = "") -> Response:
    summary = estate.summary(org or None)
    return render(
        request,
        "overview.html",
        caller,
        summary=summary,
        charts=report_charts(summary),
        orgs=estate.orgs(),
        org=org,
        families=estate.families(org or None),
        policies=estate.findings_by_policy(org or None),
    )


@router.get("/devices", response_class=HTMLResponse)
def devices(
    request: Request,
    estate: HtmlEstate,
    caller: HtmlCaller,
    flt: Annotated[DeviceFilter, Depends(device_filter)],
    page: int = 1,
) -> Response:
    entries = estate.devices(flt)
    page = max(1, page)
    shown = entries[(page - 1) * PAGE : page * PAGE]
    query = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "devices.html",
        caller,
        entries=shown,
        total=len(entries),
        page=page,
        pages=max(1, -(-len(entries) // PAGE)),
        flt=flt,
        facets=estate.facets(),
        severities=[s.value for s in Severity],
        query=query,
    )


@router.get("/devices/{device_id}", response_class=HTMLResponse)
def device(
    request: Request, device_id: ObjectId, estate: HtmlEstate, caller: HtmlCaller
) -> Response:
    detail = estate.device_detail(device_id)
    return render(request, "device.html", caller, d=detail, dev=detail.device)


@router.get("/evidence/{evidence_id}", response_class=HTMLResponse)
def evidence(
    request: Request, evidence_id: ObjectId, estate: HtmlEstate, caller: HtmlCaller
) -> Response:
    info, payload = estate.evidence(evidence_id)
    return render(
        request,
        "evidence.html",
        caller,
        info=info,
        view=preview(payload),
        devices=estate.evidence_devices(evidence_id),
    )


@router.get("/evidence/{evidence_id}/raw")
def evidence_raw(evidence_id: ObjectId, estate: HtmlEstate) -> Response:
    info, payload = estate.evidence(evidence_id)
    estate.log("evidence.download", org=info.org, target=info.sha256)
    return raw_response(info, payload)
