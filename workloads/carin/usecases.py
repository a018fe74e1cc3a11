"""CARIn's use cases (carin.md §2, Tables 2-5): each model's graph for a quantisation scheme and
its accuracy per scheme. Accuracies are inputs from the paper (the suite cannot compute them),
labelled as such in every report; a scheme without an accuracy ("-" in the paper) has no
variant. UC2's BERT and XtremeDistil use ReLU and folded BatchNorm, as CARIn deployed them
("for mobile-friendliness"); MobileBERT is native (ReLU, NoNorm). Sequence length 64, 6 classes.
"""
import os
import sys

from . import cnn_graphs, usecase_graphs
from .profiler import ModelSpec

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "exporters"))
import bert_family  # noqa: E402

SCHEMES = ("FP32", "FP16", "DR8", "FX8", "FFX8")


def _acc(*values):
    return {s: v for s, v in zip(SCHEMES, values) if v is not None}


# [P] carin.md §2 UC2 (CARIn Table 3): accuracy (%) for FP32, FP16, DR8, FX8, FFX8.
UC2_ACCURACY = {
    "bert_l2_h128": _acc(92.10, 92.10, 91.90, 91.75, 91.75),
    "xtremedistil_l6_h256": _acc(93.30, 93.30, 93.20, 93.15, 93.20),
    "mobilebert": _acc(93.80, 93.80, 93.80, 93.65, 94.10),
}
# [P] carin.md §2 UC1 (CARIn Table 2): top-1 (%) for FP32, FP16, DR8, FX8, FFX8.
UC1_ACCURACY = {
    "mobilenet_v2_1.0": _acc(71.92, 71.96, 71.65, 71.28, 71.26),
    "regnety_008": _acc(74.28, 74.28, 74.18, 74.45, 74.47),
    "mobilevit_xs": _acc(74.61, 74.61, None, None, None),
    "efficientnet_lite0": _acc(75.19, 75.23, 75.14, 75.09, 75.11),
    "mobilenet_v2_1.4": _acc(75.66, 75.68, 75.47, 75.41, 75.45),
    "regnety_016": _acc(76.76, 76.76, 76.62, 76.92, 76.84),
    "mobilevit_s": _acc(78.31, 78.30, None, None, None),
    "efficientnet_lite4": _acc(80.81, 80.80, 80.78, 80.69, 80.71),
}


def bert_graph(model):
    cfg = dict(bert_family.PRESETS[model])
    if not cfg.get("mobilebert"):
        cfg.update(act="relu", norm="bn_folded")

    def graph(scheme):
        g, generic = bert_family.encoder(model, seq=64, quant=scheme, **cfg)
        name = f"{model}_s64_{scheme.lower()}"
        return bert_family.trace(name, g, generic, [f"CARIn UC2 {model} {scheme}"]), g.params, \
            bert_family.flops(g)
    return graph


def uc2_models():
    return [ModelSpec(m, bert_graph(m), UC2_ACCURACY[m]) for m in UC2_ACCURACY]


def uc1_models():
    """UC1's classifiers: the CNNs of cnn_graphs.py and MobileViT-XS/S (usecase_graphs.py; FP32
    and FP16 only, as in the paper)."""
    def spec(m):
        mod = cnn_graphs if m in cnn_graphs.BUILDERS else usecase_graphs
        return ModelSpec(m, lambda scheme: mod.graph(m, scheme), UC1_ACCURACY[m])
    return [spec(m) for m in UC1_ACCURACY]


USECASES = {"uc1": uc1_models, "uc2": uc2_models}
