"""CARIn's use-case models beyond UC1's CNNs (workloads/carin/usecase_graphs.py) against the
parameter and FLOP counts of carin.md §2 (CARIn Tables 2, 4, 5), with structural checks.

Tolerance: carin.md gives none for these counts, so we use the UC1 test's 2 %
(test_carin.py), widened to half a unit of the paper's last printed digit where that is larger
(0.14 G: +-0.005, 3.6 %; 0.04 G: 12.5 %). FLOPs are 2 x MACs (the design table's W). A count
that misses is listed in MISSES with our value pinned: the test fails if the graph changes and
also if the count starts to match (then docs/mobile_soc.md's table is stale).
"""
import math
import os
import sys
import tempfile
from collections import Counter

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)

from workloads.carin import cnn_graphs, usecase_graphs  # noqa: E402
from workloads.exporters import bert_family  # noqa: E402


def tolerance(paper, decimals=2):
    """The paper prints these counts with 2 decimals."""
    return max(0.02, 0.5 * 10 ** -decimals / paper)


def counts(model, scheme="FP32"):
    g = usecase_graphs.build(model, scheme)
    return g, bert_family.flops(g) / 1e9, g.params / 1e6


def weight_params(g, prefix):
    """Parameters of the nodes named prefix*, from FP32 weight bytes (weights and biases 4 B)."""
    return sum(n.get("weight_bytes", 0) for n in g.nodes if n["name"].startswith(prefix)) // 4


# (model, GFLOPs or None, M parameters or None): the paper's counts [P].
MATCHES = [
    # UC1 (Table 2). MobileViT-XS 2.10 G is in MISSES: 2 x MACs gives 2.052 G (-2.3 %).
    ("mobilevit_xs", None, 2.31),   # ours 2,313,624 (+0.16 %)
    ("mobilevit_s", 4.06, 5.57),    # ours 4.0017 G (-1.4 %), 5,572,504 (+0.04 %)
    # UC3 (Table 4): YAMNet 0.14 G / 3.75 M; ours 0.1425 G (+1.8 %, inside 0.14 +- 0.005),
    # 3,729,481 (-0.55 %).
    ("yamnet", 0.14, 3.75),
]
# (model, quantity, paper, ours pinned): documented misses (docs/mobile_soc.md "Use-case models").
MISSES = [
    # 2 x MACs = 2 x 1,025,911,808. Counting also one FLOP per output element of every other
    # operator and per bias, as a TF profiler does, gives 2.1039 G (+0.2 %): test below.
    ("mobilevit_xs", "GFLOPs", 2.10, 2.0518),
    # UC3 EfficientNet-Lite with 67 classes: UC3's FLOPs are below UC1's by more than the head
    # (carin.md §7 item 7); ours are UC1's less 2 x 1280 x 933 MACs of the 1000-class head.
    ("efficientnet_lite0_mit67", "GFLOPs", 0.59, 0.7680),   # +30 %
    ("efficientnet_lite2_mit67", "GFLOPs", 1.51, 1.7171),   # +14 %
    ("efficientnet_lite4_mit67", "GFLOPs", 4.57, 5.1037),   # +12 %
    # UC4: MobileNetV2-0.5 at 62^2, batch 4 [I]. The paper's 0.04 G is neither one image
    # (0.0155 G) nor the batch of 4 (0.0621 G); 0.66 M is 3-4 % under ours (heads 2, 1, 5).
    ("gendernet_mnv2", "GFLOPs", 0.04, 0.06207),
    ("gendernet_mnv2", "Mparams", 0.66, 0.68097),   # 678,408 body + 1280 x 2 + 2
    ("agenet_mnv2", "Mparams", 0.66, 0.67969),      # 678,408 + 1280 + 1
    ("ethninet_mnv2", "Mparams", 0.66, 0.68481),    # 678,408 + 1280 x 5 + 5
]


@pytest.mark.parametrize("model,gflops,mparams", MATCHES)
def test_counts_match_the_paper(model, gflops, mparams):
    _, f, p = counts(model)
    if gflops is not None:
        assert f == pytest.approx(gflops, rel=tolerance(gflops))
    if mparams is not None:
        assert p == pytest.approx(mparams, rel=tolerance(mparams))


@pytest.mark.parametrize("model,quantity,paper,ours", MISSES)
def test_documented_misses_stay_as_documented(model, quantity, paper, ours):
    _, f, p = counts(model)
    value = f if quantity == "GFLOPs" else p
    assert value == pytest.approx(ours, rel=5e-4)
    assert abs(value / paper - 1) > tolerance(paper)


def test_mobilevit_flops_with_element_wise_work_match_the_paper():
    # 2 x MACs + one FLOP per output element of operators without MACs (SiLU, LayerNorm,
    # SOFTMAX, ADD, reshapes) + one per output element of a MAC operator (its bias add):
    # XS 2.1039 G vs 2.10 (+0.2 %), S 4.0669 G vs 4.06 (+0.2 %).
    for model, paper in (("mobilevit_xs", 2.10), ("mobilevit_s", 4.06)):
        g = usecase_graphs.build(model, "FP32")
        elems = sum(math.prod(n["shape"]) for n in g.nodes)
        assert (bert_family.flops(g) + elems) / 1e9 == pytest.approx(paper, rel=0.01)


@pytest.mark.parametrize("model,C,d,L", [("mobilevit_xs", 64, 96, 2), ("mobilevit_s", 96, 144, 2)])
def test_mobilevit_block_parameters_and_attention_macs(model, C, d, L):
    g = usecase_graphs.build(model, "FP32")
    # MobileViT block of layer 3: 3x3 conv C->C (9C^2 + C), 1x1 C->d without bias (Cd), L
    # transformer layers (2 LayerNorms 4d, Q/K/V/out 4(d^2 + d), FFN d->2d->d 4d^2 + 3d:
    # 8d^2 + 11d each), final LayerNorm 2d, 1x1 d->C (dC + C), 3x3 fusion 2C->C (18C^2 + C).
    expected = 9 * C * C + C + C * d + L * (8 * d * d + 11 * d) + 2 * d + d * C + C + 18 * C * C + C
    assert weight_params(g, "layer3.mvit") == expected  # XS 272,832; S 612,000
    # Attention at 256^2: layer 3 runs on 32x32 -> P = 4 pixels per 2x2 patch, N = 256 patches;
    # QK^T and PV are P x N^2 x d MACs each (4 heads of d/4).
    mm = [n for n in g.nodes if n["name"].startswith("layer3.mvit.t0.") and n["op"] == "BATCH_MATMUL"]
    assert [n["macs"] for n in mm] == [4 * 256 * 256 * d] * 2
    assert mm[0]["shape"] == [4, 4, 256, 256]


def test_mobilevit_has_the_transformer_operators_and_no_int8_variant():
    g = usecase_graphs.build("mobilevit_xs", "FP16")
    ops = Counter(n["op"] for n in g.nodes)
    layers = sum(usecase_graphs.MOBILEVIT_DEPTHS)  # 2 + 4 + 3 = 9 transformer layers
    assert ops["BATCH_MATMUL"] == 2 * layers
    assert ops["SOFTMAX"] == layers + 1  # one per attention, one classifier
    # LayerNorm as 9 ops: 2 per layer + 1 per block = 21; MEAN twice each, plus the pool.
    assert ops["RSQRT"] == ops["SQUARED_DIFFERENCE"] == 2 * layers + 3
    assert ops["MEAN"] == 2 * (2 * layers + 3) + 1
    # Q, K, V, out, FFN up and down per layer, 6 x 9 = 54, plus the classifier.
    assert ops["FULLY_CONNECTED"] == 6 * layers + 1
    assert ops["CONCATENATION"] == 3 and ops["LOGISTIC"] > 0  # fusion; SiLU = LOGISTIC + MUL
    assert g.wbytes == 2 and g.inputs[0]["shape"] == [1, 256, 256, 3]
    for scheme in ("DR8", "FX8", "FFX8"):  # carin.md §2: "74.61, 74.61, -, -, -"
        with pytest.raises(ValueError, match="no %s variant" % scheme):
            usecase_graphs.build("mobilevit_xs", scheme)


def test_yamnet_front_end_and_body():
    g = usecase_graphs.build("yamnet", "FP32")
    assert g.inputs == [{"name": "waveform", "shape": [15600], "dtype": "fp32"}]  # 975 ms at 16 kHz
    front = [n["op"] for n in g.nodes[:12]]
    assert front == ["RESHAPE", "GATHER", "RESHAPE", "MUL", "RESHAPE", "RFFT2D", "COMPLEX_ABS",
                     "RESHAPE", "FULLY_CONNECTED", "ADD", "LOG", "RESHAPE"]
    by = {n["name"]: n for n in g.nodes}
    # 1 + (15600 - 400) // 160 = 96 frames; 512-point FFT: 257 bins; 64 mel bands.
    assert by["frames"]["shape"] == [96, 400]
    assert by["stft.rfft"]["shape"] == [96, 1, 257, 2]  # complex64 as fp32 pairs
    assert by["stft.rfft"]["macs"] == 96 * 2.5 * 256 * 8  # [assumed] 2.5 (N/2) log2(N/2)
    assert by["mel"]["macs"] == 96 * 257 * 64 and by["patch"]["shape"] == [1, 96, 64, 1]
    assert by["sep13.pw"]["shape"] == [1, 3, 2, 1024]  # the README's 3x2 x 1024 activations
    assert g.nodes[-1]["op"] == "LOGISTIC" and g.nodes[-1]["shape"] == [1, 521]
    # Parameters by hand: stem 9 x 32 + 32; a separable layer c -> c' has 9c + c (depthwise,
    # folded BN) + c c' + c'; classifier 1024 x 521 + 521. Front-end constants are not parameters.
    seps = [(32, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512)] + \
        [(512, 512)] * 5 + [(512, 1024), (1024, 1024)]
    assert g.params == 320 + sum(10 * c + c * o + o for c, o in seps) + 1024 * 521 + 521  # 3,729,481
    for scheme in ("FX8", "FFX8"):  # carin.md §2: "no FX8/FFX8"
        with pytest.raises(ValueError):
            usecase_graphs.build("yamnet", scheme)
    assert usecase_graphs.build("yamnet", "DR8").nodes[0]["dtype"] == "fp32"


def test_uc3_efficientnet_lite_heads_and_inputs():
    for v, res, uc1 in ((0, 224, 0.77), (2, 260, None), (4, 300, 5.11)):
        g, f, _ = counts(f"efficientnet_lite{v}_mit67", "FFX8")
        assert g.inputs[0]["shape"] == [1, res, res, 3] and g.nodes[-1]["shape"] == [1, 67]
        if uc1:  # the architecture is UC1's: FLOPs within 2 % of UC1's figure (§7 item 7)
            assert f == pytest.approx(uc1, rel=0.02)


def test_uc4_nets_honour_the_batch_and_their_heads():
    one = usecase_graphs.UseCaseGraph("FP32", 1)
    cnn_graphs.mobilenet_v2(one, 0.5, res=62, classes=2)
    # FX8: int8 inside, float outputs. Age is a regression (the paper reports its MAE): its
    # FC's output is dequantised and not put through a SOFTMAX.
    for model, tail, classes in (("gendernet_mnv2", ["DEQUANTIZE", "SOFTMAX"], 2),
                                 ("agenet_mnv2", ["FULLY_CONNECTED", "DEQUANTIZE"], 1),
                                 ("ethninet_mnv2", ["DEQUANTIZE", "SOFTMAX"], 5)):
        g = usecase_graphs.build(model, "FX8")
        assert g.inputs[0]["shape"] == [4, 62, 62, 3]
        assert all(n["shape"][0] == 4 for n in g.nodes)
        assert [n["op"] for n in g.nodes[-2:]] == tail
        assert g.nodes[-1]["shape"] == [4, classes] and g.nodes[-1]["dtype"] == "fp32"
    g = usecase_graphs.build("gendernet_mnv2", "FP32")
    # Batch 4: four times the MACs of one image, the same parameters.
    assert bert_family.flops(g) == 4 * bert_family.flops(one) and g.params == one.params
    assert next(n for n in g.generic if n["name"] == "classifier")["m"] == 4


def test_unknown_model_and_cli(capsys):
    with pytest.raises(ValueError, match="not one of"):
        usecase_graphs.build("mobilevit_xxs", "FP32")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "y.yaml")
        assert usecase_graphs.main(["yamnet", "--quant", "DR8", "--out", out]) == 0
        text = open(out).read()
        assert "name: yamnet_dr8" in text and "op: RFFT2D" in text
        with pytest.raises(SystemExit):  # no int8 MobileViT
            usecase_graphs.main(["mobilevit_s", "--quant", "FFX8"])
    assert "0.1425 GFLOPs" in capsys.readouterr().err


def test_docs_table_is_the_computed_one():
    # docs/mobile_soc.md "Use-case models": the "ours" halves are what the graphs compute.
    with open(os.path.join(ROOT, "docs", "mobile_soc.md")) as f:
        doc = f.read()
    uc1 = ["mobilenet_v2_1.0", "mobilenet_v2_1.4", "efficientnet_lite0", "efficientnet_lite4", "regnety_008",
           "regnety_016"]
    for model in uc1 + list(usecase_graphs.MODELS):
        g = cnn_graphs.build(model, "FP32") if model in uc1 else usecase_graphs.build(model, "FP32")
        rows = [line for line in doc.splitlines() if line.startswith("| ") and "(`%s`)" % model in line]
        assert len(rows) == 1, model
        cells = [c.strip() for c in rows[0].strip("|").split("|")]
        assert cells[3].split(" / ")[0] == "%.3f" % (g.params / 1e6), model
        assert cells[4].split(" / ")[0] == "%.4f" % (bert_family.flops(g) / 1e9), model


def _run(npusim, model, scheme, engine, device="pixel7"):
    from workloads.carin import profiler
    text, _, _ = usecase_graphs.graph(model, scheme)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.yaml")
        with open(path, "w") as f:
            f.write(text)
        return npusim.run(profiler.design_hw(device, engine, 4, 1), path)["soc_engine"]


def test_new_graphs_run_on_the_soc():
    npusim = pytest.importorskip("npusim")
    # YAMNet: RFFT2D and COMPLEX_ABS are CPU ops (cpu_tflite.yaml); on the GPU the front end
    # stays on the CPU (its RFFT2D, about 1 of 142 MFLOPs) and the MobileNetV1 body is delegated.
    assert _run(npusim, "yamnet", "FP32", "cpu")["delegated_work_fraction"][0] == 0
    frac = _run(npusim, "yamnet", "FP16", "gpu")["delegated_work_fraction"][0]
    assert 0.9 < frac < 1
    # MobileViT: the transformer runs with the patch area in the batch dimension, which the
    # GPU delegate's batch-1 rule (tensorflow#92798) rejects; the convolutions are delegated.
    frac = _run(npusim, "mobilevit_xs", "FP16", "gpu")["delegated_work_fraction"][0]
    assert 0.2 < frac < 0.8
    # UC4 at batch 4: the GPU delegate takes nothing (batch-1 rule); the P7 NPU takes it all.
    assert _run(npusim, "gendernet_mnv2", "FP16", "gpu")["delegated_work_fraction"][0] == 0
    assert _run(npusim, "gendernet_mnv2", "FFX8", "npu")["delegated_work_fraction"][0] == 1
