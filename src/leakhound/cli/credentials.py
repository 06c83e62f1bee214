"""The owner's credentials from the command line, and the rules for sending them."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..net import Credentials, OwnerAuth


def credentials(args: argparse.Namespace, *, ca_alone: bool = False) -> Credentials | None:
    """The owner's credentials (``--auth``, ``--auth-env``, ``--netrc``) with how they may
    travel (``--ca-file``, ``--insecure-auth``); None when none were given. ``ca_alone``: a
    command where ``--ca-file`` serves without them too (``scan``: what a target URL's
    verify-* TLS trusts, ``ca_file``)."""
    plain = _plain(args)
    if plain is None:
        if getattr(args, "insecure_auth", False):
            raise UsageError("--insecure-auth goes with --auth, --auth-env or --netrc")
        if getattr(args, "ca_file", None) and not ca_alone:
            raise UsageError("--ca-file goes with --auth, --auth-env or --netrc here")
        return None
    return OwnerAuth(plain, ca_file=ca_file(args), insecure=getattr(args, "insecure_auth", False))


def ca_file(args: argparse.Namespace) -> str | None:
    """``--ca-file``, a file that can be read (UsageError otherwise), or None."""
    path = getattr(args, "ca_file", None)
    if path is not None and not Path(path).is_file():
        raise UsageError(f"--ca-file: cannot read {path}")
    return path


def _plain(args: argparse.Namespace) -> Any:
    """USER:PASS from --auth or the variable named by --auth-env, or a netrc file's per-host
    entries (--netrc); never echoed back."""
    if getattr(args, "netrc", None):
        import netrc

        import httpx

        path = Path(args.netrc).expanduser()
        if not path.is_file():
            raise UsageError(f"--netrc: cannot read {path}")
        try:
            return httpx.NetRCAuth(str(path))
        except netrc.NetrcParseError as exc:
            # Its message quotes the token it stumbled on: a piece of a password (one with
            # a space in it) as often as not. The file and line say where to look.
            raise UsageError(f"--netrc: {path} line {exc.lineno}: not a netrc file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--netrc: cannot read {path}: {type(exc).__name__}") from None
    text = args.auth
    if args.auth_env:
        text = os.environ.get(args.auth_env)
        if text is None:
            raise UsageError(f"--auth-env: the environment variable {args.auth_env} is not set")
    if text is None:
        return None
    user, sep, password = text.partition(":")
    if not sep:  # USER may be empty: a store that takes a password alone (Redis requirepass)
        raise UsageError("credentials must have the form USER:PASS (or :PASS)")
    return user, password
