"""Convert the tiny-training backbones' layer dicts (.pkl) into committed JSON shapes.

Run once, with python3-torch, on a checkout of mit-han-lab/tiny-training (MIT licence):

    /usr/bin/python3 workloads/exporters/tiny_training_shapes.py REPO_DIR COMMIT

It reads algorithm/assets/mcu_models/{mcunet-5fps,mbv2-w0.35,proxyless-w0.3}.pkl and writes
workloads/ondevice/backbones/<name>.json: per conv layer its shapes only (no weights), with the
provenance (repository, commit, file). The exporters read the JSON; the .pkl is not vendored.
"""
import json
import os
import sys

NAMES = ["mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3"]
OUT = os.path.join(os.path.dirname(__file__), "..", "ondevice", "backbones")


def conv_record(name, block, d, relu):
    return {
        "name": name,
        "block": block,
        "in_channels": d["in_channel"],
        "out_channels": d["out_channel"],
        "kernel": d["kernel_size"][0] if "kernel_size" in d else 1,
        "stride": d["stride"],
        "groups": d["groups"],
        "in_hw": d.get("in_shape"),
        "out_hw": d.get("out_shape"),
        # ReLU6 after the expansion and depthwise convs of an inverted residual block and after
        # the stem; the projection (pointwise2) is linear (MobileNetV2 convention).
        "relu": relu,
    }


def convert(repo, commit, name):
    import torch  # only the converter needs it

    path = os.path.join(repo, "algorithm", "assets", "mcu_models", name + ".pkl")
    d = torch.load(path, map_location="cpu")
    convs = [conv_record("first_conv", -1, d["first_conv"], True)]
    for b, blk in enumerate(d["blocks"]):
        for part in ("pointwise1", "depthwise", "pointwise2"):
            if blk.get(part) is not None:
                convs.append(conv_record(f"blocks.{b}.{part}", b, blk[part], part != "pointwise2"))
        if blk.get("residual") is not None:
            convs[-1]["residual"] = True
    cls = d["classifier"]
    feat_hw = convs[-1]["out_hw"]
    return {
        "name": name,
        "provenance": {
            "repository": "https://github.com/mit-han-lab/tiny-training",
            "commit": commit,
            "file": f"algorithm/assets/mcu_models/{name}.pkl",
            "licence": "MIT",
        },
        "input": [3, 128, 128],
        "convs": convs,
        "classifier": {"in_features": cls["in_channel"], "out_features": cls["out_channel"],
                       "pool_hw": feat_hw},
    }


def main():
    repo, commit = sys.argv[1], sys.argv[2]
    for name in NAMES:
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(convert(repo, commit, name), f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
