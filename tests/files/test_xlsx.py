"""XLSX: real workbooks (openpyxl writes them, and reads them as a second opinion), and the
shapes other tools write (inline strings, no cell references, prefixed namespaces)."""

from __future__ import annotations

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
