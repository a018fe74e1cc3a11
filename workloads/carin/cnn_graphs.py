"""TFLite-level graphs of CARIn's UC1 image classifiers (carin.md §2, CARIn Table 2), NHWC,
batch 1 (CnnGraph's `batch` sets another: CARIn UC4 runs 4), BatchNorm folded into the
convolutions and ReLU6 fused, as the TFLite converter emits them: MobileNetV2 (width 1.0 and
1.4, torchvision's layout), EfficientNet-Lite0..4 (B0 blocks without squeeze-excitation, ReLU6,
stem and head not scaled, first and last stages not repeated; tensorflow/tpu
efficientnet_lite_builder), RegNetY-008 / 016 (pycls: group
convolutions, squeeze-excitation at 0.25 of the block input). A graph is the `tflite:` section
the mobile SoC model runs (docs/mobile_soc.md), built on the BERT-family exporter's Graph
(dtypes and weight bytes per quantisation scheme).

    graph(model, scheme) -> (trace YAML text, parameters, FLOPs)
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "exporters"))
import bert_family  # noqa: E402


class CnnGraph(bert_family.Graph):
    """Adds NHWC convolution-network operators; x is (name, h, w, c). `generic` collects the
    trace's accelerator-neutral layers (the convolutions and the classifier)."""

    def __init__(self, quant, batch=1):
        super().__init__(quant, False)
        self.generic = []
        self.batch = batch  # images per inference (CARIn UC4 runs batch 4); 1 elsewhere

    def image(self, res):
        """The input image: fp32 with a QUANTIZE in FX8 (float I/O), int8 in FFX8."""
        dtype = "int8" if self.quant == "FFX8" else "fp32"
        x = self.input("image", [self.batch, res, res, 3], dtype)
        if self.quant == "FX8":
            x = self.node("quantize", "QUANTIZE", [x], [self.batch, res, res, 3])
        return x, res, res, 3

    def conv(self, name, x, cout, k, stride=1, groups=1, bias=True):
        src, h, w, c = x
        ho, wo = math.ceil(h / stride), math.ceil(w / stride)  # SAME padding
        macs = self.batch * ho * wo * k * k * (c // groups) * cout
        op = {"name": name, "op": "conv2d", "in_channels": c, "out_channels": cout, "batch": self.batch,
              "in_h": h, "in_w": w, "kernel_h": k, "kernel_w": k, "stride": stride, "padding": (k - 1) // 2}
        if groups > 1:
            op["groups"] = groups
        self.generic.append(op)
        out = self.node(name, "CONV_2D", [src], [self.batch, ho, wo, cout], macs=macs,
                        weights=self.weights(k * k * (c // groups) * cout, cout if bias else 0))
        return out, ho, wo, cout

    def dw(self, name, x, k, stride=1):
        src, h, w, c = x
        ho, wo = math.ceil(h / stride), math.ceil(w / stride)
        self.generic.append({"name": name, "op": "depthwise_conv2d", "channels": c, "batch": self.batch,
                             "in_h": h, "in_w": w, "kernel_h": k, "kernel_w": k, "stride": stride,
                             "padding": (k - 1) // 2})
        out = self.node(name, "DEPTHWISE_CONV_2D", [src], [self.batch, ho, wo, c],
                        macs=self.batch * ho * wo * k * k * c,
                        weights=self.weights(k * k * c, c))
        return out, ho, wo, c

    def add(self, name, a, b):
        return self.node(name, "ADD", [a[0], b[0]], [self.batch, a[1], a[2], a[3]]), a[1], a[2], a[3]

    def mean(self, name, x):
        return self.node(name, "MEAN", [x[0]], [self.batch, 1, 1, x[3]]), 1, 1, x[3]

    def se(self, p, x, squeeze):
        """Squeeze-excitation: MEAN, 1x1 CONV (ReLU), 1x1 CONV, LOGISTIC, MUL."""
        s = self.mean(p + ".pool", x)
        s = self.conv(p + ".fc1", s, squeeze, 1)
        s = self.conv(p + ".fc2", s, x[3], 1)
        g = self.node(p + ".sigmoid", "LOGISTIC", [s[0]], [self.batch, 1, 1, x[3]])
        return self.node(p + ".scale", "MUL", [x[0], g], [self.batch, x[1], x[2], x[3]]), x[1], x[2], x[3]

    def head(self, x, classes):
        x = self.mean("pool", x)
        b = self.batch
        r = self.node("flatten", "RESHAPE", [x[0]], [b, x[3]])
        fc = self.node("classifier", "FULLY_CONNECTED", [r], [b, classes], macs=b * x[3] * classes,
                       weights=self.weights(x[3] * classes, classes))
        self.generic.append({"name": "classifier", "op": "gemm", "m": b, "k": x[3], "n": classes,
                             "b_operand": "weight"})
        if self.quant == "FX8":  # float outputs
            fc = self.node("dequantize", "DEQUANTIZE", [fc], [b, classes], dtype="fp32")
            return self.node("softmax", "SOFTMAX", [fc], [b, classes], dtype="fp32")
        return self.node("softmax", "SOFTMAX", [fc], [b, classes])


def _divisible(v, divisor=8):
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def _inverted(g, p, x, out, k, stride, expand):
    y = x
    if expand != 1:
        y = g.conv(p + ".expand", y, x[3] * expand if isinstance(expand, int) else
                   int(round(x[3] * expand)), 1)
    y = g.dw(p + ".dw", y, k, stride)
    y = g.conv(p + ".project", y, out, 1)
    return g.add(p + ".add", x, y) if stride == 1 and x[3] == out else y


def mobilenet_v2(g, width, res=224, classes=1000):
    x = g.image(res)
    x = g.conv("stem", x, _divisible(32 * width), 3, 2)
    n = 0
    for t, c, reps, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                          (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(reps):
            x = _inverted(g, f"block{n}", x, _divisible(c * width), 3, s if i == 0 else 1, t)
            n += 1
    x = g.conv("head", x, _divisible(1280 * max(1.0, width)), 1)
    g.head(x, classes)


LITE = {0: (1.0, 1.0, 224), 1: (1.0, 1.1, 240), 2: (1.1, 1.2, 260), 3: (1.2, 1.4, 280), 4: (1.4, 1.8, 300)}


def efficientnet_lite(g, variant, classes=1000):
    width, depth, res = LITE[variant]
    x = g.image(res)
    x = g.conv("stem", x, 32, 3, 2)
    stages = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3),
              (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
    n = 0
    for i, (t, k, s, c, reps) in enumerate(stages):
        reps = reps if i in (0, len(stages) - 1) else int(math.ceil(depth * reps))
        for r in range(reps):
            x = _inverted(g, f"block{n}", x, _divisible(c * width), k, s if r == 0 else 1, t)
            n += 1
    x = g.conv("head", x, 1280, 1)
    g.head(x, classes)


REGNETY = {"008": ([1, 3, 8, 2], [64, 128, 320, 768], 16), "016": ([2, 6, 17, 2], [48, 120, 336, 888], 24)}


def regnety(g, size, classes=1000, res=224):
    depths, widths, gw = REGNETY[size]
    x = g.image(res)
    x = g.conv("stem", x, 32, 3, 2)
    for si, (d, w) in enumerate(zip(depths, widths)):
        for b in range(d):
            p = f"s{si + 1}.b{b + 1}"
            stride = 2 if b == 0 else 1
            inp = x
            y = g.conv(p + ".a", x, w, 1)
            y = g.conv(p + ".b", y, w, 3, stride, groups=w // gw)
            y = g.se(p + ".se", y, int(round(0.25 * inp[3])))
            y = g.conv(p + ".c", y, w, 1)
            if stride != 1 or inp[3] != w:
                inp = g.conv(p + ".proj", inp, w, 1, stride)
            x = g.add(p + ".add", inp, y)
    g.head(x, classes)


BUILDERS = {
    "mobilenet_v2_1.0": lambda g: mobilenet_v2(g, 1.0),
    "mobilenet_v2_1.4": lambda g: mobilenet_v2(g, 1.4),
    "efficientnet_lite0": lambda g: efficientnet_lite(g, 0),
    "efficientnet_lite2": lambda g: efficientnet_lite(g, 2),
    "efficientnet_lite4": lambda g: efficientnet_lite(g, 4),
    "regnety_008": lambda g: regnety(g, "008"),
    "regnety_016": lambda g: regnety(g, "016"),
}


def build(model, scheme):
    if model not in BUILDERS:
        raise ValueError(f"model `{model}` is not one of {', '.join(BUILDERS)}")
    g = CnnGraph(scheme)
    BUILDERS[model](g)
    return g


def graph(model, scheme):
    g = build(model, scheme)
    name = f"{model}_{scheme.lower()}"
    return bert_family.trace(name, g, g.generic, [f"CARIn UC1 {model} {scheme}"]), g.params, bert_family.flops(g)
