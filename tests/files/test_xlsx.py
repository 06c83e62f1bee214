"""XLSX: real workbooks (openpyxl writes them, and reads them as a second opinion), and the
shapes other tools write (inline strings, no cell references, prefixed namespaces)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from leakhound.files import Limits, documents

from .xlsxmake import handmade, real_workbook

PEOPLE = [
    ["Name", "E-mail", "Phone", "Balance", "Active"],
    ["Jane Doe", "jane.doe@example.com", 447946095800, 12.5, True],
    ["Seán O'Brien", "sean@example.ie", "+353 1 555 0199", None, False],
    [None, "nameless@example.org", None, -3, None],
]


def _fields(docs: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return [{k: v for k, v in d.items() if not k.startswith("_")} for d in docs]


def test_real_workbook_rows_under_their_header() -> None:
    r = documents(real_workbook({"Customers": PEOPLE}), "export.xlsx")
    assert r.format == "xlsx" and (r.skipped, r.stopped) == (0, None)
    assert [(d["_sheet"], d["_row"]) for d in r.docs] == [("Customers", n) for n in (2, 3, 4)]
    assert _fields(r.docs) == [
        {
            "Name": "Jane Doe",
            "E-mail": "jane.doe@example.com",
            "Phone": 447946095800,
            "Balance": 12.5,
            "Active": True,
        },
        {
            "Name": "Seán O'Brien",
            "E-mail": "sean@example.ie",
            "Phone": "+353 1 555 0199",
            "Active": False,
        },
        {"E-mail": "nameless@example.org", "Balance": -3},
    ]


def test_openpyxl_reads_the_same_cells() -> None:
    from openpyxl import load_workbook

    data = real_workbook({"A": PEOPLE, "B": [["ip", "when"], ["203.0.113.9", "2019-01-01"]]})
    ours = documents(data, "x.xlsx").docs
    wb = load_workbook(io.BytesIO(data), read_only=True)
    theirs = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = rows[0]
        for n, row in enumerate(rows[1:], 2):
            theirs.append(
                {
                    "_sheet": ws.title,
                    "_row": n,
                    **{h: v for h, v in zip(header, row, strict=True) if v is not None},
                }
            )
    assert [dict(d) for d in ours] == theirs


CASES = [
    ["case", "created_at", "closed", "duration", "amount", "birth"],
    [
        "CS-1",
        dt.datetime(2019, 3, 4, 10, 30, 15),
        dt.date(2019, 3, 9),
        dt.time(1, 30),
        43466,
        dt.date(1900, 1, 1),
    ],
    ["CS-2", dt.datetime(2005, 12, 31, 23, 59, 59), dt.date(2006, 1, 2), dt.time(0, 5), 1.5, None],
]


@pytest.mark.parametrize("epoch1904", [False, True], ids=["1900", "1904"])
def test_date_cells_are_read_as_the_dates_they_show(epoch1904: bool) -> None:
    # A number is a date where its cell's style says so: the same 43466 in "amount" stays a
    # number. A time of day (h:mm) is not a date, and stays the fraction of a day it is; a
    # date before the 1904 epoch is not one the workbook can hold (Excel shows ####).
    r = documents(
        real_workbook({"Cases": CASES}, {"E3": "0.00", "F2": "d-mmm-yy"}, epoch1904=epoch1904),
        "cases.xlsx",
    )
    assert (r.skipped, r.stopped) == (0, None)
    assert _fields(r.docs) == [
        {
            "case": "CS-1",
            "created_at": "2019-03-04T10:30:15",
            "closed": "2019-03-09",
            "duration": 0.0625,
            "amount": 43466,
            "birth": -1460 if epoch1904 else "1900-01-01",
        },
        {
            "case": "CS-2",
            "created_at": "2005-12-31T23:59:59",
            "closed": "2006-01-02",
            "duration": pytest.approx(5 / 1440),
            "amount": 1.5,
        },
    ]


def test_openpyxl_reads_the_same_dates() -> None:
    from openpyxl import load_workbook

    data = real_workbook({"Cases": CASES}, {"F2": "[$-409]mmmm d, yyyy"})
    wb = load_workbook(io.BytesIO(data), read_only=True)
    theirs = [
        v.isoformat() if v.time() != dt.time() else v.date().isoformat()
        for row in wb["Cases"].iter_rows(min_row=2, values_only=True)
        for v in row
        if isinstance(v, dt.datetime)
    ]
    ours = [
        v
        for d in documents(data, "x.xlsx").docs
        for k, v in d.items()
        if k in ("created_at", "closed", "birth") and v is not None
    ]
    assert ours == theirs and len(ours) == 5


@pytest.mark.parametrize(
    ("styles", "expected"),
    [
        pytest.param(
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/></numFmts>'
            '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs>',
            ["2019-01-01", "2019-01-01", 43466],
            id="custom-and-built-in",
        ),
        pytest.param(
            '<numFmts><numFmt numFmtId="164" formatCode="&quot;day&quot; 0"/></numFmts>'
            '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="20"/></cellXfs>',
            [43466, 43466, 43466],
            id="quoted-words-and-a-time-are-no-date",
        ),
        pytest.param(
            # A German accounting format: _D and *x are spacing and fill, not a day
            '<numFmts><numFmt numFmtId="164" formatCode="_-* #,##0.00 _D_M_-;-* #,##0.00 _D_M_-"/>'
            '<numFmt numFmtId="165" formatCode="0.00;[Red]-0.00;&quot;-&quot;;@ d"/></numFmts>'
            '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs>',
            [43466, 43466, 43466],
            id="spacing-fill-and-later-sections-are-no-date",
        ),
        pytest.param(
            # an index written in other digits ("²" is a digit to str.isdigit, not to int)
            '<numFmts><numFmt numFmtId="²" formatCode="yyyy"/></numFmts>'
            '<cellXfs><xf numFmtId="0"/><xf numFmtId="²"/><xf numFmtId="14"/></cellXfs>',
            [43466, "2019-01-01", 43466],
            id="non-ascii-digits",
        ),
        pytest.param("<cellXfs><xf/>", [43466, 43466, 43466], id="broken-styles"),
    ],
)
def test_date_styles_of_other_writers(styles: str, expected: list[Any]) -> None:
    # cells styled 1, 2 and 0 (none): each read by what its own style says
    sheet = (
        '<row r="1"><c r="A1" s="1"><v>43466</v></c><c r="B1" s="2"><v>43466</v></c>'
        '<c r="C1"><v>43466</v></c></row>'
    )
    part = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{styles}</styleSheet>"
    )
    r = documents(handmade([sheet], styles_xml=part), "x.xlsx")
    assert [r.docs[0][c] for c in ("col1", "col2", "col3")] == expected
    assert r.skipped == (styles == "<cellXfs><xf/>")


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        pytest.param("2957003", "9999-12-31", id="last-day-from-1904"),
        pytest.param("2957004", 2957004, id="past-9999-from-1904"),
        pytest.param("1e300", 1e300, id="huge"),
        pytest.param("-1", -1, id="before-the-epoch"),
    ],
)
def test_a_date_cell_past_the_calendar_stays_a_number(serial: str, expected: Any) -> None:
    sheet = f'<row r="1"><c r="A1" s="1"><v>{serial}</v></c><c r="B1" s="²"><v>1</v></c></row>'
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    )
    r = documents(handmade([sheet], styles_xml=styles, date1904=True), "x.xlsx")
    assert (r.stopped, r.docs[0]["col1"], r.docs[0]["col2"]) == (None, expected, 1)


def test_sheets_past_the_cap_are_named_not_read() -> None:
    data = real_workbook({f"S{i}": [["email"], [f"u{i}@x.io"]] for i in range(6)})
    r = documents(data, "x.xlsx", limits=Limits(max_sheets=2))
    assert [d["email"] for d in r.docs] == ["u0@x.io", "u1@x.io"]
    assert r.stopped == "4 more sheet(s) not read (the first 2 are)"


def test_no_header_numbers_the_columns() -> None:
    data = real_workbook({"S": [["Jane", "jane@example.com"], ["Bob", "bob@example.com"]]})
    assert _fields(documents(data, "x.xlsx").docs)[0] == {
        "col1": "Jane",
        "col2": "jane@example.com",
    }


@pytest.mark.parametrize(
    "sheet",
    [
        pytest.param(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>a@b.co</t></is></c></row>',
            id="inline-strings",
        ),
        pytest.param(
            '<row><c t="inlineStr"><is><t>email</t></is></c></row>'
            '<row><c t="str"><v>a@b.co</v></c></row>',
            id="no-references",
        ),
        pytest.param(
            '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is>'
            '<x:t>email</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2" t="str">'
            "<x:v>a@b.co</x:v></x:c></x:row></x:sheetData></x:worksheet>",
            id="prefixed-namespace",
        ),
    ],
)
def test_other_writers_shapes(sheet: str) -> None:
    docs = documents(handmade([sheet]), "x.xlsx").docs
    assert _fields(docs) == [{"email": "a@b.co"}]


def test_rich_text_shared_strings_without_phonetic_runs() -> None:
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>email</t></si><si><r><t>jane</t></r><r><t>@example.com</t></r>"
        "<rPh><t>ジェーン</t></rPh></si></sst>"
    )
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    )
    assert _fields(documents(handmade([sheet], shared), "x.xlsx").docs) == [
        {"email": "jane@example.com"}
    ]


def test_cut_workbook_says_it_must_be_read_whole() -> None:
    data = real_workbook({"S": PEOPLE})
    r = documents(data[: len(data) // 2], "x.xlsx", truncated=True)
    assert r.docs == () and r.stopped is not None and "read whole" in r.stopped
