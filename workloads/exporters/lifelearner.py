"""LifeLearner's compressed rehearsal (lifelearner.md §3): sparse bitmap + product
quantisation of the non-zero latent values, the per-sample bytes, the op counts, and the
continual-learning episode as macro-operations.

compress(z):   mask = (z != 0) as n bits; v = z[mask]; v_d = v padded with 0 / truncated to d;
               codes = PQ.encode(v_d)  (M = d / L sub-vectors, one byte each for K = 256)
decompress:    v' = PQ.decode(codes)[:min(nnz, d)]; z' = 0^n; z'[mask][:len(v')] = v'
Our PQ encode/decode is numpy (nearest centroid per sub-vector by squared L2); its codes and
reconstructions are checked bit-exactly against faiss.ProductQuantizer (python3-faiss, the
library the paper used) in tests/python/test_lifelearner.py. Codebooks are trained by faiss.

Per-dataset choices (lifelearner.md §2, §7.2; [I] where marked): n = 4,096 / 16,384 / 1,536;
density 7 % / 5 % / 8 %; M = 32 sub-quantisers (--PQM 32) so codes are 32 B per sample; d =
256 / 640 / 64 (calibrated on Table 2's memory deltas, §7.2), L = d / M.
"""
import math

import numpy as np

K = 256
M = 32
DATASETS = {
    "cifar100": {"n": 4096, "density": 0.07, "d": 256},
    "miniimagenet": {"n": 16384, "density": 0.05, "d": 640},
    "gscv2": {"n": 1536, "density": 0.08, "d": 64},
}


def synthetic_latents(n, density, count, seed=0):
    """Post-ReLU-like sparse latents: each element non-zero with probability `density`, the
    non-zeros |N(0, 1)| (float32). Synthetic: the paper's latents need its data and weights."""
    rng = np.random.default_rng(seed)
    mask = rng.random((count, n)) < density
    vals = np.abs(rng.standard_normal((count, n))).astype(np.float32)
    return np.where(mask, vals, np.float32(0)).astype(np.float32)


def fit_nonzeros(z, d):
    """The non-zero values of each latent, zero-padded or truncated to d; and how many
    non-zeros were truncated in all."""
    out = np.zeros((z.shape[0], d), dtype=np.float32)
    truncated = 0
    for r in range(z.shape[0]):
        v = z[r][z[r] != 0]
        k = min(len(v), d)
        out[r, :k] = v[:k]
        truncated += len(v) - k
    return out, truncated


def train_codebook(vectors, d, m=M, nbits=8, niter=25):
    """faiss.ProductQuantizer(d, m, nbits) trained (k-means, `niter` iterations) on the fitted
    non-zero vectors; returns it and its centroids as [m, K, d/m] float32."""
    import faiss

    pq = faiss.ProductQuantizer(d, m, nbits)
    pq.cp.niter = niter
    pq.cp.min_points_per_centroid = 1  # small synthetic sets: no "provide more points" warning
    pq.train(np.ascontiguousarray(vectors, dtype=np.float32))
    cent = faiss.vector_to_array(pq.centroids).reshape(m, 2 ** nbits, d // m)
    return pq, cent


def pq_encode(vectors, centroids):
    """Nearest centroid of each sub-vector (squared L2, ties to the lower index): uint8 codes."""
    m, k, sub = centroids.shape
    x = vectors.reshape(vectors.shape[0], m, sub).astype(np.float32)
    codes = np.empty((vectors.shape[0], m), dtype=np.uint8)
    for j in range(m):
        diff = x[:, j, None, :] - centroids[None, j, :, :]
        dist = np.einsum("nks,nks->nk", diff, diff)
        codes[:, j] = np.argmin(dist, axis=1)
    return codes


def pq_decode(codes, centroids):
    m = centroids.shape[0]
    return np.concatenate([centroids[j][codes[:, j]] for j in range(m)], axis=1)


def compress(z, centroids, d):
    mask = np.packbits(z != 0, axis=1)
    v, _ = fit_nonzeros(z, d)
    return mask, pq_encode(v, centroids)


def decompress(mask, codes, centroids, n):
    bits = np.unpackbits(mask, axis=1)[:, :n].astype(bool)
    vals = pq_decode(codes, centroids)
    z = np.zeros((mask.shape[0], n), dtype=np.float32)
    for r in range(mask.shape[0]):
        idx = np.flatnonzero(bits[r])[: vals.shape[1]]
        z[r, idx] = vals[r, : len(idx)]
    return z


# ---- bytes and op counts (lifelearner.md §3) -------------------------------------------------

def sample_bytes(n, nnz, d, scheme, m=M, label_bytes=0):
    """Bytes of one stored rehearsal sample. label_bytes: declared per report (§7.3)."""
    if scheme == "dense":
        return 4 * n + label_bytes
    if scheme == "bitmap":
        return 4 * nnz + math.ceil(n / 8) + label_bytes
    if scheme == "bitmap_pq":
        return math.ceil(n / 8) + m + label_bytes  # M one-byte codes
    if scheme == "pq":
        return m * (n // d) + label_bytes if n % d == 0 else None
    raise ValueError(scheme)


def codebook_bytes(d, k=K):
    """(d/L) sub-quantisers x K centroids x L floats x 4 B = 4·d·K."""
    return 4 * d * k


def op_counts(n, d, m=M, k=K):
    """Per sample: bitmap pack = n compares; PQ encode = d·K MACs + M argmins over K; decode =
    d codebook reads (+ a scatter of d values)."""
    return {"bitmap_pack_compares": n, "pq_encode_macs": d * k, "pq_encode_argmins": m,
            "pq_decode_reads": d}


# ---- the continual-learning episode ------------------------------------------------------------

SCHEMES = ("none", "dense", "bitmap", "bitmap_pq")


def anml_ops(net):
    """The ANML forward as trace operators (convs, the NM gate head, the classifier)."""
    ops = []
    for l in net["layers"]:
        if "in_features" in l:
            ops.append({"name": l["name"], "op": "gemm", "m": 1, "k": l["in_features"], "n": l["out_features"],
                        "activation": "sigmoid"})
        else:
            ops.append({"name": l["name"], "op": "conv2d", "in_channels": l["in_channels"],
                        "out_channels": l["out_channels"], "in_h": l["in_h"], "in_w": l["in_w"],
                        "kernel_h": 3, "kernel_w": 3, "padding": l["padding"], "activation": "relu"})
    ops.append({"name": "classifier", "op": "gemm", "m": 1, "k": net["latent"], "n": net["classes"]})
    return ops


def episode_trace(dataset, scheme="bitmap_pq", classes=None, samples=30, fe_bits=8, mcu=False, label_bytes=0):
    """The memory events of a LifeLearner episode (lifelearner.md §3, §5) as a training trace:
    step 0 deploys the frozen feature extractor (int8 in LifeLearner, fp32 in ANML; flash on the
    MCU), the classifier with its Adam state, and the PQ codebook (flash on the MCU); step t
    appends class t's compressed latents to the rehearsal buffer (SRAM on the MCU: never flash,
    which is written only at deployment). `classes`: the meta-test classes (30 / 20 / 10)."""
    return _episode(dataset, scheme, classes, samples, fe_bits, mcu, label_bytes)


META_TEST_CLASSES = {"cifar100": 30, "miniimagenet": 20, "gscv2": 10}


def _episode(dataset, scheme, classes, samples, fe_bits, mcu, label_bytes):
    from . import ondevice as od

    net = od.anml(dataset)
    c = DATASETS[dataset]
    classes = classes or META_TEST_CLASSES[dataset]
    ram = "sram" if mcu else "dram"
    rom = "flash" if mcu else "dram"
    n, nnz = c["n"], round(c["density"] * c["n"])
    cls_bytes = net["classifier_params"] * 4
    ev = [{"step": 0, "event": "alloc", "tensor": "feature_extractor", "bytes": net["fe_params"] * fe_bits // 8,
           "space": rom, "kind": "weights"},
          {"step": 0, "event": "alloc", "tensor": "classifier", "bytes": cls_bytes, "space": ram, "kind": "weights"},
          {"step": 0, "event": "alloc", "tensor": "adam_state", "bytes": 3 * cls_bytes, "space": ram,
           "kind": "optimizer"}]
    if scheme == "bitmap_pq":
        ev.append({"step": 0, "event": "alloc", "tensor": "codebook", "bytes": codebook_bytes(c["d"]),
                   "space": rom, "kind": "buffers"})
    if scheme != "none":
        per = sample_bytes(n, nnz, c["d"], scheme, label_bytes=label_bytes)
        for t in range(1, classes + 1):
            ev.append({"step": t, "event": "alloc", "tensor": "rehearsal.%d" % t, "bytes": samples * per,
                       "space": ram, "kind": "buffers"})
    for e in ev:
        e["bytes"] = "%dB" % e["bytes"]
    training = {"version": 1, "optimizer": "adam", "iterations": classes, "batch": 8,
                "weights_in_flash": mcu, "phases": [{"layer": "classifier", "bwd_dw": True}], "tensors": ev}
    bits = {"activation": fe_bits, "weight": fe_bits, "output": fe_bits}
    return {"schema_version": 1, "name": "lifelearner-%s-%s" % (dataset, scheme),
            "models": [{"name": "anml-" + dataset, "precision": bits, "layers": anml_ops(net),
                        "training": training}]}


def class_step_ops(dataset, t, samples=30, epochs=1, batch=8, scheme="bitmap_pq", sub_len=None):
    """The macro-operations of learning class t (lifelearner.md §5), as trace operators for
    `npusim.run`; names say which macro-op each is. With (t - 1) x samples latents stored:
      FE_FWD_INT8   the ANML convs and gate head over the class's samples
      EWISE_MUL     gating z = f_NM ⊙ f_P
      BITMAP_PACK   n compares per sample (an element-wise pass)
      PQ_ENCODE     per sample M sub-vectors [1 x L]·[L x K]: a GEMM M x L x K (d·K MACs)
      PQ_DECODE     d codebook reads per stored latent, per epoch (an element-wise pass)
      FC_FWD / FC_BWD_DW / ADAM   the classifier over the replay minibatches
    Scatter and argmin are folded into the decode and encode passes [I]."""
    from . import ondevice as od

    net = od.anml(dataset)
    c = DATASETS[dataset]
    n, d = c["n"], c["d"]
    L = sub_len or d // M  # sub-vector length; M = d / L codes per sample
    m = d // L
    stored = (t - 1) * samples
    batches = epochs * -(-(samples + stored) // batch)
    ops = []
    for op in anml_ops(net)[:-1]:
        op = dict(op, name="fe_fwd_int8." + op["name"])
        if op["op"] == "conv2d":
            op["batch"] = samples
        else:
            op["m"] = samples
        ops.append(op)
    ops.append({"name": "ewise_mul.gate", "op": "elementwise", "fn": "mul", "elements": samples * n})
    if scheme == "bitmap_pq":
        ops.append({"name": "bitmap_pack", "op": "elementwise", "fn": "mul", "elements": samples * n})
        ops.append({"name": "pq_encode", "op": "gemm", "m": samples * m, "k": L, "n": K, "b_operand": "weight"})
        if stored:
            ops.append({"name": "pq_decode", "op": "elementwise", "fn": "add", "elements": epochs * stored * d})
    cls = net["classes"]
    ops.append({"name": "fc_fwd", "op": "gemm", "m": batches * batch, "k": n, "n": cls})
    ops.append({"name": "fc_bwd_dw", "op": "gemm", "m": n, "k": batches * batch, "n": cls,
                "b_operand": "activation"})
    # one Adam step per minibatch: 4 element-wise passes over the classifier's parameters [I]
    ops += [{"name": "adam.%d" % i, "op": "elementwise", "fn": "mul", "elements": 4 * net["classifier_params"]}
            for i in range(batches)]
    return {"schema_version": 1, "name": f"lifelearner-{dataset}-class{t}-S{samples}-E{epochs}-L{L}",
            "models": [{"name": "anml-" + dataset, "precision": {"activation": 8, "weight": 8, "output": 8},
                        "layers": ops}]}
