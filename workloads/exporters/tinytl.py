"""TinyTL (Cai et al., NeurIPS 2020), TinyTrain's fourth baseline (tinytrain.md §3 "Baselines"):
the backbone's weights are frozen; a lite-residual branch beside every inverted-residual block
(after the first) and the biases learn.

Lite-residual branch (mit-han-lab/tinyml, tinytl/model/modules.py, LiteResidualModule with
insert_lite_residual's defaults: expand 1, max kernel 5, ReLU, 2 groups, downsample 2):
  avg-pool /2 -> conv1: C_in -> mid = make_divisible(C_in, 8), k x k, 2 groups, the block's
  stride -> ReLU -> conv2: mid -> C_out, 1x1 -> bilinear upsample, added to the block's output.
  k = 5, lowered by 2 while the pooled resolution is below k; a pooled resolution of 1 uses a
  global pool and k = 1. [I]: the blocks of the `.pkl` shapes after the first one carry it, at
  their real input resolution (the reference code assumes 128 at the first stage).

Costs per sample (the cost model of tinytrain.md §3 with the branch's convs as the updated
layers; biases are not in B1/B2, §7.4):
  BwdMACs = input gradients through every backbone conv but the stem (the stem's bias learns,
            so gradients reach its output) and through every branch, + the branches' weight
            gradients (full): sum_{l >= 1} M_l + 2 · sum_branch M_b
  Mem     = (1 + k_opt) · |W_branch| · 4 B + max(F2, B3 + B4), B3 = 1-bit ReLU masks of every
            backbone conv and branch (a bias gradient needs the ReLU's mask), B4 = each branch
            conv's fp32 input (the pooled block input for conv1, the mid activation for conv2).
"""
import math

from . import ondevice as od


def make_divisible(v, divisor=8):
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def lite_residual_convs(net):
    """The lite-residual convs, two per inverted-residual block after the first, as conv dicts
    (name, channels, kernel, groups, in_hw, out_hw, stride, macs, params, relu)."""
    out = []
    for b in od.blocks_of(net)[1:]:
        convs = [c for c in net["convs"] if c["block"] == b]
        first, last = convs[0], convs[-1]
        stride = max(c["stride"] for c in convs)
        res = first["in_hw"] // 2
        if res <= 1:
            res, k = 1, 1
        else:
            k = 5
            while res < k:
                k -= 2
        out_res = math.ceil(res / stride)
        mid = make_divisible(first["in_channels"])
        pair = ({"name": f"blocks.{b}.lite.conv1", "in_channels": first["in_channels"], "out_channels": mid,
                 "kernel": k, "stride": stride, "groups": 2, "in_hw": res, "out_hw": out_res, "relu": True},
                {"name": f"blocks.{b}.lite.conv2", "in_channels": mid, "out_channels": last["out_channels"],
                 "kernel": 1, "stride": 1, "groups": 1, "in_hw": out_res, "out_hw": out_res, "relu": False})
        for c in pair:
            c["block"] = b
            c["macs"] = od.conv_macs(c)
            c["params"] = od.conv_params(c)
            c["depthwise"] = False
        out.extend(pair)
    return out


def accounting(net, optimizer="adam", weights_in_flash=True, batch=1):
    """TinyTL's bytes (B1, B2, F2, B3, B4, peak) and backward MACs per sample; with batch > 1
    the activation terms (F2, B3, B4) scale with the batch (weights and state do not)."""
    lite = lite_residual_convs(net)
    convs = net["convs"]
    b1 = sum(c["params"] for c in lite) * od.FP32
    b2 = od.K_OPT[optimizer] * b1
    b3 = od.relu_mask_bytes(convs + lite) * batch
    b4 = sum(od.in_elems(c) for c in lite) * od.FP32 * batch
    f2 = od.f2_bytes(net) * batch
    peak = b1 + b2 + max(f2, b3 + b4)
    if not weights_in_flash:
        peak += od.totals(net)["params"] * od.FP32 + b1  # the frozen backbone's and the branches' weights
    dx = sum(c["macs"] for c in convs[1:]) + sum(c["macs"] for c in lite)
    dw = sum(c["macs"] for c in lite)
    return {"B1": b1, "B2": b2, "F2": f2, "B3": b3, "B4": b4, "peak": peak, "bwd_dx_macs": dx,
            "bwd_dw_macs": dw, "bwd_macs": dx + dw, "branch_params": sum(c["params"] for c in lite),
            "branch_macs": dw}
