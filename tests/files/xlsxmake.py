"""Workbooks for the tests: real ones written by openpyxl, and hand-made parts for hostile ones."""

from __future__ import annotations

import io
import zipfile
from typing import Any

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def real_workbook(
    sheets: dict[str, list[list[Any]]],
    formats: dict[str, str] | None = None,
    *,
    epoch1904: bool = False,
) -> bytes:
    """A workbook as Excel users' tools write it (openpyxl), one sheet per entry; ``formats``:
    a number format for cells (their coordinate, "B2"), ``epoch1904``: dates counted from
    1904 (as the Mac's Excel did)."""
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    assert wb.active is not None
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cell, code in (formats or {}).items():
            ws[cell].number_format = code
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def handmade(
    sheet_xmls: list[str],
    shared_xml: str | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
    styles_xml: str | None = None,
    date1904: bool = False,
) -> bytes:
    """A minimal workbook from raw sheet XML (the <sheetData> content or a whole part), with
    its shared strings and its styles part where given, its dates from 1904 if asked."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        sheets = "".join(
            f'<sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i in range(len(sheet_xmls))
        )
        epoch = '<workbookPr date1904="1"/>' if date1904 else ""
        z.writestr(
            "xl/workbook.xml", f"<workbook {_NS} {_R}>{epoch}<sheets>{sheets}</sheets></workbook>"
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheet_xmls))
        )
        if shared_xml is not None:
            rels += '<Relationship Id="rS" Type="sharedStrings" Target="sharedStrings.xml"/>'
            z.writestr("xl/sharedStrings.xml", shared_xml)
        if styles_xml is not None:
            rels += (
                '<Relationship Id="rT" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/styles" Target="styles.xml"/>'
            )
            z.writestr("xl/styles.xml", styles_xml)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{rels}</Relationships>',
        )
        for i, xml in enumerate(sheet_xmls):
            whole = (
                xml
                if xml.lstrip().startswith("<?xml") or "<worksheet" in xml
                else (f"<worksheet {_NS}><sheetData>{xml}</sheetData></worksheet>")
            )
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", whole)
    return out.getvalue()
