"""GEMM micro-benchmarks: square GEMMs and shapes taken from real models.

A shape is (m, k, n): (m x k) . (k x n), the right operand a weight. A shape with m = 1 is a
matrix-vector product and is emitted as a `gemv` operator.
"""

SQUARE_SIZES = [256, 512, 1024, 2048, 4096]

# name: (m, k, n, where the shape comes from)
REAL_WORLD_SHAPES = [
    ("bert_proj_512x768x768", 512, 768, 768,
     "BERT-base attention projection (query/key/value/output), batch 4 x seq 128"),
    ("bert_ffn1_128x768x3072", 128, 768, 3072,
     "BERT-base intermediate dense (768 -> 3072), seq 128"),
    ("bert_ffn2_128x3072x768", 128, 3072, 768,
     "BERT-base output dense (3072 -> 768), seq 128"),
    ("llama7b_attn_1x4096x4096", 1, 4096, 4096,
     "Llama-2-7B attention projection, one decode token"),
    ("llama7b_up_1x4096x11008", 1, 4096, 11008,
     "Llama-2-7B MLP gate/up projection, one decode token"),
    ("llama7b_down_1x11008x4096", 1, 11008, 4096,
     "Llama-2-7B MLP down projection, one decode token"),
]


def gemm_op(name, m, k, n):
    """A gemm operator, or a gemv when m == 1."""
    if m == 1:
        return {"name": name, "op": "gemv", "k": k, "n": n}
    return {"name": name, "op": "gemm", "m": m, "k": k, "n": n, "b_operand": "weight"}


def square(size):
    """The single size^3 GEMM."""
    return [gemm_op("gemm_%d" % size, size, size, size)]


def gemm_set():
    """Every square size and every real-world shape, as layers of one model."""
    layers = [gemm_op("gemm_%d" % s, s, s, s) for s in SQUARE_SIZES]
    layers += [gemm_op(name, m, k, n) for name, m, k, n, _ in REAL_WORLD_SHAPES]
    return layers
