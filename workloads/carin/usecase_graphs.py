"""TFLite-level graphs of CARIn's use-case models beyond UC1's CNNs (carin.md §2, CARIn Tables
2, 4 and 5), in the trace format of cnn_graphs.py (NHWC, BatchNorm folded, the `tflite:` section
docs/mobile_soc.md runs):

  mobilevit_xs, mobilevit_s   UC1, 256², 1000 classes; FP32 and FP16 only (the paper has no
      int8 variant). apple/ml-cvnets MobileViT v1 (= Hugging Face MobileViT): MV2 blocks with
      SiLU (LOGISTIC + MUL), MobileViT blocks of a 3x3 and a 1x1 convolution, 2x2 patches
      unfolded to [patch area, patches, d] (the area folded into the batch dimension, as
      cvnets and HF do), pre-norm transformer layers (LayerNorm as the converter's 9 ops, 4
      heads, FFN 2d), a final LayerNorm, folding back, a 1x1 projection and a 3x3 fusion of the
      concatenated input; a 1x1 expansion to 4x the last width, MEAN, FC.
  yamnet   UC3 audio; FP32, FP16 and DR8 (no FX8 / FFX8 in the paper). 15,600 fp32 samples
      (975 ms at 16 kHz) -> framing (RESHAPE into 80-sample pieces, GATHER, RESHAPE: 96 frames
      of 400 samples, hop 160) -> periodic Hann window (MUL) -> RFFT2D (fft_length 512: 257
      bins) -> COMPLEX_ABS -> mel FULLY_CONNECTED (257 -> 64) -> ADD 0.001 -> LOG -> one
      96 x 64 patch -> MobileNetV1 (ReLU, 1 channel in) -> MEAN, FC 521, LOGISTIC (scores).
      The front end follows the TF Hub model (yamnet/classification/tflite/1), whose tensors
      stft/rfft, ComplexAbs magnitude_spectrogram and log_mel_spectrogram are named in
      onnx/tensorflow-onnx's examples/benchmark; the layer list is YAMNet's (tensorflow/models
      research/audioset/yamnet, yamnet.py).
  efficientnet_lite{0,2,4}_mit67   UC3 scene: cnn_graphs' EfficientNet-Lite at 224 / 260 / 300²
      with a 67-class head (MIT Indoor); every scheme.
  gendernet_mnv2, agenet_mnv2, ethninet_mnv2   UC4: MobileNetV2 width 0.5 [I: fits the paper's
      0.66 M parameters] at 62², batch 4; heads [I]: gender 2-way SOFTMAX, age one linear
      output (the paper reports its MAE), ethnicity 5-way SOFTMAX (UTKFace's five labels).

Complex tensors (RFFT2D's output) are fp32 pairs, a trailing dimension of 2, since the SoC model
has no complex dtype: the bytes are right. Parameters are the models' weights and biases; the
front end's constants (Hann window, mel matrix) are weight bytes but not parameters (the paper
counts the Keras model's variables). RFFT2D's MACs are assumed: a radix-2 complex FFT of N/2
points, 2.5 (N/2) log2(N/2) multiply-adds per frame (5 M log2 M real flops for M points).

    graph(model, scheme) -> (trace YAML text, parameters, FLOPs)
    /usr/bin/python3 -m workloads.carin.usecase_graphs MODEL [--quant Q] [--out FILE]
"""
import argparse
import math
import os
import sys

if __package__ in (None, ""):  # run as a file: make `workloads.carin` importable
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from workloads.carin import cnn_graphs
else:
    from . import cnn_graphs

bert_family = cnn_graphs.bert_family
ALL_SCHEMES = ("FP32", "FP16", "DR8", "FX8", "FFX8")


class UseCaseGraph(cnn_graphs.CnnGraph):
    """CnnGraph plus SiLU, the transformer operators and other heads. `head_act`: softmax
    (cnn_graphs' head), sigmoid (multi-label scores) or linear (a regression output)."""

    def __init__(self, quant, batch=1, head_act="softmax"):
        super().__init__(quant, batch)
        self.head_act = head_act

    def silu(self, name, x):
        src, h, w, c = x
        s = self.node(name + ".sigmoid", "LOGISTIC", [src], [self.batch, h, w, c])
        return self.node(name + ".mul", "MUL", [src, s], [self.batch, h, w, c]), h, w, c

    def conv_silu(self, name, x, cout, k, stride=1):
        return self.silu(name + ".silu", self.conv(name, x, cout, k, stride))

    def dense(self, name, x, shape, k, n, bias=True):
        """A FULLY_CONNECTED over the last dimension of an activation of `shape`[:-1] x k."""
        m = math.prod(shape[:-1])
        self.generic.append({"name": name, "op": "gemm", "m": m, "k": k, "n": n, "b_operand": "weight"})
        return self.node(name, "FULLY_CONNECTED", [x], shape, macs=m * k * n,
                         weights=self.weights(k * n, n if bias else 0))

    def head(self, x, classes):
        if self.head_act == "softmax":
            return super().head(x, classes)
        b = self.batch
        x = self.mean("pool", x)
        r = self.node("flatten", "RESHAPE", [x[0]], [b, x[3]])
        fc = self.dense("classifier", r, [b, classes], x[3], classes)
        if self.quant == "FX8":  # float outputs
            fc = self.node("dequantize", "DEQUANTIZE", [fc], [b, classes], dtype="fp32")
        if self.head_act == "sigmoid":
            return self.node("scores", "LOGISTIC", [fc], [b, classes], dtype=self.nodes[-1]["dtype"])
        return fc


# --- MobileViT (UC1) -------------------------------------------------------------------------

# (stage widths: stem, MV2 layer 1, layer 2, MobileViT layers 3-5, expansion; transformer
# widths d of layers 3-5); cvnets config/mobilevit.py, HF MobileViTConfig (neck_hidden_sizes).
MOBILEVIT = {"xs": ([16, 32, 48, 64, 80, 96, 384], [96, 120, 144]),
             "s": ([16, 32, 64, 96, 128, 160, 640], [144, 192, 240])}
MOBILEVIT_DEPTHS = (2, 4, 3)  # transformer layers in MobileViT layers 3, 4, 5
MOBILEVIT_HEADS, MOBILEVIT_EXPAND, MOBILEVIT_MLP = 4, 4, 2


def _mv2(g, p, x, out, stride):
    """MobileNetV2 block with SiLU after the expansion and the depthwise convolution."""
    y = g.conv_silu(p + ".expand", x, x[3] * MOBILEVIT_EXPAND, 1)
    y = g.silu(p + ".dw.silu", g.dw(p + ".dw", y, 3, stride))
    y = g.conv(p + ".project", y, out, 1)
    return g.add(p + ".add", x, y) if stride == 1 and x[3] == out else y


def _transformer(g, p, x, P, N, d):
    """One pre-norm layer on x [P, N, d]: LN, MHA, residual, LN, FFN (SiLU), residual."""
    h = MOBILEVIT_HEADS
    dh = d // h
    t = [P, N, d]
    y = g.norm("layernorm", p + ".ln1.", x, t, d)
    heads = {}
    for q in ("q", "k", "v"):
        f = g.dense(f"{p}.{q}", y, t, d, d)
        r = g.node(f"{p}.{q}_reshape", "RESHAPE", [f], [P, N, h, dh])
        heads[q] = g.node(f"{p}.{q}_transpose", "TRANSPOSE", [r], [P, h, N, dh])
    s = g.node(p + ".qk", "BATCH_MATMUL", [heads["q"], heads["k"]], [P, h, N, N], macs=P * h * N * N * dh,
               const=False)
    s = g.node(p + ".scale", "MUL", [s], [P, h, N, N])
    s = g.node(p + ".softmax", "SOFTMAX", [s], [P, h, N, N])
    o = g.node(p + ".pv", "BATCH_MATMUL", [s, heads["v"]], [P, h, N, dh], macs=P * h * N * N * dh,
               const=False)
    g.generic.append({"name": p + ".sdpa", "op": "attention", "batch": P, "heads": h, "kv_heads": h,
                      "q_len": N, "kv_len": N, "head_dim": dh, "causal": False})
    o = g.node(p + ".ctx_transpose", "TRANSPOSE", [o], [P, N, h, dh])
    o = g.node(p + ".ctx_reshape", "RESHAPE", [o], t)
    o = g.dense(p + ".attn_out", o, t, d, d)
    x = g.node(p + ".attn_residual", "ADD", [o, x], t)
    y = g.norm("layernorm", p + ".ln2.", x, t, d)
    f = MOBILEVIT_MLP * d
    u = g.dense(p + ".ffn.up", y, [P, N, f], d, f)
    s = g.node(p + ".ffn.silu.sigmoid", "LOGISTIC", [u], [P, N, f])
    u = g.node(p + ".ffn.silu.mul", "MUL", [u, s], [P, N, f])
    v = g.dense(p + ".ffn.down", u, t, f, d)
    return g.node(p + ".ffn_residual", "ADD", [v, x], t)


def _mobilevit_block(g, p, x, d, depth):
    src, H, W, C = x
    y = g.conv_silu(p + ".local3x3", x, C, 3)
    y = g.conv(p + ".local1x1", y, d, 1, bias=False)  # cvnets conv_1x1_in: no norm, no bias
    P, N, hp, wp = 4, (H // 2) * (W // 2), H // 2, W // 2
    # Unfold 2x2 patches to [P, N, d] (HF TFMobileViTLayer.unfolding's transposes and reshapes).
    u = g.node(p + ".unfold.nchw", "TRANSPOSE", [y[0]], [1, d, H, W])
    u = g.node(p + ".unfold.r1", "RESHAPE", [u], [d * hp, 2, wp, 2])
    u = g.node(p + ".unfold.t1", "TRANSPOSE", [u], [d * hp, wp, 2, 2])
    u = g.node(p + ".unfold.r2", "RESHAPE", [u], [1, d, N, P])
    u = g.node(p + ".unfold.t2", "TRANSPOSE", [u], [1, P, N, d])
    u = g.node(p + ".unfold.r3", "RESHAPE", [u], [P, N, d])
    for i in range(depth):
        u = _transformer(g, f"{p}.t{i}", u, P, N, d)
    u = g.norm("layernorm", p + ".ln.", u, [P, N, d], d)
    # Fold back: the same operators in reverse.
    f = g.node(p + ".fold.r3", "RESHAPE", [u], [1, P, N, d])
    f = g.node(p + ".fold.t2", "TRANSPOSE", [f], [1, d, N, P])
    f = g.node(p + ".fold.r2", "RESHAPE", [f], [d * hp, wp, 2, 2])
    f = g.node(p + ".fold.t1", "TRANSPOSE", [f], [d * hp, 2, wp, 2])
    f = g.node(p + ".fold.r1", "RESHAPE", [f], [1, d, H, W])
    f = g.node(p + ".fold.nhwc", "TRANSPOSE", [f], [1, H, W, d])
    y = g.conv_silu(p + ".project", (f, H, W, d), C, 1)
    cat = g.node(p + ".concat", "CONCATENATION", [src, y[0]], [1, H, W, 2 * C])
    return g.conv_silu(p + ".fusion", (cat, H, W, 2 * C), C, 3)


def mobilevit(g, size, res=256, classes=1000):
    widths, dims = MOBILEVIT[size]
    x = g.conv_silu("stem", g.image(res), widths[0], 3, 2)
    x = _mv2(g, "layer1.b0", x, widths[1], 1)
    for i in range(3):
        x = _mv2(g, f"layer2.b{i}", x, widths[2], 2 if i == 0 else 1)
    for s in range(3):
        x = _mv2(g, f"layer{s + 3}.down", x, widths[s + 3], 2)
        x = _mobilevit_block(g, f"layer{s + 3}.mvit", x, dims[s], MOBILEVIT_DEPTHS[s])
    x = g.conv_silu("expand", x, widths[6], 1)
    g.head(x, classes)


# --- YAMNet (UC3) ----------------------------------------------------------------------------

SAMPLES, FRAME, HOP, FFT, MELS, PATCH = 15600, 400, 160, 512, 64, 96
# (kernel, stride, output channels) after the 3x3/2 32-channel stem: depthwise-separable layers.
YAMNET_LAYERS = [(3, 1, 64), (3, 2, 128), (3, 1, 128), (3, 2, 256), (3, 1, 256), (3, 2, 512)] + \
    [(3, 1, 512)] * 5 + [(3, 2, 1024), (3, 1, 1024)]
YAMNET_CLASSES = 521


def fft_macs(n):
    """[assumed] Multiply-adds of a real FFT of n points: a complex FFT of n/2 points."""
    m = n // 2
    return int(2.5 * m * math.log2(m))


def _log_mel_patch(g):
    frames = 1 + (SAMPLES - FRAME) // HOP  # 96
    piece = math.gcd(FRAME, HOP)  # tf.signal.frame cuts the signal into gcd-sized pieces
    bins = FFT // 2 + 1  # 257
    w = g.input("waveform", [SAMPLES], "fp32")
    x = g.node("frames.pieces", "RESHAPE", [w], [SAMPLES // piece, piece], dtype="fp32")
    x = g.node("frames.gather", "GATHER", [x], [frames, FRAME // piece, piece], dtype="fp32")
    x = g.node("frames", "RESHAPE", [x], [frames, FRAME], dtype="fp32")
    x = g.node("window", "MUL", [x], [frames, FRAME], dtype="fp32", weights=FRAME * 4)
    x = g.node("stft.expand", "RESHAPE", [x], [frames, 1, FRAME], dtype="fp32")
    x = g.node("stft.rfft", "RFFT2D", [x], [frames, 1, bins, 2], dtype="fp32", macs=frames * fft_macs(FFT))
    x = g.node("magnitude", "COMPLEX_ABS", [x], [frames, 1, bins], dtype="fp32")
    x = g.node("magnitude.squeeze", "RESHAPE", [x], [frames, bins], dtype="fp32")
    g.generic.append({"name": "mel", "op": "gemm", "m": frames, "k": bins, "n": MELS, "b_operand": "weight"})
    x = g.node("mel", "FULLY_CONNECTED", [x], [frames, MELS], dtype="fp32", macs=frames * bins * MELS,
               weights=bins * MELS * g.wbytes)  # a constant, not a parameter
    x = g.node("mel.offset", "ADD", [x], [frames, MELS], dtype="fp32")
    x = g.node("log_mel", "LOG", [x], [frames, MELS], dtype="fp32")
    # One patch of 96 frames (tf.signal.frame, window 96 hop 48, of exactly 96 frames).
    return g.node("patch", "RESHAPE", [x], [1, PATCH, MELS, 1], dtype="fp32"), PATCH, MELS, 1


def yamnet(g):
    x = g.conv("stem", _log_mel_patch(g), 32, 3, 2)
    for i, (k, s, c) in enumerate(YAMNET_LAYERS):
        x = g.dw(f"sep{i + 1}.dw", x, k, s)
        x = g.conv(f"sep{i + 1}.pw", x, c, 1)
    g.head(x, YAMNET_CLASSES)


# --- Registry --------------------------------------------------------------------------------

def _lite(v):
    return lambda g: cnn_graphs.efficientnet_lite(g, v, classes=67)


def _utk(classes):
    return lambda g: cnn_graphs.mobilenet_v2(g, 0.5, res=62, classes=classes)


# name -> (use case, schemes, batch, head, builder)
MODELS = {
    "mobilevit_xs": ("UC1", ("FP32", "FP16"), 1, "softmax", lambda g: mobilevit(g, "xs")),
    "mobilevit_s": ("UC1", ("FP32", "FP16"), 1, "softmax", lambda g: mobilevit(g, "s")),
    "yamnet": ("UC3", ("FP32", "FP16", "DR8"), 1, "sigmoid", yamnet),
    "efficientnet_lite0_mit67": ("UC3", ALL_SCHEMES, 1, "softmax", _lite(0)),
    "efficientnet_lite2_mit67": ("UC3", ALL_SCHEMES, 1, "softmax", _lite(2)),
    "efficientnet_lite4_mit67": ("UC3", ALL_SCHEMES, 1, "softmax", _lite(4)),
    "gendernet_mnv2": ("UC4", ALL_SCHEMES, 4, "softmax", _utk(2)),
    "agenet_mnv2": ("UC4", ALL_SCHEMES, 4, "linear", _utk(1)),
    "ethninet_mnv2": ("UC4", ALL_SCHEMES, 4, "softmax", _utk(5)),
}


def build(model, scheme):
    if model not in MODELS:
        raise ValueError(f"model `{model}` is not one of {', '.join(MODELS)}")
    uc, schemes, batch, head, builder = MODELS[model]
    if scheme not in schemes:
        raise ValueError(f"{model} has no {scheme} variant in CARIn ({uc}: {', '.join(schemes)})")
    g = UseCaseGraph(scheme, batch, head)
    builder(g)
    return g


def graph(model, scheme):
    g = build(model, scheme)
    name = f"{model}_{scheme.lower()}"
    header = [f"CARIn {MODELS[model][0]} {model} {scheme}",
              "%.4f GFLOPs, %.3f M parameters" % (bert_family.flops(g) / 1e9, g.params / 1e6)]
    return bert_family.trace(name, g, g.generic, header), g.params, bert_family.flops(g)


def main(argv=None):
    every = sorted(MODELS) + sorted(cnn_graphs.BUILDERS)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", choices=every, help="a CARIn use-case model (UC1's CNNs: cnn_graphs)")
    p.add_argument("--quant", choices=ALL_SCHEMES, default="FP32")
    p.add_argument("--out", help="trace file to write (default: standard output)")
    a = p.parse_args(argv)
    mod = sys.modules[__name__] if a.model in MODELS else cnn_graphs
    try:
        text, params, flops = mod.graph(a.model, a.quant)
    except ValueError as e:
        p.error(str(e))
    print(f"{a.model} {a.quant}: {flops / 1e9:.4f} GFLOPs, {params / 1e6:.3f} M parameters", file=sys.stderr)
    return bert_family.emit.output(text, a.out)


if __name__ == "__main__":
    sys.exit(main())
