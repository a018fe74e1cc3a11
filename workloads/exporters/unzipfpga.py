"""Traces of the unzipFPGA paper's CNNs for the CNN engine (docs/cnn_engine.md).

ResNet-18/34/50 (torchvision shapes, BN folded, from exporters/cnn.py) and SqueezeNet 1.1, at
16-bit, each in the variants of spec §4: vanilla (no `ovsf:` section: every layer dense),
OVSF50 and OVSF25 (the stage ratios [1.0, 0.5, 0.5, 0.5] and [1.0, 0.4, 0.25, 0.125] on the
3x3 convolutions inside residual blocks / SqueezeNet's Fire expand3x3, Fire modules in pairs
per stage, spec §8.15) and, for ResNet-18/34, the Tay-X variants of §5.1 (block-internal
channels kept at one factor per variant, fitted to the paper's parameter count, spec §7.7)
alone and, as the paper has them, with OVSF50/25. The `ovsf:` model section carries the per-layer
ratios and the paper's GOp per inference (spec §8.16, for GOp/s rows).

  /usr/bin/python3 workloads/exporters/unzipfpga.py            # rewrite workloads/cnn_engine/
  /usr/bin/python3 workloads/exporters/unzipfpga.py --check    # exit 1 if a file is stale
"""
import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from exporters import cnn, emit  # noqa: E402

WORKLOADS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = "/usr/bin/python3 workloads/exporters/unzipfpga.py"

STAGE_RATIOS = {"ovsf50": [1.0, 0.5, 0.5, 0.5], "ovsf25": [1.0, 0.4, 0.25, 0.125]}
PAPER_GOP = {"resnet18": 4.03, "resnet34": 7.40, "resnet50": 8.41, "squeezenet1_1": 0.78}
# Tay-X parameter counts (millions) of spec §5.1, the paper's inputs: one keep factor per
# (CNN, X) is fitted to each (spec §7.7; for Tay82 it gives about 0.66 and 0.79 as the spec says).
TAY_PARAMS = {"resnet18": {"tay88": 9.1, "tay82": 7.9, "tay72": 6.0, "tay56": 3.7},
              "resnet34": {"tay82": 17.4, "tay72": 15.1, "tay56": 9.4, "tay45": 6.3}}


def params(layers):
    """Weights of the convolutions and the FC (BN folded: no separate parameters)."""
    n = 0
    for l in layers:
        if l["op"] == "conv2d":
            n += l["in_channels"] * l["out_channels"] * l["kernel_h"] * l["kernel_w"]
        elif l["op"] == "gemm":
            n += l["k"] * l["n"]
    return n


def keep_factor(net, tay):
    """The keep factor whose pruned model has the paper's parameter count (linear in keep)."""
    full = params(cnn.resnet(net))
    internal = full - params(prune(cnn.resnet(net), 0.0))  # what pruning scales
    return (TAY_PARAMS[net][tay] * 1e6 - (full - internal)) / internal


def squeezenet1_1(batch=1, image_size=224, num_classes=1000):
    """torchvision squeezenet1_1: Fire modules of squeeze 1x1, expand 1x1 and expand 3x3."""
    net = cnn.Net(batch)
    x = net.conv("features.0", (3, image_size, image_size), 64, 3, 2, 0, act="relu")
    x = net.pool("features.2", x, "max", 3, 2, 0)  # ceil_mode: equal to floor at these sizes
    fires = [(3, 16, 64), (4, 16, 64), None, (6, 32, 128), (7, 32, 128), None,
             (9, 48, 192), (10, 48, 192), (11, 64, 256), (12, 64, 256)]
    pool_at = {2: "features.5", 5: "features.8"}
    for i, f in enumerate(fires):
        if f is None:
            x = net.pool(pool_at[i], x, "max", 3, 2, 0)
            continue
        idx, squeeze, expand = f
        p = "features.%d" % idx
        s = net.conv(p + ".squeeze", x, squeeze, 1, act="relu")
        net.conv(p + ".expand1x1", s, expand, 1, act="relu")
        net.conv(p + ".expand3x3", s, expand, 3, 1, 1, act="relu")
        x = (2 * expand, s[1], s[2])  # the two expands concatenated
    x = net.conv("classifier.1", x, num_classes, 1, act="relu")
    net.pool("classifier.3", x, "global_avg")
    return net.layers


def ovsf_layers(net, layers):
    """{layer name: stage index} of the layers the weights generator makes (spec §2.2)."""
    out = {}
    fire_index = 0
    for layer in layers:
        name = layer["name"]
        if net.startswith("resnet"):
            if layer["op"] == "conv2d" and layer["kernel_h"] == 3 and name.startswith("layer"):
                out[name] = int(name[5]) - 1
        elif name.endswith(".expand3x3"):
            out[name] = fire_index // 2
            fire_index += 1
    return out


def prune(layers, keep):
    """Tay-X on basic blocks: each block's conv1 keeps round(keep x planes) output channels and
    conv2 reads them (block outputs stay, so residual shapes hold; spec §7.7)."""
    kept = {}
    for layer in layers:
        if layer["op"] != "conv2d" or not layer["name"].startswith("layer"):
            continue
        block, conv = layer["name"].rsplit(".", 1)
        if conv == "conv1":
            kept[block] = layer["out_channels"] = max(0, int(round(layer["out_channels"] * keep)))
        elif conv == "conv2":
            layer["in_channels"] = kept[block]
    return layers


def model(net, variant):
    layers = squeezenet1_1() if net == "squeezenet1_1" else cnn.resnet(net)
    parts = variant.split("+")
    if parts[0].startswith("tay"):
        layers = prune(layers, keep_factor(net, parts[0]))
        parts = parts[1:]
    ratios = {}
    if parts and parts[0] in STAGE_RATIOS:
        stage = STAGE_RATIOS[parts[0]]
        ratios = {name: stage[s] for name, s in ovsf_layers(net, layers).items()}
    return layers, ratios


def render(net, variant):
    layers, ratios = model(net, variant)
    name = "%s_%s" % (net, variant.replace("+", "_"))
    m = {"name": name, "batch": 1,
         "precision": {"activation": 16, "weight": 16, "output": 16}, "layers": layers}
    header = ["Generated by workloads/exporters/unzipfpga.py; do not edit by hand.",
              "Regenerate with: " + COMMAND,
              "%s, %s (spec ../shared/papers/unzipfpga.md §4); 16-bit, batch 1, BN folded."
              % (net, variant)]
    text = emit.render(name, "%s %s for the unzipFPGA CNN engine" % (net, variant), [m], header)
    section = ["    ovsf:", "      gop: %s" % PAPER_GOP[net]]
    if ratios:
        section.append("      ratios:")
        section += ["        %s: %s" % (k, v) for k, v in ratios.items()]
    return text.replace("    layers:\n", "\n".join(section) + "\n    layers:\n", 1)


VARIANTS = {
    "resnet18": ["vanilla", "ovsf50", "ovsf25", "tay88", "tay82", "tay72", "tay56", "tay82+ovsf50",
                 "tay82+ovsf25"],
    "resnet34": ["vanilla", "ovsf50", "ovsf25", "tay82", "tay72", "tay56", "tay45", "tay82+ovsf50",
                 "tay82+ovsf25", "tay72+ovsf50", "tay72+ovsf25"],
    "resnet50": ["vanilla", "ovsf50", "ovsf25"],
    "squeezenet1_1": ["vanilla", "ovsf50", "ovsf25"],
}


def generate():
    return {"cnn_engine/%s_%s.yaml" % (net, v.replace("+", "_")): render(net, v)
            for net, variants in VARIANTS.items() for v in variants}


def main(argv=None):
    return emit.committed_main(generate, __doc__, WORKLOADS_DIR, COMMAND, argv)


if __name__ == "__main__":
    sys.exit(main())
