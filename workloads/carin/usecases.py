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


# [P] carin.md §2 UC3 (CARIn Table 4): FP32 top-1 (%) of the MIT Indoor scene nets and YAMNet's
# AudioSet mAP. [I] The spec gives only the FP32 figures, so every scheme the model has gets the
# FP32 value (in UC1 the schemes differ by < 0.6 points). Table 8 quotes three int8 scene
# accuracies of the designs RASS kept (Lite2 FFX8 77.54, FX8 77.69, Lite0 FFX8 69.18); they are
# not used: only the kept variants' figures are known, so using them would favour exactly those.
UC3_FP32 = {"yamnet": 0.3756, "efficientnet_lite0_mit67": 69.78, "efficientnet_lite2_mit67": 76.72,
            "efficientnet_lite4_mit67": 79.33}
# [P] carin.md §2 UC4 (CARIn Table 5), FP32: gender and ethnicity accuracy (%), age MAE (years,
# minimised by uc4.yaml). [I] Every scheme gets the FP32 value, as for UC3.
UC4_FP32 = {"gendernet_mnv2": 95.12, "agenet_mnv2": 5.976, "ethninet_mnv2": 78.17}
# Multi-DNN use cases: one list of candidate models per DNN, in the tuple's order (the order of
# uc3.yaml's and uc4.yaml's per-DNN objectives; CARIn Table 8 writes {YAMNet, scene}).
MULTI_USECASES = {
    "uc3": (("yamnet",), ("efficientnet_lite0_mit67", "efficientnet_lite2_mit67",
                          "efficientnet_lite4_mit67")),
    "uc4": (("gendernet_mnv2",), ("agenet_mnv2",), ("ethninet_mnv2",)),
}
MULTI_ACCURACY = {"uc3": UC3_FP32, "uc4": UC4_FP32}


def graph_spec(model, fp32_accuracy):
    """A ModelSpec of a usecase_graphs model whose every scheme has the FP32 accuracy [I]."""
    schemes = usecase_graphs.MODELS[model][1]
    return ModelSpec(model, lambda scheme: usecase_graphs.graph(model, scheme),
                     {s: fp32_accuracy for s in schemes})


def multi_models(usecase):
    """The candidate ModelSpecs of each DNN of a multi-DNN use case (uc3, uc4)."""
    acc = MULTI_ACCURACY[usecase]
    return [[graph_spec(m, acc[m]) for m in slot] for slot in MULTI_USECASES[usecase]]


USECASES = {"uc1": uc1_models, "uc2": uc2_models}
