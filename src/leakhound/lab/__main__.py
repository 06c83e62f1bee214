"""`python -m leakhound.lab up|seed|status|down|build`: run the lab by hand."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import KINDS, LabError, build, down, objectstores, seed, status, truth, up


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run one lab command, print its result; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m leakhound.lab", description=__doc__)
    parser.add_argument("command", choices=("up", "seed", "status", "down", "build"))
    parser.add_argument("--dir", type=Path, default=None, help="state directory (default: .lab)")
    parser.add_argument("--records", type=int, default=10_000, help="support cases to write")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            print(up(args.dir))
        elif args.command == "seed":
            up(args.dir)
            seed(args.dir, records=args.records, seed=args.seed)
            summary: dict[str, object] = {}
            for kind in ("elasticsearch", *KINDS):
                t = truth(args.dir, kind)
                if t is not None:
                    summary[kind] = {
                        "records": t.documents,
                        "seconds": round(t.seconds, 1),
                        "distinct_customers": t.distinct_customers,
                        "distinct_emails": t.distinct_emails,
                        "containers": {n: c.documents for n, c in t.indices.items()},
                    }
            summary["object_stores"] = [
                objectstores.summary(t)
                for t in objectstores.truths(status(args.dir).state_dir).values()
                if t
            ]
            print(json.dumps(summary, indent=2))
        elif args.command == "status":
            print(status(args.dir))
        elif args.command == "build":
            # Ahead of the tests (make test): a cold first build (the OpenSearch launcher,
            # FerretDB, MinIO, the npm installs) takes minutes, longer than one test's timeout.
            # Nothing runs; a no-op once cached.
            begin = time.monotonic()
            built = build()
            print(f"built in {time.monotonic() - begin:.1f} s:")
            for name, path in built.items():
                print(f"  {name}: {path}")
        else:
            print(down(args.dir))
    except LabError as exc:
        print(f"leakhound.lab: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
