"""BERT-family encoders as TFLite-level operator graphs, for the mobile SoC (docs/mobile_soc.md).

Spec: ../shared/papers/transformers-mobile.md §3(b) and §5. A model is (L, H, A, I, S, batch,
vocab) plus variants:
  act   gelu_builtin | gelu_tanh | gelu_erf_flex | relu   (relu is fused into its FC)
  norm  layernorm (the converter's 9-op decomposition) | bn_folded | nonorm
        (BatchNorm folds into an FC directly before it; in BERT every norm follows a residual
        ADD, so it stays as MUL + ADD, spec §6 item 6; nonorm is MobileBERT's element-wise MUL +
        ADD as well)
  mobilebert  MobileBERT's bottlenecks (intra-block size `bottleneck`, shared key-query
        bottleneck, `ffn_stack` stacked FFNs, 128-d embedding + trigram FC)
  quant FP32 | FP16 | DR8 | FX8 | FFX8 (carin.md §2 Table 1): the dtypes of activations and the
        bytes of weights.
  mask  reshape (default: Hugging Face's TF encoders, the source of every preset's checkpoint,
        build the extended mask as tf.reshape -> cast -> (1 - m) * -10000: RESHAPE, CAST, SUB,
        MUL) | expand_dims (spec §3(b)'s other form: CAST, SUB, MUL, EXPAND_DIMS)
Each node carries its output shape and dtype, MACs and weight bytes; graph() returns the trace
text with a generic `layers:` list (the FCs as GEMMs and one attention operator per layer, so
other accelerators can run it) and the `tflite:` section the mobile SoC partitions.
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emit  # noqa: E402

ACTS = ("gelu_builtin", "gelu_tanh", "gelu_erf_flex", "relu")
NORMS = ("layernorm", "bn_folded", "nonorm")
QUANTS = ("FP32", "FP16", "DR8", "FX8", "FFX8")
MASKS = ("reshape", "expand_dims")

# The CARIn UC2 models (transformers-mobile.md §2 table) and the suggested extra points.
PRESETS = {
    "bert_l2_h128": dict(layers=2, hidden=128, heads=2, ffn=512),
    "xtremedistil_l6_h256": dict(layers=6, hidden=256, heads=8, ffn=1024),
    "mobilebert": dict(layers=24, hidden=512, heads=4, ffn=512, mobilebert=True, bottleneck=128,
                       ffn_stack=4, embedding=128, act="relu", norm="nonorm"),
    "bert_base": dict(layers=12, hidden=768, heads=12, ffn=3072),
    "distilbert": dict(layers=6, hidden=768, heads=12, ffn=3072),
}
NODE_KEYS = ["name", "op", "inputs", "shape", "dtype", "macs", "weight_bytes", "const_weights"]


class Graph:
    def __init__(self, quant, fold_heads):
        self.quant, self.fold_heads = quant, fold_heads
        self.nodes, self.inputs, self.params = [], [], 0
        int8 = quant in ("FX8", "FFX8")
        self.act = "int8" if int8 else "fp32"
        self.wbytes = {"FP32": 4, "FP16": 2}.get(quant, 1)
        self.bias_bytes = 4  # fp32 (float schemes) or int32 (integer schemes)

    def input(self, name, shape, dtype):
        self.inputs.append({"name": name, "shape": shape, "dtype": dtype})
        return name

    def node(self, name, op, inputs, shape, dtype=None, macs=0, weights=0, const=True):
        n = {"name": name, "op": op, "inputs": list(inputs), "shape": list(shape),
             "dtype": dtype or self.act}
        if macs:
            n["macs"] = macs
        if weights:
            n["weight_bytes"] = weights
        if not const:
            n["const_weights"] = False
        self.nodes.append(n)
        return name

    def weights(self, count, bias=0):
        """Bytes of `count` weights and `bias` biases; counts the parameters."""
        self.params += count + bias
        return count * self.wbytes + bias * self.bias_bytes

    def fc(self, name, x, tokens, k, n, batch=1):
        shape = [batch, tokens, n] if tokens > 1 else [batch, n]
        return self.node(name, "FULLY_CONNECTED", [x], shape, macs=batch * tokens * k * n,
                         weights=self.weights(k * n, n))

    def norm(self, kind, p, x, shape, hidden):
        if kind == "layernorm":  # MEAN, SQUARED_DIFFERENCE, MEAN, ADD(eps), RSQRT, SUB, MUL, MUL, ADD
            red = shape[:-1] + [1]
            m = self.node(p + "mean", "MEAN", [x], red)
            d = self.node(p + "sqdiff", "SQUARED_DIFFERENCE", [x, m], shape)
            v = self.node(p + "var", "MEAN", [d], red)
            e = self.node(p + "eps", "ADD", [v], red)
            r = self.node(p + "rsqrt", "RSQRT", [e], red)
            c = self.node(p + "center", "SUB", [x, m], shape)
            s = self.node(p + "scale", "MUL", [c, r], shape)
            g = self.node(p + "gamma", "MUL", [s], shape, weights=self.weights(hidden))
            return self.node(p + "beta", "ADD", [g], shape, weights=self.weights(hidden))
        # bn_folded after a residual ADD, and MobileBERT's NoNorm: an element-wise MUL + ADD.
        g = self.node(p + "gamma", "MUL", [x], shape, weights=self.weights(hidden))
        return self.node(p + "beta", "ADD", [g], shape, weights=self.weights(hidden))

    def activation(self, kind, p, x, shape):
        if kind == "gelu_builtin":
            return self.node(p + "gelu", "GELU", [x], shape)
        if kind == "gelu_tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            c = self.node(p + "pow", "POW", [x], shape)
            a = self.node(p + "mul_c", "MUL", [c], shape)
            b = self.node(p + "add_x", "ADD", [x, a], shape)
            k = self.node(p + "mul_k", "MUL", [b], shape)
            t = self.node(p + "tanh", "TANH", [k], shape)
            o = self.node(p + "add_1", "ADD", [t], shape)
            h = self.node(p + "mul_half", "MUL", [x], shape)
            return self.node(p + "mul", "MUL", [h, o], shape)
        if kind == "gelu_erf_flex":  # 0.5 x (1 + erf(x / sqrt 2)); Erf is a Select-TF op, fp32
            s = self.node(p + "mul_rsqrt2", "MUL", [x], shape)
            if self.act != "fp32":
                s = self.node(p + "dequant", "DEQUANTIZE", [s], shape, dtype="fp32")
            e = self.node(p + "erf", "FlexErf", [s], shape, dtype="fp32")
            if self.act != "fp32":
                e = self.node(p + "quant", "QUANTIZE", [e], shape)
            o = self.node(p + "add_1", "ADD", [e], shape)
            h = self.node(p + "mul_half", "MUL", [x], shape)
            return self.node(p + "mul", "MUL", [h, o], shape)
        return x  # relu: fused into the FC


def encoder(name, layers, hidden, heads, ffn, seq=64, batch=1, vocab=30522, classes=6,
            act="gelu_builtin", norm="layernorm", quant="FP32", mobilebert=False, bottleneck=128,
            ffn_stack=4, embedding=128, fold_heads=False, max_positions=512, mask="reshape"):
    """The graph of one encoder; returns (Graph, generic layers)."""
    if act not in ACTS or norm not in NORMS or quant not in QUANTS or mask not in MASKS:
        raise ValueError("act must be one of %s, norm one of %s, quant one of %s, mask one of %s"
                         % (ACTS, NORMS, QUANTS, MASKS))
    inner = bottleneck if mobilebert else hidden
    if inner % heads:
        raise ValueError("attention width %d is not a multiple of %d heads" % (inner, heads))
    g, d, S, B = Graph(quant, fold_heads), inner // heads, seq, batch
    generic = []
    ids = g.input("input_ids", [B, S], "int32")
    types = g.input("token_type_ids", [B, S], "int32")
    ids_mask = g.input("attention_mask", [B, S], "int32")
    emb_w = embedding if mobilebert else hidden
    x3 = [B, S, hidden]
    # Embeddings: GATHER x 3, ADD x 2, norm (MobileBERT: 128-d lookup, trigram concat + FC).
    w = g.node("emb.word", "GATHER", [ids], [B, S, emb_w], dtype=g.act, weights=g.weights(vocab * emb_w))
    if mobilebert:
        t = g.node("emb.trigram", "CONCATENATION", [w], [B, S, 3 * emb_w])
        w = g.fc("emb.trigram_fc", t, S, 3 * emb_w, hidden, B)
        generic.append(_gemm("emb.trigram_fc", B * S, 3 * emb_w, hidden))
    pos = g.node("emb.position", "GATHER", [ids], x3, weights=g.weights(max_positions * hidden))
    typ = g.node("emb.type", "GATHER", [types], x3, weights=g.weights(2 * hidden))
    a = g.node("emb.add_pos", "ADD", [w, pos], x3)
    a = g.node("emb.add_type", "ADD", [a, typ], x3)
    x = g.norm(norm, "emb.norm.", a, x3, hidden)
    # Attention mask: RESHAPE, CAST, SUB, MUL(-1e4), or CAST, SUB, MUL(-1e4), EXPAND_DIMS.
    m4 = [B, 1, 1, S]
    if mask == "reshape":
        m = g.node("mask.reshape", "RESHAPE", [ids_mask], m4, dtype="int32")
        m = g.node("mask.cast", "CAST", [m], m4, dtype="fp32")
        m = g.node("mask.sub", "SUB", [m], m4, dtype="fp32")
        m = g.node("mask.mul", "MUL", [m], m4, dtype="fp32")
    else:
        m = g.node("mask.cast", "CAST", [ids_mask], [B, S], dtype="fp32")
        m = g.node("mask.sub", "SUB", [m], [B, S], dtype="fp32")
        m = g.node("mask.mul", "MUL", [m], [B, S], dtype="fp32")
        m = g.node("mask.expand", "EXPAND_DIMS", [m], m4, dtype="fp32")
    hb = [B * heads, S, d] if fold_heads else [B, heads, S, d]
    sb = [B * heads, S, S] if fold_heads else [B, heads, S, S]
    for i in range(layers):
        p = "l%d." % i
        if mobilebert:
            xin = g.fc(p + "bottleneck_in", x, S, hidden, inner, B)
            kq = g.fc(p + "bottleneck_kq", x, S, hidden, inner, B)
            generic += [_gemm(p + "bottleneck_in", B * S, hidden, inner),
                        _gemm(p + "bottleneck_kq", B * S, hidden, inner)]
            srcs, kin = {"q": kq, "k": kq, "v": x}, {"q": inner, "k": inner, "v": hidden}
        else:
            xin = x
            srcs, kin = {"q": x, "k": x, "v": x}, {"q": hidden, "k": hidden, "v": hidden}
        heads_t = {}
        for h in ("q", "k", "v"):
            f = g.fc(p + h, srcs[h], S, kin[h], inner, B)
            generic.append(_gemm(p + h, B * S, kin[h], inner))
            r = g.node(p + h + "_reshape", "RESHAPE", [f], [B, S, heads, d])
            heads_t[h] = g.node(p + h + "_transpose", "TRANSPOSE", [r], hb)
        qk = g.node(p + "qk", "BATCH_MATMUL", [heads_t["q"], heads_t["k"]], sb,
                    macs=B * heads * S * S * d, const=False)
        s = g.node(p + "scale", "MUL", [qk], sb)
        s = g.node(p + "mask_add", "ADD", [s, m], sb)
        s = g.node(p + "softmax", "SOFTMAX", [s], sb)
        pv = g.node(p + "pv", "BATCH_MATMUL", [s, heads_t["v"]], hb, macs=B * heads * S * S * d,
                    const=False)
        generic.append({"name": p + "sdpa", "op": "attention", "batch": B, "heads": heads,
                        "kv_heads": heads, "q_len": S, "kv_len": S, "head_dim": d, "causal": False})
        t = g.node(p + "ctx_transpose", "TRANSPOSE", [pv], [B, S, heads, d])
        t = g.node(p + "ctx_reshape", "RESHAPE", [t], [B, S, inner])
        o = g.fc(p + "attn_out", t, S, inner, inner, B)
        generic.append(_gemm(p + "attn_out", B * S, inner, inner))
        y = g.node(p + "attn_residual", "ADD", [o, xin], [B, S, inner])
        y = g.norm(norm, p + "attn_norm.", y, [B, S, inner], inner)
        for f in range(ffn_stack if mobilebert else 1):
            q = p + ("ffn%d." % f if mobilebert else "ffn.")
            u = g.fc(q + "up", y, S, inner, ffn, B)
            u = g.activation(act, q, u, [B, S, ffn])
            v = g.fc(q + "down", u, S, ffn, inner, B)
            generic += [_gemm(q + "up", B * S, inner, ffn), _gemm(q + "down", B * S, ffn, inner)]
            y = g.node(q + "residual", "ADD", [v, y], [B, S, inner])
            y = g.norm(norm, q + "norm.", y, [B, S, inner], inner)
        if mobilebert:
            z = g.fc(p + "bottleneck_out", y, S, inner, hidden, B)
            generic.append(_gemm(p + "bottleneck_out", B * S, inner, hidden))
            z = g.node(p + "out_residual", "ADD", [z, x], x3)
            y = g.norm(norm, p + "out_norm.", z, x3, hidden)
        x = y
    # Head: [CLS] slice, pooler FC + TANH, classifier FC, SOFTMAX.
    c = g.node("head.cls", "STRIDED_SLICE", [x], [B, hidden])
    c = g.fc("head.pooler", c, 1, hidden, hidden, B)
    c = g.node("head.tanh", "TANH", [c], [B, hidden])
    c = g.fc("head.classifier", c, 1, hidden, classes, B)
    generic += [_gemm("head.pooler", B, hidden, hidden), _gemm("head.classifier", B, hidden, classes)]
    out_dtype = "int8" if quant == "FFX8" else "fp32"
    if quant == "FX8":
        c = g.node("head.dequant", "DEQUANTIZE", [c], [B, classes], dtype="fp32")
    g.node("head.softmax", "SOFTMAX", [c], [B, classes], dtype=out_dtype)
    return g, generic


def _gemm(name, m, k, n):
    return {"name": name, "op": "gemm", "m": m, "k": k, "n": n, "b_operand": "weight"}


def flops(g):
    return 2 * sum(n.get("macs", 0) for n in g.nodes)


def trace(name, g, generic, header):
    bits = {"FP32": 32, "FP16": 16}.get(g.quant, 8)
    act_bits = 8 if g.quant in ("FX8", "FFX8") else (16 if g.quant == "FP16" else 32)
    text = emit.render(name, "", [emit.model(name, generic, 1, {"activation": act_bits, "weight": bits,
                                                                   "output": act_bits})], header)
    out = [text.rstrip("\n"), "    tflite:", "      inputs:"]
    for t in g.inputs:
        out.append("        - " + _flow_node(t, ["name", "shape", "dtype"]))
    out.append("      nodes:")
    for n in g.nodes:
        out.append("        - " + _flow_node(n, NODE_KEYS))
    return "\n".join(out) + "\n"


def _flow_node(n, keys):
    parts = []
    for k in keys:
        if k not in n:
            continue
        v = n[k]
        text = "[" + ", ".join(emit.scalar(e) for e in v) + "]" if isinstance(v, list) else emit.scalar(v)
        parts.append("%s: %s" % (k, text))
    return "{" + ", ".join(parts) + "}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", choices=sorted(PRESETS))
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--act", choices=ACTS)
    p.add_argument("--norm", choices=NORMS)
    p.add_argument("--quant", choices=QUANTS, default="FP32")
    p.add_argument("--fold-heads", action="store_true", help="attention heads in the batch dimension")
    p.add_argument("--mask", choices=MASKS, default="reshape", help="how the extended attention mask is built")
    p.add_argument("--out")
    a = p.parse_args(argv)
    cfg = dict(PRESETS[a.model])
    for k in ("act", "norm"):
        if getattr(a, k):
            cfg[k] = getattr(a, k)
    g, generic = encoder(a.model, seq=a.seq, batch=a.batch, quant=a.quant, fold_heads=a.fold_heads, mask=a.mask,
                         **cfg)
    name = "%s_s%d_%s_%s_%s" % (a.model, a.seq, cfg.get("act", "gelu_builtin"),
                                cfg.get("norm", "layernorm"), a.quant.lower())
    header = ["Written by workloads/exporters/bert_family.py %s" % " ".join(argv or sys.argv[1:]),
              "%.4f GFLOPs, %.3f M parameters" % (flops(g) / 1e9, g.params / 1e6)]
    return emit.output(trace(name, g, generic, header), a.out)


if __name__ == "__main__":
    sys.exit(main())
