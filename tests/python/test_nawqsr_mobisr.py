"""MobiSR's baseline (workloads/nawqsr/mobisr.py, spec nawqsr.md §4.7): TV arithmetic, the
scheduler on a hand-computed case, the Pareto pruning and the design search; the per-patch
latencies of scripts/reproduce/_nawqsr_mobisr.py against the 2x2 frame (needs the npusim module)."""
import os
import sys
import tempfile

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))

from nawqsr import mobisr  # noqa: E402


def test_total_variation_by_hand():
    # rows [0 10 30] / [5 5 5]: vertical |5-0| + |5-10| + |5-30| = 35, horizontal
    # |10-0| + |30-10| + 0 + 0 = 30: 65, in units of 1e5.
    p = np.array([[0, 10, 30], [5, 5, 5]])
    assert mobisr.total_variation(p) == pytest.approx(65 / 1e5)
    # three equal channels triple it; a constant patch has none
    assert mobisr.total_variation(np.stack([p] * 3, axis=-1)) == pytest.approx(3 * 65 / 1e5)
    assert mobisr.total_variation(np.full((90, 160, 3), 77)) == 0.0


def test_patch_tvs_split_the_frame_into_the_grid():
    # a vertical step of 100 at column 200 of a 180x320 frame: only the right-hand patches
    # (columns 160-319) hold it, 180 rows x 100 x 3 channels = 54,000 -> 0.54.
    f = np.zeros((180, 320, 3))
    f[:, 200:] = 100
    assert mobisr.patch_tvs(f) == pytest.approx([0.0, 0.54 / 2, 0.0, 0.54 / 2])


T = {("m1", "cpu"): 4.0, ("m1", "gpu"): 2.0, ("m2", "npu"): 1.0}


def test_schedule_by_hand():
    # TV 1, 9, 1, 9 with TV_thr 5 (easy, hard, easy, hard):
    # p1 easy: CPU 4, GPU 2, NPU 1 -> NPU (ends 1); p2 hard: CPU 4, GPU 2 -> GPU (2);
    # p3 easy: CPU 4, GPU 4, NPU 2 -> NPU (2); p4 hard: CPU 4, GPU 4, tie -> CPU (4).
    lat, pairs = mobisr.schedule([1, 9, 1, 9], 5, "m1", "m2", T, t_stitch=0.5)
    assert pairs == [("m2", "npu"), ("m1", "gpu"), ("m2", "npu"), ("m1", "cpu")]
    assert lat == 4.5
    # every patch hard: CPU and GPU only: GPU 2, 4, CPU 4, GPU 6 -> 6
    lat, pairs = mobisr.schedule([9, 9, 9, 9], 5, "m1", "m2", T)
    assert lat == 6.0 and all(e != "npu" for _, e in pairs)


def test_pareto_pairs_drop_slower_less_accurate_models():
    t = {("rcan", "cpu"): 10.0, ("m_clc", "cpu"): 5.0, ("m_s2", "cpu"): 6.0,
         ("rcan", "npu"): 2.0, ("m_clc", "npu"): 2.0, ("m_s2", "npu"): 1.0}
    # cpu: m_s2 (6) is beaten by m_clc (5); npu: m_clc ties rcan (2) and goes
    assert mobisr.pareto_pairs(t) == [("rcan", "cpu"), ("m_clc", "cpu"), ("rcan", "npu"), ("m_s2", "npu")]


def test_design_search_keeps_the_fastest_accepted_candidate():
    t = {(m, e): s * f for m, f in (("rcan", 4.0), ("m_clc", 2.0), ("m_s2", 1.0))
         for e, s in (("cpu", 4.0), ("gpu", 2.0), ("npu", 1.0))}
    cost = {"rcan": 9, "m_clc": 3, "m_s2": 2}
    frames = [[1, 9, 1, 9]]
    cands, best = mobisr.design_search(frames, t, (0, 5), cost,
                                       accepted=lambda a, b, th: a == "rcan" and th == 5)
    assert all(cost[c["m2"]] <= cost[c["m1"]] for c in cands)
    assert len(cands) == 6 * 2  # (m1, m2) in {rcan, clc, s2}^2 with m2 no costlier: 6 pairs, 2 thresholds
    assert [c["latency_s"] for c in cands] == sorted(c["latency_s"] for c in cands)
    assert best["m1"] == "rcan" and best["thr"] == 5
    assert best["latency_s"] == min(c["latency_s"] for c in cands if c["m1"] == "rcan" and c["thr"] == 5)


def test_lr_frame_from_a_debian_image():
    pytest.importorskip("skimage")
    pytest.importorskip("torch")
    f = mobisr.lr_frame("skimage:astronaut")
    assert f.shape == (180, 320, 3) and f.min() >= 0 and f.max() <= 255
    assert all(tv > 0 for tv in mobisr.patch_tvs(f))


def test_patch_times_are_a_quarter_of_the_frame_on_the_rooflines():
    npusim = pytest.importorskip("npusim")
    sys.path.insert(0, os.path.join(REPO, "scripts", "reproduce"))
    import _nawqsr_mobisr
    hw = os.path.join(REPO, "hw_configs", "mobile_npu", "sdm865_like.yaml")
    t, frame, dram = _nawqsr_mobisr.patch_times(npusim, hw, {}, tempfile.mkdtemp())
    for m in _nawqsr_mobisr.MOBISR_MODELS:
        # CPU and GPU run a frame's 4 patches one after another: 4 patch times, except that each
        # patch_split reads its input frame (bytes-bound on the roofline): 3 x (180 x 320 -
        # 90 x 160) = 129,600 more elements per patch at 4 B (CPU FP32) / 2 B (GPU FP16) over
        # the preset's 20 GB/s: 25.92 / 12.96 us per patch.
        for e, width in (("cpu", 4), ("gpu", 2)):
            extra = 129_600 * width / 20e9
            assert frame[(m, e)] == pytest.approx(4 * (t[(m, e)] + extra), rel=1e-6)
        assert 0 < t[(m, "npu")] < t[(m, "cpu")] and dram[(m, "npu")] > 0
