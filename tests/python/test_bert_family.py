"""BERT-family exporter (workloads/exporters/bert_family.py): the spec's X1 (CARIn Table 3
parameters and FLOPs, transformers-mobile.md §4 and §7), the graph's structure per variant, and
the committed traces in workloads/nlp/ as the exporter writes them."""
import os
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "workloads", "exporters"))
import bert_family as bf  # noqa: E402


def build(model, **kw):
    cfg = dict(bf.PRESETS[model])
    cfg.update(kw)
    return bf.encoder(model, **cfg)[0]


# (preset, paper GFLOPs, tolerance, paper M parameters, tolerance): spec §7 (BERT-L2's 0.05 is
# rounded: ±10 %; MobileBERT ±8 %).
X1 = [("bert_l2_h128", 0.05, 0.10, 4.31, 0.05),
      ("xtremedistil_l6_h256", 0.63, 0.05, 12.57, 0.05),
      ("mobilebert", 2.66, 0.08, 24.33, 0.08)]


@pytest.mark.parametrize("model,gflops,ftol,mparams,ptol", X1)
def test_x1_flops_and_parameters(model, gflops, ftol, mparams, ptol):
    g = build(model)
    assert bf.flops(g) / 1e9 == pytest.approx(gflops, rel=ftol)
    assert g.params / 1e6 == pytest.approx(mparams, rel=ptol)


def test_flops_follow_the_formula():
    # §3(a): L [2S(4H^2 + 2HI) + 4S^2 H], plus the head: pooler 2H^2 and classifier 2 x 6H.
    L, H, I, S = 2, 128, 512, 64
    g = build("bert_l2_h128")
    assert bf.flops(g) == L * (2 * S * (4 * H * H + 2 * H * I) + 4 * S * S * H) + 2 * H * H + 2 * 6 * H


def ops(g):
    return [n["op"] for n in g.nodes]


def test_variants_change_the_graph_as_the_spec_says():
    orig = build("bert_l2_h128")
    friendly = build("bert_l2_h128", act="relu", norm="bn_folded")
    # 2 layers: 2 norms each + the embeddings' = 5 LayerNorms of 9 ops; 2 GELUs.
    assert ops(orig).count("RSQRT") == 5 and ops(orig).count("GELU") == 2
    assert "RSQRT" not in ops(friendly) and "GELU" not in ops(friendly)
    # LayerNorm (9 ops) -> MUL + ADD (2 ops): 5 x 7 fewer nodes; GELU fused: 2 fewer.
    assert len(orig.nodes) - len(friendly.nodes) == 5 * 7 + 2
    assert bf.flops(orig) == bf.flops(friendly)
    # The erf form puts a Flex op per layer, and with int8 activations (de)quantises around it.
    erf = build("bert_l2_h128", act="gelu_erf_flex", quant="FX8")
    assert ops(erf).count("FlexErf") == 2 and ops(erf).count("QUANTIZE") == 2
    assert all(n["dtype"] == "fp32" for n in erf.nodes if n["op"] == "FlexErf")
    # Heads folded into the batch dimension: the attention tensors have batch A = 2.
    folded = build("bert_l2_h128", fold_heads=True)
    qk = [n for n in folded.nodes if n["name"] == "l0.qk"][0]
    assert qk["shape"] == [2, 64, 64]


def test_mask_forms():
    # Hugging Face's TF encoders (the default): RESHAPE (int32) -> CAST -> SUB -> MUL, all at
    # [1, 1, 1, S]; the spec's other form: CAST, SUB, MUL at [1, S], then EXPAND_DIMS.
    hf = [n for n in build("bert_l2_h128").nodes if n["name"].startswith("mask.")]
    assert [n["op"] for n in hf] == ["RESHAPE", "CAST", "SUB", "MUL"]
    assert hf[0]["dtype"] == "int32" and all(n["shape"] == [1, 1, 1, 64] for n in hf)
    ex = [n for n in build("bert_l2_h128", mask="expand_dims").nodes if n["name"].startswith("mask.")]
    assert [n["op"] for n in ex] == ["CAST", "SUB", "MUL", "EXPAND_DIMS"]
    assert ex[-1]["shape"] == [1, 1, 1, 64]
    # Both feed every layer's mask ADD; the node count is the same.
    assert len(build("bert_l2_h128").nodes) == len(build("bert_l2_h128", mask="expand_dims").nodes)
    with pytest.raises(ValueError, match="mask one of"):
        build("bert_l2_h128", mask="tril")


def test_quantisation_sets_dtypes_and_weight_bytes():
    fp32, fp16, ffx8 = (build("bert_l2_h128", quant=q) for q in ("FP32", "FP16", "FFX8"))
    fc = lambda g: [n for n in g.nodes if n["name"] == "l0.q"][0]  # noqa: E731
    # 128 x 128 weights + 128 biases: 4 B / 2 B / 1 B per weight, biases 4 B.
    assert fc(fp32)["weight_bytes"] == 128 * 128 * 4 + 128 * 4
    assert fc(fp16)["weight_bytes"] == 128 * 128 * 2 + 128 * 4
    assert fc(ffx8)["weight_bytes"] == 128 * 128 + 128 * 4
    assert fc(ffx8)["dtype"] == "int8" and fc(fp16)["dtype"] == "fp32"
    assert ffx8.nodes[-1]["dtype"] == "int8"


@pytest.mark.parametrize("name,args", [
    ("bert_l2_h128_s64_gelu_layernorm_fp32.yaml", ["bert_l2_h128"]),
    ("bert_l2_h128_s64_relu_bn_folded_fp32.yaml", ["bert_l2_h128", "--act", "relu", "--norm", "bn_folded"]),
])
def test_committed_traces_are_the_exporters(name, args, tmp_path):
    path = os.path.join(ROOT, "workloads", "nlp", name)
    out = tmp_path / name
    bf.main(args + ["--out", str(out)])
    with open(path) as f:
        committed = f.read()
    # The header names the command; the rest is byte-identical.
    assert committed.split("\n", 1)[1] == out.read_text().split("\n", 1)[1]
    doc = yaml.safe_load(committed)
    assert len(doc["models"][0]["tflite"]["nodes"]) > 50


def test_docs_table_is_the_computed_one():
    # docs/mobile_soc.md's X1 table: the graph columns are what the exporter computes.
    with open(os.path.join(ROOT, "docs", "mobile_soc.md")) as f:
        doc = f.read()
    for model, label in (("bert_l2_h128", "BERT-L2-H128"), ("xtremedistil_l6_h256", "XtremeDistil-L6-H256"),
                         ("mobilebert", "MobileBERT")):
        g = build(model)
        row = [line for line in doc.splitlines() if line.startswith("| %s |" % label)]
        assert len(row) == 1, label
        cells = [c.strip() for c in row[0].strip("|").split("|")]
        assert cells[2] == "%.4f" % (bf.flops(g) / 1e9)
        assert cells[4] == "%.3f" % (g.params / 1e6)
