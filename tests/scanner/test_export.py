"""export-subjects without a server: dedup, type filtering, the spill file and the output."""

from __future__ import annotations

import asyncio
import io
import json
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from leakhound.errors import UsageError
from leakhound.redact import keyed_hash
from leakhound.scanner.export import (
    Identifier,
    IdentifierSpill,
    identifiers,
    parse_types,
    write_identifiers,
)

KEY = b"k" * 32
DOCS = [
    {
        "customer": {"email": "Jane.Doe@Contoso.com", "phone": "+44 20 7946 0958"},
        "notes": "write to jane dot doe at contoso dot com",
        "ip": "203.0.113.9",
    },
    {"customer": {"email": "jane.doe@contoso.com"}, "agent_email": "max.power@vendor-support.net"},
    {"customer": {"email": "JANE.DOE@CONTOSO.COM", "phone": "020 7946 0958"}},
    None,  # a hit without _source
]


def test_identifiers_are_deduplicated_and_keyed_hashed() -> None:
    rows = identifiers(DOCS, KEY, ("EMAIL_ADDRESS",))
    assert sorted(rows) == sorted(
        [
            ("EMAIL_ADDRESS", keyed_hash(KEY, "jane.doe@contoso.com"), None),
            ("EMAIL_ADDRESS", keyed_hash(KEY, "max.power@vendor-support.net"), None),
        ]
    )


def test_only_the_asked_types_are_kept() -> None:
    types = {t for t, _, _ in identifiers(DOCS, KEY, ("PHONE_NUMBER",))}
    assert types == {"PHONE_NUMBER"}
    both = {t for t, _, _ in identifiers(DOCS, KEY, ("EMAIL_ADDRESS", "PHONE_NUMBER"))}
    assert both == {"EMAIL_ADDRESS", "PHONE_NUMBER"}


def test_raw_values_are_kept_only_when_revealed() -> None:
    assert all(v is None for _, _, v in identifiers(DOCS, KEY, ("EMAIL_ADDRESS",)))
    revealed = {v for _, _, v in identifiers(DOCS, KEY, ("EMAIL_ADDRESS",), reveal=True)}
    assert revealed == {"jane.doe@contoso.com", "max.power@vendor-support.net"}


def test_types_are_checked_against_the_identifying_ones() -> None:
    assert parse_types(None) == ("EMAIL_ADDRESS", "PHONE_NUMBER")
    assert parse_types("iban_code, EMAIL_ADDRESS,IBAN_CODE") == ("IBAN_CODE", "EMAIL_ADDRESS")
    for bad in ("IP_ADDRESS", "PERSON", "NOPE", " , "):
        with pytest.raises(UsageError):
            parse_types(bad)


def test_spill_dedups_across_pages_and_indices_and_is_private(tmp_path: Path) -> None:
    with IdentifierSpill(tmp_path) as spill:
        assert stat.S_IMODE(spill.folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(spill.path.stat().st_mode) == 0o600
        spill.add("h:9200/a", identifiers(DOCS[:1], KEY, ("EMAIL_ADDRESS", "PHONE_NUMBER")))
        spill.add("h:9200/a", identifiers(DOCS[1:], KEY, ("EMAIL_ADDRESS", "PHONE_NUMBER")))
        spill.add("h:9200/b", identifiers(DOCS[2:3], KEY, ("EMAIL_ADDRESS",)))
        subjects = list(spill.identifiers())
        assert dict(spill.counts()) == {"EMAIL_ADDRESS": 2, "PHONE_NUMBER": 1}
        # Streamed in key order: no sort, so no temporary file outside the private folder.
        plan = spill._db.execute(
            "EXPLAIN QUERY PLAN SELECT entity_type, hash, value, place FROM seen "
            "ORDER BY entity_type, hash, place"
        ).fetchall()
        assert not any("TEMP B-TREE" in str(row) for row in plan)
    assert not spill.folder.exists()
    jane = keyed_hash(KEY, "jane.doe@contoso.com")
    by_hash = {s.keyed_hash: s for s in subjects}
    assert len(subjects) == 3
    assert by_hash[jane].indices == ("h:9200/a", "h:9200/b")
    assert by_hash[keyed_hash(KEY, "max.power@vendor-support.net")].indices == ("h:9200/a",)


def test_spill_is_deleted_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), IdentifierSpill(tmp_path) as spill:
        spill.add("h:9200/a", [("EMAIL_ADDRESS", "ab", None)])
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_default_output_holds_hashes_never_values() -> None:
    subjects = [
        Identifier("EMAIL_ADDRESS", "aa", "jane@contoso.com", ("h:1/x", "h:1/y")),
        Identifier("PHONE_NUMBER", "bb", "+442079460958", ("h:1/x",)),
    ]
    out = io.StringIO()
    assert write_identifiers(subjects, out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {
        "entity_type": "EMAIL_ADDRESS",
        "keyed_hash": "aa",
        "indices": ["h:1/x", "h:1/y"],
    }
    assert "jane" not in out.getvalue() and "2079" not in out.getvalue()
    out = io.StringIO()
    write_identifiers(subjects, out, "csv", reveal=True)
    assert out.getvalue().splitlines() == [
        "entity_type,value,keyed_hash,indices",
        "EMAIL_ADDRESS,jane@contoso.com,aa,h:1/x;h:1/y",
        "PHONE_NUMBER,+442079460958,bb,h:1/x",
    ]


def test_csv_cells_cannot_become_formulas() -> None:
    out = io.StringIO()
    write_identifiers(
        [Identifier("EMAIL_ADDRESS", "aa", "=cmd|'/c calc'!a0@x.com", ("h:1/x",))],
        out,
        "csv",
        reveal=True,
    )
    assert out.getvalue().splitlines()[1].startswith("EMAIL_ADDRESS,'=cmd")


def test_the_export_s_verdicts_trust_the_ca_file_given_with_the_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # export-subjects takes --ca-file with the owner's credentials: as in a scan, the verdict
    # (without the credentials) of a target URL's verify-* trusts it too, else a store the
    # scan read open is "no longer open" for want of a CA that was given.
    from hostile import servers as S
    from leakhound import net
    from leakhound.models import Endpoint
    from leakhound.net import Limits, Transport
    from leakhound.net.http import OwnerAuth
    from leakhound.probes.registry import Registry
    from leakhound.scanner import export

    seen: list[Transport] = []

    async def read_endpoint(*args: Any) -> None:
        seen.append(args[2])  # the verdict's transport

    async def quiet(conn: S.Conn) -> None:
        await conn.reader.read(1)

    monkeypatch.setattr(export, "_read_endpoint", read_endpoint)
    with S.ServerLoop() as loop:
        context, cert, _ = S.self_signed(tmp_path)
        port = loop.serve(quiet, tls=context)
        endpoint = Endpoint("127.0.0.1", port)
        target = SimpleNamespace(result=SimpleNamespace(service=SimpleNamespace(endpoint=endpoint)))
        run = SimpleNamespace(options=SimpleNamespace(workers=0))
        owner = OwnerAuth(("app", "pw"), ca_file=str(cert))

        async def go() -> None:
            await export._collect(run, Registry(), [target], Limits(connect_timeout=2), owner)  # type: ignore[arg-type, list-item]
            (transport,) = seen
            stream = await transport.tcp(
                "127.0.0.1",
                port,
                net.commands("test", {"PING"}),
                scheme="test",
                tls=transport.tls_context("verify-full"),
            )
            await stream.close()

        asyncio.run(go())
