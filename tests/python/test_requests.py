"""Request streams from Python and the CLI: the shipped two-model Poisson stream (ResNet-50 and
BERT-base on the edge NPU) under FCFS and SJF, the same numbers from both front ends, and the
per-request CSV."""
import csv
import json
import os
import subprocess

import pytest

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("NPUSIM_CLI", os.path.join(ROOT, "build", "npusim"))
HW = os.path.join(ROOT, "hw_configs", "generic_npu", "edge_32x32.yaml")
WL = os.path.join(ROOT, "workloads", "requests", "resnet50_bert_poisson.yaml")


@pytest.fixture(scope="module")
def by_scheduler():
    return {s: npusim.run(HW, WL, {"workload.requests.scheduler.type": s}) for s in ("fcfs", "sjf")}


def test_every_request_completes_and_is_listed(by_scheduler):
    for stats in by_scheduler.values():
        r = stats["requests"]
        assert r["count"] == r["completed"] == 40 == len(r["list"])
        assert stats["throughput"]["unit"] == "requests/s"
        for e in r["list"]:
            assert e["arrival_s"] <= e["start_s"] < e["finish_s"]
            assert e["latency_s"] == pytest.approx(e["finish_s"] - e["arrival_s"])
            assert e["ntt"] == pytest.approx(e["latency_s"] / e["isolated_s"])
            assert e["ntt"] >= 1 - 1e-9  # nothing runs faster than alone


def test_sjf_lowers_antt_at_the_same_makespan(by_scheduler):
    fcfs, sjf = by_scheduler["fcfs"]["requests"], by_scheduler["sjf"]["requests"]
    assert sjf["antt"] < fcfs["antt"]
    # Both are work-conserving and non-preemptive on the same arrivals: the same total work.
    assert sjf["makespan_s"] == pytest.approx(fcfs["makespan_s"])
    assert [e["arrival_s"] for e in sjf["list"]] == [e["arrival_s"] for e in fcfs["list"]]


def test_isolated_latencies_are_the_models_alone(by_scheduler):
    alone = npusim.run(HW, os.path.join(ROOT, "workloads", "cnn", "resnet50.yaml"))
    first = next(e for e in by_scheduler["fcfs"]["requests"]["list"] if e["model"] == "resnet50")
    assert first["isolated_s"] == pytest.approx(alone["total_seconds"], rel=1e-12)


def test_cli_gives_the_same_stats_and_a_request_csv(tmp_path, by_scheduler):
    p = subprocess.run([CLI, "run", "--hw", HW, "--workload", WL, "--out", str(tmp_path), "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    with open(tmp_path / "stats.json") as f:
        stats = json.load(f)
    stats.pop("simulator")
    expected = dict(by_scheduler["fcfs"])
    expected.pop("simulator")
    assert stats == expected
    with open(tmp_path / "requests.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 40
    assert float(rows[3]["latency_s"]) == pytest.approx(stats["requests"]["list"][3]["latency_s"])


def test_bad_scheduler_raises_with_did_you_mean():
    with pytest.raises(npusim.WorkloadError, match="did you mean `sjf`"):
        npusim.run(HW, WL, {"workload.requests.scheduler.type": "sfj"})


def test_runtime_doc_example_is_current():
    """docs/runtime.md's table is the output of scripts/docs/runtime_example.py."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("runtime_example", os.path.join(ROOT, "scripts", "docs", "runtime_example.py"))
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    with open(os.path.join(ROOT, "docs", "runtime.md")) as f:
        doc = f.read()
    begin = "<!-- BEGIN GENERATED: scripts/docs/runtime_example.py -->\n"
    section = doc[doc.index(begin) + len(begin):doc.index("<!-- END GENERATED -->")]
    assert section == example.table(), "regenerate with scripts/docs/runtime_example.py"
