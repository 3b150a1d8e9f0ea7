"""Weak evidence classes read by the shipped KB's signals: RTSP reply quirks without a Server
header, and camera CGI replies whose format or key names, not a maker string, name the maker."""

from __future__ import annotations

import pytest

from camaudit.models import Evidence, EvidenceKind
from tests.identify.conftest import maker_of as _maker

K = EvidenceKind


@pytest.mark.parametrize(
    ("transport", "maker"),
    [
        ("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=     D93FF", "Dahua"),
        (
            "RTP/AVP/UDP;unicast;client_port=14186;server_port=8052;ssrc= 4317f;mode=play",
            "Hikvision",
        ),
        ("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=000D93FF", None),
        ("RTP/AVP/UDP;unicast;client_port=14186;server_port=8052;ssrc=4317f;mode=play", None),
        ("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=     d93ff", None),
    ],
)
def test_the_ssrc_padding_of_a_setup_reply(ident, transport, maker):
    """One public source shows each quirk: a hint that names the maker only with other
    evidence (here, the Session padding Hikvision's server also writes)."""
    reply = f"RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 12345678\r\nTransport: {transport}\r\n\r\n"
    alone = ident.identify([Evidence(K.RTSP, reply.encode())])
    assert alone.manufacturer is None
    guess = f"best guess {maker} at" if maker else "best guess"
    assert any(guess in n for n in alone.notes) == (maker is not None)
    if maker == "Hikvision":
        padded = reply.replace("Session: 12345678", "Session:       12345678")
        assert _maker(ident, K.RTSP, padded) == "Hikvision"


def test_a_padded_ssrc_outside_a_transport_header_names_no_maker(ident):
    assert _maker(ident, K.BANNER, "note: ssrc=     D93FF was logged") is None


def test_a_live555_options_reply_names_no_maker(ident):
    reply = (
        "RTSP/1.0 200 OK\r\nCSeq: 1\r\nDate: Sat, Aug 12 2023 14:29:34 GMT\r\n"
        "Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER\r\n\r\n"
    )
    assert _maker(ident, K.RTSP, reply) is None


def test_an_instar_cgi_reply(ident):
    body = 'cmd="getnetattr";\r\ndhcpflag="on";\r\nip="192.0.2.30";\r\nresponse="200";\r\n'
    assert _maker(ident, K.HTTP, body) == "INSTAR"
    assert _maker(ident, K.HTTP, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body) == (
        "INSTAR"
    )


def test_a_hi3510_var_reply_names_no_maker(ident):
    # The Hi3510 SDK's `var name="value";` replies are on many white labels' cameras.
    body = 'var bps_1="2048";\r\nvar fps_1="25";\r\nvar gop_1="50";\r\n'
    assert _maker(ident, K.HTTP, body) is None


def test_a_bosch_rcp_hex_payload(ident):
    body = "<str>00 80 00 a0 13 32 10 ac 30 01 00 43 00 61 00 6d 00 65</str>"
    assert _maker(ident, K.HTTP, body) == "Bosch"
    assert _maker(ident, K.HTTP, "<str>00 80 00</str>") is None


def test_a_panasonic_aw_camera_reply_and_path(ident):
    body = "no,filename,mm/dd/yyyy hh:mm:ss,duration\r\nMP4fileNum=1\r\nMP4fileALLNum=1\r\n"
    assert _maker(ident, K.HTTP, body) == "Panasonic (i-PRO)"
    assert _maker(ident, K.BANNER, "GET /cgi-bin/aw_ptz?cmd=%23O&res=1") == "Panasonic (i-PRO)"


@pytest.mark.parametrize(
    ("body", "maker"),
    [
        ("WAN_TYPE='1'\n", "ACTi"),
        ("WAN_TYPE='1'\nWAN_IP='192.0.2.100'\n", "ACTi"),
        ("ERROR: WAN_TYPE='1'\nOK: WAN_IP='192.0.2.100'\n", "ACTi"),
        # Vivotek-style getparam replies: lower-case parameter names.
        ("system_hostname='cam'\nnetwork_ipaddress='192.0.2.4'\n", None),
        ("IPAddress=192.0.2.1\nSubnetMask=255.255.255.0\n", None),
    ],
)
def test_acti_url_command_replies(ident, body, maker):
    head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
    assert _maker(ident, K.HTTP, head + body) == maker


def test_sercomm_admin_cgi_paths(ident):
    assert _maker(ident, K.BANNER, "GET /adm/get_group.cgi?group=EVENT HTTP/1.1") == "Sercomm"
    assert _maker(ident, K.BANNER, "GET /admin/get_group.cgi HTTP/1.1") is None


def test_an_h264dvr_rtsp_server_alone_is_only_a_hint(ident):
    reply = "RTSP/1.0 200 OK\r\nServer: H264DVR 1.0\r\nCseq: 1\r\n\r\n"
    got = ident.identify([Evidence(K.RTSP, reply.encode())])
    assert got.manufacturer is None
    assert any("Xiongmai" in n for n in got.notes)


def test_dahua_public_order_adds_to_other_dahua_evidence(ident):
    public = (
        "Public: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, "
        "SET_PARAMETER, GET_PARAMETER\r\n"
    )
    alone = "RTSP/1.0 200 OK\r\nCSeq: 1\r\n" + public + "\r\n"
    assert _maker(ident, K.RTSP, alone) is None
    nmap = "554/tcp open  rtsp\n|_rtsp-methods: " + public.split(": ", 1)[1]
    got = ident.identify([Evidence(K.BANNER, nmap.encode())])
    assert any("Dahua" in n for n in got.notes)


@pytest.mark.parametrize(
    "reply",
    [
        # Generic RTSP libraries and white-label stream paths name no maker.
        "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: GStreamer RTSP server\r\n"
        "Public: OPTIONS, DESCRIBE, ANNOUNCE, GET_PARAMETER, PAUSE, PLAY, RECORD, SETUP, "
        "SET_PARAMETER, TEARDOWN\r\n\r\n",
        "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://192.0.2.7/live/ch00_0/\r\n"
        "Content-Type: application/sdp\r\n\r\nv=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=Session streamed "
        'by "ch00_0"\r\nt=0 0\r\na=tool:LIVE555 Streaming Media v2013.04.08\r\n'
        "m=video 0 RTP/AVP 96\r\na=control:trackID=1\r\n",
        "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://192.0.2.8:554/onvif1/\r\n\r\n",
        "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://192.0.2.9:554/11/\r\n\r\n",
    ],
)
def test_generic_rtsp_stacks_and_paths_name_no_maker(ident, reply):
    assert _maker(ident, K.RTSP, reply) is None


def test_a_bare_h264_stream_path_is_only_a_hint(ident):
    # 2N IP intercoms serve /h264_stream too: the path alone must not claim Hikvision (EZVIZ).
    head = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://192.0.2.60:554/h264_stream/\r\n\r\n"
    bare = ident.identify([Evidence(K.RTSP, head.encode())])
    assert (bare.manufacturer, bare.brand) == (None, None)
    sdp = (
        "v=0\r\no=- 1676583297494652 1676583297494652 IN IP4 192.0.2.60\r\n"
        "s=Media Presentation\r\ne=NONE\r\nb=AS:5050\r\nt=0 0\r\n"
    )
    got = ident.identify([Evidence(K.RTSP, (head + sdp).encode())])
    assert got.manufacturer == "Hikvision"


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        (
            "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 634214675641;timeout=60\r\n"
            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=30A98EE7\r\nx-Dynamic-Rate: 1\r\n\r\n",
            "Dahua",
        ),
        # ffmpeg's SETUP request carries `x-Dynamic-Rate: 0`.
        (
            "SETUP rtsp://192.0.2.20:554/stream/trackID=0 RTSP/1.0\r\n"
            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nx-Dynamic-Rate: 0\r\nCSeq: 4\r\n"
            "User-Agent: Lavf58.29.100\r\n\r\n",
            None,
        ),
        # ZLMediaKit and Darwin Streaming Server replies: the QuickTime family's headers.
        (
            "RTSP/1.0 200 OK\r\nCSeq: 2\r\nServer: ZLMediaKit-4.0\r\nSession: KPUZ49ejotyD\r\n"
            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=00000000\r\nx-Dynamic-Rate: 1\r\n"
            "x-Transport-Options: late-tolerance=1.400000\r\n\r\n",
            None,
        ),
        (
            "RTSP/1.0 200 OK\r\nServer: DSS/5.0.1.1\r\nCseq: 2\r\nSession: 1234567\r\n"
            "Transport: RTP/AVP;unicast;client_port=6970-6971;server_port=6970-6971;ssrc=00007029\r\n"
            "x-Transport-Options: late-tolerance=2.384000\r\nx-Retransmit: our-retransmit\r\n"
            "x-Dynamic-Rate: 1\r\n\r\n",
            None,
        ),
    ],
)
def test_x_dynamic_rate_names_dahua_only_in_its_own_replies(ident, text, maker):
    assert _maker(ident, K.RTSP, text) == maker
