"""The timeline from the CLI: a limit flag, a truncation notice, DMA lanes that Perfetto shows
as separate tracks, compute events named after their operators."""
import json
import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("NPUSIM_CLI", os.path.join(ROOT, "build", "npusim"))
HW = os.path.join(ROOT, "hw_configs", "generic_npu", "edge_32x32.yaml")
WL = os.path.join(ROOT, "workloads", "cnn", "resnet18.yaml")

pytestmark = pytest.mark.skipif(not os.path.exists(CLI), reason="the npusim CLI is not built")


def run(tmp_path, *extra):
    tl = tmp_path / "t.json"
    p = subprocess.run([CLI, "run", "--hw", HW, "--workload", WL, "--out", str(tmp_path / "out"), "--quiet",
                        "--timeline", str(tl), *extra], capture_output=True, text=True, timeout=300)
    return p, (json.loads(tl.read_text()) if tl.exists() else None)


def threads(trace):
    return {e["tid"]: e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"}


def test_a_full_timeline_has_dma_lanes_that_never_overlap(tmp_path):
    p, trace = run(tmp_path)
    assert p.returncode == 0, p.stderr
    assert trace["otherData"]["truncated"] is False and "warning" not in p.stderr
    names = threads(trace)
    assert "hw.dma" in names.values() and "hw.dma #2" in names.values()  # the DMA overlaps descriptors
    spans = {}
    for e in trace["traceEvents"]:
        if e["ph"] == "X":
            spans.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
    for tid, s in spans.items():
        s.sort()
        # (times are microseconds as doubles: allow rounding in the last digits)
        assert all(b[0] >= a[1] - 1e-9 for a, b in zip(s, s[1:])), names[tid]
    array = [e for e in trace["traceEvents"] if e["ph"] == "X" and names[e["tid"]] == "hw.array"]
    assert array and all(e["name"] for e in array)  # compute events carry the operator's name


def test_the_limit_is_a_flag_and_truncation_is_reported(tmp_path):
    p, trace = run(tmp_path, "--timeline-limit", "100")
    assert p.returncode == 0, p.stderr
    assert "the timeline holds its first 100 events" in p.stderr and "--timeline-limit" in p.stderr
    assert trace["otherData"]["truncated"] is True and trace["otherData"]["max_events"] == 100
    assert sum(e["ph"] == "X" for e in trace["traceEvents"]) == 100
    notice = [e for e in trace["traceEvents"] if e["ph"] == "i"]
    assert len(notice) == 1 and "later events dropped" in notice[0]["name"]
    assert notice[0]["ts"] == trace["otherData"]["truncated_at_us"]


def test_a_limit_below_one_is_a_user_error(tmp_path):
    p, _ = run(tmp_path, "--timeline-limit", "0")
    assert p.returncode == 2
    assert "--timeline-limit must be at least 1 (events); it is 0" in p.stderr
