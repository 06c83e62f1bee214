"""The registry lists every store kind's package once; each probe follows the contract."""

from __future__ import annotations

import pkgutil

import pytest

import leakhound.probes as probes_pkg
from leakhound.probes.base import Probe
from leakhound.probes.registry import PROBES, SHARED_PACKAGES, Registry


def test_every_store_kind_package_is_registered() -> None:
    packages = {m.name for m in pkgutil.iter_modules(probes_pkg.__path__) if m.ispkg}
    registered = {type(p).__module__.split(".")[2] for p in PROBES}
    # a new kind's package is listed, or this fails; a package several kinds share is named
    assert packages - set(SHARED_PACKAGES) == registered
    assert set(SHARED_PACKAGES) <= packages and not set(SHARED_PACKAGES) & registered


def test_each_probe_names_its_package_and_follows_the_contract() -> None:
    for p in PROBES:
        assert isinstance(p, Probe)
        package = type(p).__module__.split(".")[2]
        assert package == p.kind, p  # probes/<kind>/: a kind is found by its name
        # Its allow-list, checked before anything is sent, is its own and refuses a write.
        assert p.allow.kind == p.kind, p.kind
        assert not p.allow.allows("DELETE", "/"), p.kind
        assert all(isinstance(port, int) and 0 < port < 65536 for port in p.default_ports)
        assert p.schemes or p.speaks_http, p.kind  # some target can name it


def test_two_probes_of_one_kind_are_refused() -> None:
    with pytest.raises(ValueError, match="share a kind"):
        Registry((*PROBES, PROBES[0]))


def test_a_port_puts_its_kinds_first_and_a_scheme_names_its_own() -> None:
    reg = Registry()
    assert reg.for_port(6379, reg.kinds)[0] == "redis"
    assert reg.for_port(5432, ("redis", "postgresql")) == ("postgresql", "redis")
    assert reg.for_scheme("mongodb", ()) == ("mongodb",)
    assert "elasticsearch" in reg.for_scheme("https", ())
    assert reg.for_scheme("redis", ("postgresql",)) == ()
