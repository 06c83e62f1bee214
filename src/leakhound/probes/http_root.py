"""The first request of an HTTP store kind: its scheme found (the endpoint's, else http then
https), and what a failed first answer means for the verdict, said the same way by every
HTTP kind."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConnectError, NetError, TimeoutError_, TooLargeError
from ..models import Endpoint, Service, Verdict
from ..net import Policy, Response, Transport


@dataclass(frozen=True, slots=True)
class FirstAnswer:
    """The scheme that answered, its base URL and the answer."""

    scheme: str
    base: str
    response: Response


async def first_answer(
    transport: Transport,
    endpoint: Endpoint,
    kind: str,
    path: str,
    allow: Policy,
    *,
    too_large: Verdict,
    what: str,
) -> FirstAnswer | Service:
    """GET ``path`` on the endpoint's scheme, or http then https when it names none
    (``Endpoint.http_schemes``).

    A refused connection is ``closed``, a silent one ``timeout``, an answer too large
    ``too_large`` (the kind's not-<kind>: no store of it answers so), any other failure on
    every scheme ``error`` with each scheme's reason; an http port that asks for https is
    asked again over https. Otherwise the answer, for the kind to classify. A verdict no
    answer decided carries the URL that was tried (``http://`` first on a port that names
    no scheme), as Elasticsearch results always have.
    """
    schemes = endpoint.http_schemes
    reason = ""
    for scheme in schemes:
        base = endpoint.url(scheme)
        try:
            resp = await transport.http.get(base + path, allow)
        except ConnectError as exc:
            verdict = Verdict.CLOSED if "refused" in str(exc) else Verdict.ERROR
            return Service(endpoint, base, kind, verdict, str(exc))
        except TimeoutError_ as exc:
            return Service(endpoint, base, kind, Verdict.TIMEOUT, str(exc))
        except TooLargeError as exc:
            return Service(endpoint, base, kind, too_large, f"{what} too large: {exc}")
        except NetError as exc:
            reason = f"{scheme}: {exc}" if not reason else f"{reason}; {scheme}: {exc}"
            continue
        if (
            scheme == "http"
            and len(schemes) > 1
            and resp.status == 400
            and b"https" in resp.body[:2000].lower()
        ):
            reason = "http: the server asks for https"
            continue
        return FirstAnswer(scheme, base, resp)
    return Service(endpoint, endpoint.url(schemes[0]), kind, Verdict.ERROR, reason or "no answer")
