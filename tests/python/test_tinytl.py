"""TinyTL, TinyTrain's lite-residual baseline (workloads/exporters/tinytl.py): branch shapes and
costs by hand, and the cost model's terms.

Run: /usr/bin/python3 -m pytest tests/python/test_tinytl.py
"""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import ondevice as od, tinytl, tinytrain as tt  # noqa: E402


def test_make_divisible_as_the_reference_code():
    assert tinytl.make_divisible(8) == 8
    assert tinytl.make_divisible(12) == 16  # int(12 + 4) // 8 * 8 = 16
    assert tinytl.make_divisible(3) == 8    # never below the divisor
    assert tinytl.make_divisible(20) == 24  # int(24) // 8 * 8 = 24


def test_mcunet_branches_by_hand():
    net = od.load_backbone("mcunet")
    lite = tinytl.lite_residual_convs(net)
    # one branch per block after the first: blocks 1..13 -> 26 convs
    assert len(lite) == 2 * 13
    c1, c2 = lite[0], lite[1]
    # block 1: 8 -> 16 channels, input 64x64, stride 2. Pooled to 32x32 (>= 5: k = 5);
    # conv1 8 -> make_divisible(8) = 8, 2 groups, stride 2 -> 16x16:
    #   MACs 16*16 * 8 * (8/2) * 5*5 = 204,800; weights 8 * 4 * 25 = 800
    assert (c1["kernel"], c1["in_hw"], c1["out_hw"], c1["groups"]) == (5, 32, 16, 2)
    assert (c1["macs"], c1["params"]) == (204800, 800)
    # conv2 1x1 8 -> 16 at 16x16: 16*16 * 16 * 8 = 32,768 MACs, 128 weights
    assert (c2["macs"], c2["params"]) == (32768, 128)
    # block 13: input 4x4 pooled to 2x2 < 3 -> k lowered 5 -> 3 -> 1
    assert lite[-2]["kernel"] == 1 and lite[-2]["in_hw"] == 2


def test_cost_model_terms():
    net = od.load_backbone("mcunet")
    lite = tinytl.lite_residual_convs(net)
    a = tt.tinytl(net)
    w = sum(c["params"] for c in lite)
    assert a["B1"] == 4 * w and a["B2"] == 3 * 4 * w  # Adam: grad + m + v
    assert tt.tinytl(net, optimizer="sgd")["B2"] == 4 * w
    m = sum(c["macs"] for c in lite)
    # input gradients through every conv but the stem and through the branches; branch dW
    assert a["bwd_macs"] == sum(c["macs"] for c in net["convs"][1:]) + 2 * m
    assert a["peak"] == a["B1"] + a["B2"] + max(a["F2"], a["B3"] + a["B4"])
    # batch 100 scales the activation terms only
    b = tt.tinytl(net, batch=100)
    assert (b["B1"], b["B3"], b["B4"], b["F2"]) == (a["B1"], 100 * a["B3"], 100 * a["B4"], 100 * a["F2"])
    # all weights in RAM: the frozen backbone and the branches on top
    r = tt.tinytl(net, weights_in_flash=False)
    assert r["peak"] - a["peak"] == 4 * (od.totals(net)["params"] + w)
    # Table 2's MCUNet TinyTL backward MACs, 26.4 M: within 1 %
    assert abs(a["bwd_macs"] / 26.4e6 - 1) < 0.01
