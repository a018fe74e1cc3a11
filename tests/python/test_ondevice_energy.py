"""On-device energy through the suite's energy model (npusim.ondevice_energy,
sim/memory_ledger/device_energy.h; workloads/exporters/ondevice_energy.py): a cost priced by
hand from its table, the training report pricing its iteration the same way, the calibrated
table entries solving the rows they name, the derived entries following from them, the worked
example of docs/ondevice_learning.md, and bad input.

Run: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python/test_ondevice_energy.py
"""
import os
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
sys.path.insert(0, os.path.join(REPO, "scripts", "reproduce"))
from exporters import lifelearner_cost as lc, ondevice as od, ondevice_energy as oe, tinytrain as tt  # noqa: E402

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")
DEV = os.path.join(REPO, "hw_configs", "ondevice")
TABLES = os.path.join(REPO, "hw_configs", "energy")


def entry(table, record, action):
    """A table's energy in J, as written (`3.21nJ`)."""
    with open(os.path.join(TABLES, table + ".yaml")) as f:
        text = yaml.safe_load(f)["components"][record]["actions"][action]["energy"]
    for unit, scale in (("pJ", 1e-12), ("nJ", 1e-9)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * scale
    raise ValueError(text)


def test_a_cost_priced_by_hand_from_the_h747_table():
    # ondevice_stm32h747.yaml: core 0.208 nJ per ns, SRAM 1.25 pJ/B, flash read 10 pJ/B, board 20 mW
    #   0.5 s of compute = 500,000,000 core-ns x 0.208 nJ = 0.104 J
    #   SRAM 1,000 B read + 1,000 B written x 1.25 pJ     = 2.5 nJ
    #   flash 100 B read x 10 pJ                          = 1 nJ
    #   board 20 mW x 0.5 s                               = 0.01 J    total 0.1140000035 J
    c = oe.cost(compute_s=0.5, read={"sram": 1000, "flash": 100}, written={"sram": 1000})
    e = oe.energy(npusim, os.path.join(DEV, "stm32h747.yaml"), c)
    assert e["total_j"] == pytest.approx(0.1140000035, rel=1e-12)
    assert e["static_j"] == pytest.approx(0.01, rel=1e-12)
    assert e["average_power_w"] == pytest.approx(0.1140000035 / 0.5, rel=1e-12)


def test_the_training_report_prices_its_iteration_with_the_same_model():
    net = od.load_backbone("mcunet")
    tr = od.training_section(net, tt.last_layer(net), weights_in_flash=False)
    for e in tr["tensors"]:
        if "bytes" in e:
            e["bytes"] = "%dB" % e["bytes"]
    trace = {"schema_version": 1, "name": "mcunet", "models": [
        {"name": "mcunet", "precision": {"activation": 32, "weight": 32, "output": 32},
         "layers": od.forward_ops(net), "training": tr}]}
    pi = os.path.join(DEV, "pi_zero2.yaml")
    dev = npusim.training_report(trace, pi)[0]["device"]
    # the Pi has no SRAM: the trace's SRAM tensors land in DRAM, as in the ledger
    assert set(dev["read_bytes"]) == {"dram"} and dev["read_bytes"] == dev["written_bytes"]
    assert dev["iteration_j"] == pytest.approx(oe.energy(npusim, pi, oe.of_report(dev))["total_j"], rel=1e-12)
    assert dev["energy"]["table"] == "ondevice_pi_zero2"


def test_calibrated_entries_solve_the_rows_they_name():
    # Nano: lifelearner.md Table 2, CIFAR-100 ANML, 1.58 kJ (the framework's power)
    nano = os.path.join(DEV, "jetson_nano.yaml")
    rates = lc.device_rates(npusim, nano)
    cal = lc.nano_calibration(npusim, nano)
    c = lc.episode_cost(lc.episode_counts("cifar100", "none"), rates, cal)
    solved = oe.solve(npusim, nano, c, 1580.0, "cpu", ["framework_ns"])
    assert entry("ondevice_jetson_nano", "cpu", "framework_ns") == pytest.approx(solved, rel=5e-3)
    # STM32H747: Table 3, CIFAR-100 Backbone, 128 mJ (the core's power, its three actions alike)
    h747 = os.path.join(DEV, "stm32h747.yaml")
    rates = lc.device_rates(npusim, h747)
    c = lc.episode_cost(lc.mcu_class_counts("cifar100", "Backbone"), rates, lc.mcu_calibration(rates, 0.561))
    solved = oe.solve(npusim, h747, c, 0.128, "cpu", ["compute_core_ns", "memory_core_ns", "framework_ns"])
    assert entry("ondevice_stm32h747", "cpu", "compute_core_ns") == pytest.approx(solved, rel=5e-3)
    # Pi Zero 2: tinytrain.md Fig. 5, MCUNet TinyTrain, 1.2 kJ (Fisher selection + the 25 x 40 run)
    import tinytrain as T
    net = od.load_backbone("mcunet")
    fwd = T.report(npusim, net, tt.full_train(net), full_dx=True)["macs_per_iteration"]["fwd"]
    last = T.report(npusim, net, tt.last_layer(net))["macs_per_iteration"]["bwd"]
    pi = os.path.join(DEV, "pi_zero2.yaml")
    runs = T.device_runs(npusim, net, pi, fwd, last, T.TT_MACS["mcunet"] * 1e6)
    solved = oe.solve(npusim, pi, oe.add(runs["fisher"], runs["tinytrain_run"]), 1200.0, "cpu", ["framework_ns"])
    assert entry("ondevice_pi_zero2", "cpu", "framework_ns") == pytest.approx(solved, rel=5e-3)


def test_derived_entries_follow_from_the_calibrated_ones():
    # Pi 3B+: the Nano's framework power in busy-core equivalents x the Pi's 0.8 W per core
    k = entry("ondevice_jetson_nano", "cpu", "framework_ns") / entry("ondevice_jetson_nano", "cpu", "compute_core_ns")
    assert entry("ondevice_rpi3bp", "cpu", "framework_ns") == pytest.approx(
        k * entry("ondevice_rpi3bp", "cpu", "compute_core_ns"), rel=5e-3)
    # F746: the H747's core power x 216 / 480 MHz
    for action in ("compute_core_ns", "memory_core_ns", "framework_ns"):
        assert entry("ondevice_stm32f746", "cpu", action) == pytest.approx(
            entry("ondevice_stm32h747", "cpu", action) * 216 / 480, rel=5e-3)
    # memory-bound core time at half the compute power on the boards [I]
    for t in ("ondevice_jetson_nano", "ondevice_pi_zero2", "ondevice_rpi3bp"):
        assert entry(t, "cpu", "memory_core_ns") == pytest.approx(entry(t, "cpu", "compute_core_ns") / 2)


def test_the_worked_example_docs_quote():
    """docs/ondevice_learning.md's energy example: the Pi Zero 2's MCUNet sample-iteration (the
    same as tests/unit/test_ondevice_energy.cpp)."""
    c = oe.cost(compute_s=28963504 / 8e9, memory_s=8192 / 4e9, overhead_s=0.52238,
                read={"dram": 4096}, written={"dram": 4096})
    e = oe.energy(npusim, os.path.join(DEV, "pi_zero2.yaml"), c)
    with open(os.path.join(REPO, "docs", "ondevice_learning.md")) as f:
        doc = f.read()
    parts = {comp["type"]: comp["energy_j"] for comp in e["components"]}
    assert f"total {e['total_j']:.4f} J" in doc
    assert f"{parts['board'] * 1e3:.1f} mJ" in doc and f"{parts['cpu'] * 1e3:.1f} mJ" in doc
    assert f"{e['average_power_w']:.2f} W" in doc


def test_bad_input_names_the_file_and_key(tmp_path):
    (tmp_path / "dev.yaml").write_text("name: d\nsource: s\ncores: 1\nclock: 1GHz\nmacs_per_cycle: 1\n"
                                       "sram: 1KiB\nmemory_bandwidth: 1GB/s\nenergy: nowhere\n")
    with pytest.raises(npusim.ConfigError, match=r"unknown energy table `nowhere`.*dev\.yaml:8"):
        npusim.ondevice_energy(str(tmp_path / "dev.yaml"), oe.cost())
    h747 = os.path.join(DEV, "stm32h747.yaml")
    with pytest.raises(npusim.ConfigError, match="unknown key `compute`.*did you mean `compute_s`"):
        npusim.ondevice_energy(h747, {"compute": 1.0})
    with pytest.raises(npusim.ConfigError, match="traffic in dram on device `stm32h747`, which has no dram"):
        npusim.ondevice_energy(h747, oe.cost(read={"dram": 1}))
    with pytest.raises(npusim.ConfigError, match="unknown memory space `l2`"):
        npusim.ondevice_energy(h747, {"read_bytes": {"l2": 1}})
    with pytest.raises(npusim.ConfigError, match="must be seconds >= 0"):
        npusim.ondevice_energy(h747, {"compute_s": -1.0})
