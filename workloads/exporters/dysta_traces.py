"""Synthetic-but-realistic sparsity traces and scenario YAMLs for Dysta's two settings
(docs/sparse.md; the real per-sample CSVs of the paper are not public).

Multi-CNN on the Eyeriss-V2-like accelerator: ResNet-50, VGG-16, MobileNetV1 and
SSD300-ResNet18, each with three weight-sparsity patterns (unstructured, block4, filter): 12
traces. Multi-AttNN on the Sanger-like accelerator: BERT, GPT-2 and BART (18 attention calls).

Per sample i and layer j (seeded, numpy's PCG64):
  CNN:   weight density w_j = 0.80 / 0.775 / 0.75 per third of the layers, times the pattern's
         factor (unstructured 1.00, block4 1.03, filter 0.90 +- 0.05) and N(0, 0.03) jitter;
         activation density a_ij = clip(mu_j + g_i + sigma (rho z_i + sqrt(1-rho^2) e_ij), 0.05, 1)
         with rho = 0.8, mu_j from 0.7 (first hidden layer) to 0.5 (last), the image input layer
         dense, g_i = 0 for the in-distribution half (Imagenette/COCO or VOC) and -0.08 for the
         low-light half (DarkFace/ExDark), sigma per model (spec §9: the effectual-MAC range
         targets need sigma ~0.004-0.015, not 0.06).
  AttNN: log d_ij = log dbar_j + sigma (rho z_i + sqrt(1-rho^2) e_ij), rho = 0.85, sigma = 0.15
         (spec §9), dbar_j in [0.05, 0.2]; utilisation u_ij = clip(u0 (d_ij/dbar_j)^0.3
         (1 + N(0, 0.05)), 0.05, 1), u0 = dbar_j / 1.2 (mean x = d/u about 1.2).
The latency column (latency_s) is the accelerator's analytic latency (the same equations as
models/sparse/*_timing.h) scaled per model architecture so that the mean over the replayed
samples (the first 7) meets the load calibration: multi-CNN per-model means MobileNet 0.05 s,
ResNet-50 0.27 s, SSD 0.25 s, VGG-16 0.65 s rescaled to a 0.29 s mix; multi-AttNN BART's
per-layer latency 2.35x BERT's and GPT-2's with a 31.9 ms mix (spec §9.1 suggests 32.5 ms; with
these traces 31.9 ms meets its FCFS and SJF ANTT targets on family A, see ATTNN_MIX_S). The
scenarios replay it (`latency_source: replay`).

    /usr/bin/python3 workloads/exporters/dysta_traces.py --out workloads/sparse [--seed 1]
        [--samples 400] [--family A|B]

writes traces/<model>_<pattern>.csv and multi_cnn.yaml / multi_attnn.yaml. Seed family A
(seeds 1..) is for development; B (seed + 1000) is the held-out family the reproduction reports.

`--config unseen` writes the spec's held-out variant (c), a configuration nothing was tuned on:
every CNN 60 % sparse (weight densities scaled to a 0.40 mean, from 0.775) and the AttNNs at
sequence lengths 128 and 384 (two entries per model, <model>_s128 / _s384, instead of 512). The
latencies keep the accelerator's scale calibrated on the paper configuration (same hardware,
lighter work), and each scenario's rate is rescaled so the load rho stays that of the paper
configuration: rate x (mean isolated latency of the paper mix) / (that of the unseen mix).
"""

import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn  # noqa: E402

PATTERNS = {"unstructured": (1.00, 0.0), "block4": (1.03, 0.0), "filter": (0.90, 0.05)}
CNN_TARGET_S = {"mobilenet_v1": 0.05, "resnet50": 0.27, "ssd300_resnet18": 0.25, "vgg16": 0.65}
CNN_MIX_S = 0.29
CNN_SIGMA = {"mobilenet_v1": 0.010, "resnet50": 0.008, "ssd300_resnet18": 0.010, "vgg16": 0.012}
ATTNN_LAYERS = {"bert": 12, "gpt2": 12, "bart": 18}
ATTNN_LAYER_FACTOR = {"bert": 1.0, "gpt2": 1.0, "bart": 2.35}
# Calibrated on trace family A with arrival seeds 1-20 (spec §9.1: FCFS ANTT 18.9 and SJF ANTT
# 5.0 at 30/s, M_slo = 10): 32.5 ms gave 24.5 / 5.95, 31.8 ms 18.6 / 4.80, 32.0 ms 20.1 / 5.09.
ATTNN_MIX_S = 0.0319
REPLAYED = 7  # the artifact's sample pool: the first 7 samples
UNSEEN_WEIGHT_DENSITY = 0.40  # variant (c): 60 % sparse CNNs
UNSEEN_SEQ_LENS = (128, 384)  # variant (c): the AttNNs' sequence lengths


# --- layer shapes ---------------------------------------------------------------------------

def _convs(layers):
    return [op for op in layers if op["op"] in ("conv2d", "depthwise_conv2d", "gemm")]


def vgg16():
    net = cnn.Net(1)
    x = (3, 224, 224)
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    i = 0
    for v in cfg:
        if v == "M":
            x = net.pool("features.%d" % i, x, "max", 2, 2)
        else:
            x = net.conv("features.%d" % i, x, v, 3, 1, 1, act="relu")
        i += 1
    net.linear("classifier.0", 512 * 7 * 7, 4096)
    net.linear("classifier.3", 4096, 4096)
    net.linear("classifier.6", 4096, 1000)
    return _convs(net.layers)


def mobilenet_v1():
    net = cnn.Net(1)
    x = net.conv("model.0.0", (3, 224, 224), 32, 3, 2, 1, act="relu")
    spec = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
        [(1024, 2), (1024, 1)]
    for k, (out, stride) in enumerate(spec):
        x = net.depthwise("model.%d.0" % (k + 1), x, 3, stride, 1, act="relu")
        x = net.conv("model.%d.3" % (k + 1), x, out, 1, act="relu")
    net.linear("fc", 1024, 1000)
    return _convs(net.layers)


def ssd300_resnet18():
    """SSD300 on a ResNet-18 backbone (its conv layers at 300x300: feature maps 38, 19 and 10
    from layer2..4), three extra blocks (10 -> 5 -> 3 -> 1) and 3x3 location + confidence heads
    on the six feature maps (21 VOC classes, 4 or 6 boxes per cell)."""
    layers = [op for op in cnn.resnet("resnet18", image_size=300) if op["op"] == "conv2d"]
    net = cnn.Net(1)
    x = (512, 10, 10)
    feats = [(128, 38), (256, 19), (512, 10)]
    for k, (mid, out, stride, pad) in enumerate([(256, 512, 2, 1), (128, 256, 2, 1),
                                                 (128, 256, 1, 0)]):
        x = net.conv("extras.%d.0" % k, x, mid, 1, act="relu")
        x = net.conv("extras.%d.1" % k, x, out, 3, stride, pad, act="relu")
        feats.append((out, x[1]))
    for k, (c, hw) in enumerate(feats):
        boxes = 4 if k in (0, 4, 5) else 6
        net.conv("loc.%d" % k, (c, hw, hw), boxes * 4, 3, 1, 1)
        net.conv("conf.%d" % k, (c, hw, hw), boxes * 21, 3, 1, 1)
    return layers + _convs(net.layers)


CNN_MODELS = {"resnet50": lambda: _convs(cnn.resnet("resnet50")), "vgg16": vgg16,
              "mobilenet_v1": mobilenet_v1, "ssd300_resnet18": ssd300_resnet18}


# --- latency models (models/sparse/eyeriss_v2_timing.h, sanger_timing.h) --------------------

def _pow2_floor(v):
    p = 1
    while p * 2 <= v:
        p *= 2
    return p


def conv_shape(op):
    if op["op"] == "conv2d":
        return op["in_channels"], op["out_channels"], op["kernel_h"], op["kernel_w"], \
            op["in_h"], op["in_w"]
    if op["op"] == "depthwise_conv2d":
        return 1, op["channels"], op["kernel_h"], op["kernel_w"], op["in_h"], op["in_w"]
    return op["k"], op["n"], 1, 1, 1, 1  # gemm: a 1x1 conv


def eyeriss_cycles(op, wd, ad, pes=192, glb_bank_bytes=2560):
    c, m, r, s, h, w = conv_shape(op)
    c0 = c if c <= 3 else min(c, _pow2_floor(16 // r))
    e = h
    f0 = min(w, _pow2_floor(glb_bank_bytes * 8 // max(1, e * r * c0 * 8)))
    m0 = min(32, m)
    c1, f1, s1, m1 = min(8, -(-c // c0)), min(4, -(-w // f0)), min(3, s), min(2, -(-m // m0))
    c2, f2, s2, m2 = -(-c // (c0 * c1)), -(-w // (f0 * f1)), -(-s // s1), -(-m // (m0 * m1))
    macs = m * c * r * s * h * w
    eff = macs * wd * ad
    a = m1 * f1 * c1 * s1 * m2 * f2 * c2 * s2 * e * f0
    rnz = c / c0 * h * w * (1 - (1 - ad) ** (r * c0))
    wr = 2 * m1 * s1 * m2 * s2 * rnz
    return np.floor((4 * eff + a + wr) / pes)


def sanger_seconds(d, u, n=512, hidden=768, tile=64):
    x = d / u
    nsub = 4 * x * n
    return n * hidden ** 2 * 6 / 2.048e12 + n * hidden ** 2 * 2 * x / 2.048e12 + \
        (nsub / tile) * (hidden + tile + nsub + tile) * (n / tile) / 1e9


# --- traces -----------------------------------------------------------------------------------

def cnn_traces(arch, samples, rng, unseen=False):
    layers = CNN_MODELS[arch]()
    n_l = len(layers)
    mu = np.array([1.0] + list(np.linspace(0.7, 0.5, n_l - 1)))
    low = np.arange(samples) >= (samples // 3 if arch == "ssd300_resnet18" else samples // 2)
    g = np.where(low, -0.08, 0.0)
    z = rng.standard_normal(samples)
    eps = rng.standard_normal((samples, n_l))
    rho, sigma = 0.8, CNN_SIGMA[arch]
    act = np.clip(mu[None, :] + g[:, None] + sigma * (rho * z[:, None] +
                                                        math.sqrt(1 - rho ** 2) * eps), 0.05, 1.0)
    act[:, 0] = 1.0  # the image input is dense
    wd_group = np.array([0.80 if j < n_l / 3 else 0.775 if j < 2 * n_l / 3 else 0.75
                         for j in range(n_l)])
    out, paper_s = {}, []
    for pattern, (kappa, spread) in PATTERNS.items():
        k = kappa + spread * rng.uniform(-1, 1) + 0.03 * rng.standard_normal(n_l)
        wd = np.clip(wd_group * k, 0.01, 1.0)

        def seconds(w):
            return np.stack([eyeriss_cycles(op, w[j], act[:, j]) for j, op in enumerate(layers)],
                            axis=1) / 200e6
        paper_s.append(seconds(wd))
        if unseen:
            wd = np.clip(wd * UNSEEN_WEIGHT_DENSITY / np.mean(wd_group), 0.01, 1.0)
        out[pattern] = {"density": act, "weight_density": np.tile(wd, (samples, 1)),
                        "seconds": seconds(wd) if unseen else paper_s[-1],
                        "group": np.where(low, "lowlight", "in_dist")}
    # The scale is the paper configuration's in both cases (the hardware does not change).
    scale = CNN_TARGET_S[arch] * CNN_MIX_S / np.mean(list(CNN_TARGET_S.values())) / np.mean(
        [t[:REPLAYED].sum(axis=1).mean() for t in paper_s])
    for t in out.values():
        t["latency_s"] = t["seconds"] * scale
    return layers, out


def attnn_trace(model, samples, rng, seq_len=512):
    n_l = ATTNN_LAYERS[model]
    dbar = rng.uniform(0.05, 0.2, n_l)
    rho, sigma = 0.85, 0.15
    z = rng.standard_normal(samples)
    eps = rng.standard_normal((samples, n_l))
    d = np.clip(np.exp(np.log(dbar)[None, :] + sigma * (rho * z[:, None] +
                                                          math.sqrt(1 - rho ** 2) * eps)), 0, 1)
    u0 = dbar / 1.2
    u = np.clip(u0[None, :] * (d / dbar[None, :]) ** 0.3 *
                (1 + 0.05 * rng.standard_normal((samples, n_l))), 0.05, 1.0)
    seconds = sanger_seconds(d, u, n=seq_len)
    per_layer = ATTNN_MIX_S * len(ATTNN_LAYERS) / sum(
        ATTNN_LAYERS[m] * ATTNN_LAYER_FACTOR[m] for m in ATTNN_LAYERS)
    target = per_layer * ATTNN_LAYER_FACTOR[model] * n_l
    # The scale is calibrated at 512 tokens whatever the sequence length (the same hardware).
    lat = seconds * target / sanger_seconds(d, u)[:REPLAYED].sum(axis=1).mean()
    layers = [{"name": "attn.%d" % j, "op": "attention", "heads": 12, "q_len": seq_len,
               "kv_len": seq_len, "head_dim": 64} for j in range(n_l)]
    return layers, {"density": d, "utilisation": u, "latency_s": lat,
                    "group": np.array(["in_dist"] * samples)}


def write_csv(path, layers, t):
    cols = [c for c in ("density", "weight_density", "utilisation", "latency_s") if c in t]
    with open(path, "w") as f:
        f.write("sample,layer,%s,dataset_group\n" % ",".join(cols))
        for i in range(t["density"].shape[0]):
            for j, op in enumerate(layers):
                f.write("%d,%s,%s,%s\n" % (i, op["name"], ",".join(
                    "%.9g" % t[c][i, j] for c in cols), t["group"][i]))


def _flow(op):
    return "{" + ", ".join("%s: %s" % (k, v) for k, v in op.items()) + "}"


def write_scenario(path, name, entries, requests):
    with open(path, "w") as f:
        f.write("# Generated by workloads/exporters/dysta_traces.py (docs/sparse.md).\n")
        f.write("schema_version: 1\nname: %s\nmodels:\n" % name)
        written = set()  # an architecture's layers once, then a YAML alias to them
        for model, arch, pattern, layers in entries:
            f.write("  - name: %s\n    sparse: {arch: %s, pattern: %s, trace: traces/%s.csv}\n"
                    % (model, arch, pattern, model))
            if arch in written:
                f.write("    layers: *%s\n" % arch)
                continue
            written.add(arch)
            f.write("    layers: &%s\n" % arch)
            for op in layers:
                f.write("      - %s\n" % _flow(op))
        f.write("requests:\n")
        for k, v in requests.items():
            f.write("  %s: %s\n" % (k, v))


def _mix_s(traces):
    """Mean isolated latency of a uniform mix over `traces` (their replayed samples)."""
    return float(np.mean([t["latency_s"][:REPLAYED].sum(axis=1).mean() for t in traces]))


def export(out, seed=1, samples=400, family="A", config="paper"):
    """Writes the traces and scenarios of `family` in `config` (paper | unseen) to `out`."""
    unseen = config == "unseen"
    base = seed + (1000 if family == "B" else 0)
    os.makedirs(os.path.join(out, "traces"), exist_ok=True)
    stream = {"arrivals": "poisson", "count": 1000, "seed": 1, "priorities": "[1, 3, 9]",
              "sample_pool": REPLAYED, "slo_multiplier": 10, "decisions": "every_boundary",
              "scheduler": "{type: dysta}"}
    entries, written, paper = [], [], []
    for k, arch in enumerate(sorted(CNN_MODELS)):
        n = samples * 3 // 4 if arch == "ssd300_resnet18" else samples  # SSD: VOC, no COCO
        layers, traces = cnn_traces(arch, n, np.random.default_rng([base, k]), unseen)
        if unseen:
            paper += cnn_traces(arch, n, np.random.default_rng([base, k]))[1].values()
        for pattern, t in traces.items():
            model = "%s_%s" % (arch, pattern)
            write_csv(os.path.join(out, "traces", model + ".csv"), layers, t)
            entries.append((model, arch, pattern, layers))
            written.append(t)
    rate = 3 * (_mix_s(paper) / _mix_s(written) if unseen else 1)
    write_scenario(os.path.join(out, "multi_cnn.yaml"), "multi_cnn", entries,
                   dict(stream, rate="%.6g" % rate))
    entries, written, paper = [], [], []
    for k, model in enumerate(ATTNN_LAYERS):
        for n in UNSEEN_SEQ_LENS if unseen else (512,):
            layers, t = attnn_trace(model, samples, np.random.default_rng([base, 100 + k]), n)
            name = "%s_s%d" % (model, n) if unseen else model + "_dynamic"
            write_csv(os.path.join(out, "traces", name + ".csv"), layers, t)
            entries.append((name, model if not unseen else name, "dynamic", layers))
            written.append(t)
        if unseen:
            paper.append(attnn_trace(model, samples, np.random.default_rng([base, 100 + k]))[1])
    rate = 30 * (_mix_s(paper) / _mix_s(written) if unseen else 1)
    write_scenario(os.path.join(out, "multi_attnn.yaml"), "multi_attnn", entries,
                   dict(stream, rate="%.6g" % rate))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "sparse"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--family", choices=["A", "B"], default="A")
    ap.add_argument("--config", choices=["paper", "unseen"], default="paper",
                    help="unseen: held-out variant (c), 60%% sparse CNNs and AttNNs at 128/384 tokens")
    a = ap.parse_args()
    export(a.out, a.seed, a.samples, a.family, a.config)


if __name__ == "__main__":
    main()
