"""Graphs of the NAWQ-SR super-resolution models by shape arithmetic (spec §3, §8.7): one node per
graph operation with its shapes, rank, kernel, groups, MACs and weight bytes. Used by
sr_models.py, which writes them as traces; docs/mobile_npu.md describes the node records."""

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
