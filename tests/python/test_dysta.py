"""Dysta's scenarios end to end through the CLI (docs/sparse.md): the trace exporter is seeded
and load-calibrated, every scheduler completes the stream with the same throughput (all are
work-conserving), FCFS does not depend on the SLO, Dysta beats FCFS on both metrics, and a
run is byte-for-byte reproducible."""
import csv
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("NPUSIM_CLI", os.path.join(ROOT, "build", "npusim"))
sys.path.insert(0, os.path.join(ROOT, "workloads", "exporters"))
import dysta_traces  # noqa: E402

SCHEDULERS = ["fcfs", "sjf", "prema", "planaria", "sdrm3", "dysta", "dysta_naive", "dysta_oracle"]


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    if not os.path.exists(CLI):
        pytest.skip("npusim CLI not built")
    out = tmp_path_factory.mktemp("dysta")
    dysta_traces.export(str(out), seed=1, samples=40)
    return out


def run(scenarios, tmp_path, name, hw, overrides):
    args = [CLI, "run", "--hw", os.path.join(ROOT, "hw_configs", "sparse", hw), "--workload",
            str(scenarios / name), "--out", str(tmp_path), "--quiet"]
    for k, v in overrides.items():
        args += ["--set", "%s=%s" % (k, v)]
    subprocess.run(args, check=True)
    with open(tmp_path / "stats.json") as f:
        return json.load(f)


def test_exporter_is_seeded_and_calibrated(scenarios, tmp_path):
    dysta_traces.export(str(tmp_path), seed=1, samples=40)
    for name in ("bert_dynamic.csv", "resnet50_filter.csv"):
        assert (tmp_path / "traces" / name).read_bytes() == (scenarios / "traces" / name).read_bytes()
    dysta_traces.export(str(tmp_path / "b"), seed=1, samples=40, family="B")
    assert (tmp_path / "b" / "traces" / "bert_dynamic.csv").read_bytes() != \
        (scenarios / "traces" / "bert_dynamic.csv").read_bytes()

    def replayed_mean(model):  # mean end-to-end latency of the first 7 samples
        per = {}
        with open(scenarios / "traces" / (model + ".csv")) as f:
            for row in csv.DictReader(f):
                if int(row["sample"]) < 7:
                    per[row["sample"]] = per.get(row["sample"], 0) + float(row["latency_s"])
        return sum(per.values()) / len(per)
    # Multi-AttNN: the calibrated mix (31.9 ms), BART 2.35x per layer (3.5x end to end).
    attnn = [replayed_mean(m + "_dynamic") for m in ("bert", "gpt2", "bart")]
    assert sum(attnn) / 3 == pytest.approx(0.0319, rel=1e-6)
    assert attnn[2] / attnn[0] == pytest.approx(2.35 * 18 / 12, rel=1e-6)
    # Multi-CNN: a 0.29 s mix within 10 % (the pattern factors move it a little).
    cnn = [replayed_mean("%s_%s" % (a, p)) for a in dysta_traces.CNN_MODELS
           for p in dysta_traces.PATTERNS]
    assert sum(cnn) / len(cnn) == pytest.approx(0.29, rel=0.10)


@pytest.mark.parametrize("name,hw,rate", [("multi_attnn.yaml", "sanger_like.yaml", 30),
                                          ("multi_cnn.yaml", "eyeriss_v2_like.yaml", 3)])
def test_schedulers_on_the_scenario(scenarios, tmp_path, name, hw, rate):
    res = {}
    for s in SCHEDULERS:
        res[s] = run(scenarios, tmp_path / s, name, hw,
                     {"workload.requests.scheduler.type": s, "workload.requests.count": 300})
    stp = [r["requests"]["stp_requests_per_s"] for r in res.values()]
    assert max(stp) == pytest.approx(min(stp), rel=1e-12)  # work-conserving: one makespan
    for r in res.values():
        assert r["requests"]["completed"] == 300
    d, f = res["dysta"]["requests"], res["fcfs"]["requests"]
    assert d["antt"] < f["antt"] / 2
    assert d["slo_violation_rate"] < f["slo_violation_rate"]
    # FCFS never reads the deadlines: its ANTT does not depend on the SLO multiplier.
    f50 = run(scenarios, tmp_path / "f50", name, hw,
              {"workload.requests.scheduler.type": "fcfs", "workload.requests.count": 300,
               "workload.requests.slo_multiplier": 50})
    assert f50["requests"]["antt"] == f["antt"]
    assert f50["requests"]["slo_violation_rate"] <= f["slo_violation_rate"]


def test_a_run_is_reproducible(scenarios, tmp_path):
    o = {"workload.requests.count": 200}
    run(scenarios, tmp_path / "a", "multi_attnn.yaml", "sanger_like.yaml", o)
    run(scenarios, tmp_path / "b", "multi_attnn.yaml", "sanger_like.yaml", o)
    a = json.loads((tmp_path / "a" / "stats.json").read_text())
    b = json.loads((tmp_path / "b" / "stats.json").read_text())
    assert a == b
    assert (tmp_path / "a" / "requests.csv").read_bytes() == (tmp_path / "b" / "requests.csv").read_bytes()


def test_a_full_request_table_holds_requests_back(scenarios, tmp_path):
    """A 4-entry table at 40/s: later requests wait in the host's backlog (back-pressure), the
    scheduler never sees more than 4, and every request still completes (none is dropped)."""
    r = run(scenarios, tmp_path, "multi_attnn.yaml", "sanger_like.yaml",
            {"workload.requests.count": 300, "workload.requests.rate": 40,
             "workload.requests.scheduler.queue_depth": 4})["requests"]
    assert r["completed"] == r["count"] == 300
    d = r["decisions"]
    assert d["occupancy_peak"] == 4
    assert d["with_backlog"] > 0 and d["backlog_peak"] > 0
    assert sum(d["occupancy_histogram"]) == d["count"]


def test_dram_mode_moves_every_layers_bytes(scenarios, tmp_path):
    """`memory: dram` (a suite extension): every Sanger layer moves its FP16 projections
    (4 x 768 x 768 x 2 B = 4,718,592 B) and its 512 x 768 FP16 input and output (786,432 B each):
    6,291,456 B per layer; the layers then take at least their compute time."""
    o = {"workload.requests.count": 60, "workload.requests.scheduler.type": "dysta"}
    hidden = run(scenarios, tmp_path / "h", "multi_attnn.yaml", "sanger_like.yaml", o)
    dram = run(scenarios, tmp_path / "d", "multi_attnn.yaml", "sanger_like.yaml", dict(o, memory="dram"))
    s = dram["sanger_like"]
    assert s["memory"] == "dram" and hidden["sanger_like"]["dram_bytes_moved"] == 0
    assert s["dram_bytes_moved"] == s["layers_run"] * 6291456
    assert dram["dram"]["bytes_read"] + dram["dram"]["bytes_written"] == s["dram_bytes_moved"]
    assert dram["requests"]["makespan_s"] >= hidden["requests"]["makespan_s"]


def test_distribution_shift_profiles_one_group_and_replays_another(scenarios, tmp_path):
    """Held-out variant (b): LUTs from the in-distribution samples, requests replaying low-light
    ones (sparser activations, so shorter than the LUTs say); a group no sample has is a user
    error naming the key and the groups there are."""
    o = {"workload.requests.count": 100, "profile_group": "in_dist", "replay_group": "lowlight",
         "workload.requests.sample_pool": 1000000}
    shifted = run(scenarios, tmp_path / "s", "multi_cnn.yaml", "eyeriss_v2_like.yaml", o)
    plain = run(scenarios, tmp_path / "p", "multi_cnn.yaml", "eyeriss_v2_like.yaml",
                {"workload.requests.count": 100, "workload.requests.sample_pool": 1000000})
    iso = lambda s: sum(e["isolated_s"] for e in s["requests"]["list"])
    assert iso(shifted) < iso(plain)  # the same draws replay sparser (faster) samples
    p = subprocess.run([CLI, "run", "--hw", os.path.join(ROOT, "hw_configs", "sparse", "eyeriss_v2_like.yaml"),
                        "--workload", str(scenarios / "multi_cnn.yaml"), "--out", str(tmp_path / "x"),
                        "--set", "replay_group=lowlite"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "`hw.replay_group` = `lowlite` matches no sample" in p.stderr
    assert "(its dataset groups: in_dist, lowlight)" in p.stderr


def test_unseen_configuration_keeps_the_load(scenarios, tmp_path):
    """Held-out variant (c): 60 %-sparse CNNs (weight density scaled to a 0.40 mean from 0.775)
    and AttNNs at 128 and 384 tokens, on the paper configuration's latency scale, with each
    scenario's rate rescaled so rate x mean isolated latency (the load) stays the paper's:
    30/s x 31.9 ms for the AttNNs."""
    out = tmp_path / "c"
    dysta_traces.export(str(out), seed=1, samples=40, config="unseen")

    def rate(name):
        for line in (out / name).read_text().splitlines():
            if line.strip().startswith("rate:"):
                return float(line.split(":")[1])

    def replayed_mean(model):
        per = {}
        with open(out / "traces" / (model + ".csv")) as f:
            for row in csv.DictReader(f):
                if int(row["sample"]) < 7:
                    per[row["sample"]] = per.get(row["sample"], 0) + float(row["latency_s"])
        return sum(per.values()) / len(per)
    attnn = [replayed_mean("%s_s%d" % (m, n)) for m in ("bert", "gpt2", "bart") for n in (128, 384)]
    assert rate("multi_attnn.yaml") * sum(attnn) / len(attnn) == pytest.approx(30 * 0.0319, rel=1e-5)
    assert replayed_mean("bert_s128") < replayed_mean("bert_s384")
    with open(out / "traces" / "resnet50_unstructured.csv") as f:
        wd = [float(r["weight_density"]) for r in csv.DictReader(f) if r["sample"] == "0"]
    assert 0.35 < sum(wd) / len(wd) < 0.45
    cnn = [replayed_mean("%s_%s" % (a, p)) for a in dysta_traces.CNN_MODELS for p in dysta_traces.PATTERNS]
    assert sum(cnn) / len(cnn) < 0.29 * 0.75  # lighter work on the same hardware ...
    assert rate("multi_cnn.yaml") > 3           # ... arriving faster
    r = run(out, tmp_path, "multi_attnn.yaml", "sanger_like.yaml",
            {"workload.requests.count": 100, "workload.requests.scheduler.type": "dysta"})["requests"]
    assert r["completed"] == 100 and set(r["per_model"]) == {"%s_s%d" % (m, n) for m in ("bert", "gpt2", "bart")
                                                            for n in (128, 384)}


def test_request_list_false_keeps_only_the_metrics(scenarios, tmp_path):
    """`request_list: false` (for sweeps): the same metrics, no per-request list, no requests.csv."""
    o = {"workload.requests.count": 100}
    full = run(scenarios, tmp_path / "a", "multi_attnn.yaml", "sanger_like.yaml", o)["requests"]
    lean = run(scenarios, tmp_path / "b", "multi_attnn.yaml", "sanger_like.yaml",
               dict(o, **{"workload.requests.request_list": "false"}))["requests"]
    assert "list" in full and "list" not in lean
    assert lean["antt"] == full["antt"] and lean["per_model"] == full["per_model"]
    assert (tmp_path / "a" / "requests.csv").exists() and not (tmp_path / "b" / "requests.csv").exists()
