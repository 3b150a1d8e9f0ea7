"""The HTML report: parses, fetches nothing, escapes everything, shows the evidence chains."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camaudit.models import Device, Identity
from camaudit.reports.context import build_report_data
from camaudit.reports.html_report import render_html
from tests.reports.estate import CJK_MAKER_TEXT, CJK_SITE, HOSTILE_FIRMWARE, HOSTILE_MODEL

URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset"}
EXPECTED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section",
    "h1", "h2", "h3", "p", "div", "span", "br", "ul", "li", "table", "thead", "tbody", "tr",
    "th", "td", "code", "figure", "figcaption", "svg", "desc", "text", "rect", "colgroup", "col",
    "strong", "ol",
}  # fmt: skip


class Page(HTMLParser):
    """Collects tags, attributes, text, ids and the cells of each table row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(a["id"] or "")

    def handle_data(self, data):
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(t.strip() for t in self.text if t.strip())


def page(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    return p


def test_parses_and_fetches_nothing(write):
    html = write("html").read_text(encoding="utf-8")
    p = page(html)
    tags = {t for t, _ in p.tags}
    assert tags <= EXPECTED_TAGS, tags - EXPECTED_TAGS
    assert "script" not in tags and "link" not in tags and "img" not in tags
    for tag, attrs in p.tags:
        for name, value in attrs.items():
            if name in URL_ATTRS:
                raise AssertionError(f"<{tag} {name}={value!r}> in a self-contained report")
            if name == "style":
                assert "url(" not in (value or "")
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style and "url(" not in style.group(1) and "@import" not in style.group(1)
    csp = [a for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_hostile_device_text_is_escaped(write):
    html = write("html").read_text(encoding="utf-8")
    assert HOSTILE_FIRMWARE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = page(html).all_text
    assert HOSTILE_FIRMWARE in text and HOSTILE_MODEL in text  # shown as text, intact


def test_evidence_chains_findings_and_unknowns(write, estate):
    html = write("html").read_text(encoding="utf-8")
    text = page(html).all_text
    for d in estate:
        for ref in d.identity.evidence:
            assert ref.rule in text
            assert ref.sha256 and ref.sha256 in text  # the full hash, not a prefix
    assert CJK_MAKER_TEXT in text and CJK_SITE in text
    assert "cve-2021-36260" in text and "CVE-2021-36260 command injection" in text
    assert "Camille Bauer" in text  # what was seen on the unknown device
    assert re.search(r"<td><span class=\"unknown-maker\">unknown</span></td>", html)
    assert "Findings for devices not in this report" in text and "ip:127.20.9.9" in text
    assert "from restricted vendors" in text  # wording the demo test relies on
    assert "s3cret" not in html and "camaudit:***@" in text


def test_accessible_structure(write):
    p = page(write("html").read_text(encoding="utf-8"))
    html_tag = p.tags[0]
    assert html_tag == ("html", {"lang": "en"})
    tables = [a for t, a in p.tags if t == "table"]
    assert tables and all(a.get("aria-label") for a in tables)
    headers = [a for t, a in p.tags if t == "th"]
    assert headers and all(a.get("scope") in ("col", "row") for a in headers)
    svgs = [a for t, a in p.tags if t == "svg"]
    assert len(svgs) == 4
    for a in svgs:
        assert a["role"] == "img"
        assert all(i in p.ids for i in (a["aria-labelledby"] or "").split())


def test_executive_summary_figures(write):
    text = page(write("html").read_text(encoding="utf-8")).all_text
    assert "9 devices were examined (as observed between 2 January 2025 and 5 January 2025)" in text
    assert "6 with high confidence" in text and "2 with moderate confidence" in text
    assert "1 of them sold under another brand name" in text
    assert "8 findings concern 5 devices" in text


def test_empty_report(write):
    text = page(write("html", devices=[], found=[]).read_text(encoding="utf-8")).all_text
    assert "No devices." in text and "No findings were recorded." in text


#: Device text built from markup pieces (so tags and attributes are tried often) and any characters.
markupish = st.lists(
    st.sampled_from(["<", ">", "</", "img", "script", " src=", "http://a/", '"', "'", "&", "="])
    | st.characters(),
    max_size=20,
).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markupish, markupish)
def test_any_text_stays_text(model, site):
    dev = Device("ip:127.0.0.1", "Org", Identity(model=model, notes=[model]), site, "127.0.0.1")
    html = render_html(build_report_data([dev], [], {"org": site}))
    p = page(html)
    assert {t for t, _ in p.tags} <= EXPECTED_TAGS
    assert all(not set(a) & URL_ATTRS for _, a in p.tags)


def test_reconciliation_section_near_the_end(write, planted):
    from tests.reports.planted import EXPECTED, ORG

    html = write("html", devices=planted, found=[], org=ORG).read_text(encoding="utf-8")
    start = html.index('<section aria-labelledby="reconciliation-heading">')
    assert html.index('id="devices-heading"') < start < html.index("</main>")
    section = html[start : html.index("</section>", start)]
    for kind, asset_id, location in EXPECTED:
        table = section[section.index(f'id="reconciliation-{kind}"') :]
        row = table[table.index("<tbody>") : table.index("</tbody>")]
        if asset_id is None:
            assert '<th scope="row">—</th><td>—</td><td>10.77.0.3</td>' in row
        else:
            assert f'<th scope="row">{asset_id}</th><td>{location}</td>' in row, kind
    assert "LTS is a label of Hikvision" in section
    assert "CAM-005" not in section  # both sides agree on it
    # an estate without a register has no such section
    assert "reconciliation-heading" not in write("html").read_text(encoding="utf-8")


def test_asset_id_and_location_beside_each_restricted_device(write, planted):
    from tests.reports.planted import ORG, restricted_placed

    html = write("html", devices=planted, found=[], org=ORG).read_text(encoding="utf-8")
    devices = html[html.index('id="devices-heading"') : html.index("reconciliation-heading")]
    placed = restricted_placed(planted)
    assert len(placed) == 3
    for ip, asset_id, location in placed:
        row = next(
            r for r in devices.split('<tr class="main">') if f"{ip}<br>" in r or f"{ip}</th>" in r
        )
        assert (
            f"<strong>{asset_id}</strong>" in row
            and f'<span class="location">{location}</span>' in row
        )
