"""TinyTrain's selector (workloads/exporters/tinytrain.py) on hand-computed cases: Eq. 2, Eq. 3,
the greedy ratio rule, prefix vs skip-and-continue, and a budget no selection meets.

Run: /usr/bin/python3 -m pytest tests/python/test_tinytrain_selector.py
"""
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import ondevice as od, tinytrain as tt  # noqa: E402


def test_fisher_potential_eq2():
    # N = 2 samples, C = 2 channels, D = 2 positions.
    # channel 0: sample 0 Σ a·g = 1·1 + 2·1 = 3, sample 1: 1·2 + 0 = 2 -> (9 + 4) / (2·2) = 3.25
    # channel 1: sample 0: 0, sample 1: 1·1 + 1·1 = 2 -> (0 + 4) / 4 = 1.0;  P = 4.25
    a = np.array([[[1, 2], [0, 0]], [[1, 0], [1, 1]]], dtype=float).reshape(2, 2, 1, 2)
    g = np.array([[[1, 1], [5, 5]], [[2, 7], [1, 1]]], dtype=float).reshape(2, 2, 1, 2)
    delta, p = tt.fisher_potential(a, g)
    assert list(delta) == [3.25, 1.0]
    assert p == 4.25


class FakeCost:
    """Layer i costs mem[i] bytes and mac[i] MACs at ratio 1, linearly less at lower ratios."""
    name = "fake"

    def __init__(self, mem, mac, budgets):
        self.mem, self.mac, self.budgets = mem, mac, budgets

    def layer_costs(self, i):
        return self.mem[i], self.mac[i]

    def costs(self, sel):
        return (sum(self.mem[i] * r for i, r in sel.items()), sum(self.mac[i] * r for i, r in sel.items()))


def fake_net(channels):
    return {"convs": [{"out_channels": c} for c in channels]}


def test_greedy_ratio_rule_prefix_and_skip():
    # Potentials 8, 4, 2 (one channel each level); equal costs -> scores in potential order:
    # layer 0 first. Memory budget 100, each layer 60 at ratio 1:
    #   layer 0: 60 fits at r = 1; layer 1: 60 + 60 = 120 > 100, r = 1/2: 60 + 30 = 90 fits;
    #   layer 2: 90 + 60·r <= 100 needs r <= 1/6 -> 1/8 (97.5) fits.
    delta = {0: np.array([8.0]), 1: np.array([4.0]), 2: np.array([2.0])}
    cost = FakeCost({0: 60, 1: 60, 2: 60}, {0: 1, 1: 1, 2: 1}, {"memory": 100, "compute": 10})
    sel, ch, s = tt.select(fake_net([8, 8, 8]), delta, cost)
    assert sel == {0: 1.0, 1: 0.5, 2: 0.125}
    # Now layer 1 is too big at any ratio (8·60·1/8 = 60 > 40 left): prefix stops, skip goes on
    cost = FakeCost({0: 60, 1: 480, 2: 30}, {0: 1, 1: 1, 2: 1}, {"memory": 100, "compute": 10})
    delta = {0: np.array([8.0]), 1: np.array([4.0 * 8]), 2: np.array([2.0 / 2])}  # same score order
    assert tt.select(fake_net([8, 8, 8]), delta, cost, prefix=True)[0] == {0: 1.0}
    assert tt.select(fake_net([8, 8, 8]), delta, cost, prefix=False)[0] == {0: 1.0, 2: 1.0}


def test_channel_selection_takes_the_top_fisher_channels():
    # ratio 1/2 of 4 channels -> the 2 with the largest Δ: channels 1 and 3
    delta = {0: np.array([0.1, 0.9, 0.2, 0.5])}
    cost = FakeCost({0: 100}, {0: 1}, {"memory": 60, "compute": 10})
    sel, ch, _ = tt.select(fake_net([4]), delta, cost)
    assert sel == {0: 0.5} and ch == {0: [1, 3]}


def test_a_budget_no_selection_meets_is_reported_not_a_crash():
    # MCUNet with a 0.5 MiB memory budget: F2 alone is 0.625 MiB, so nothing fits at any ratio
    net = od.load_backbone("mcunet")
    cands = od.last_block_convs(net, 6)
    delta = {i: np.ones(net["convs"][i]["out_channels"]) for i in cands}
    cost = tt.ProxyCost(net)
    cost.budgets["memory"] = 0.5 * tt.MIB
    for prefix in (True, False):
        sel, ch, scores = tt.select(net, delta, cost, prefix=prefix)
        assert sel == {} and ch == {}
        assert len(scores) == 18  # every candidate was scored (the last 6 blocks: 18 convs)
