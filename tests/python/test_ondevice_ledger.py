"""The C++ memory ledger through the module (npusim.training_report) on exported training
traces: it must equal the exporters' closed form, cap memory by a device preset, and refuse a
run-time flash write with the CLI's message.

Run: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python/test_ondevice_ledger.py
"""
import os
import sys

import pytest

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import lifelearner as ll, ondevice as od, tinytrain as tt  # noqa: E402

DEV = os.path.join(REPO, "hw_configs", "ondevice")


def trace(net, sel, **kw):
    tr = od.training_section(net, sel, **kw)
    for e in tr["tensors"]:
        if "bytes" in e:
            e["bytes"] = "%dB" % e["bytes"]
    return {"schema_version": 1, "name": "t",
            "models": [{"name": "m", "precision": {"activation": 32, "weight": 32, "output": 32},
                        "layers": od.forward_ops(net), "training": tr}]}


@pytest.mark.parametrize("key", ["mcunet", "mbv2", "proxyless"])
@pytest.mark.parametrize("method", ["last", "sparse"])
def test_ledger_replay_equals_the_closed_form(key, method):
    net = od.load_backbone(key)
    sel = tt.last_layer(net) if method == "last" else {len(net["convs"]) - 4: 0.25, len(net["convs"]) - 1: 0.5}
    rep = npusim.training_report(trace(net, sel))[0]
    a = od.accounting(net, sel)
    assert rep["ledger"]["spaces"]["sram"]["peak_bytes"] == a["peak"]
    assert rep["macs_per_iteration"]["bwd"] == a["bwd_macs"]
    assert rep["optimizer_state_bytes"] == a["B2"]


def test_device_caps_give_oom_events_and_time():
    # MCUNet LastLayer needs 2.031 MiB of SRAM, over the STM32F746's 320 KiB; its fp32 weights
    # (463,216 x 4 B = 1,852,864 B) are over the 1 MiB of flash too: OOM events, not errors
    net = od.load_backbone("mcunet")
    rep = npusim.training_report(trace(net, tt.last_layer(net)), os.path.join(DEV, "stm32f746.yaml"))[0]
    oom = {(o["space"], o["step"]): o for o in rep["ledger"]["oom"]}
    assert oom[("flash", 0)]["need_bytes"] == 1852864 and oom[("flash", 0)]["capacity_bytes"] == 1048576
    assert oom[("sram", 1)]["capacity_bytes"] == 320 * 1024
    assert rep["ledger"]["spaces"]["sram"]["peak_bytes"] == od.accounting(net, tt.last_layer(net))["peak"]
    assert rep["device"]["iteration_s"] > 0
    # a 100-class LifeLearner episode with dense latents fits the Nano's 1.7 GB
    rep = npusim.training_report(ll.episode_trace("cifar100", "dense", fe_bits=32, classes=100),
                                 os.path.join(DEV, "jetson_nano.yaml"))[0]
    assert rep["ledger"]["oom"] == []


def test_run_time_flash_write_is_a_workload_error():
    net = od.load_backbone("mcunet")
    t = trace(net, tt.last_layer(net))
    t["models"][0]["training"]["tensors"].append(
        {"step": 5, "event": "alloc", "tensor": "buf", "bytes": "1KiB", "space": "flash", "kind": "buffers"})
    with pytest.raises(npusim.WorkloadError, match="placed in flash at run time"):
        npusim.training_report(t)


def test_docs_episode_numbers_are_the_ledgers():
    """docs/ondevice_learning.md quotes the dense MiniImageNet episode's peak and its verdicts."""
    tr = ll.episode_trace("miniimagenet", "dense", fe_bits=32, classes=100)
    nano = npusim.training_report(tr, os.path.join(DEV, "jetson_nano.yaml"))[0]["ledger"]
    pi = npusim.training_report(tr, os.path.join(DEV, "rpi3bp.yaml"))[0]["ledger"]
    mib = nano["spaces"]["dram"]["peak_bytes"] / 2 ** 20
    assert nano["oom"] == [] and pi["oom"] != []
    with open(os.path.join(REPO, "docs", "ondevice_learning.md")) as f:
        doc = f.read()
    assert "needs {:.0f} MiB".format(mib) in doc


def test_simulated_back_end_costs_come_from_the_simulator_and_the_ledger():
    net = od.load_backbone("proxyless")
    hw = os.path.join(REPO, "hw_configs", "generic_npu", "edge_32x32.yaml")
    cost = tt.SimulatedCost(net, npusim, hw, os.path.join(DEV, "stm32h747.yaml"))
    last = len(net["convs"]) - 1
    name = net["convs"][last]["name"]
    # the layer's costs are its simulated backward operators' bytes and cycles
    one = npusim.run(hw, cost._workload(tt.backward_ops(net, [], [last])))
    by = {l["name"]: l for l in one["breakdown"]["layers"]}
    assert cost.layer_costs(last)[1] == by[name + ".bwd_dw"]["cycles"] + by[name + ".opt"]["cycles"]
    # the dw operator has the phase's MACs: C_out x H·W x C_in (1x1 conv)
    c = net["convs"][last]
    assert by[name + ".bwd_dw"]["macs"] == c["macs"]
    # memory is the C++ ledger's peak, equal to the closed form
    sel = {last: 0.5}
    assert cost.costs(sel)[0] == od.accounting(net, sel)["peak"]
    assert cost.budgets["compute"] == pytest.approx(0.15 * cost.full_backward_cycles)


def test_lifelearner_class_macro_ops_carry_the_spec_op_counts():
    # CIFAR class 30: PQ encode = 30 samples x d·K = 30 x 256 x 256 = 1,966,080 MACs;
    # replay: (30 new + 29 x 30 stored) = 900 latents -> ceil(900 / 8) = 113 minibatches of 8,
    # FC forward = 904 x 4,096 x 100 = 370,278,400 MACs; PQ decode reads 870 x 256 = 222,720
    wl = ll.class_step_ops("cifar100", 30)
    macs = {e["name"]: e["macs"] for e in npusim._op_math(wl)}
    assert macs["pq_encode"] == 1966080
    assert macs["fc_fwd"] == 370278400 == macs["fc_bwd_dw"]
    ops = {o["name"]: o for o in wl["models"][0]["layers"]}
    assert ops["pq_decode"]["elements"] == 222720
