"""MobiSR's baseline (spec ../shared/papers/nawqsr.md §4.7, §5.7, §5.9): total-variation patch
difficulty, the difficulty-aware scheduler over the CPU, GPU and NPU, and the design search.

Latency only: the per-patch time of every (model, engine) pair comes from the simulator (the
mobile NPU's CPU FP32 and GPU FP16 rooflines and its INT8 NPU, scripts/reproduce/_nawqsr_mobisr.py);
the TV of every patch comes from real images (Debian's skimage / opencv-doc samples, data.py:
PROXIES for B100 / Urban100). Quality is ML (trained m_clc / m_s2 weights), so the design
search's accuracy constraint is an INPUT: the (m1, m2, TV_thr) configurations the NAWQ-SR paper
reports as within 0.1 dB of RCAN FP32 (§4.7).

Direction of the threshold [I]: a patch with TV <= TV_thr is easy and may go to the compact model
m2 on the NPU as well as to m1 on the CPU or GPU; a hard patch (TV > TV_thr) runs m1 on the CPU or
GPU only. The spec's pseudocode reads the other way round, but then a higher threshold would be
slower, while the paper's latency variant has the highest threshold (10 against 6-8).
"""
import math

import numpy as np

ENGINES = ("cpu", "gpu", "npu")
TV_UNIT = 1e5  # spec §4.7 [I]: TV on RGB 0-255, in units of 10^5
# Accuracy order of MobiSR's models (MobiSR Table 4 [M]): m_ref > m_clc > m_s2. Used by the
# Pareto pruning of (model, engine) pairs; an input, not computed.
ACCURACY_RANK = {"rcan": 0, "m_clc": 1, "m_s2": 2}
# The three NAWQ-SR-paper configurations (spec §4.7): (m1, m2, {dataset: TV_thr}) [P].
VARIANTS = {
    "accuracy": ("rcan", "m_clc", {"b100": 6, "u100": 6}),
    "balanced": ("rcan", "m_s2", {"b100": 6, "u100": 8}),
    "latency": ("m_clc", "m_s2", {"b100": 10, "u100": 10}),
}


def total_variation(patch):
    """Anisotropic TV of an H x W (x C) patch on the 0-255 scale, summed over channels, in
    TV_UNIT: sum |p[i+1, j] - p[i, j]| + |p[i, j+1] - p[i, j]| (spec §4.7)."""
    p = np.asarray(patch, dtype=np.float64)
    if p.ndim == 2:
        p = p[..., None]
    tv = np.abs(np.diff(p, axis=0)).sum() + np.abs(np.diff(p, axis=1)).sum()
    return float(tv) / TV_UNIT


def lr_frame(name, lr_h=180, lr_w=320):
    """An LR frame of lr_h x lr_w (H x W x 3, 0-255 rounded to 8 bit) from one of data.py's
    images: the largest centred crop of the frame's aspect, antialiased bicubic resize."""
    import torch.nn.functional as F

    from nawqsr import data
    src, n = name.split(":", 1)
    x = data._to_tensor(data._skimage(n) if src == "skimage" else data._opencv(n))
    h, w = x.shape[-2:]
    if w * lr_h > h * lr_w:  # too wide: crop the width
        cw = h * lr_w // lr_h
        x = x[..., :, (w - cw) // 2:(w - cw) // 2 + cw]
    else:
        ch = w * lr_h // lr_w
        x = x[..., (h - ch) // 2:(h - ch) // 2 + ch, :]
    y = F.interpolate(x, size=(lr_h, lr_w), mode="bicubic", align_corners=False, antialias=True)
    return (y.clamp(0.0, 1.0) * 255.0).round()[0].permute(1, 2, 0).numpy()


def patch_tvs(frame, rows=2, cols=2):
    """TV of every patch interior of a rows x cols grid, row-major (the halo is not judged)."""
    h, w = frame.shape[:2]
    ph, pw = math.ceil(h / rows), math.ceil(w / cols)
    return [total_variation(frame[r * ph:(r + 1) * ph, c * pw:(c + 1) * pw])
            for r in range(rows) for c in range(cols)]


def schedule(tvs, thr, m1, m2, t, t_stitch=0.0):
    """MobiSR's scheduler (spec §4.7, [M §3.4]) over one frame's patches, in order: each patch
    goes to the allowed (model, engine) pair that finishes it first (ties: CPU, GPU, NPU);
    latency = max over engines of their busy time + t_stitch. `t[(model, engine)]` = seconds per
    patch. Returns (latency, [(model, engine) per patch])."""
    end = {e: 0.0 for e in ENGINES}
    pairs = []
    for tv in tvs:
        allowed = [(m1, "cpu"), (m1, "gpu")] + ([(m2, "npu")] if tv <= thr else [])
        best = min(allowed, key=lambda me: (end[me[1]] + t[me], ENGINES.index(me[1])))
        end[best[1]] += t[best]
        pairs.append(best)
    return max(end.values()) + t_stitch, pairs


def pareto_pairs(t):
    """(model, engine) pairs left after pruning, per engine, every model that a more accurate
    model beats or ties in time (MobiSR's pruning; accuracy order ACCURACY_RANK)."""
    keep = []
    for (m, e), s in t.items():
        if not any(e2 == e and ACCURACY_RANK[m2] < ACCURACY_RANK[m] and s2 <= s for (m2, e2), s2 in t.items()):
            keep.append((m, e))
    return sorted(keep, key=lambda me: (ENGINES.index(me[1]), ACCURACY_RANK[me[0]]))


def design_search(frames_tvs, t, thresholds, cost, accepted=None):
    """Spec §4.7's search: every (m1, m2) with m2 no costlier than m1 (`cost[m]`, MACs) whose m1
    runs on the CPU or GPU and m2 on the NPU after pruning, at every TV_thr in `thresholds`;
    the mean frame latency over `frames_tvs` (one TV list per frame). `accepted(m1, m2, thr)`
    is the accuracy constraint (an input here); returns (all candidates sorted by latency,
    the fastest accepted one or None)."""
    kept = set(pareto_pairs(t))
    models = sorted(ACCURACY_RANK, key=ACCURACY_RANK.get)
    cands = []
    for m1 in models:
        if (m1, "cpu") not in kept and (m1, "gpu") not in kept:
            continue
        for m2 in models:
            if (m2, "npu") not in kept or cost[m2] > cost[m1]:
                continue
            for thr in thresholds:
                lat = sum(schedule(tvs, thr, m1, m2, t)[0] for tvs in frames_tvs) / len(frames_tvs)
                cands.append({"m1": m1, "m2": m2, "thr": thr, "latency_s": lat,
                              "accepted": bool(accepted and accepted(m1, m2, thr))})
    cands.sort(key=lambda c: (c["latency_s"], ACCURACY_RANK[c["m1"]], c["thr"]))
    best = next((c for c in cands if c["accepted"]), None)
    return cands, best
