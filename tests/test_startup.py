"""What a process does once its start-up is over (``leakhound.startup.started``), each case in
a fresh interpreter: the collector's settings are the whole process's."""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import gc, json
before = gc.get_threshold()
{prepare}
from leakhound.startup import YOUNG, started
started()
print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count() > 0, YOUNG]))
"""


def _after_start(prepare: str = "") -> tuple[list[int], list[int], bool, int]:
    code = _CHILD.format(prepare=prepare)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after, frozen, young = json.loads(out.stdout)
    return before, after, frozen, young


def test_young_collections_come_less_often_once_started() -> None:
    before, after, frozen, young = _after_start()
    assert frozen
    assert after[0] == young > before[0]  # Python's default, 700, is exceeded by a page
    assert after[1:] == before[1:]


def test_a_collector_turned_off_stays_off() -> None:
    _, after, _, _ = _after_start("gc.set_threshold(0)")
    assert after[0] == 0


_DETECT = """
import gc, io, json
before = gc.get_threshold()
from leakhound.detect import run_jsonl
lines = io.BytesIO(b'{{"e": "jane@example.com"}}\\n')
run_jsonl(lines, io.StringIO(), io.StringIO(), own_process={own})
print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count() > 0]))
"""


def test_a_library_s_call_of_run_jsonl_leaves_its_process_s_collector_as_it_is() -> None:
    def detected(own: bool) -> tuple[list[int], list[int], bool]:
        code = _DETECT.format(own=own)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        before, after, frozen = json.loads(run.stdout)
        return before, after, frozen

    before, after, frozen = detected(own=False)
    assert (after, frozen) == (before, False)
    before, after, frozen = detected(own=True)  # `leakhound detect`, after its first batch
    assert after[0] > before[0] and frozen
