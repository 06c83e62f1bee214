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


def real_workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook as Excel users' tools write it (openpyxl), one sheet per entry."""
    from openpyxl import Workbook

    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def handmade(
    sheet_xmls: list[str], shared_xml: str | None = None, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A minimal workbook from raw sheet XML (the <sheetData> content or a whole part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        sheets = "".join(
            f'<sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i in range(len(sheet_xmls))
        )
        z.writestr("xl/workbook.xml", f"<workbook {_NS} {_R}><sheets>{sheets}</sheets></workbook>")
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheet_xmls))
        )
        if shared_xml is not None:
            rels += '<Relationship Id="rS" Type="sharedStrings" Target="sharedStrings.xml"/>'
            z.writestr("xl/sharedStrings.xml", shared_xml)
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
