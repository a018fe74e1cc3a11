"""scripts/plot_run.py: the quantities it plots (from a real run), the files it writes, and the
clear error it gives for a file that is not a run's stats."""
import json
import os
import sys

import pytest

npusim = pytest.importorskip("npusim")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import plot_run  # noqa: E402

HW = os.path.join(ROOT, "hw_configs", "generic_npu", "edge_32x32.yaml")
WL = os.path.join(ROOT, "workloads", "cnn", "resnet18.yaml")


@pytest.fixture(scope="module")
def stats():
    return npusim.run(HW, WL)


def test_rows_give_intensity_throughput_and_peak(stats):
    ops = plot_run.rows(stats)
    hz = stats["total_cycles"] / stats["total_seconds"]
    conv1 = next(o for o in ops if o["label"] == "inference/conv1")
    raw = next(r for r in stats["breakdown"]["layers"] if r["name"] == "conv1")
    assert conv1["intensity"] == raw["macs"] / (raw["dram_read_bytes"] + raw["dram_write_bytes"])
    assert conv1["macs_per_s"] == pytest.approx(raw["macs"] / (raw["cycles"] / hz))
    # edge_32x32: 32 x 32 int8 MACs per cycle at 1 GHz is the compute roof.
    peak, bw = plot_run.roofs(stats, ops)
    assert peak == pytest.approx(1024 * 1e9)
    assert bw == stats["dram"]["peak_bytes_per_s"]
    # No operator beats its roof.
    for o in ops:
        if o["intensity"]:
            assert o["macs_per_s"] <= min(peak, bw * o["intensity"]) * 1.0001
    # The energy column adds up to the run's energy.
    assert sum(o["energy_j"] for o in ops) == pytest.approx(stats["energy"]["total_j"])


def test_writes_both_plots(stats, tmp_path):
    path = tmp_path / "stats.json"
    path.write_text(json.dumps(stats))
    assert plot_run.main([str(path), "--top", "5"]) == 0
    for name in ("breakdown.png", "roofline.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_not_a_stats_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    assert plot_run.main([str(bad)]) == 2
    assert "is not an npusim stats.json (no `total_cycles`)" in capsys.readouterr().err
    assert plot_run.main([str(tmp_path / "missing.json")]) == 2
