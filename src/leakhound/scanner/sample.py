"""A sample of each container: a bounded read, its ransom notes flagged, its PII summarised."""

from __future__ import annotations

from dataclasses import replace

from .. import compromise
from ..count.people import SampledIdentifiers
from ..count.summary import summarise_sample
from ..detect import masked_text
from ..models import Container, ContainerResult, Failure, Sample, Service, failure_of
from ..net import Transport
from ..probes.base import Probe
from ..probes.sampling import FIRST
from .options import ScanOptions
from .workers import Workers

Sampled = tuple[ContainerResult, dict[str, SampledIdentifiers]]


async def sample_container(
    probe: Probe,
    transport: Transport,
    service: Service,
    container: Container,
    options: ScanOptions,
    workers: Workers,
    key: bytes,
) -> Sampled:
    """Read up to ``options.sample`` records of one container and summarise their PII in a
    worker; the inventory is kept whatever the sample or the detection does. Beside the
    result: the sample's identifiers as keyed digests, to count people store-wide."""
    if options.sample <= 0 or (container.system and not options.include_system):
        return ContainerResult(container), {}
    if container.docs == 0:
        return ContainerResult(container, Sample(options.sample, 0)), {}
    try:
        got = await probe.sample(transport, service, container, options.sample)
    except Exception as exc:  # a bug, or an answer no probe foresaw: this sample, not the rest
        return ContainerResult(
            container,
            Sample(
                options.sample,
                0,
                error=masked_text(f"internal error: {type(exc).__name__}: {exc}")[:300],
                failure=Failure.OTHER,
            ),
        ), {}
    if got.error:
        failure = failure_of(got.denied)
        return ContainerResult(
            container, Sample(options.sample, 0, error=got.error, failure=failure)
        ), {}
    if got.records is not None and container.docs is None:
        # A kind that counts its records only by reading them (files): the sample's count.
        container = replace(
            container,
            docs=got.records,
            docs_exact=got.records_exact,
            docs_basis=None
            if got.records_exact
            else "extrapolated from the objects the sample read to the container's bytes",
        )
    container = compromise.flag_sample(container, got.docs, probe.words.record[0])
    try:
        pii, found = await workers.run(
            summarise_sample,
            list(got.docs),
            probe.field_types(container),
            min_score=options.min_score,
            key=key,
        )
    except Exception as exc:  # keep the inventory even when detection breaks
        return ContainerResult(
            container,
            Sample(
                options.sample,
                len(got.docs),
                error=f"detection failed: {type(exc).__name__}",
                failure=Failure.OTHER,
            ),
        ), {}
    drawn = None if got.drawn == FIRST else got.drawn
    return ContainerResult(
        container, Sample(options.sample, len(got.docs), pii, drawn=drawn)
    ), found
