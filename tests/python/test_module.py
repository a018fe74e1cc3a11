"""The pybind11 module: same results as the CLI, same error messages, describe/list/resolve."""
import json
import os
import subprocess

import pytest
import yaml

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("NPUSIM_CLI", os.path.join(ROOT, "build", "npusim"))
HW = os.path.join(ROOT, "hw_configs", "generic_npu", "edge_32x32.yaml")
WL = os.path.join(ROOT, "workloads", "cnn", "resnet18.yaml")


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def cli_stats(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    p = cli("run", "--hw", HW, "--workload", WL, "--out", str(out), "--quiet",
            "--set", "dram.channels=4")
    assert p.returncode == 0, p.stderr
    with open(out / "stats.json") as f:
        return json.load(f)


def test_run_returns_exactly_the_cli_stats(cli_stats):
    assert npusim.run(HW, WL, {"dram.channels": 4}) == cli_stats


def test_dicts_and_paths_give_the_same_result(cli_stats):
    with open(HW) as f:
        hw = yaml.safe_load(f)
    with open(WL) as f:
        wl = yaml.safe_load(f)
    hw["dram"]["channels"] = 4
    assert npusim.run(hw, wl) == cli_stats


def test_stats_have_the_documented_top_level_keys(cli_stats):
    for key in ["schema_version", "hw", "workload", "total_cycles", "total_seconds", "throughput",
                "dram", "breakdown"]:
        assert key in cli_stats
    assert cli_stats["throughput"]["unit"] == "inferences/s"
    assert set(cli_stats["dram"]) >= {"bytes_read", "bytes_written", "bandwidth_utilisation"}
    assert cli_stats["breakdown"]["phases"][0]["name"] == "inference"


def test_errors_carry_the_cli_message():
    p = cli("run", "--hw", HW, "--workload", WL, "--set", "array.rows=0", "--out", "/tmp/unused")
    assert p.returncode == 2
    with pytest.raises(npusim.ConfigError) as e:
        npusim.run(HW, WL, {"array.rows": 0})
    assert str(e.value) in p.stderr
    assert "`hw.array.rows` = 0 is below the minimum 1" in str(e.value)


def test_error_classes():
    assert issubclass(npusim.ConfigError, npusim.Error)
    assert issubclass(npusim.WorkloadError, npusim.Error)
    assert issubclass(npusim.MappingError, npusim.ConfigError)
    with pytest.raises(npusim.WorkloadError):
        npusim.run(HW, {"schema_version": 1, "name": "x", "models": []})
    with pytest.raises(npusim.MappingError):
        npusim.run(HW, WL, {"dram.capacity": "1MiB"})
    with pytest.raises(npusim.Error, match="cannot open"):
        npusim.run(HW, "/nonexistent.yaml")


def test_describe_and_list():
    d = npusim.describe("systolic_array")
    assert d["kind"] == "matrix_unit"
    names = [p["name"] for p in d["params"]]
    assert names[:3] == ["rows", "cols", "dataflow"]
    assert {"accelerator", "dram", "dma", "scratchpad", "matrix_unit", "vector_unit"} <= {
        t["kind"] for t in npusim.list_types()}
    with pytest.raises(npusim.Error, match="did you mean `systolic_array`"):
        npusim.describe("systolic_aray")


def test_resolve_lists_every_parameter_and_reads_back():
    text = npusim.resolve(HW, {"dram.channels": 4})
    resolved = yaml.safe_load(text)
    assert resolved["dram"]["channels"] == 4
    assert resolved["dram"]["efficiency"] == 1  # a default, now explicit
    assert npusim.resolve(resolved) == text


def test_many_runs_in_one_process_are_independent():
    tiny = {"schema_version": 1, "name": "t", "models": [{"name": "t", "layers": [
        {"name": "g", "op": "gemm", "m": 64, "k": 64, "n": 64}]}]}
    first = npusim.run(HW, tiny)
    for _ in range(20):
        assert npusim.run(HW, tiny) == first


def test_cli_writes_timeline_and_layers_csv(tmp_path):
    timeline = tmp_path / "t" / "timeline.json"
    p = cli("run", "--hw", HW, "--workload", WL, "--out", str(tmp_path), "--quiet",
            "--timeline", str(timeline))
    assert p.returncode == 0, p.stderr
    with open(timeline) as f:
        trace = json.load(f)
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    tracks = {e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M"}
    assert {"hw.dma", "hw.array", "hw.vector"} <= tracks
    assert all(e["dur"] >= 0 for e in events) and len(events) > 100
    with open(tmp_path / "stats.json") as f:
        stats = json.load(f)
    # The last event ends when the simulation does.
    end_us = max(e["ts"] + e["dur"] for e in events)
    assert end_us <= stats["total_seconds"] * 1e6 * (1 + 1e-9)
    lines = (tmp_path / "layers.csv").read_text().splitlines()
    assert lines[0].startswith("phase,name,op,count,cycles")
    assert len(lines) == 1 + len(stats["breakdown"]["layers"])
    assert sum(int(l.split(",")[4]) for l in lines[1:]) == stats["total_cycles"]


def test_failed_run_leaves_no_output(tmp_path):
    p = cli("run", "--hw", HW, "--workload", WL, "--out", str(tmp_path), "--set", "array.rows=-3")
    assert p.returncode == 2
    assert not any(tmp_path.iterdir())
