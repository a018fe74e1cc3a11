"""On-device learning workloads: TinyTrain backbones, ANML networks, training traces.

Shape arithmetic only (no weights). The TinyTrain backbones come from the committed shapes in
workloads/ondevice/backbones/*.json (converted once from mit-han-lab/tiny-training by
tiny_training_shapes.py; provenance inside each file). The ANML networks of LifeLearner are
built from the ANML reference (Beaulieu et al. 2020) with the per-dataset choices of
docs/ondevice_learning.md (assumed shapes: lifelearner.md Q1).

A training trace is an operator list (the forward pass) plus a `training:` section
(docs/trace_format.md "Training"): per-layer phases (bwd_dx, bwd_dw with ch_ratio, fisher),
the optimiser, and explicit tensor allocation/release events with a memory space, planned
here by TinyTrain's accounting (tinytrain.md §3 and §7): B1 updated weights, B2 optimiser
state, F2 the forward I/O buffer, B3 1-bit ReLU masks, B4 saved inputs of selected layers.
"""
import json
import math
import os

from . import emit

HERE = os.path.dirname(os.path.abspath(__file__))
BACKBONE_DIR = os.path.join(HERE, "..", "ondevice", "backbones")
BACKBONES = {"mcunet": "mcunet-5fps", "mbv2": "mbv2-w0.35", "proxyless": "proxyless-w0.3"}
FP32 = 4
# Optimiser state per updated weight, in weight copies: Adam keeps grad + m + v, SGD the grad
# (tinytrain.md §3, Table 7: 0.20 = 3 x 0.07).
K_OPT = {"adam": 3, "sgd": 1}


def conv_macs(c):
    return c["out_hw"] ** 2 * c["out_channels"] * (c["in_channels"] // c["groups"]) * c["kernel"] ** 2


def conv_params(c):
    """Weights only (biases are not in B1/B2: tinytrain.md §7.4)."""
    return c["out_channels"] * (c["in_channels"] // c["groups"]) * c["kernel"] ** 2


def load_backbone(key):
    """The backbone's shapes: dict with `convs` (each with macs/params added) and metadata."""
    name = BACKBONES.get(key, key)
    with open(os.path.join(BACKBONE_DIR, name + ".json")) as f:
        net = json.load(f)
    for c in net["convs"]:
        c["macs"] = conv_macs(c)
        c["params"] = conv_params(c)
        c["depthwise"] = c["groups"] == c["in_channels"] and c["groups"] > 1
    return net


def blocks_of(net):
    return sorted({c["block"] for c in net["convs"] if c["block"] >= 0})


def last_block_convs(net, k):
    """Indices of the convs of the last k blocks (TinyTrain's candidates for k = 6)."""
    keep = set(blocks_of(net)[-k:])
    return [i for i, c in enumerate(net["convs"]) if c["block"] in keep]


def totals(net):
    return {"convs": len(net["convs"]),
            "macs": sum(c["macs"] for c in net["convs"]),
            "params": sum(c["params"] for c in net["convs"]),
            "biases": sum(c["out_channels"] for c in net["convs"])}


def in_elems(c):
    return c["in_channels"] * c["in_hw"] ** 2


def out_elems(c):
    return c["out_channels"] * c["out_hw"] ** 2


def f2_bytes(net):
    """F2: the forward pass's peak I/O buffer, fp32: the largest input + output pair of one
    conv (a layer-by-layer executor holds both), plus the residual input an inverted-residual
    block keeps alive across it."""
    best, res_keep, current_block_input = 0, 0, None
    for c in net["convs"]:
        if c["block"] >= 0 and (current_block_input is None or current_block_input[0] != c["block"]):
            current_block_input = (c["block"], in_elems(c))
        blk_res = [d for d in net["convs"] if d["block"] == c["block"] and d.get("residual")]
        res_keep = current_block_input[1] if (blk_res and c["block"] >= 0
                                              and c["name"] != blk_res[0]["name"]) else 0
        # the last conv of a residual block reads its output buffer and the kept input
        best = max(best, in_elems(c) + out_elems(c) + res_keep)
    return best * FP32


def relu_mask_bytes(convs):
    """B3: one bit per element of every ReLU output."""
    return sum(math.ceil(out_elems(c) / 8) for c in convs if c["relu"])


def selected_input_bytes(c, ratio):
    """B4 for one selected layer: its full fp32 input (the weight gradient needs x_i); a
    depthwise layer keeps only the selected channels' inputs."""
    channels = math.ceil(ratio * c["in_channels"]) if c["depthwise"] else c["in_channels"]
    return channels * c["in_hw"] ** 2 * FP32


def updated_params(c, ratio):
    return math.ceil(ratio * c["out_channels"]) * (c["in_channels"] // c["groups"]) * c["kernel"] ** 2


def accounting(net, selection, optimizer="adam", weights_in_flash=True, full_dx=False):
    """TinyTrain's cost model for a selection {conv index: ch_ratio} (tinytrain.md §3, §7).

    Returns bytes B1, B2, F2, B3, B4, the peak (B1 + B2 + max(F2, B3 + B4), plus all weights
    when they live in RAM) and the backward MACs (input gradients through every layer above
    the earliest selected one, or through every layer with full_dx; channel-sliced weight
    gradients)."""
    convs = net["convs"]
    i_min = min(selection)
    b1 = sum(updated_params(convs[i], r) for i, r in selection.items()) * FP32
    b2 = K_OPT[optimizer] * b1
    b3 = relu_mask_bytes(convs[i_min:])
    b4 = sum(selected_input_bytes(convs[i], r) for i, r in selection.items())
    f2 = f2_bytes(net)
    peak = b1 + b2 + max(f2, b3 + b4)
    all_weights = totals(net)["params"] * FP32
    if not weights_in_flash:
        peak += all_weights
    dx_layers = range(len(convs)) if full_dx else range(i_min + 1, len(convs))
    dx = sum(convs[l]["macs"] for l in dx_layers)
    dw = sum(math.ceil(r * convs[i]["out_channels"]) * convs[i]["macs"] // convs[i]["out_channels"]
             for i, r in selection.items())
    return {"B1": b1, "B2": b2, "F2": f2, "B3": b3, "B4": b4, "peak": peak,
            "bwd_dx_macs": dx, "bwd_dw_macs": dw, "bwd_macs": dx + dw, "i_min": i_min}


def saved_activation_bytes(net, k):
    """Table 11: fp32 inputs of each conv in the last k blocks plus their 1-bit ReLU masks."""
    idx = last_block_convs(net, k)
    convs = [net["convs"][i] for i in idx]
    return sum(in_elems(c) * FP32 for c in convs) + relu_mask_bytes(convs)


# ---- trace -----------------------------------------------------------------------------------

def forward_ops(net, batch=1):
    ops = []
    for c in net["convs"]:
        op = {"name": c["name"], "batch": batch, "in_h": c["in_hw"], "in_w": c["in_hw"],
              "kernel_h": c["kernel"], "kernel_w": c["kernel"], "stride": c["stride"],
              "padding": c["kernel"] // 2}
        if c["depthwise"]:
            op.update({"op": "depthwise_conv2d", "channels": c["in_channels"]})
        else:
            op.update({"op": "conv2d", "in_channels": c["in_channels"],
                       "out_channels": c["out_channels"], "groups": c["groups"]})
        if c["relu"]:
            op["activation"] = "relu"
        ops.append(op)
    return ops


def allocation_events(net, selection, optimizer="adam", weights_in_flash=True, ram="sram"):
    """The ledger's events of one training iteration, in order. Steps: 0 deploy (weights,
    trainable copies, optimiser state), 1 forward (I/O buffer), 2 backward (saved tensors)."""
    a = accounting(net, selection, optimizer, weights_in_flash)
    all_w = totals(net)["params"] * FP32
    ev = [
        {"step": 0, "event": "alloc", "tensor": "weights", "bytes": all_w,
         "space": "flash" if weights_in_flash else ram, "kind": "weights"},
        {"step": 0, "event": "alloc", "tensor": "updated_weights", "bytes": a["B1"],
         "space": ram, "kind": "weights"},
        {"step": 0, "event": "alloc", "tensor": "optimizer_state", "bytes": a["B2"],
         "space": ram, "kind": "optimizer"},
        {"step": 1, "event": "alloc", "tensor": "io_buffer", "bytes": a["F2"],
         "space": ram, "kind": "activations"},
        {"step": 2, "event": "free", "tensor": "io_buffer"},
        {"step": 2, "event": "alloc", "tensor": "relu_masks", "bytes": a["B3"],
         "space": ram, "kind": "activations"},
        {"step": 2, "event": "alloc", "tensor": "saved_inputs", "bytes": a["B4"],
         "space": ram, "kind": "activations"},
        {"step": 3, "event": "free", "tensor": "relu_masks"},
        {"step": 3, "event": "free", "tensor": "saved_inputs"},
    ]
    # a zero-byte tensor (no ReLU above the earliest selected layer) is not allocated
    empty = {e["tensor"] for e in ev if e["event"] == "alloc" and e["bytes"] == 0}
    return [e for e in ev if e["tensor"] not in empty]


def training_section(net, selection, optimizer="adam", iterations=40, batch=1,
                     weights_in_flash=True, fisher=(), full_dx=False, ram="sram"):
    convs = net["convs"]
    i_min = min(selection)
    phases = []
    for i, c in enumerate(convs):
        rec = {"layer": c["name"]}
        if full_dx or i > i_min:
            rec["bwd_dx"] = True
        if i in selection:
            rec["bwd_dw"] = True
            rec["ch_ratio"] = float(selection[i])
        if i in fisher:
            rec["fisher"] = True
        if len(rec) > 1:
            phases.append(rec)
    return {"version": 1, "optimizer": optimizer, "iterations": iterations, "batch": batch,
            "weights_in_flash": weights_in_flash, "phases": phases,
            "tensors": allocation_events(net, selection, optimizer, weights_in_flash, ram)}


def fisher_section(net, candidates, samples=25, weights_in_flash=True, ram="sram"):
    """TinyTrain's online selection pass (tinytrain.md §3, Alg. 1) as a training section: per
    support sample, the forward, input gradients through every layer above the earliest
    candidate, and the FISHER reduction (Σ_hw a·g per output channel, then a square) on each
    candidate; no weight is updated. Memory: the F2 I/O buffer during the forward; then the
    1-bit ReLU masks from the earliest candidate up, each candidate's fp32 output a (kept to
    meet its gradient g) and the per-channel Δ accumulators (fp32) for the whole support set."""
    convs = net["convs"]
    i_min = min(candidates)
    phases = []
    for i, c in enumerate(convs):
        rec = {"layer": c["name"]}
        if i > i_min:
            rec["bwd_dx"] = True
        if i in candidates:
            rec["fisher"] = True
        if len(rec) > 1:
            phases.append(rec)
    outs = sum(out_elems(convs[i]) for i in candidates) * FP32
    delta = sum(convs[i]["out_channels"] for i in candidates) * FP32
    ev = [{"step": 0, "event": "alloc", "tensor": "weights", "bytes": totals(net)["params"] * FP32,
           "space": "flash" if weights_in_flash else ram, "kind": "weights"},
          {"step": 0, "event": "alloc", "tensor": "fisher_delta", "bytes": delta, "space": ram, "kind": "buffers"},
          {"step": 1, "event": "alloc", "tensor": "io_buffer", "bytes": f2_bytes(net), "space": ram,
           "kind": "activations"},
          {"step": 2, "event": "free", "tensor": "io_buffer"},
          {"step": 2, "event": "alloc", "tensor": "relu_masks", "bytes": relu_mask_bytes(convs[i_min:]),
           "space": ram, "kind": "activations"},
          {"step": 2, "event": "alloc", "tensor": "candidate_outputs", "bytes": outs, "space": ram,
           "kind": "activations"},
          {"step": 3, "event": "free", "tensor": "relu_masks"},
          {"step": 3, "event": "free", "tensor": "candidate_outputs"}]
    return {"version": 1, "optimizer": "adam", "iterations": samples, "batch": 1,
            "weights_in_flash": weights_in_flash, "phases": phases, "tensors": ev}


def _flow(d):
    return "{" + ", ".join("%s: %s" % (k, emit.scalar(v)) for k, v in d.items()) + "}"


def render_training_trace(name, net, training, header=()):
    m = emit.model(net["name"], forward_ops(net), bits={"activation": 32, "weight": 32, "output": 32})
    text = emit.render(name, "on-device training of %s (docs/ondevice_learning.md)" % net["name"],
                       [m], list(header))
    out = [text.rstrip("\n"), "    training:"]
    for key in ("version", "optimizer", "iterations", "batch", "weights_in_flash"):
        out.append("      %s: %s" % (key, emit.scalar(training[key])))
    for key in ("phases", "tensors"):
        out.append("      %s:" % key)
        for r in training[key]:
            if "bytes" in r:
                r = dict(r, bytes="%dB" % r["bytes"])
            out.append("        - " + _flow(r))
    return "\n".join(out) + "\n"


# ---- ANML (LifeLearner) ----------------------------------------------------------------------

# Assumed per-dataset geometry [I] (lifelearner.md Q1, §7.1): 3x3 convs, 2x2 max-pools, chosen
# to give the latent sizes n of lifelearner.md §2 (4,096 / 16,384 / 1,536).
ANML_DATASETS = {
    "cifar100": {"input": (3, 32, 32), "padding": 0, "pool_after": (0, 1), "classes": 100},
    "miniimagenet": {"input": (3, 84, 84), "padding": 0, "pool_after": (0, 1, 2), "classes": 100},
    "gscv2": {"input": (1, 10, 49), "padding": 1, "pool_after": (0, 1, 2), "classes": 35},
}


def anml(dataset, nm_channels=112, p_channels=256, width=1.0):
    """ANML: neuromodulatory net (3 conv) and prediction net (3 conv), the NM gate head (FC
    from the NM features to the latent), the latent z = gate * features and one FC classifier.
    Returns {"layers": [...], "latent": n, "fe_params", "classifier_params", "fe_macs"}."""
    cfg = ANML_DATASETS[dataset]
    layers = []

    def stack(prefix, channels):
        c, h, w = cfg["input"]
        for i in range(3):
            oh = h + 2 * cfg["padding"] - 2
            ow = w + 2 * cfg["padding"] - 2
            layers.append({"name": "%s.conv%d" % (prefix, i), "in_channels": c,
                           "out_channels": channels, "in_h": h, "in_w": w, "kernel": 3,
                           "padding": cfg["padding"], "out_h": oh, "out_w": ow,
                           "params": channels * c * 9 + channels,
                           "macs": channels * c * 9 * oh * ow})
            c, h, w = channels, oh, ow
            if i in cfg["pool_after"]:
                h, w = h // 2, w // 2
        return c * h * w

    nm_c = max(1, round(nm_channels * width))
    p_c = max(1, round(p_channels * width))
    nm_feat = stack("nm", nm_c)
    latent = stack("pred", p_c)
    layers.append({"name": "nm.gate", "in_features": nm_feat, "out_features": latent,
                   "params": nm_feat * latent + latent, "macs": nm_feat * latent})
    fe_params = sum(l["params"] for l in layers)
    fe_macs = sum(l["macs"] for l in layers)
    cls = cfg["classes"]
    return {"layers": layers, "latent": latent, "fe_params": fe_params, "fe_macs": fe_macs,
            "classifier_params": latent * cls + cls, "classes": cls}
