"""Super-resolution models of NAWQ-SR (spec §3, §6, §8.7) as npusim traces, by shape arithmetic.

Models (x4, all from their public definitions): `tpsr` (royson/tpsr model.py), `imdn`
(Zheng222/IMDN architecture.py + block.py), `rcan` (MobiSR-RCAN: 3 groups x 10 RCABs, 16
features, MobiSR's 5x-thinner tail), and MobiSR's compact models `m_clc` and `m_s2` (every core
3x3 conv of MobiSR-RCAN replaced). One record per graph node: type, producers, input and output
shape [c, h, w], tensor rank, kernel, groups, MACs, weight bytes, elements (op_count). Codec
operations are nodes too: `patch_split` (the patch and its halo cut from the LR frame),
`stitch` (the HR patch interior written into the frame), and `pixel_shuffle` with its factor
and rank 6 (the standard reshape/permute/reshape; the NAWQ-SR rank-4 rewrite, the fallback to
the CPU and the RQU are decided by the schedule and the hardware, see docs/mobile_npu.md).

A frame of lr_h x lr_w is cut into rows x cols patches; every patch has the same shape
(interior ceil(lr/grid) plus `halo` on every side, border halos padded), because an NPU graph
is compiled for one input shape. Grid 1x1 with halo 0 is the whole-frame run.

  /usr/bin/python3 workloads/exporters/sr_models.py trace tpsr --lr 320x180 --grid 2x2 --halo 4 \\
      --schedule sched.yaml -o tpsr.yaml
  /usr/bin/python3 workloads/exporters/sr_models.py schedule tpsr nawq_sr -o sched.yaml
  /usr/bin/python3 workloads/exporters/sr_models.py summary imdn --lr 320x180
"""
import argparse
import math
import os
import random
import sys

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from exporters import emit  # noqa: E402

MODELS = ("tpsr", "imdn", "rcan", "m_clc", "m_s2")
SCALE = 4
# The paper's layer counts ("depth", length of the word-length vector). No single counting rule
# gives them (spec §8.7), so they are labels, not checked against the graph.
DEPTH_LABEL = {"tpsr": 33, "imdn": 85, "rcan": 255}
# Node types whose input precision a schedule assigns (the convolutions, contract with nawqopt).
SCHEDULED_TYPES = ("conv", "dw", "pw", "meanshift")
NODE_TYPES = SCHEDULED_TYPES + (
    "prelu", "lrelu", "relu", "sigmoid", "add", "mul", "concat", "split", "pool", "std",
    "pixel_shuffle", "channel_shuffle", "patch_split", "stitch")
NODE_KEY_ORDER = ["name", "type", "producers", "in", "out", "rank", "kernel", "groups", "factor",
                  "macs", "weight_bytes", "elements"]
BIAS_BYTES = 4  # 32-bit biases next to 8-bit weights


class Graph:
    """Builds the node list of one patch, tracking shapes the way a forward pass does."""

    def __init__(self, h, w):
        self.h, self.w = h, w
        self.nodes = []
        self.params = 0
        self._shape = {}

    def shape(self, name):
        return self._shape[name]

    def _add(self, name, type_, producers, out, rank=4, kernel=0, groups=1, factor=0,
             macs=0, weights=0, bias=0, params_extra=0):
        assert type_ in NODE_TYPES, type_
        assert name not in self._shape, name
        ins = [self._shape[p] for p in producers] if producers else [out]
        node = {"name": name, "type": type_, "producers": list(producers), "in": list(ins[0]),
                "out": list(out), "rank": rank, "kernel": kernel, "groups": groups,
                "factor": factor, "macs": macs, "weight_bytes": weights + BIAS_BYTES * bias,
                "elements": out[0] * out[1] * out[2]}
        self.nodes.append(node)
        self.params += weights + bias + params_extra
        self._shape[name] = tuple(out)
        return name

    def conv(self, name, src, cout, k, groups=1, bias=True, type_=None):
        cin, h, w = self._shape[src]
        t = type_ or ("pw" if k == 1 and groups == 1 else "conv")
        weights = cout * (cin // groups) * k * k
        return self._add(name, t, [src], (cout, h, w), kernel=k, groups=groups,
                         macs=weights * h * w, weights=weights, bias=cout if bias else 0)

    def dw(self, name, src, k, bias=False):
        c, h, w = self._shape[src]
        return self._add(name, "dw", [src], (c, h, w), kernel=k, groups=c, macs=c * k * k * h * w,
                         weights=c * k * k, bias=c if bias else 0)

    def meanshift(self, name, src):
        # A frozen 1x1 conv 3 -> 3 (9 weights + 3 biases: 12 parameters, spec §8.7).
        return self.conv(name, src, 3, 1, type_="meanshift")

    def act(self, name, src, kind):
        # PReLU carries one slope parameter (one byte at 8 bits).
        slope = 1 if kind == "prelu" else 0
        return self._add(name, kind, [src], self._shape[src], weights=slope)

    def eltwise(self, name, a, b, kind="add"):
        return self._add(name, kind, [a, b], self._shape[a])

    def concat(self, name, srcs):
        c = sum(self._shape[s][0] for s in srcs)
        _, h, w = self._shape[srcs[0]]
        return self._add(name, "concat", srcs, (c, h, w))

    def split(self, name, src, first):
        """Channel split: returns (name of the first part, name of the rest)."""
        c, h, w = self._shape[src]
        self._add(name, "split", [src], (first, h, w))
        self._add(name + "_rest", "split", [src], (c - first, h, w))
        return name, name + "_rest"

    def global_stat(self, name, src, kind):  # "pool" (mean) or "std", per channel
        c, _, _ = self._shape[src]
        return self._add(name, kind, [src], (c, 1, 1))

    def pixel_shuffle(self, name, src, s):
        c, h, w = self._shape[src]
        assert c % (s * s) == 0
        return self._add(name, "pixel_shuffle", [src], (c // (s * s), h * s, w * s), rank=6,
                         factor=s)

    def channel_shuffle(self, name, src, groups):
        # SNPE has a channel-shuffle layer; treated as a rank-4 permute on the NPU [I].
        return self._add(name, "channel_shuffle", [src], self._shape[src], groups=groups)

    def io(self, name, type_, src, out):
        return self._add(name, type_, [src] if src else [], out)


# ---- the models ----------------------------------------------------------------------------

def _tpsr(g, x):
    """TPSR_NOGAN x4 (spec §3): 16 features, a PReLU after every conv except head and tail."""
    def cp(name, src, cout, k):  # conv + PReLU
        return g.act(name + "_prelu", g.conv(name, src, cout, k), "prelu")

    def dwsep(name, src, k):
        a = g.act(name + ".dw_prelu", g.dw(name + ".dw", src, k), "prelu")
        return cp(name + ".pw", a, 16, 1)

    x = g.meanshift("sub_mean", x)
    i = g.conv("head", x, 16, 3)
    a = dwsep("a.dwsep5", i, 5)
    a = cp("a.conv7_1", a, 16, 7)
    a = cp("a.conv7_2", a, 16, 7)
    m = cp("main.conv3", a, 16, 3)
    m = cp("main.conv5", m, 16, 5)
    m = dwsep("main.dwsep3", m, 3)
    s = cp("side.conv3_1", a, 16, 3)
    s = cp("side.conv5", s, 16, 5)
    s = cp("side.conv3_2", s, 16, 3)
    k = cp("skip.conv7", i, 16, 7)
    y = g.eltwise("sum1", m, s)
    y = g.eltwise("sum2", y, k)
    y = g.act("sum_prelu", y, "prelu")
    return _shared_tail(g, y)


def _shared_tail(g, y):
    """[conv3x3 16->12, PS(2)] -> [conv3x3 3->12, PS(2)] -> add_mean: TPSR's and MobiSR-RCAN's."""
    y = g.pixel_shuffle("up1.ps", g.conv("up1.conv", y, 12, 3), 2)
    y = g.pixel_shuffle("up2.ps", g.conv("up2.conv", y, 12, 3), 2)
    return g.meanshift("add_mean", y)


def _imdn(g, x):
    """IMDN x4 (public code): 64 features, 6 IMDBs, LeakyReLU 0.05, CCA, PS(4)."""
    f = g.conv("fea_conv", x, 64, 3)
    blocks = []
    h = f
    for b in range(1, 7):
        p = "B%d" % b
        parts = []
        r = h
        for j in (1, 2, 3):
            c = g.act("%s.c%d_act" % (p, j), g.conv("%s.c%d" % (p, j), r, 64, 3), "lrelu")
            d, r = g.split("%s.split%d" % (p, j), c, 16)
            parts.append(d)
        parts.append(g.conv("%s.c4" % p, r, 16, 3))
        cat = g.concat(p + ".concat", parts)
        # CCA: contrast (per-channel std) + mean, 1x1 64->4, ReLU, 1x1 4->64, sigmoid, scale.
        st = g.eltwise(p + ".cca.stat", g.global_stat(p + ".cca.std", cat, "std"),
                       g.global_stat(p + ".cca.mean", cat, "pool"))
        du = g.act(p + ".cca.relu", g.conv(p + ".cca.du1", st, 4, 1), "relu")
        du = g.act(p + ".cca.sigmoid", g.conv(p + ".cca.du2", du, 64, 1), "sigmoid")
        sc = g.eltwise(p + ".cca.scale", cat, du, "mul")
        h = g.eltwise(p + ".add", g.conv(p + ".c5", sc, 64, 1), h)
        blocks.append(h)
    c = g.concat("concat", blocks)  # 384 channels
    c = g.act("c_act", g.conv("c", c, 64, 1), "lrelu")
    y = g.eltwise("lr_add", g.conv("LR_conv", c, 64, 3), f)
    y = g.conv("upsampler.conv", y, 48, 3)
    return g.pixel_shuffle("upsampler.ps", y, 4)


def _rcan_family(g, x, core):
    """MobiSR-RCAN: head, 3 groups x 10 RCABs (CA reduction 16), group/body end convs, the
    TPSR tail. `core(name, src)` builds one core 3x3 conv (replaced in m_clc / m_s2)."""
    x = g.meanshift("sub_mean", x)
    head = g.conv("head", x, 16, 3)
    h = head
    for gi in range(3):
        gin = h
        for ri in range(10):
            p = "body.%d.%d" % (gi, ri)
            y = g.act(p + ".relu", core(p + ".conv1", h), "relu")
            y = core(p + ".conv2", y)
            a = g.global_stat(p + ".ca.pool", y, "pool")
            a = g.act(p + ".ca.relu", g.conv(p + ".ca.du1", a, 1, 1), "relu")
            a = g.act(p + ".ca.sigmoid", g.conv(p + ".ca.du2", a, 16, 1), "sigmoid")
            y = g.eltwise(p + ".ca.scale", y, a, "mul")
            h = g.eltwise(p + ".add", y, h)
        h = g.eltwise("body.%d.add" % gi, core("body.%d.conv" % gi, h), gin)
    h = g.eltwise("body.add", core("body.conv", h), head)
    return _shared_tail(g, h)


def _core_rcan(g):
    return lambda name, src: g.conv(name, src, 16, 3)


def _core_clc(g):
    # grouped 3x3 (g = 16, no bias [I]: 30,642 parameters vs MobiSR's "30K"), shuffle, 1x1.
    def core(name, src):
        y = g.conv(name + ".gconv", src, 16, 3, groups=16, bias=False)
        return g.conv(name + ".pw", g.channel_shuffle(name + ".shuffle", y, 16), 16, 1)
    return core


def _core_s2(g):
    # split 8/8; one half 1x1 -> ReLU -> dw3x3 -> 1x1; concat; shuffle (17,842 parameters vs "17K").
    def core(name, src):
        keep, rest = g.split(name + ".split", src, 8)
        y = g.act(name + ".relu", g.conv(name + ".pw1", rest, 8, 1), "relu")
        y = g.conv(name + ".pw2", g.dw(name + ".dw", y, 3), 8, 1)
        return g.channel_shuffle(name + ".shuffle", g.concat(name + ".concat", [keep, y]), 2)
    return core


def build_graph(model, patch_h, patch_w, frame_h=None, frame_w=None):
    """The Graph of one patch of patch_h x patch_w LR pixels (halo included)."""
    if model not in MODELS:
        raise ValueError("unknown SR model %r (models: %s)" % (model, ", ".join(MODELS)))
    g = Graph(patch_h, patch_w)
    g._shape["frame"] = (3, frame_h or patch_h, frame_w or patch_w)
    x = g.io("patch_split", "patch_split", None, (3, patch_h, patch_w))
    g.nodes[-1]["in"] = [3, frame_h or patch_h, frame_w or patch_w]
    if model == "tpsr":
        y = _tpsr(g, x)
    elif model == "imdn":
        y = _imdn(g, x)
    else:
        core = {"rcan": _core_rcan, "m_clc": _core_clc, "m_s2": _core_s2}[model](g)
        y = _rcan_family(g, x, core)
    g.io("stitch", "stitch", y, g.shape(y))
    return g


def patch_shape(lr_h, lr_w, rows, cols, halo):
    """(h, w) of every patch: the interior ceil(lr / grid) plus the halo on each side."""
    if min(lr_h, lr_w, rows, cols) < 1 or halo < 0:
        raise ValueError("LR size and grid must be positive and the halo non-negative")
    return math.ceil(lr_h / rows) + 2 * halo, math.ceil(lr_w / cols) + 2 * halo


def param_count(model):
    return build_graph(model, 8, 8).params


def scheduled_layers(model, lr_h=None, lr_w=None):
    """The layers a schedule assigns a precision to, in network order (contract with the WLopt
    side): every conv, depthwise, pointwise and MeanShift node. Each is {name, in_channels,
    out_channels, kernel, groups, macs_per_lr_pixel} plus `type`, `global` (true for the
    channel-attention 1x1s, which run on the pooled 1x1 tensor once per image) and, when lr_h
    and lr_w are given, `macs` of that whole frame."""
    ref = 16  # any size whose x4 scale keeps integer per-pixel counts
    g = build_graph(model, ref, ref)
    out = []
    for n in g.nodes:
        if n["type"] not in SCHEDULED_TYPES:
            continue
        _, h, w = n["out"]
        is_global = (h, w) == (1, 1)
        per_px = 0 if is_global else n["macs"] // (ref * ref)  # exact: h * w is s^2 * ref^2
        rec = {"name": n["name"], "type": n["type"], "in_channels": n["in"][0],
               "out_channels": n["out"][0], "kernel": n["kernel"], "groups": n["groups"],
               "macs_per_lr_pixel": per_px, "global": is_global}
        if lr_h is not None and lr_w is not None:
            rec["macs"] = n["macs"] if is_global else per_px * lr_h * lr_w
        out.append(rec)
    return out


def total_macs(model, lr_h, lr_w):
    return sum(n["macs"] for n in build_graph(model, lr_h, lr_w).nodes)


# ---- schedules -----------------------------------------------------------------------------

SCHEDULE_VERSION = 1
TARGETS = ("npu", "cpu_fp32", "gpu_fp16")
VARIANTS = ("fp32_cpu", "fp16_gpu", "int8_npu", "a16w8_npu", "nawq_sr", "wo_dre", "all_dre",
            "rand_dre")
# Share of MACs NAWQ-SR keeps at 16 bits, f16 = 2/R - 1 from Table 1 (spec §5.3), per dataset,
# and the DRE energy threshold K (spec §4.4).
DATASETS = ("b100", "u100")
F16_SHARE = {"b100": {"tpsr": 0.020, "imdn": 0.036, "rcan": 0.0, "m_clc": 0.0, "m_s2": 0.0},
             "u100": {"tpsr": 0.093, "imdn": 0.036, "rcan": 0.0, "m_clc": 0.0, "m_s2": 0.0}}
DRE_K = {"tpsr": 0.5, "imdn": 0.125, "rcan": 1.0, "m_clc": 1.0, "m_s2": 1.0}
ASSUMED = "assumed, pending WLopt"


def write_schedule(path, model, variant, target, bits, dre, provenance, **extra):
    """Write a schedule file (docs/mobile_npu.md, "Schedule files"). `bits` and `dre` have one
    entry per scheduled_layers(model) element, in order. Extra keys (pixel_shuffle: rewrite |
    fallback, int8_unit: tensor | vector | both) are written after the required ones."""
    text = render_schedule(model, variant, target, bits, dre, provenance, **extra)
    with open(path, "w", newline="\n") as f:
        f.write(text)
    return path


def render_schedule(model, variant, target, bits, dre, provenance, **extra):
    layers = scheduled_layers(model)
    if target not in TARGETS:
        raise ValueError("target %r is not one of %s" % (target, ", ".join(TARGETS)))
    if len(bits) != len(layers) or len(dre) != len(layers):
        raise ValueError("model %s has %d scheduled layers; got %d bits and %d dre flags"
                         % (model, len(layers), len(bits), len(dre)))
    out = ["schedule_version: %d" % SCHEDULE_VERSION, "model: " + emit.scalar(model),
           "variant: " + emit.scalar(variant), "target: " + emit.scalar(target)]
    for key in sorted(extra):
        out.append("%s: %s" % (key, emit.scalar(extra[key])))
    out.append("layers:")
    for layer, b, d in zip(layers, bits, dre):
        out.append("  - {name: %s, act_bits: %d, dre: %s}"
                   % (emit.scalar(layer["name"]), int(b), emit.scalar(bool(d))))
    out.append("provenance:")
    for key in sorted(provenance):
        out.append("  %s: %s" % (key, emit.scalar(provenance[key])))
    return "\n".join(out) + "\n"


def read_schedule(path):
    """The schedule as a dict; checks the version, the model and one entry per scheduled layer."""
    import yaml
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or doc.get("schedule_version") != SCHEDULE_VERSION:
        raise ValueError("%s: not a schedule_version %d file" % (path, SCHEDULE_VERSION))
    names = [layer["name"] for layer in scheduled_layers(doc["model"])]
    got = [layer["name"] for layer in doc.get("layers", [])]
    if got != names:
        raise ValueError("%s: %d layers do not match the %d scheduled layers of %s"
                         % (path, len(got), len(names), doc["model"]))
    return doc


def _assumed_nawq_bits(model, layers, dataset="b100"):
    """NAWQ-SR word lengths before WLopt has run: one contiguous run of layers at 16 bits, the
    run (in network order) with the largest MAC share within Table 1's f16 (ties: the earliest).
    One run keeps the partition switches to two per patch, as the paper's 0.34 % switch share
    implies [I]."""
    share = F16_SHARE[dataset][model]
    macs = [layer["macs_per_lr_pixel"] for layer in layers]
    limit = share * sum(macs)
    best, best_run = 0, (0, 0)
    for i in range(len(macs)):
        acc = 0
        for j in range(i, len(macs)):
            acc += macs[j]
            if acc > limit:
                break
            if acc > best:
                best, best_run = acc, (i, j + 1)
    return [16 if best_run[0] <= k < best_run[1] else 8 for k in range(len(macs))]


def _assumed_dre(model, layers):
    """DRE layers before LRA has run: K = 1 is every layer (RCAN, spec §4.4); otherwise the first
    ceil(K * |L|) layers in network order [I]."""
    n = math.ceil(DRE_K[model] * len(layers))
    return [i < n for i in range(len(layers))]


def variant_schedule(model, variant, seed=0, dataset="b100"):
    """(target, bits, dre, provenance, extra) of one of the eight VARIANTS; NAWQ-SR's assumed
    widths depend on the dataset (Table 1's f16 share)."""
    layers = scheduled_layers(model)
    n = len(layers)
    base = {"source": "workloads/exporters/sr_models.py variant_schedule", "status": "input"}
    if variant == "fp32_cpu":
        return "cpu_fp32", [32] * n, [False] * n, dict(base, algorithm="none"), {}
    if variant == "fp16_gpu":
        return "gpu_fp16", [16] * n, [False] * n, dict(base, algorithm="none"), {}
    if variant in ("int8_npu", "a16w8_npu"):
        b = 8 if variant == "int8_npu" else 16
        return ("npu", [b] * n, [False] * n, dict(base, algorithm="none"),
                {"pixel_shuffle": "fallback"})
    bits = _assumed_nawq_bits(model, layers, dataset)
    prov = dict(base, algorithm=ASSUMED, dataset=dataset, f16_share=F16_SHARE[dataset][model],
                K=DRE_K[model])
    extra = {"pixel_shuffle": "rewrite"}
    if variant == "nawq_sr":
        return "npu", bits, _assumed_dre(model, layers), prov, extra
    if variant == "wo_dre":
        return "npu", bits, [False] * n, prov, extra
    if variant == "all_dre":
        return "npu", bits, [True] * n, prov, extra
    if variant == "rand_dre":
        rng = random.Random(seed)
        count = rng.randint(1, n)
        chosen = set(rng.sample(range(n), count))
        return "npu", bits, [i in chosen for i in range(n)], dict(prov, seed=seed), extra
    raise ValueError("unknown variant %r (variants: %s)" % (variant, ", ".join(VARIANTS)))


def schedule_text(model, variant, seed=0, dataset="b100"):
    target, bits, dre, prov, extra = variant_schedule(model, variant, seed, dataset)
    label = variant if variant != "rand_dre" else "rand_dre_%d" % seed
    return render_schedule(model, label, target, bits, dre, prov, **extra)


# ---- traces --------------------------------------------------------------------------------

def _standard_ops(nodes):
    """The standard-op view of the graph (trace `layers:`): the nodes any accelerator can run."""
    out = []
    for n in nodes:
        c, h, w = n["in"]
        co = n["out"][0]
        t = n["type"]
        if t in ("conv", "pw", "meanshift"):
            out.append({"name": n["name"], "op": "conv2d", "in_channels": c, "out_channels": co,
                        "groups": n["groups"], "in_h": h, "in_w": w, "kernel_h": n["kernel"],
                        "kernel_w": n["kernel"], "padding": n["kernel"] // 2})
        elif t == "dw":
            out.append({"name": n["name"], "op": "depthwise_conv2d", "channels": c, "in_h": h,
                        "in_w": w, "kernel_h": n["kernel"], "kernel_w": n["kernel"],
                        "padding": n["kernel"] // 2})
        elif t in ("add", "mul"):
            out.append({"name": n["name"], "op": "elementwise", "fn": t,
                        "elements": n["elements"]})
        elif t in ("relu", "prelu", "lrelu", "sigmoid"):
            # PReLU and LeakyReLU cost what ReLU costs on a vector unit (one multiply-select).
            out.append({"name": n["name"], "op": "activation",
                        "fn": "sigmoid" if t == "sigmoid" else "relu", "elements": n["elements"]})
        elif t == "pool":
            out.append({"name": n["name"], "op": "pool", "kind": "global_avg", "channels": c,
                        "in_h": h, "in_w": w})
    return out


def _node_line(n):
    parts = []
    for key in NODE_KEY_ORDER:
        v = n[key]
        if key in ("factor",) and not v:
            continue
        if isinstance(v, list):
            text = "[" + ", ".join(emit.scalar(x) for x in v) + "]"
        else:
            text = emit.scalar(v)
        parts.append("%s: %s" % (key, text))
    return "{" + ", ".join(parts) + "}"


def render_trace(model, lr_h, lr_w, rows=1, cols=1, halo=0, schedule=None, name=None,
                 command=None):
    """Trace text: the standard-op `layers:` and the `sr:` section the mobile NPU runs.
    `schedule`: a path (written as given, relative to the trace) or schedule text (inlined)."""
    ph, pw = patch_shape(lr_h, lr_w, rows, cols, halo)
    g = build_graph(model, ph, pw, lr_h, lr_w)
    name = name or "%s_%dx%d_g%dx%d_h%d" % (model, lr_w, lr_h, cols, rows, halo)
    macs = sum(n["macs"] for n in g.nodes)
    header = ["Generated by workloads/exporters/sr_models.py; do not edit by hand.",
              "Regenerate with: " + (command or "/usr/bin/python3 workloads/exporters/sr_models.py"
                                     " trace %s --lr %dx%d --grid %dx%d --halo %d"
                                     % (model, lr_w, lr_h, cols, rows, halo)),
              "%s: %d parameters, %d graph nodes, %d MACs per patch x %d patches"
              % (model, g.params, len(g.nodes), macs, rows * cols)]
    text = emit.render(name, "NAWQ-SR %s x4, LR %dx%d, grid %dx%d, halo %d" %
                       (model, lr_w, lr_h, cols, rows, halo),
                       [emit.model(model, _standard_ops(g.nodes),
                                   bits={"activation": 8, "weight": 8, "output": 8})], header)
    out = ["    sr:", "      model: " + model, "      scale: %d" % SCALE,
           "      frame: {lr_h: %d, lr_w: %d}" % (lr_h, lr_w),
           "      grid: {rows: %d, cols: %d, halo: %d}" % (rows, cols, halo),
           "      params: %d" % g.params]
    if model in DEPTH_LABEL:
        out.append("      depth_label: %d" % DEPTH_LABEL[model])
    if schedule is not None and "\n" in schedule:
        out.append("      schedule:")
        out.extend("        " + line for line in schedule.rstrip("\n").split("\n"))
    elif schedule is not None:
        out.append("      schedule: " + emit.scalar(schedule))
    out.append("      nodes:")
    out.extend("        - " + _node_line(n) for n in g.nodes)
    return text + "\n".join(out) + "\n"


# Committed under workloads/sr/ (the speed benchmark's and the golden regression's inputs): the
# three Table 4 models at 720p output in 2x2 patches of 90x160 with a 4-pixel halo, pointing at
# their NAWQ-SR B100 schedule, and every variant's schedule under schedules/.
COMMIT_MODELS = ("tpsr", "imdn", "rcan")
COMMIT_VARIANTS = [("fp32_cpu", "b100"), ("fp16_gpu", "b100"), ("int8_npu", "b100"),
                   ("a16w8_npu", "b100"), ("nawq_sr", "b100"), ("nawq_sr", "u100"),
                   ("wo_dre", "b100"), ("all_dre", "b100"), ("rand_dre", "b100")]
COMMIT_COMMAND = "/usr/bin/python3 workloads/exporters/sr_models.py commit"


def schedule_file(model, variant, dataset="b100"):
    tail = "_" + dataset if variant in ("nawq_sr", "wo_dre", "all_dre", "rand_dre") else ""
    return "schedules/%s_%s%s.yaml" % (model, variant, tail)


def committed():
    """{path under workloads/: text} of the committed SR traces and schedules."""
    files = {}
    for m in COMMIT_MODELS:
        files["sr/%s_720p_2x2.yaml" % m] = render_trace(
            m, 180, 320, 2, 2, 4, schedule_file(m, "nawq_sr"), name="%s_720p_2x2" % m,
            command=COMMIT_COMMAND)
        for v, d in COMMIT_VARIANTS:
            files["sr/" + schedule_file(m, v, d)] = schedule_text(m, v, 0, d)
    return files


def _size(text):
    w, h = (int(v) for v in text.lower().split("x"))
    return w, h


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("trace", help="write a trace")
    t.add_argument("model", choices=MODELS)
    t.add_argument("--lr", type=_size, default=(320, 180), help="LR frame WxH (default 320x180)")
    t.add_argument("--grid", type=_size, default=(1, 1), help="patch grid COLSxROWS (default 1x1)")
    t.add_argument("--halo", type=int, default=0, help="halo pixels on each patch side")
    t.add_argument("--schedule", help="schedule file: its path is written into the trace")
    t.add_argument("--inline-variant", choices=VARIANTS, help="inline this variant's schedule")
    t.add_argument("--seed", type=int, default=0, help="rand_dre seed")
    t.add_argument("-o", "--output")
    s = sub.add_parser("schedule", help="write one of the eight variant schedules")
    s.add_argument("model", choices=MODELS)
    s.add_argument("variant", choices=VARIANTS)
    s.add_argument("--seed", type=int, default=0, help="rand_dre seed")
    s.add_argument("--dataset", choices=DATASETS, default="b100", help="Table 1 f16 share")
    s.add_argument("-o", "--output")
    c = sub.add_parser("commit", help="rewrite workloads/sr/ (or --check it)")
    c.add_argument("--check", action="store_true")
    c.add_argument("--out-dir", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    m = sub.add_parser("summary", help="parameters, nodes and MACs")
    m.add_argument("model", choices=MODELS)
    m.add_argument("--lr", type=_size, default=(320, 180))
    a = p.parse_args(argv)
    if a.cmd == "trace":
        sched = a.schedule
        if a.inline_variant:
            sched = schedule_text(a.model, a.inline_variant, a.seed)
        (lw, lh), (gc, gr) = a.lr, a.grid
        return emit.output(render_trace(a.model, lh, lw, gr, gc, a.halo, sched), a.output)
    if a.cmd == "commit":
        return emit.write_committed(committed(), a.out_dir, a.check, COMMIT_COMMAND)
    if a.cmd == "schedule":
        return emit.output(schedule_text(a.model, a.variant, a.seed, a.dataset), a.output)
    lw, lh = a.lr
    g = build_graph(a.model, lh, lw)
    print("%s: %d parameters, %d nodes, %d scheduled layers, %.3f GMAC at %dx%d"
          % (a.model, g.params, len(g.nodes), len(scheduled_layers(a.model)),
             sum(n["macs"] for n in g.nodes) / 1e9, lw, lh))
    return 0


if __name__ == "__main__":
    sys.exit(main())
