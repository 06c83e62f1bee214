"""An index named after a person, behind Kibana's console proxy: read by its own name found in
the inventory's listing, not in a listing asked again for each index read."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

from hostile.kibana import FakeKibana
from hostile.recorded import Answer, RecordedServer, Seen, as_json
from leakhound.models import Endpoint, Fingerprint, Service, Verdict
from leakhound.net import Limits, Scope, Transport
from leakhound.probes.kibana import KibanaProbe

INDICES = {"cart-jane.doe@gmail.com": [10, 11], "cart-john.roe@gmail.com": [20, 21, 22]}
SHARDS = {"total": 1, "successful": 1, "failed": 0}


def cluster(seen: Seen) -> Answer:
    """A cluster of ``INDICES`` answering a scroll in one page."""
    parts = [unquote(p) for p in seen.path.strip("/").split("/")]
    if parts == ["_cat", "indices"]:
        rows = [{"index": i, "docs.count": str(len(d))} for i, d in INDICES.items()]
        return as_json(200, rows)
    if parts[0] == "_all":
        return as_json(200, {})
    if parts[:2] == ["_search", "scroll"]:
        return as_json(200, {"_scroll_id": "s1", "hits": {"hits": []}, "_shards": SHARDS})
    if parts[0] not in INDICES:
        return as_json(404, {"error": {"type": "index_not_found_exception"}, "status": 404})
    ids = INDICES[parts[0]]
    if parts[1] == "_count":
        return as_json(200, {"count": len(ids)})
    if parts[1] == "_mapping":
        return as_json(200, {parts[0]: {"mappings": {"properties": {"n": {"type": "long"}}}}})
    hits = [{"_id": str(n), "_source": {"n": n}} for n in ids]
    body = {"hits": {"total": {"value": len(ids)}, "hits": hits}, "_shards": SHARDS}
    return as_json(200, body | {"_scroll_id": "s1"})


def test_a_masked_index_read_through_kibana_is_found_in_the_inventory_s_listing() -> None:
    with RecordedServer(cluster) as upstream, FakeKibana("kibana-8", upstream.url) as kibana:

        async def go() -> Any:
            scope = Scope()
            scope.add("127.0.0.1", kibana.port)
            async with Transport(Limits(read_timeout=5, total_timeout=30), scope) as transport:
                ep = Endpoint("127.0.0.1", kibana.port)
                fp = Fingerprint("kibana", "8.11.3")
                service = Service(ep, ep.url("http"), "kibana", Verdict.OPEN, "", fp)
                probe = KibanaProbe()
                inv = await probe.inventory(transport, service, max_containers=10)
                reader = probe.reader(transport, service)
                read = []
                for container in inv.containers:
                    plan = await reader.open(container, 1)
                    part = reader.partition(plan, 0, None, size=10)
                    try:
                        while (page := await part.next_page()) is not None:
                            read += [d["n"] for d in page.docs]
                    finally:
                        await part.close()
                return inv, read

        inv, read = asyncio.run(go())
    assert all("***" in c.name for c in inv.containers)
    assert sorted(read) == [10, 11, 20, 21, 22]
    listings = [url for _, url in kibana.forwarded if "/_cat/indices" in url]
    assert len(listings) == 1  # the inventory's: no index read lists them all again
