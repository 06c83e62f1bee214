"""The one network layer: every request and every command a probe sends passes here.

``policy`` holds the rules (scope, allow-lists, limits, audit hooks, the connect gate); ``http``
and ``tcp`` carry requests under them; ``transport`` hands a probe what it may use to reach one
endpoint. Nothing else in leakhound opens a socket.
"""

from .http import (
    MAX_JSON_VALUES,
    Credentials,
    Http,
    OwnerAuth,
    Response,
    secrets_of,
)
from .policy import (
    AllowList,
    AllowRule,
    CommandList,
    Gate,
    Limits,
    Policy,
    Request,
    Scope,
    add_audit_hook,
    commands,
    remove_audit_hook,
    rules,
    statements,
)
from .tcp import FrameReader, TcpStream
from .transport import Transport

__all__ = [
    "MAX_JSON_VALUES",
    "AllowList",
    "AllowRule",
    "CommandList",
    "Credentials",
    "FrameReader",
    "Gate",
    "Http",
    "Limits",
    "OwnerAuth",
    "Policy",
    "Request",
    "Response",
    "Scope",
    "TcpStream",
    "Transport",
    "add_audit_hook",
    "commands",
    "remove_audit_hook",
    "rules",
    "secrets_of",
    "statements",
]
