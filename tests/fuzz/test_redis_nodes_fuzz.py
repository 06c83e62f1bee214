"""Redis's INFO replication and CLUSTER NODES parsers over arbitrary server text: no exception,
only well-formed identities and addresses, a note of bounded length that holds no character
the server sent outside an address's."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from leakhound.probes.redis.nodes import (
    MAX_NODES,
    MAX_NOTE,
    SLOTS,
    cluster_nodes,
    cluster_note,
    replication,
    slot_count,
)
from leakhound.probes.redis.resp import info_fields

from .budget import budget

FAST = budget(2000)
ADDRESS = re.compile(r"(\[[0-9A-Za-z._:%-]+\]|[0-9A-Za-z._%-]+):[0-9]{1,5}")
NODE = st.sampled_from(["a" * 40, "b" * 40, "c" * 40, "0123456789abcdef" * 2 + "01234567"])
WORDS = st.one_of(
    NODE,
    st.sampled_from(
        [
            "myself,master",
            "master",
            "slave",
            "myself,slave",
            "master,fail",
            "slave,fail?",
            "handshake",
            "noaddr",
            "-",
            "connected",
            "0-16383",
            "0-5460",
            "16383",
            "[93->-" + "b" * 40 + "]",
            "127.0.0.1:7000@17000",
            "[::1]:7001@17001,cache-a",
            ":0@0",
            "\x1b[2J:1@1",
        ]
    ),
    st.text(max_size=12),
)
LINE = st.lists(WORDS, min_size=0, max_size=12).map(" ".join)


@FAST
@given(text=st.lists(LINE, max_size=12).map("\n".join))
@example(text="a" * 40 + " 127.0.0.1:1@1 myself,master - 0 0 1 connected " + "0-16383 " * 5000)
@example(text="\n".join(["b" * 40 + " 10.0.0.1:6379@1 master - 0 0 1 connected 1"] * 3000))
@example(
    text="\n".join(
        [f"{i:040x} {'h' * 250}{i}:6379@1 master - 0 0 1 connected {i}" for i in range(20)]
        + ["a" * 40 + " 10.0.0.1:6379@1 myself,master - 0 0 1 connected 0"]
    )
)
def test_any_cluster_listing_gives_nodes_and_a_bounded_note(text: str) -> None:
    nodes = cluster_nodes(text)
    assert len(nodes) <= MAX_NODES
    for n in nodes:
        assert re.fullmatch(r"[0-9a-f]{40}", n.id)
        assert n.address is None or ADDRESS.fullmatch(n.address)
        assert all(0 <= low <= high < SLOTS for low, high in n.slots)
        assert 0 <= slot_count(n.slots) <= SLOTS
    note = cluster_note(nodes)
    assert note and len(note) <= MAX_NOTE and note.isprintable()


@FAST
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(
                ["role", "master_replid", "master_host", "master_port", "master_link_status"]
            )
            | st.text(max_size=8),
            st.sampled_from(["slave", "master", "up", "6379", "::1", "0" * 40, "c0" * 20])
            | st.text(max_size=50),
        ),
        max_size=8,
    )
)
def test_any_replication_section_gives_a_well_formed_identity(
    lines: list[tuple[str, str]],
) -> None:
    raw = "\r\n".join(f"{k}:{v}" for k, v in lines).encode()
    repl = replication(info_fields(raw))
    assert repl.replid is None or re.fullmatch(r"[0-9a-f]{40}", repl.replid)
    assert repl.role in (None, "master", "replica")
    assert repl.master is None or ADDRESS.fullmatch(repl.master)
    assert repl.said.isprintable() and len(repl.said) < 400
