"""TinyTrain's task-adaptive sparse-update selector (tinytrain.md §3, Alg. 1) with two cost
back-ends, and the baselines (FullTrain, LastLayer, TinyTL, SparseUpdate).

Back-ends:
  * "proxies": the paper's. Scores divide the Fisher potential by normalised |W_i| and M_i;
    budgets check the analytic memory (B1 + B2 + max(F2, B3 + B4)) and backward MACs.
  * "simulated": the suite's. Scores divide by each layer's simulated backward bytes and
    cycles (its BWD_DX/BWD_DW/OPT operators run on a hardware config by npusim.run); budgets
    check the C++ memory ledger's peak (npusim.training_report) and the simulated cycles.
Where the two pick differently, that is the suite's own finding (hardware-aware selection),
not the paper's; reports label it so.

Fisher information needs activations and gradients of a task. Offline there is no
Meta-Dataset and no meta-trained weights: `synthetic_fisher` runs one forward/backward of the
backbone's shapes with seeded random weights and inputs ("synthetic task": it exercises the
mechanics, not the accuracy).
"""
import math

from . import ondevice as od

RATIOS = (1.0, 0.5, 0.25, 0.125)  # tinytrain.md Q1 default
MIB = 2 ** 20
B_MEM = 1.1 * MIB                 # Q3 default, on the F2-inclusive ledger
B_COMPUTE_SHARE = 0.15            # of FullTrain backward (= 30 % of forward MACs) [D]


def fisher_potential(a, g):
    """Eq. 2: Δ_o = 1/(2N) Σ_n (Σ_d a[n,o,d]·g[n,o,d])², P = Σ_o Δ_o. a, g: [N, C, H, W]."""
    n = a.shape[0]
    s = (a * g).reshape(n, a.shape[1], -1).sum(axis=2)
    delta = (s ** 2).sum(axis=0) / (2 * n)
    return delta, float(delta.sum())


def synthetic_fisher(net, candidates, samples=8, seed=0):
    """Per candidate conv index: Δ (per output channel) from one forward/backward pass over
    `samples` random 128x128 inputs with seeded random weights (synthetic task)."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    convs = net["convs"]
    mods = [torch.nn.Conv2d(c["in_channels"], c["out_channels"], c["kernel"], c["stride"],
                            c["kernel"] // 2, groups=c["groups"], bias=False) for c in convs]
    for m in mods:
        torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    head = torch.nn.Linear(net["classifier"]["in_features"], 5)
    x = torch.randn(samples, 3, 128, 128)
    outs = {}
    block_in = None
    for i, (c, m) in enumerate(zip(convs, mods)):
        if c["block"] >= 0 and (i == 0 or convs[i - 1]["block"] != c["block"]):
            block_in = x
        y = m(x)
        if c["relu"]:
            y = torch.clamp(y, 0, 6)
        if c.get("residual"):
            y = y + block_in
        if i in candidates:
            y.retain_grad()
            outs[i] = y
        x = y
    labels = torch.arange(samples) % 5
    loss = torch.nn.functional.cross_entropy(head(x.mean(dim=(2, 3))), labels)
    loss.backward()
    return {i: fisher_potential(outs[i].detach().numpy().astype(np.float64),
                                outs[i].grad.numpy().astype(np.float64))[0] for i in candidates}


def scores(potential, weight_cost, compute_cost):
    """Eq. 3 over the candidates: P_i / ((w_i / max w) · (m_i / max m))."""
    wmax, mmax = max(weight_cost.values()), max(compute_cost.values())
    return {i: potential[i] / ((weight_cost[i] / wmax) * (compute_cost[i] / mmax)) for i in potential}


class ProxyCost:
    """The paper's proxies: |W_i| and M_i for scores, analytic ledger and MACs for budgets."""
    name = "proxies"

    def __init__(self, net, optimizer="adam"):
        self.net, self.optimizer = net, optimizer
        full = od.accounting(net, {i: 1.0 for i in range(len(net["convs"]))}, full_dx=True)
        self.budgets = {"memory": B_MEM, "compute": B_COMPUTE_SHARE * full["bwd_macs"]}

    def layer_costs(self, i):
        c = self.net["convs"][i]
        return c["params"], c["macs"]

    def costs(self, sel):
        a = od.accounting(self.net, sel, self.optimizer)
        return a["peak"], a["bwd_macs"]


def select(net, delta, cost, prefix=True):
    """Greedy selection in score order (tinytrain.md §3): each layer takes the largest ratio of
    RATIOS that keeps both budgets; `prefix` stops at the first layer that fits at no ratio
    (the formal definition), otherwise it is skipped (Q2). Returns ({conv index: ratio},
    {conv index: selected channel indices}, scores)."""
    potential = {i: float(d.sum()) for i, d in delta.items()}
    wc = {i: cost.layer_costs(i)[0] for i in delta}
    mc = {i: cost.layer_costs(i)[1] for i in delta}
    s = scores(potential, wc, mc)
    sel = {}
    for i in sorted(s, key=lambda j: (-s[j], j)):
        fit = None
        for r in RATIOS:
            mem, comp = cost.costs({**sel, i: r})
            if mem <= cost.budgets["memory"] and comp <= cost.budgets["compute"]:
                fit = r
                break
        if fit is None:
            if prefix:
                break
            continue
        sel[i] = fit
    channels = {}
    for i, r in sel.items():
        k = math.ceil(r * net["convs"][i]["out_channels"])
        order = sorted(range(len(delta[i])), key=lambda c: (-delta[i][c], c))
        channels[i] = sorted(order[:k])
    return sel, channels, s


# ---- baselines ---------------------------------------------------------------------------------

def full_train(net):
    return {i: 1.0 for i in range(len(net["convs"]))}


def last_layer(net):
    return {len(net["convs"]) - 1: 1.0}


def tinytl(net, **kw):
    """TinyTL: frozen weights, lite-residual branches and biases learn. Its branches are layers
    the backbone does not have, so it is costed by workloads/exporters/tinytl.py (same cost
    model, the branches as the updated layers), not as a {conv: ratio} selection."""
    from . import tinytl as tl

    return tl.accounting(net, **kw)


# SparseUpdate (MCUNetV3) policy for mcunet-5fps, from mit-han-lab/tiny-training
# algorithm/scripts/sparse_update.sh at 7bf8e05 ("100KB scheme"): weights of convs
# 21-24-27-30-36-39 at update ratios 1-1-1-1-0.125-0.25 (conv indices in module order, the
# stem at 0, as in workloads/ondevice/backbones/mcunet-5fps.json). Its ratio slices input
# channels; the weights it updates number the same as an output-channel slice (our rule)
# for these 1x1 and dense convs. No policy is published for the other two backbones.
SPARSE_UPDATE = {"mcunet": {21: 1.0, 24: 1.0, 27: 1.0, 30: 1.0, 36: 0.125, 39: 0.25}}


def sparse_update(key):
    return dict(SPARSE_UPDATE[key]) if key in SPARSE_UPDATE else None


# ---- the suite's back-end ----------------------------------------------------------------------

def backward_ops(net, layers, dw_layers):
    """The BWD_DX / BWD_DW / OPT operators of `layers` (dx) and `dw_layers` (dw + opt) as trace
    operators whose MACs equal the phase costs of docs/ondevice_learning.md: dx of a conv is a
    conv from C_out to C_in over the output grid (stride 1); dw is a GEMM of the output
    gradient (C_out x H·W) by the input patches (H·W x C_in/groups·k²), both runtime tensors;
    Adam is 4 element-wise passes over the updated weights [I]."""
    ops = []
    for i in layers:
        c = net["convs"][i]
        hw, k = c["out_hw"], c["kernel"]
        geo = {"in_h": hw, "in_w": hw, "kernel_h": k, "kernel_w": k, "padding": k // 2}
        if c["depthwise"]:
            ops.append(dict(name=c["name"] + ".bwd_dx", op="depthwise_conv2d", channels=c["in_channels"], **geo))
        else:
            ops.append(dict(name=c["name"] + ".bwd_dx", op="conv2d", in_channels=c["out_channels"],
                            out_channels=c["in_channels"], groups=c["groups"], **geo))
    for i in dw_layers:
        c = net["convs"][i]
        per_out = (c["in_channels"] // c["groups"]) * c["kernel"] ** 2
        ops.append({"name": c["name"] + ".bwd_dw", "op": "gemm", "m": c["out_channels"],
                    "k": c["out_hw"] ** 2, "n": per_out, "b_operand": "activation"})
        ops.append({"name": c["name"] + ".opt", "op": "elementwise", "fn": "mul",
                    "elements": 4 * c["params"]})
    return ops


class SimulatedCost:
    """The suite's costs: per-layer simulated cycles and DRAM bytes of BWD_DX, BWD_DW and OPT
    on `hw` (one npusim.run of every candidate's backward operators, and one of the full
    backward for the compute budget), and the C++ memory ledger's peak (training_report on the
    trace's allocation events, capped by `device`). Channel slicing scales a layer's simulated
    dw cycles by its ratio."""
    name = "simulated"

    def __init__(self, net, npusim, hw, device=None, optimizer="adam"):
        self.net, self.npusim, self.device, self.optimizer = net, npusim, device, optimizer
        n = len(net["convs"])
        stats = npusim.run(hw, self._workload(backward_ops(net, range(n), range(n))))
        self.cycles, self.bytes = {}, {}
        for layer in stats["breakdown"]["layers"]:
            self.cycles[layer["name"]] = layer["cycles"]
            self.bytes[layer["name"]] = layer["dram_read_bytes"] + layer["dram_write_bytes"]
        self.budgets = {"memory": B_MEM, "compute": B_COMPUTE_SHARE * stats["total_cycles"]}
        self.full_backward_cycles = stats["total_cycles"]

    def _workload(self, ops):
        bits = {"activation": 32, "weight": 32, "output": 32}
        return {"schema_version": 1, "name": self.net["name"] + "-backward",
                "models": [{"name": self.net["name"], "precision": bits, "layers": ops}]}

    def layer_costs(self, i):
        name = self.net["convs"][i]["name"]
        return (self.bytes[name + ".bwd_dw"] + self.bytes[name + ".opt"],
                self.cycles[name + ".bwd_dw"] + self.cycles[name + ".opt"])

    def ledger_peak(self, sel):
        tr = od.training_section(self.net, sel, self.optimizer)
        for e in tr["tensors"]:
            if "bytes" in e:
                e["bytes"] = "%dB" % e["bytes"]
        m = {"name": self.net["name"], "precision": {"activation": 32, "weight": 32, "output": 32},
             "layers": od.forward_ops(self.net), "training": tr}
        rep = self.npusim.training_report({"schema_version": 1, "name": "sel", "models": [m]}, self.device)[0]
        return rep["ledger"]["spaces"]["sram"]["peak_bytes"]

    def costs(self, sel):
        convs = self.net["convs"]
        i_min = min(sel)
        cyc = sum(self.cycles[convs[l]["name"] + ".bwd_dx"] for l in range(i_min + 1, len(convs)))
        cyc += sum(r * (self.cycles[convs[i]["name"] + ".bwd_dw"] + self.cycles[convs[i]["name"] + ".opt"])
                   for i, r in sel.items())
        return self.ledger_peak(sel), cyc
