"""LifeLearner's episode cost model (workloads/exporters/lifelearner_cost.py): macro-operation
counts by hand, the Jetson Nano preset's rates as the C++ cost model gives them, and the
calibration recovering its constants exactly.

Run: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python/test_lifelearner_cost.py
"""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import lifelearner_cost as lc, ondevice as od  # noqa: E402

NANO = os.path.join(REPO, "hw_configs", "ondevice", "jetson_nano.yaml")


def test_counts_of_a_two_class_bitmap_pq_episode_by_hand():
    # GSCv2: n = 1536, d = 64, nnz = round(0.08 * 1536) = 123, classifier 1536 x 35.
    # 2 classes x 8 samples, batch 8, one epoch:
    #   minibatches ceil(8*1/8) + ceil(8*2/8) = 1 + 2 = 3; decoded latents 8*0 + 8*1 = 8
    c = lc.episode_counts("gscv2", "bitmap_pq", classes=2, samples=8)
    net = od.anml("gscv2")
    assert net["classes"] == 35 and net["latent"] == 1536
    assert c["new_samples"] == 16
    assert c["macs"]["fe_fwd"] == 16 * net["fe_macs"]
    assert c["macs"]["fc_inner"] == 16 * 2 * 1536 * 35
    assert c["macs"]["replay"] == 3 * 8 * 2 * 1536 * 35
    assert c["macs"]["pq_encode"] == 16 * 64 * 256  # d * K per new sample
    assert c["bytes"]["adam"] == 3 * (1536 * 35 + 35) * 28
    assert c["bytes"]["compress"] == 16 * (4 * 1536 + 192)  # read fp32 latent, write n/8 bitmap
    # each decode: bitmap 192 B + 32 codes + 4*1536 B scattered, and 4*64 B of codebook gathered
    assert c["bytes"]["decode"] == 8 * (192 + 32 + 6144)
    assert c["bytes"]["codebook"] == 8 * 256
    # written: the 192 B bitmaps, the scattered latents, Adam's w, m, v (12 of its 28 B)
    assert c["written"] == {"compress": 16 * 192, "decode": 8 * 6144, "adam": 3 * (1536 * 35 + 35) * 12}
    # L = 32 (m = 2 codes): the decode reads 30 B fewer per latent, the encode MACs stay d·K
    c2 = lc.class_counts("gscv2", "bitmap_pq", 2, samples=8, m=2)
    assert c2["bytes"]["decode"] == 8 * (192 + 2 + 6144)
    assert c2["macs"]["pq_encode"] == 8 * 64 * 256
    # ANML replays nothing
    assert set(lc.episode_counts("gscv2", "none")["macs"]) == {"fe_fwd", "fc_inner"}


def test_episode_time_adds_the_parts_with_the_constants():
    rates = {"s_mac": 1e-9, "s_byte": 1e-10}
    cal = {"a": 0.5, "eta": 0.25, "f_int8": 0.5}
    counts = {"new_samples": 4, "macs": {"fe_fwd": 1e9, "replay": 2e8}, "bytes": {"adam": 1e9},
              "written": {"adam": 4e8}}
    # fp32: 4 x 0.5 + (1e9 + 2e8) x 1e-9 / 0.25 + 1e9 x 1e-10 = 2 + 4.8 + 0.1 = 6.9 s
    t = lc.episode_time(counts, rates, cal)
    assert t["total"] == pytest.approx(6.9)
    # split as the cost model splits an iteration: overhead 2, compute 4.8, memory 0.1 s
    assert (t["overhead_s"], t["compute_s"], t["memory_s"]) == pytest.approx((2.0, 4.8, 0.1))
    # the activity handed to the energy model: on a board all bytes in DRAM (6e8 read, 4e8 written);
    # on an MCU the same bytes in SRAM
    assert lc.episode_cost(counts, rates, cal) == {"compute_s": pytest.approx(4.8), "memory_s": pytest.approx(0.1),
                                                   "overhead_s": 2.0, "read_bytes": {"dram": 600000000},
                                                   "written_bytes": {"dram": 400000000}}
    assert lc.episode_cost(counts, dict(rates, mcu=True), cal)["read_bytes"] == {"sram": 600000000}
    # int8 FE: the FE's 4 s halve to 2 s -> 4.9 s; the replay stays fp32
    t8 = lc.episode_time(counts, rates, cal, fe_bits=8)
    assert t8["total"] == pytest.approx(4.9)
    assert t8["parts"]["replay"] == pytest.approx(0.8)


def test_nano_rates_come_from_the_cpp_cost_model():
    npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")
    r = lc.device_rates(npusim, NANO)
    # 4 cores x 1.43 GHz x 2 MAC/cycle = 11.44 GMAC/s; 10 GB/s (hw_configs/ondevice/jetson_nano.yaml)
    assert r["s_mac"] == pytest.approx(1 / 11.44e9, rel=1e-12)
    assert r["s_byte"] == pytest.approx(1 / 10e9, rel=1e-12)
    assert r["mcu"] is False


def test_calibration_recovers_the_constants_it_was_made_with():
    rates = {"s_mac": 1 / 11.44e9, "s_byte": 1e-10}
    truth = {"a": 0.2, "eta": 0.05, "f_int8": 0.6}
    t = {ds: lc.episode_time(lc.episode_counts(ds, "none"), rates, truth)["total"]
         for ds in ("cifar100", "miniimagenet")}
    ll_ = lc.episode_time(lc.episode_counts("cifar100", "bitmap_pq"), rates, truth, fe_bits=8)["total"]
    pq = lc.episode_time(lc.episode_counts("cifar100", "bitmap_pq"), rates, truth)["total"]
    cal = lc.calibrate(rates, t, ("cifar100", ll_ - pq))
    for k in truth:
        assert cal[k] == pytest.approx(truth[k], rel=1e-9)


def test_calibration_refuses_rows_that_need_a_negative_cost():
    rates = {"s_mac": 1 / 11.44e9, "s_byte": 1e-10}
    # 1/eta = (n1 t2 - n2 t1) / det with n = 900 / 600 samples: 900 x 10 - 600 x 100 < 0 (and
    # det > 0: MiniImageNet's FE has 10x CIFAR's MACs), so a MiniImageNet episode faster than
    # CIFAR's would need a negative cost per MAC
    with pytest.raises(ValueError, match="calibration gives"):
        lc.calibrate(rates, {"cifar100": 100.0, "miniimagenet": 10.0}, ("cifar100", -1.0))


def test_the_calibrated_constants_docs_quote():
    """docs/ondevice_learning.md quotes the Nano's calibrated constants: they must be what the
    calibration on Table 2's rows computes."""
    npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")
    cal = lc.calibrate(lc.device_rates(npusim, NANO), {"cifar100": 343.2, "miniimagenet": 1280.0},
                       ("cifar100", 414.7 - 471.4))
    with open(os.path.join(REPO, "docs", "ondevice_learning.md")) as f:
        doc = f.read()
    assert f"a = {cal['a'] * 1e3:.1f} ms" in doc
    assert f"η = {cal['eta']:.4f}" in doc
    assert f"f_int8 = {cal['f_int8']:.3f} × fp32" in doc


def test_simulated_episode_is_the_sum_of_its_classes():
    npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")
    cal = lc.nano_calibration(npusim, NANO)
    ep = lc.simulated_episode(npusim, "cifar100", NANO, cal, classes=100)
    rates = lc.device_rates(npusim, NANO)
    whole = lc.episode_time(lc.episode_counts("cifar100", "bitmap_pq", classes=100), rates, cal, fe_bits=8)
    assert len(ep["class_s"]) == 100
    assert ep["total_s"] == pytest.approx(whole["total"], rel=1e-12)
    # energy: the classes' energies add up to the whole episode's (the model is linear in the
    # activity, up to each class's rounding to whole nanoseconds)
    counts = lc.episode_counts("cifar100", "bitmap_pq", classes=100)
    assert ep["total_j"] == pytest.approx(lc.episode_energy(npusim, NANO, counts, rates, cal, fe_bits=8)["total_j"],
                                          rel=1e-9)
    # class t replays ceil(30 t / 8) minibatches and decodes 30 (t - 1) latents: each class costs more
    assert all(b > a for a, b in zip(ep["class_s"], ep["class_s"][1:]))
    # the ledger: int8 FE + classifier x 4 + codebook + 100 x 30 x 544 B of rehearsal, fits 1.7 GB
    assert ep["oom"] == []
    net = od.anml("cifar100")
    assert ep["peak_bytes"] == net["fe_params"] + 4 * 4 * net["classifier_params"] + 4 * 256 * 256 + 3000 * 544


def test_mcu_class_and_calibration_by_hand():
    # TinyANML CIFAR-100 at width 0.2: the FE has 7,197,657 MACs per sample (od.anml); one class
    # of 10 samples on the STM32H747's roofline (480 MHz x 1 MAC/cycle): 71,976,570 / 480e6 =
    # 0.14995 s; calibrated to Table 3's 561 ms Backbone row: eta = 0.14995 / 0.561 = 0.2673
    assert od.anml("cifar100", width=0.2)["fe_macs"] == 7197657
    rates = {"s_mac": 1 / 480e6, "s_byte": 1 / 3.84e9, "mcu": True}
    cal = lc.mcu_calibration(rates, 0.561)
    assert cal["eta"] == pytest.approx(71976570 / 480e6 / 0.561, rel=1e-12)
    assert lc.episode_time(lc.mcu_class_counts("cifar100", "Backbone"), rates, cal)["total"] == pytest.approx(0.561)
    # Tiny ANML adds the classifier's 10 batch-1 steps: 10 x 2 x 816 x 100 MACs (latent 816 at width 0.2)
    anml = lc.mcu_class_counts("cifar100", "Tiny ANML")
    assert anml["macs"]["fc_inner"] == 10 * 2 * 816 * 100 and anml["new_samples"] == 0
    # Tiny LL encodes at d = 128: 10 x 128 x 256 MACs, and replays ceil(10 / 8) = 2 minibatches
    ll_ = lc.mcu_class_counts("cifar100", "Tiny LL")
    assert ll_["macs"]["pq_encode"] == 10 * 128 * 256
    assert ll_["macs"]["replay"] == 2 * 8 * 2 * 816 * 100
