"""``leakhound detect [FILE]``: JSON lines in, one JSON line per finding out.

Each output line reads ``{"line": 0, "path": "text", "type": "EMAIL_ADDRESS", "start": 17,
"end": 35, "score": 0.95, "masked": "j***@e***.com"}``: ``line`` counts input lines from 0,
offsets are Python string indices into the field's value. Raw values never leave: only
the masked preview is written. A line that is not JSON gets one line on the error stream
naming its number, and the run goes on.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import IO, Any

import orjson

from ..errors import UsageError
from ..redact import neutralize
from ..startup import started
from .scan import scan_batch, scan_document

__all__ = ["run_jsonl"]

BATCH_LINES = 256  # lines per task sent to a worker: big enough to amortise pickling
EXIT_OK = 0
EXIT_BAD_INPUT = 2  # some lines were not JSON (each named on the error stream)

_Batch = list[tuple[int, bytes | str]]
_Result = tuple[list[str], list[str]]  # output lines, error lines


def run_jsonl(
    infile: IO[bytes] | IO[str] | str | os.PathLike[str],
    outfile: IO[str],
    errfile: IO[str],
    *,
    types: Collection[str] | None = None,
    min_score: float = 0.0,
    workers: int = 1,
    ner: bool = False,
    own_process: bool = False,
) -> int:
    """Scan every JSON line of ``infile``; return 0, or 2 when some lines were malformed.

    ``infile`` is a path or an open file (binary preferred: invalid UTF-8 then becomes an
    error line instead of an exception). ``workers > 1`` spreads batches of lines over
    that many processes; output order is the input order either way. ``ner`` adds
    spaCy's PERSON/LOCATION recogniser (the ``ner`` extra; UsageError without it).
    ``own_process``: the caller is leakhound's command line, whose start-up is over after the
    first batch (``startup.started``, as in the worker processes); a library's caller's
    process is left as it is.
    """
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    if isinstance(infile, str | os.PathLike):
        try:
            with open(infile, "rb") as f:
                return run_jsonl(
                    f,
                    outfile,
                    errfile,
                    types=types,
                    min_score=min_score,
                    workers=workers,
                    ner=ner,
                    own_process=own_process,
                )
        except OSError as e:
            raise UsageError(f"cannot read {neutralize(os.fspath(infile))}: {e.strerror}") from e
    type_set = frozenset(types) if types is not None else None
    if ner:
        scan_document(None, ner=True)  # fail now, in this process, if the extra is missing
    batches = _batches(infile)
    if workers == 1:
        results: Iterable[_Result] = (
            _scan_batch(b, type_set, min_score, ner, start=own_process) for b in batches
        )
    else:
        results = _parallel(batches, type_set, min_score, ner, workers)
    status = EXIT_OK
    for out_lines, err_lines in results:
        if out_lines:
            outfile.write("".join(out_lines))
        if err_lines:
            errfile.write("".join(err_lines))
            errfile.flush()
            status = EXIT_BAD_INPUT
    outfile.flush()
    return status


def _batches(infile: IO[bytes] | IO[str]) -> Iterator[_Batch]:
    batch: _Batch = []
    lines: Iterable[bytes | str] = infile
    for number, line in enumerate(lines):
        batch.append((number, line))
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


def _scan_batch(
    batch: _Batch,
    types: frozenset[str] | None,
    min_score: float,
    ner: bool = False,
    *,
    start: bool = False,
) -> _Result:
    out: list[str] = []
    errors: list[str] = []
    numbers: list[int] = []
    docs: list[Any] = []
    for number, line in batch:
        if not line.strip():
            continue  # blank lines (a trailing newline, padding) carry no document
        try:
            doc: Any = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            try:
                # orjson refuses integers past 64 bits, which are valid JSON.
                doc = json.loads(line)
            except ValueError:
                errors.append(f"line {number}: not valid JSON ({neutralize(str(e))})\n")
                continue
        numbers.append(number)
        docs.append(doc)
    # With NER the model reads the whole batch's free text in one nlp.pipe: ~1.3x faster.
    found = scan_batch(docs, types=types, min_score=min_score, ner=ner)
    for number, hits in zip(numbers, found, strict=True):
        for hit in hits:
            out.append(
                json.dumps(
                    {
                        "line": number,
                        "path": hit.path,
                        "type": hit.entity_type,
                        "start": hit.start,
                        "end": hit.end,
                        "score": hit.score,
                        "masked": hit.masked,
                    }
                )
                + "\n"
            )
    if start:  # the first batch imported and built what detection needs
        started()
    return out, errors


def _parallel(
    batches: Iterator[_Batch],
    types: frozenset[str] | None,
    min_score: float,
    ner: bool,
    workers: int,
) -> Iterator[_Result]:
    """Results in input order, with at most 2 batches per worker in flight (bounded memory)."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[_Result]] = deque()
        for batch in batches:
            pending.append(pool.submit(_scan_batch, batch, types, min_score, ner, start=True))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
