"""CARIn's multi-DNN co-run profiles (workloads/carin/corun.py): the NTT / STP / F arithmetic,
the pruning rule, the co-run against the single runs, and bad input. The co-run tests need the
compiled module (skipped without it, as in test_carin.py)."""
import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)

from workloads.carin import corun, profile, usecases  # noqa: E402
from workloads.carin.errors import CarinInputError  # noqa: E402


def single(i, model, scheme, engine, L, S, A, MF, threads=0, xnn=0, W=0.1, std=0.0):
    return profile.design_from_row({
        "device": "a71", "usecase": "t", "design_id": i, "models": model, "schemes": scheme,
        "engines": engine, "threads": threads, "xnnpack": xnn, "L_mean_ms": L, "L_std_ms": std,
        "L_max_ms": L, "L_p95_ms": L, "TP_inf_s": 1e3 / L, "A": A, "S_MB": S, "MF_MB": MF,
        "E_mJ": "", "W_GFLOPs": W, "NTT": "", "STP": "", "F": ""})


def test_ntt_stp_fairness_by_hand():
    # Two DNNs: alone 10 ms and 20 ms, together 15 ms and 25 ms.
    #   NTT = (15/10, 25/20) = (1.5, 1.25); NP = 1/NTT = (2/3, 4/5)
    #   STP = sum of L_single / L_multi = 2/3 + 4/5 = 22/15 = 1.4667
    #   F = min_ij NP_i / NP_j = (2/3) / (4/5) = 5/6 = 0.8333
    ntt, stp, f = corun.metrics([10.0, 20.0], [15.0, 25.0])
    assert ntt == pytest.approx([1.5, 1.25])
    assert stp == pytest.approx(22 / 15)
    assert f == pytest.approx(5 / 6)
    # No slowdown: STP = the number of DNNs, F = 1.
    assert corun.metrics([3.0, 4.0, 5.0], [3.0, 4.0, 5.0])[1:] == pytest.approx((3.0, 1.0))
    with pytest.raises(CarinInputError, match="one single and one multi latency per DNN"):
        corun.metrics([1.0], [1.0, 2.0])


def test_tuple_row_columns():
    a = single("a", "yamnet", "FP16", "cpu", 10, 7.5, 0.3756, 30, threads=4, xnn=1, W=0.14, std=1.0)
    b = single("b", "efficientnet_lite2_mit67", "FFX8", "dsp", 20, 4.9, 76.72, 27, W=1.7)
    row = corun.tuple_row("a71", "uc3", [a, b], [8.0, 16.0], [12.0, 20.0])
    # NTT = (12/8, 20/16) = (1.5, 1.25): each DNN's statistics are its single ones x NTT.
    assert row["NTT"] == pytest.approx((1.5, 1.25))
    assert row["L_mean_ms"] == pytest.approx((15.0, 25.0))
    assert row["L_std_ms"] == pytest.approx((1.5, 0.0))
    assert row["TP_inf_s"] == pytest.approx((1e3 / 15, 1e3 / 25))
    assert row["STP"] == pytest.approx(1 / 1.5 + 1 / 1.25)
    # MF: the co-run's peak = the sum of the DNNs' (57 MB); W summed; S and A per DNN.
    assert row["MF_MB"] == pytest.approx(57.0) and row["W_GFLOPs"] == pytest.approx(1.84)
    assert row["S_MB"] == (7.5, 4.9) and row.mapping == ("cpu", "dsp")
    assert row.design_id == "a+b" and row.dnns == 2


def test_pruning_keeps_the_front_and_at_most_k_per_processor():
    xs = [
        # CPU: c1 fastest; c2 dominated by c1 (slower, same S, A, MF: a thread variant);
        # c3 most accurate; c4, c5 on the front (smaller S or MF than c1); c6 dominated by c3.
        single("c1", "m", "FX8", "cpu", 5, 4, 70, 20, threads=4, xnn=1),
        single("c2", "m", "FX8", "cpu", 9, 4, 70, 20, threads=1, xnn=1),
        single("c3", "n", "FP32", "cpu", 30, 16, 80, 60, threads=4, xnn=1),
        single("c4", "m", "DR8", "cpu", 6, 3, 70, 22, threads=4, xnn=1),
        single("c5", "m", "FP16", "cpu", 8, 8, 70, 18, threads=4, xnn=1),
        single("c6", "n", "FP16", "cpu", 40, 16, 80, 60, threads=4, xnn=1),
        single("g1", "m", "FP16", "gpu", 3, 8, 70, 25),
        single("g2", "n", "FP16", "gpu", 9, 8, 80, 40),
    ]
    kept = corun.prune(xs, keep=3)
    # CPU front {c1, c3, c4, c5}: the fastest c1, the most accurate c3, then by L: c4.
    assert [x.design_id for x in kept if x["engines"][0] == "cpu"] == ["c1", "c3", "c4"]
    assert [x.design_id for x in kept if x["engines"][0] == "gpu"] == ["g1", "g2"]
    for k in (1, 2):
        per = corun.prune(xs, keep=k)
        assert max(sum(1 for x in per if x["engines"][0] == e) for e in ("cpu", "gpu")) <= k
    assert [x.design_id for x in corun.prune(xs, keep=1)] == ["c1", "g1"]
    # AgeNet's A is a MAE: with a_goal min the smaller is the better.
    assert "c1" in [x.design_id for x in corun.prune(xs[:3], keep=2, a_goal="min")]
    with pytest.raises(CarinInputError, match="keep must be >= 1"):
        corun.prune(xs, keep=0)


def test_bad_input():
    npusim = object()  # never reached: the input is checked first
    with pytest.raises(CarinInputError, match="unknown model `resnet9000`"):
        corun.profile_multi(npusim, "a71", "x", slots=[["yamnet"], ["resnet9000"]])
    with pytest.raises(CarinInputError, match="at least two DNNs, got 1"):
        corun.profile_multi(npusim, "a71", "x", slots=[["yamnet", "efficientnet_lite0_mit67"]])
    with pytest.raises(CarinInputError, match="`uc1` is not a multi-DNN use case"):
        corun.profile_multi(npusim, "a71", "uc1")
    with pytest.raises(CarinInputError, match="device `iphone`"):
        corun.profile_multi(npusim, "iphone", "uc3")
    with pytest.raises(CarinInputError, match="one of min|max per DNN"):
        corun.profile_multi(npusim, "a71", "uc4", a_goals=["max"])


# ---- co-runs on the simulator ----

def _specs():
    return {m.name: m for slot in usecases.multi_models("uc3") + usecases.multi_models("uc4")
            for m in slot}


def _alone_ms(npusim, x, tmp):
    from workloads.carin import profiler
    path, _, _ = _specs()[x["models"][0]].trace(x["schemes"][0], str(tmp))
    e = x["engines"][0]
    t, xnn = (x["threads"][0], x["xnnpack"][0]) if e == "cpu" else (4, 1)
    return npusim.run(profiler.design_hw("a71", e, t, xnn), path)["total_seconds"] * 1e3


def test_corun_on_two_processors_is_slower_than_alone(tmp_path):
    npusim = pytest.importorskip("npusim")
    # YAMNet FP32 on 4 CPU threads and EfficientNet-Lite4 FP32 on the GPU share the A71's LPDDR.
    cpu = single("y", "yamnet", "FP32", "cpu", 1, 1, 1, 1, threads=4, xnn=1)
    gpu = single("e", "efficientnet_lite4_mit67", "FP32", "gpu", 1, 1, 1, 1)
    l0 = [_alone_ms(npusim, x, tmp_path) for x in (cpu, gpu)]
    lm = corun.cosimulate(npusim, "a71", _specs(), [cpu, gpu], inferences=2)
    ntt, stp, f = corun.metrics(l0, lm)
    # Both wait for the DRAM the other uses: neither is faster than alone, and the faster one
    # (YAMNet, all of whose inferences overlap the GPU's) is measurably slower.
    assert min(ntt) >= 1.0 - 1e-6
    assert ntt[0] > 1.02
    assert stp < 2.0 and 0 < f <= 1.0


def test_corun_alone_matches_the_single_run(tmp_path):
    npusim = pytest.importorskip("npusim")
    # Without a co-runner there is no contention: the co-run harness (platform, back-to-back
    # trace) gives the single run's latency for every inference, NTT = 1.
    x = single("g", "gendernet_mnv2", "FFX8", "cpu", 1, 1, 1, 1, threads=2, xnn=1)
    l0 = _alone_ms(npusim, x, tmp_path)
    alone = corun.cosimulate(npusim, "a71", _specs(), [x], inferences=3)
    assert alone[0] == pytest.approx(l0, rel=1e-6)
    with pytest.raises(CarinInputError, match="inferences must be >= 1"):
        corun.cosimulate(npusim, "a71", _specs(), [x], inferences=0)


def test_profile_multi_small_usecase():
    npusim = pytest.importorskip("npusim")
    # UC4's three nets on the Galaxy S20 FE with one design kept per DNN and processor: every
    # tuple of the kept designs is co-simulated (or counted as failed), each row a 3-DNN design.
    quiet = {e: (0.0, 0.0) for e in ("cpu", "gpu", "npu", "dsp")}
    p = corun.profile_multi(npusim, "s20fe", "uc4", keep=1, inferences=2, runs=5, jitter=quiet,
                            a_goals=["max", "min", "max"])
    n = 1
    for s in p.singles:
        assert len(s) == len({x["engines"][0] for x in s})  # keep = 1: one per processor
        n *= len(s)
    assert len(p.rows) + len(p.failed) == n
    for row in p.rows:
        assert row.dnns == 3 and row["STP"] <= 3 + 1e-9 and 0 < row["F"] <= 1
        assert row["MF_MB"] == pytest.approx(sum(p.single_of(i, (row["models"][i], row["schemes"][i],
                                                                 row["engines"][i], row["threads"][i],
                                                                 row["xnnpack"][i]))["MF_MB"]
                                                 for i in range(3)))


def test_a_tuple_npusim_refuses_is_counted_not_raised():
    # A stand-in simulator that refuses every co-run as npusim refuses a design that does not
    # fit: add_tuples records the tuple as failed, with the message's first line, and goes on.
    class Refusing:
        class Error(Exception):
            pass

        class InternalError(Error):
            pass

        def run(self, hw, workload):
            raise self.Error("design does not fit the RAM: 7 GiB > 6 GiB\nmore detail")

    sim = Refusing()
    a = single("y", "yamnet", "DR8", "cpu", 5, 3.7, 0.3756, 25, threads=4, xnn=1)
    b = single("e", "efficientnet_lite0_mit67", "FFX8", "dsp", 9, 3.4, 69.78, 25)
    prof = corun.CorunProfile("a71", "uc3", [], [[a], [b]], [[a], [b]], [], l0={"y": 4.0, "e": 8.0},
                              specs=_specs())
    assert corun.add_tuples(sim, prof, [[a, b]]) == 0
    assert prof.rows == [] and prof.failed == [("y+e", "design does not fit the RAM: 7 GiB > 6 GiB")]


def test_transferred_tuples_find_their_members_here():
    npusim = pytest.importorskip("npusim")
    quiet = {e: (0.0, 0.0) for e in ("cpu", "gpu", "npu", "dsp")}
    p = corun.profile_multi(npusim, "s20fe", "uc4", keep=1, inferences=1, runs=5, jitter=quiet,
                            a_goals=["max", "min", "max"])
    # A tuple made here maps back to its members; co-simulating it again adds nothing.
    members = corun.transferred_members(p, p.rows[:1])
    assert [m.design_id for m in members[0]] == p.rows[0].design_id.split("+")
    assert corun.add_tuples(npusim, p, members) == 0
    # A tuple on a DSP (which the S20 FE lacks) has no members here: not transferable.
    dsp = corun.tuple_row("a71", "uc4", [single(f"d{i}", m, "FFX8", "dsp", 1, 1, 1, 1) for i, m in
                                         enumerate(("gendernet_mnv2", "agenet_mnv2", "ethninet_mnv2"))],
                          [1.0] * 3, [1.0] * 3)
    assert corun.transferred_members(p, [dsp]) == []


def test_single_latency_agrees_with_the_runtimes_isolated_latency(tmp_path):
    npusim = pytest.importorskip("npusim")
    # corun.py takes L^single from the profiler's single-design runs; the runtime (since it
    # profiles each pinned model on its own accelerator) reports the same isolated latency for
    # the GPU DNN of a CPU + GPU co-run, not the CPU's.
    cpu = single("y", "yamnet", "FP32", "cpu", 1, 1, 1, 1, threads=4, xnn=1)
    gpu = single("e", "efficientnet_lite0_mit67", "FP16", "gpu", 1, 1, 1, 1)
    wl = corun._write_workload(_specs(), [cpu, gpu], 1, str(tmp_path))
    st = npusim.run(corun.platform("a71", [cpu, gpu]), wl)
    iso = {r["accelerator"]: r["isolated_s"] * 1e3 for r in st["requests"]["list"]}
    assert iso["dnn0"] == pytest.approx(_alone_ms(npusim, cpu, tmp_path), rel=1e-6)
    assert iso["dnn1"] == pytest.approx(_alone_ms(npusim, gpu, tmp_path), rel=1e-6)
