"""Honeypot tells lower a finding's confidence and say why; they never change a verdict."""

from __future__ import annotations

import pytest

from leakhound import honeypot
from leakhound.models import Container, Endpoint, Fingerprint, Service, Verdict


def _service(kind: str, **fp: object) -> Service:
    return Service(
        Endpoint("203.0.113.5", 1), "x://h", kind, Verdict.OPEN, "open", Fingerprint(**fp)
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("service", "containers", "sign"),
    [
        pytest.param(
            _service("elasticsearch", node_name="Green Goblin"),
            (),
            "Elasticpot",
            id="elasticpot-node-name",
        ),
        pytest.param(
            _service("elasticsearch", node_name="node-1"),
            (Container("test", 1, None),),
            "ElasticpotPY",
            id="single-test-index",
        ),
        pytest.param(
            _service("mongodb", version="3.4.4", details={"git_version": "e68e9a0"}),
            (),
            "HoneyMongo",
            id="honeymongo",
        ),
        pytest.param(
            _service("postgresql", version="9.6.1"), (), "sticky_elephant", id="sticky-elephant"
        ),
        pytest.param(
            _service("redis", version="7.0.15", details={"info_fields": 3}),
            (),
            "emulation",
            id="redis-thin-info",
        ),
    ],
)
def test_default_answers_of_honeypots_are_named(
    service: Service, containers: tuple[Container, ...], sign: str
) -> None:
    (why,) = honeypot.tells(service, containers)
    assert sign in why


@pytest.mark.parametrize(
    ("service", "containers"),
    [
        pytest.param(
            _service("elasticsearch", node_name="es-prod-3"),
            (Container("test", 1, None), Container("cases", 9, None)),
            id="real-es",
        ),
        pytest.param(
            _service("mongodb", version="3.4.4", details={"git_version": "abc"}),
            (),
            id="a-real-mongodb-3.4.4",
        ),
        pytest.param(
            _service("redis", version="7.0.15", details={"info_fields": 25}), (), id="real-redis"
        ),
        pytest.param(_service("postgresql", version="15.18"), (), id="real-postgresql"),
    ],
)
def test_real_servers_show_no_sign(service: Service, containers: tuple[Container, ...]) -> None:
    assert honeypot.tells(service, containers) == ()
