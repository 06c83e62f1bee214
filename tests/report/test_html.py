"""The HTML report: self-contained, readable in a real browser, inert against hostile names.

The browser tests run headless Chromium (Debian package ``chromium``) and fail, never skip,
when it is missing.
"""

from __future__ import annotations

import html
import re
import shutil
import struct
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from leakhound.assess import assess
from leakhound.assess.render import figure_text
from leakhound.models import (
    Container,
    ContainerResult,
    Distinct,
    Endpoint,
    Fingerprint,
    FullField,
    FullPii,
    FullRead,
    People,
    PeopleCount,
    PiiField,
    PiiSummary,
    Sample,
    Service,
    TargetResult,
    Verdict,
    YearCount,
)
from leakhound.report import FORMATS
from leakhound.report import html as html_report
from leakhound.store import ScanRecord, SqliteStore

IMG_ATTACK = "<img src=x onerror=document.title='pwned'>"
SCRIPT_ATTACK = "<script>document.title='pwned'</script>"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
AWARE = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def hostile_scan(tmp_path: Path) -> ScanRecord:
    """An open store with customer data and two indices named to run script in a browser."""
    ep = Endpoint("198.51.100.7", 9200)
    svc = Service(
        ep,
        ep.url("http"),
        "elasticsearch",
        Verdict.OPEN,
        "_cat/indices, _search answer without credentials",
        Fingerprint(product="elasticsearch", version="7.17.9"),
    )

    def pii(t: str, docs: int, distinct: int, path: str) -> PiiSummary:
        return PiiSummary(t, docs, (PiiField(path, docs),), (), distinct)

    customers = Container(
        "customers-2021",
        48_210,
        9_000_000,
        False,
        False,
        date_field="created_at",
        date_min="2019-03-01T00:00:00.000Z",
        date_max="2021-02-01T00:00:00.000Z",
        years=(YearCount(2019, 20_000), YearCount(2020, 24_000), YearCount(2021, 4_210)),
        details={"health": "green", "status": "open"},
    )
    sample = Sample(
        100,
        100,
        (
            pii("EMAIL_ADDRESS", 95, 90, "email"),
            pii("PERSON", 95, 88, "name"),
            pii("CREDIT_CARD", 60, 60, "payment.card"),
        ),
    )
    img = Container(
        IMG_ATTACK,
        1,
        100,
        False,
        False,
        compromised=True,
        compromise_reasons=(SCRIPT_ATTACK,),
        details={"health": "yellow", "status": "open"},
    )
    script = Container(
        SCRIPT_ATTACK,
        12,
        100,
        False,
        False,
        date_field="ts",
        date_min="2022-01-01",
        date_max="2022-06-30",
        details={"health": "yellow", "status": "open"},
    )
    result = TargetResult(
        svc,
        (
            ContainerResult(customers, sample),
            ContainerResult(img, Sample(100, 1)),
            ContainerResult(
                script,
                Sample(
                    100,
                    12,
                    (pii("EMAIL_ADDRESS", 12, 12, IMG_ATTACK),),
                    years=(YearCount(2022, 12),),  # its store read whole for its people
                ),
            ),
        ),
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["198.51.100.7"], {"sample": 100})
        store.record(scan_id, result)
        store.finish_scan(scan_id)
        return store.load(scan_id)


def chromium() -> str:
    """The headless browser; the test fails (never skips) when it is not installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is required: apt-get install -y chromium")


def browse(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Open a local page in headless Chromium with no network and a throwaway profile."""
    profile = tmp_path / f"profile-{page.stem}"
    profile.mkdir()
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=3000",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


class _Dom(HTMLParser):
    """Elements, title and visible text of a dumped DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.title = ""
        self.text: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


def dump_dom(page: Path, tmp_path: Path) -> _Dom:
    dom = _Dom()
    dom.feed(browse(page, tmp_path, "--dump-dom").stdout)
    return dom


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------- the page itself


def test_html_is_registered_and_self_contained(scan: ScanRecord) -> None:
    page = FORMATS["html"](scan)
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert meta and html.unescape(meta.group(1)) == CSP
    assert page.index("Content-Security-Policy") < page.index("<title>")
    assert "<script" not in page
    assert not re.search(r"\s(src|href)=", page)  # no external asset, no link to a target
    assert "@import" not in page and "url(" not in page


def test_html_escapes_hostile_index_names(scan: ScanRecord) -> None:
    page = html_report.render(scan)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\x07" not in page


def test_html_names_the_verdicts_of_the_endpoints_it_hides_alone(scan: ScanRecord) -> None:
    # The open endpoint is listed; the closed one is the "other" endpoint, and only its
    # verdict is said beside it (not "open 1", as if an open store were hidden).
    page = html_report.render(scan)
    assert "1 other endpoint was secured, closed or silent (closed 1)." in page
    assert "open 1" not in page


def test_html_without_assessment_still_gives_figures(scan: ScanRecord) -> None:
    page = html_report.render(scan)
    assert "support-cases-2019" in page
    assert "≈ 800" in page  # 80 distinct e-mails in 100 sampled of 1,000
    assert "Severity:" not in page
    assert "Next steps" in page


# ----------------------------------------------------------------- in a real browser


def test_report_renders_key_figures_in_chromium(hostile_scan: ScanRecord, tmp_path: Path) -> None:
    a = assess(hostile_scan, {"controller": "Example Shop SAS"}, AWARE, now=AWARE.replace(hour=12))
    page = write(tmp_path, "report.html", html_report.render(hostile_scan, a))
    dom = dump_dom(page, tmp_path)
    text = " ".join(" ".join(dom.text).split())
    assert dom.title == f"leakhound report — scan {hostile_scan.scan_id}"
    # DPC 3 (cards) × EI 1 + CB (0.5 confidentiality + 0.25 availability + 0.5 malice) = 4.25
    assert "Severity: VERY HIGH" in text
    assert "3 × 1 + 1.25 = 4.25" in text
    assert "2024-04-13 09:00 UTC" in text  # aware + 72 h
    assert "48,210" in text  # documents of the customer index
    assert "≈ 43,389" in text  # 90 distinct e-mails / 100 sampled × 48,210
    assert "payment card numbers" in text
    years = text[text.index("Records by year") :]
    assert re.search(r"\b2019\b.*\b2020\b.*\b2021\b.*\b2022\b", years)
    # how the chart was counted: each record in its own year, by the store or read whole
    assert "1 read whole, each record counted in its own date's year" in years
    assert "1 counted a year by the store itself" in years
    assert "Next steps" in text


def test_hostile_index_names_run_no_script_in_chromium(
    hostile_scan: ScanRecord, tmp_path: Path
) -> None:
    a = assess(hostile_scan, None, AWARE, now=AWARE)
    page = write(tmp_path, "report.html", html_report.render(hostile_scan, a))
    dom = dump_dom(page, tmp_path)
    assert dom.title.startswith("leakhound report")
    assert "pwned" not in dom.title
    assert "script" not in dom.tags and "img" not in dom.tags
    text = "".join(dom.text)
    assert IMG_ATTACK in text and SCRIPT_ATTACK in text  # shown as text, not parsed


def test_escaping_alone_stops_injection_without_the_csp(
    hostile_scan: ScanRecord, tmp_path: Path
) -> None:
    # The CSP is a second wall; the escaping must hold on its own.
    page_text = html_report.render(hostile_scan, assess(hostile_scan))
    no_csp = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page_text)
    assert no_csp != page_text
    dom = dump_dom(write(tmp_path, "no-csp.html", no_csp), tmp_path)
    assert "pwned" not in dom.title
    assert "script" not in dom.tags and "img" not in dom.tags


def test_the_browser_harness_does_catch_an_injection(tmp_path: Path) -> None:
    # Control: the same attack, unescaped and without CSP, does change the title here.
    page = write(
        tmp_path,
        "control.html",
        f"<!DOCTYPE html><html><head><title>safe</title></head><body>{IMG_ATTACK}</body></html>",
    )
    assert dump_dom(page, tmp_path).title == "pwned"


def test_report_screenshot_is_a_full_page(hostile_scan: ScanRecord, tmp_path: Path) -> None:
    page = write(tmp_path, "report.html", html_report.render(hostile_scan, assess(hostile_scan)))
    shot = tmp_path / "report.png"
    browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2400)
    assert len(data) > 50_000  # a rendered page, not a blank one


def _read_whole(tmp_path: Path, read: int) -> ScanRecord:
    """One open index of 1,000 records, ``read`` of them read by a full read, 900 of those
    carrying an e-mail address."""
    ep = Endpoint("127.0.0.1", 9200)
    svc = Service(ep, ep.url("http"), "elasticsearch", Verdict.OPEN, "open")
    exact = Distinct(900, 900, 900, True)
    full = FullRead(
        "pit",
        1,
        read,
        (FullPii("EMAIL_ADDRESS", 900, exact, (FullField("email", 900, exact),)),),
        People("EMAIL_ADDRESS", "email", exact),
        complete=read == 1000,
        error=None if read == 1000 else "the connection was closed",
    )
    cases = Container("cases", 1000, 1, False, False)
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["x"], {})
        store.record(scan_id, TargetResult(svc, (ContainerResult(cases, None, full),)))
        return store.load(scan_id)


def test_records_of_each_kind_read_in_full_are_said_counted_not_estimated(
    tmp_path: Path,
) -> None:
    page = html_report.render(_read_whole(tmp_path, 1000))
    assert "Counted in every document read" in page
    assert "share of sampled documents" not in page


def test_records_of_each_kind_of_a_read_that_stopped_are_said_estimated(tmp_path: Path) -> None:
    page = html_report.render(_read_whole(tmp_path, 950))
    assert "share of sampled documents" in page
    assert "Counted in every document read" not in page


def _estimated(tmp_path: Path, low: int | None, high: int | None) -> ScanRecord:
    """A PostgreSQL-like store of one counted table and one whose rows were estimated."""
    ep = Endpoint("198.51.100.9", 9200)
    svc = Service(
        ep,
        ep.url("http"),
        "elasticsearch",
        Verdict.OPEN,
        "_cat/indices, _search answer without credentials",
        Fingerprint(product="elasticsearch", version="7.17.9"),
    )
    email = PiiSummary("EMAIL_ADDRESS", 90, (PiiField("email", 90),), (), 80)
    counted_ = Container("orders", 1_000, 100_000, False, False)
    estimated = Container(
        "customers",
        301_000,
        9_000_000,
        False,
        False,
        docs_exact=False,
        docs_low=low,
        docs_high=high,
        docs_basis="estimated along the key id (sampled windows; 95% bounds)",
    )
    result = TargetResult(
        svc,
        (
            ContainerResult(counted_, Sample(100, 100, (email,))),
            ContainerResult(estimated, Sample(100, 100, (email,))),
        ),
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["198.51.100.9"], {"sample": 100})
        store.record(scan_id, result)
        store.finish_scan(scan_id)
        return store.load(scan_id)


@pytest.mark.parametrize(
    ("low", "high", "said"),
    [
        pytest.param(
            300_000,
            302_500,
            "holding about 302,000 documents (estimate; between 301,000 and 303,500) in 2 indices",
            id="bounded",
        ),
        pytest.param(
            None,
            None,
            "holding about 302,000 documents (estimate; at least 1,000) in 2",
            id="no-bounds",
        ),
    ],
)
def test_an_estimated_count_is_said_and_marked_in_the_html_report(
    tmp_path: Path, low: int | None, high: int | None, said: str
) -> None:
    page = html_report.render(_estimated(tmp_path, low, high))
    plain = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert said in plain
    assert "~301,000" in plain and "~302,000" in plain  # the table's and the store's
    assert "holding 302,000 documents" not in plain


def test_records_of_each_kind_scaled_from_a_sample_say_the_range_its_size_allows(
    tmp_path: Path,
) -> None:
    # 3 cards in 100 sampled rows of 10,000: "300" alone claimed a precision the sample does
    # not have (the lab's six stores: 2,211 cards said, 1,776 there); 95% Wilson: 103–842.
    ep = Endpoint("198.51.100.9", 5432)
    svc = Service(ep, ep.url("http"), "postgresql", Verdict.OPEN, "trust")
    card = PiiSummary("CREDIT_CARD", 3, (PiiField("notes", 3),), (), 3)
    email = PiiSummary("EMAIL_ADDRESS", 100, (PiiField("email", 100),), (), 90)
    cases = Container("cases", 10_000, 1, False, False)
    notes = Container("notes", 40, 1, False, False)  # read whole by its sample: counted
    result = TargetResult(
        svc,
        (
            ContainerResult(cases, Sample(100, 100, (email, card))),
            ContainerResult(notes, Sample(100, 40, (replace(email, docs=40),))),
        ),
    )
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["198.51.100.9"], {"sample": 100})
        store.record(scan_id, result)
        scan = store.load(scan_id)
    kinds = {k.type: k for k in html_report.view(scan)["kinds"]}
    assert (kinds["CREDIT_CARD"].records, kinds["CREDIT_CARD"].text) == (300, "≈ 300 (103–842)")
    # 100 of 100 sampled: the 40 read whole exactly, the 10,000 no fewer than 9,633
    assert kinds["EMAIL_ADDRESS"].text == "≈ 10,040 (9,673–10,040)"
    page = html_report.render(scan)
    assert ">≈ 300 (103–842)</text>" in page
    assert "each table&#39;s 95% Wilson interval, their errors added" in page
    # the value beside the longest bar fits the chart
    chart = re.search(r'aria-label="Records per kind[^>]*width="(\d+)"', page)
    xs = re.findall(r'<text x="(\d+)" y="\d+">(≈ [^<]*)</text>', page)
    assert chart and all(int(x) + 8 * len(v) <= int(chart.group(1)) for x, v in xs)


def test_a_containers_estimated_people_carry_their_likely_range(tmp_path: Path) -> None:
    # --people-read 0: the lab's cases table, 165 addresses in 100 sampled rows of 10,000, is
    # about 3,020 people likely between 387 and 13,895 (truth 3,433). The HTML table said
    # "≈ 3,020" alone, where assess says the range.
    ep = Endpoint("198.51.100.9", 5432)
    svc = Service(ep, ep.url("http"), "postgresql", Verdict.OPEN, "trust")
    email = PiiSummary("EMAIL_ADDRESS", 100, (PiiField("customer_email", 100),), (), 165)
    people = PeopleCount("EMAIL_ADDRESS", 3020, 387, 13_895, False, "sample", "estimated")
    cases = Container("cases", 10_000, 1, False, False)
    sample = Sample(100, 100, (email,), people=people)
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["198.51.100.9"], {"sample": 100})
        store.record(scan_id, TargetResult(svc, (ContainerResult(cases, sample),)))
        scan = store.load(scan_id)
    # 3,020 may be off by far more than twice: the range is the figure, as assess says it
    # ("between 387 and 13,895 people"); the table said "≈ 3,020 (387–13,895)".
    (row,) = html_report.view(scan)["containers"]
    assert row["people"] == "387–13,895"
    assert '<td class="num">387–13,895</td>' in html_report.render(scan)
    (subjects,) = (i.subjects for i in assess(scan).containers)
    assert figure_text(subjects, "people").startswith("between 387 and 13,895 people")
    # a figure the sample tells within twice is itself, its range beside it
    told = replace(sample, people=replace(people, low=2000, high=4500))
    with SqliteStore(tmp_path / "f.db") as store:
        scan_id = store.begin_scan(["198.51.100.9"], {"sample": 100})
        store.record(scan_id, TargetResult(svc, (ContainerResult(cases, told),)))
        scan = store.load(scan_id)
    (row,) = html_report.view(scan)["containers"]
    assert row["people"] == "≈ 3,020 (2,000–4,500)"


def test_a_full_reads_note_is_shown_beside_its_container(tmp_path: Path) -> None:
    # A MySQL table without a key resumed in a new transaction: the text and Markdown
    # reports say so (NOTE:), and so does the HTML report's row of it.
    note = "read in 2 transactions, not one <b>"
    scan = _read_whole(tmp_path, 1000)
    cr = scan.results[0].containers[0]
    assert cr.full is not None
    noted = replace(cr, full=replace(cr.full, note=note))
    scan = replace(scan, results=(replace(scan.results[0], containers=(noted,)),))
    page = html_report.render(scan)
    assert f"note: {html.escape(note)}" in page
    assert "note: " not in html_report.render(_read_whole(tmp_path / "plain", 1000))
