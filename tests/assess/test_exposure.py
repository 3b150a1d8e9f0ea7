"""Exposure checks over raw evidence: each check, its negatives, real captures, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camaudit.assess.clouds import load_clouds
from camaudit.assess.exposure import exposure_findings, rtsp_answers_without_auth
from camaudit.models import Evidence, EvidenceKind

K = EvidenceKind
CLOUDS = load_clouds()
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "raw"

SDP_200 = (
    "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 60\r\n\r\n"
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Media\r\nm=video 0 RTP/AVP 96\r\n"
)


def rules(*evidence: Evidence) -> dict[str, str]:
    return {f.rule: f.severity.value for f in exposure_findings("d", list(evidence), CLOUDS)}


def ev(kind: EvidenceKind, data: str, **kw: object) -> Evidence:
    return Evidence(kind, data.encode(), **kw)  # type: ignore[arg-type]


def test_rtsp_describe_200_without_credentials():
    found = rules(ev(K.RTSP, SDP_200, port=554, source="probe:rtsp DESCRIBE (unauthenticated)"))
    assert found == {"exposure.rtsp-no-auth": "high"}


@pytest.mark.parametrize(
    ("data", "source"),
    [
        (SDP_200, "probe:rtsp DESCRIBE with credentials"),
        (SDP_200.replace("o=-", "a=control:rtsp://admin:pw@cam/\r\no=-"), None),
        ("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n", None),  # OPTIONS only
        ('RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\n', None),
    ],
)
def test_rtsp_negatives(data, source):
    assert not rtsp_answers_without_auth(ev(K.RTSP, data, source=source))


def test_real_rtsp_captures():
    tplink = CORPUS / "tplink" / "rtsp_options_200_describe_401_stream1.txt"
    hik = CORPUS / "hikvision" / "rtsp_describe_200_h264_ch1_main_TRUNCATED_REDACTED.txt"
    if not (tplink.exists() and hik.exists()):
        pytest.skip("shared corpus not available")
    # OPTIONS 200 then DESCRIBE 401: protected
    assert not rtsp_answers_without_auth(Evidence(K.RTSP, tplink.read_bytes()))
    # DESCRIBE 200 with SDP, but its URLs carry user:password: fetched with credentials
    assert not rtsp_answers_without_auth(Evidence(K.RTSP, hik.read_bytes()))
    stripped = hik.read_bytes().replace(b"REDACTED:REDACTED@", b"")
    assert rtsp_answers_without_auth(Evidence(K.RTSP, stripped))


def test_plain_http_admin():
    page = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><title>Login</title></html>"
    assert rules(ev(K.HTTP, page, port=80)) == {"exposure.plain-http-admin": "medium"}
    both = rules(ev(K.HTTP, page, port=80), ev(K.HTTP, page, port=443, source="probe:https GET /"))
    assert both == {"exposure.plain-http-admin": "low"}
    assert rules(ev(K.HTTP, page, port=443)) == {}
    redirect = "HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1/doc/page/login.asp\r\n\r\n"
    assert rules(ev(K.HTTP, redirect, port=80)) == {}
    assert rules(ev(K.HTTP, "App-webs/", port=80)) == {}  # a header fragment, not a response
    assert rules(ev(K.HTTP, "HTTP/1.1 404 Not Found\r\n\r\n", port=80)) == {}


def test_sadp_unactivated_cloud_and_serial():
    sadp = (
        "<ProbeMatch><Types>inquiry</Types><DeviceSN>DS-2CD2143G0-I20200101AAWRE12345678</DeviceSN>"
        "<Activated>false</Activated><HCPlatformEnable>true</HCPlatformEnable></ProbeMatch>"
    )
    found = rules(ev(K.SADP, sadp))
    assert found == {
        "exposure.unactivated": "high",
        "exposure.vendor-cloud-enabled": "medium",
        "exposure.discovery-disclosure": "low",
    }


def test_discovery_without_serial_is_info():
    wsd = "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/Camera"
    assert rules(ev(K.WSD_PROBEMATCH, wsd)) == {"exposure.discovery-disclosure": "info"}


def test_serial_in_login_realm():
    r401 = 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="Login to 6J0A1B2PAZ00007", nonce="1"\r\n\r\n'
    found = rules(ev(K.HTTP, r401, port=443))
    assert found == {"exposure.discovery-disclosure": "low"}


def test_cloud_observed_beats_enabled_and_disabled_is_silent():
    observed = rules(
        ev(K.HOSTNAME, "dev.hik-connect.com"),
        ev(K.SADP, "<ProbeMatch><HCPlatformEnable>true</HCPlatformEnable></ProbeMatch>"),
    )
    assert observed["exposure.vendor-cloud-observed"] == "high"
    assert "exposure.vendor-cloud-enabled" not in observed
    off = rules(ev(K.DAHUA_CGI, "table.T2UServer.Enable=false\r\n"))
    assert off == {}


def test_default_certificates():
    hik = ev(
        K.TLS, "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN", port=443
    )
    assert rules(hik) == {"exposure.default-certificate": "low"}
    own = ev(K.TLS, "subject: CN=cctv.example.gov.uk,O=Example Council", port=443)
    assert rules(own) == {}


def test_real_default_certificate():
    path = CORPUS / "hikvision" / "recog_x509_subjects_HIKVISION-DVR_1.txt"
    if not path.exists():
        pytest.skip("shared corpus not available")
    assert "exposure.default-certificate" in rules(Evidence(K.TLS, path.read_bytes()))


def test_evidence_hashes_are_recorded():
    e = ev(K.RTSP, SDP_200)
    (finding,) = exposure_findings("dev-1", [e], CLOUDS)
    assert finding.evidence == (e.sha256,) and finding.device_key == "dev-1"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(EvidenceKind)), st.binary(max_size=2048)), max_size=6)
)
def test_hostile_evidence_never_raises(items):
    exposure_findings("d", [Evidence(k, p, port=80) for k, p in items], CLOUDS)


def test_endless_rtsp_is_bounded():
    big = ("RTSP/1.0 401 Unauthorized\r\n\r\n" * 50_000 + SDP_200).encode()
    assert not rtsp_answers_without_auth(Evidence(K.RTSP, big))  # the SDP lies past the cap
