"""TinyTrain's Fisher-information reduction as the committed training traces emit it
(workloads/ondevice/tinytrain_<backbone>_fisher.yaml, od.fisher_section): the C++ costs and
ledger on them against hand sums.

Run: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python/test_ondevice_fisher.py
"""
import os
import sys

import pytest
import yaml

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import ondevice as od  # noqa: E402


@pytest.mark.parametrize("key", ["mcunet", "mbv2", "proxyless"])
def test_committed_fisher_trace_costs(key):
    path = os.path.join(REPO, "workloads", "ondevice", f"tinytrain_{key}_fisher.yaml")
    with open(path) as f:
        phases = yaml.safe_load(f)["models"][0]["training"]["phases"]
    net = od.load_backbone(key)
    cands = od.last_block_convs(net, 6)
    # every candidate (the convs of the last 6 blocks) carries FISHER; nothing is updated
    assert [p["layer"] for p in phases if p.get("fisher")] == [net["convs"][i]["name"] for i in cands]
    assert not any(p.get("bwd_dw") for p in phases)
    rep = npusim.training_report(path)[0]
    convs = [net["convs"][i] for i in cands]
    # FISHER: one MAC per output element (Σ_hw a·g) + one square per channel
    assert rep["macs_per_iteration"]["fisher"] == sum(od.out_elems(c) + c["out_channels"] for c in convs)
    # input gradients through every conv above the earliest candidate
    assert rep["macs_per_iteration"]["bwd_dx"] == sum(c["macs"] for c in net["convs"][min(cands) + 1:])
    assert rep["updated_weights"] == 0 and rep["optimizer_state_bytes"] == 0
    # SRAM peak: Δ accumulators + max(F2 during the forward, masks + candidate outputs after it)
    delta = 4 * sum(c["out_channels"] for c in convs)
    after = od.relu_mask_bytes(net["convs"][min(cands):]) + 4 * sum(od.out_elems(c) for c in convs)
    assert rep["ledger"]["spaces"]["sram"]["peak_bytes"] == delta + max(od.f2_bytes(net), after)


def test_mcunet_fisher_macs_by_hand():
    # MCUNet's last 6 blocks (8..13) hold 18 convs (.pkl shapes); their outputs hold 118,528
    # elements over 4,384 channels: 118,528 MACs + 4,384 squares = 122,912
    net = od.load_backbone("mcunet")
    cands = od.last_block_convs(net, 6)
    assert len(cands) == 18
    convs = [net["convs"][i] for i in cands]
    assert sum(od.out_elems(c) for c in convs) == 118528 and sum(c["out_channels"] for c in convs) == 4384
    rep = npusim.training_report(os.path.join(REPO, "workloads", "ondevice", "tinytrain_mcunet_fisher.yaml"))[0]
    assert rep["macs_per_iteration"]["fisher"] == 122912
