"""CARIn's MOO, RASS, baselines and Runtime Manager (workloads/carin) on hand-made design
tables whose answers are derived in the comments."""
import math
import os
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)

from workloads.carin import baselines, profile, rass, runtime_manager, slo  # noqa: E402
from workloads.carin.errors import CarinInputError  # noqa: E402


def design(i, model, scheme, engine, L, Lmax, A, S, MF, W, threads=0, xnn=0, device="p"):
    return profile.design_from_row({
        "device": device, "usecase": "t", "design_id": i, "models": model, "schemes": scheme,
        "engines": engine, "threads": threads, "xnnpack": xnn, "L_mean_ms": L, "L_std_ms": 0,
        "L_max_ms": Lmax, "L_p95_ms": Lmax, "TP_inf_s": 1e3 / L, "A": A, "S_MB": S, "MF_MB": MF,
        "E_mJ": "", "W_GFLOPs": W, "NTT": "", "STP": "", "F": ""})


def table():
    return [
        design("x1", "a", "FP32", "cpu", 10, 12, 80, 20, 100, 1.0, threads=4, xnn=1),
        design("x2", "a", "FX8", "gpu", 5, 6, 78, 5, 50, 0.4),
        design("x3", "b", "FP16", "npu", 20, 25, 70, 4, 30, 0.5),
        design("x4", "b", "FX8", "cpu", 14, 15, 70, 4, 20, 0.5, threads=1),
    ]


SLO = {"name": "t", "objectives": [{"metric": "A", "goal": "max"}, {"metric": "L", "goal": "min"}],
       "constraints": [{"metric": "L", "stat": "max", "op": "<=", "value": 15}]}


def test_optimality_by_hand():
    s = slo.parse(SLO, 1)
    # The constraint on L.max becomes a third (min) objective.
    assert [o.term.key for o in s.objectives] == ["A", "L.mean", "L.max"]
    sol = rass.solve(s, table())
    # x3's L.max = 25 > 15: X' = {x1, x2, x4}.
    assert [x.design_id for x in sol.feasible] == ["x2", "x1", "x4"]
    # Over X': A = 80, 78, 70 (var 56/3), L.mean = 10, 5, 14 (var 122/9), L.max = 12, 6, 15
    # (var 14); utopia (80, 5, 6). x4 is worst on every objective, so d(x4) = d_max and
    # opt(x4) = 1; x2 misses only A by 2: d(x2) = 2 / sqrt(56/3).
    s_a, s_lm, s_lx = math.sqrt(56 / 3), math.sqrt(122 / 9), math.sqrt(14)
    d_max = math.sqrt((10 / s_a) ** 2 + (9 / s_lm) ** 2 + (9 / s_lx) ** 2)
    assert sol.norm.d_max == pytest.approx(d_max)
    assert sol.opt["x4"] == pytest.approx(1.0)
    assert sol.opt["x2"] == pytest.approx(d_max / (2 / s_a))  # = 8.938
    assert sol.opt["x2"] == pytest.approx(8.938, rel=1e-3)
    d1 = math.sqrt((5 / s_lm) ** 2 + (6 / s_lx) ** 2)  # x1: A at the utopia, L 5 and 6 behind
    assert sol.opt["x1"] == pytest.approx(d_max / d1)


def test_design_extraction_and_switching():
    sol = rass.solve(slo.parse(SLO, 1), table())
    # Mappings in order of their best member: gpu (x2), cpu (x1); T = 2.
    assert sol.mappings == [("gpu",), ("cpu",)]
    r = {k: v.design_id for k, v in sol.designs.items()}
    # d_m = argmin MF over U = {x2, x1, x4}: x4 (20 MB); d_w = argmin W: x2 (0.4 GFLOPs).
    # C(x2) = 50/100 + 0.4/1 = 0.9 > C(x4) = 20/100 + 0.5/1 = 0.7, so d_wm = d_m = x4.
    assert r == {"d_0": "x2", "d_1": "x1", "d_m": "x4", "d_w": "x2", "d_wm": "x4"}
    assert [x.design_id for x in sol.stored()] == ["x2", "x1", "x4"]
    assert rass.storage_mb(sol.stored()) == 5 + 20 + 4
    choose = rass.choose
    assert choose(sol).design_id == "x2"
    assert choose(sol, {"gpu"}).design_id == "x1"          # first healthy d_i
    assert choose(sol, {"cpu"}).design_id == "x2"
    assert choose(sol, {"gpu", "cpu"}).design_id == "x2"   # nothing healthy: d_w
    assert choose(sol, (), True).design_id == "x4"         # memory: d_m (cpu healthy)
    assert choose(sol, {"cpu"}, True).design_id == "x4"    # d_m's cpu flagged: d_wm


def test_baselines_b_a_b_s_oodin():
    sol = rass.solve(slo.parse(SLO, 1), table())
    # B-A: a's FP32 accuracy 80 beats b's best 70. B-S: parameters a 20 MB / 4 B = 5 M,
    # b min(4 MB / 2 B, 4 MB / 1 B) = 2 M: b.
    assert baselines.architecture(sol.all_designs, "accuracy") == "a"
    assert baselines.architecture(sol.all_designs, "size") == "b"
    base = baselines.single_dnn_baselines(sol, {})
    rows = {r["state"]: r for r in baselines.gains(sol, ["cpu", "gpu", "npu"], base)}
    healthy = rows["all healthy"]
    assert healthy["B-A"][1] == pytest.approx(1.0)                    # x2 both
    assert healthy["B-S"][1] == pytest.approx(sol.opt["x2"] / 1.0)    # b's only feasible: x4
    # OODIn, each objective over its max over X' (80, 14, 15):
    # x1 1 - 10/14 - 12/15 = -0.514; x2 0.975 - 5/14 - 6/15 = 0.218; x4 0.875 - 2 = -1.125.
    assert healthy["OODIn"][0].design_id == "x2"
    # Memory: X'_s = {MF <= 20} = {x4}, the B-A architecture has nothing there.
    assert rows["memory"]["B-A"][0] == baselines.NA
    assert baselines.summary(list(rows.values()), "B-A")["na"] >= 1


def test_oodin_differs_from_carin():
    designs = [design("p", "m", "FP32", "cpu", 100, 100, 90, 1, 1, 1, threads=1),
               design("q", "m", "FP16", "gpu", 10, 10, 60, 1, 1, 1),
               design("r", "m", "FX8", "npu", 60, 60, 85, 1, 1, 1)]
    s = slo.parse({"objectives": [{"metric": "A", "goal": "max"}, {"metric": "L", "goal": "min"}]}, 1)
    sol = rass.solve(s, designs)
    # sA = sqrt(516.67/3) = 13.12, sL = sqrt(4066.7/3) = 36.82, utopia (90, 10):
    # d(p) = 90/36.82 = 2.44, d(q) = 30/13.12 = 2.29, d(r) = sqrt((5/13.12)^2 + (50/36.82)^2) = 1.41.
    assert sol.feasible[0].design_id == "r"
    # OODIn (max A 90, max L 100): p 1 - 1 = 0, q 0.667 - 0.1 = 0.567, r 0.944 - 0.6 = 0.344.
    assert baselines.oodin_pick(s, designs).design_id == "q"


def test_transferred_na_and_violation():
    here = rass.solve(slo.parse(SLO, 1), table())
    # Another device whose best design runs on a DSP (missing here) and, with the DSP flagged,
    # one whose configuration violates the latency constraint here (x3: L.max 25 here).
    there_designs = [
        design("y1", "a", "FFX8", "dsp", 2, 3, 78, 5, 40, 0.4, device="q"),
        design("y2", "b", "FP16", "npu", 4, 5, 70, 4, 30, 0.5, device="q"),
    ]
    there = rass.solve(slo.parse(SLO, 1), there_designs)
    st_ok, st_dsp = (frozenset(), False), (frozenset({"dsp"}), False)
    assert baselines.transferred(here, there, st_ok, ["cpu", "gpu", "npu"]) == baselines.NA
    assert baselines.transferred(here, there, st_dsp, ["cpu", "gpu", "npu"]) == baselines.VIOLATES


def test_infeasible_slo_is_reported_not_an_error():
    s = slo.parse({"objectives": [{"metric": "A", "goal": "max"}],
                   "constraints": [{"metric": "L", "op": "<=", "value": 1}]}, 1)
    sol = rass.solve(s, table())
    assert sol.feasible == [] and rass.choose(sol) is None


def test_multi_dnn_terms_and_unaware():
    def pair(i, e1, e2, l1, l2, a1, a2, mf):
        return profile.design_from_row({
            "device": "p", "usecase": "u", "design_id": i, "models": "m1;m2",
            "schemes": "FP32;FP32", "engines": f"{e1};{e2}", "threads": "0;0", "xnnpack": "0;0",
            "L_mean_ms": f"{l1};{l2}", "L_std_ms": "0;0", "L_max_ms": f"{l1};{l2}",
            "L_p95_ms": f"{l1};{l2}", "TP_inf_s": "1;1", "A": f"{a1};{a2}", "S_MB": "1;1",
            "MF_MB": mf, "E_mJ": "", "W_GFLOPs": 1, "NTT": "1;1", "STP": 2, "F": 1})
    s = slo.parse({"objectives": [{"metric": "L", "goal": "min"}],
                   "constraints": [{"metric": "L", "op": "<=", "value": 50}]}, 2)
    assert [o.term.key for o in s.objectives] == ["L.mean[0]", "L.mean[1]"]
    tuples = [pair("t1", "gpu", "npu", 10, 20, 1, 1, 100), pair("t2", "npu", "gpu", 30, 40, 1, 1, 100)]
    sol = rass.solve(s, tuples)
    assert sol.feasible[0].design_id == "t1"
    one = lambda i, m, e, l: design(i, m, "FP32", e, l, l, 1, 1, 10, 1)  # noqa: E731
    # Alone, m1 is faster on the NPU (5 vs 10) and m2 on the GPU (5 vs 20): the unaware
    # combination is (npu, gpu) = t2, which runs both slower together.
    singles = [[one("a", "m1", "gpu", 10), one("b", "m1", "npu", 5)],
               [one("c", "m2", "npu", 20), one("d", "m2", "gpu", 5)]]
    base = baselines.multi_dnn_baselines(sol, singles, {})
    assert base["multi-DNN-unaware"]((frozenset(), False)).design_id == "t2"


def test_runtime_manager_replay(tmp_path):
    sol = rass.solve(slo.parse(SLO, 1), table())
    ev = tmp_path / "e.csv"
    ev.write_text("t_s,event,arg\n10,overload,gpu\n20,clear,gpu\n30,free_ram,40\n40,free_ram,500\n")
    rows = runtime_manager.replay(sol, runtime_manager.load_events(str(ev), ["cpu", "gpu"]),
                                  flash_MBps=1000.0)
    assert [r["design_id"] for r in rows] == ["x2", "x1", "x2", "x4", "x2"]
    # gpu overload -> x1: loads a FP32 (20 MB at 1000 MB/s = 20 ms) + 3.5 ms interpreter.
    assert rows[1]["switch_ms"] == pytest.approx(23.5)
    # free RAM 40 MB < 1.1 x MF(x2) = 55 MB: memory flag, d_m = x4 (4 MB: 4 + 3.5 ms);
    # 500 MB > 1.2 x MF(d_0) = 60 MB clears it.
    assert rows[3]["memory"] and rows[3]["switch_ms"] == pytest.approx(7.5)
    assert not rows[4]["memory"]


@pytest.mark.parametrize("doc,msg", [
    ({"objectives": [{"metric": "X", "goal": "max"}]}, "metric `X`"),
    ({"objectives": [{"metric": "A", "goal": "up"}]}, "goal must be min or max"),
    ({"objectives": [{"metric": "A", "goal": "max", "stat": "p95"}]}, "stat` applies to L only"),
    ({"constraints": [{"metric": "L", "op": "<", "value": 1}]}, "op must be"),
    ({"constraints": [{"metric": "L", "op": "<=", "value": "fast"}]}, "value must be a number"),
    ({"objectives": [{"metric": "A", "goal": "max"}], "weights": {"L": 2}}, "not an objective"),
    ({"objectives": [{"metric": "A", "goal": "max"}], "extra": 1}, "unknown key"),
    ({}, "no objectives"),
])
def test_slo_errors(doc, msg):
    with pytest.raises(CarinInputError, match=msg):
        slo.parse(doc, 1)


def test_cli_bad_inputs_exit_2(tmp_path):
    good = tmp_path / "p.csv"
    profile.write_csv(str(good), table())
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("device,usecase\np,t\n")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("objectives: [\n")
    slo_file = tmp_path / "slo.yaml"
    slo_file.write_text("objectives: [{metric: A, goal: max}]\n")
    script = os.path.join(ROOT, "scripts", "carin.py")
    for args, msg in [(["--profile", str(bad_csv), "--slo", str(slo_file)], "missing column"),
                      (["--profile", str(good), "--slo", str(bad_yaml)], "not valid YAML"),
                      (["--profile", str(tmp_path / "none.csv"), "--slo", str(slo_file)], "No such file")]:
        r = subprocess.run([sys.executable, script] + args, capture_output=True, text=True)
        assert r.returncode == 2 and msg in r.stderr, (args, r.stderr)
    r = subprocess.run([sys.executable, script, "--profile", str(good), "--slo", str(slo_file),
                        "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "switching.csv").exists()


def test_latency_jitter_model():
    from workloads.carin import profiler
    # No background load: every run takes L0.
    assert profiler.latency_stats(2.0, "cpu", "k", jitter={"cpu": (0.0, 0.5)}) == (2.0, 0.0, 2.0, 2.0)
    # Always loaded with a mean extra slowdown of 0.5: the mean of L0 (1 + X) tends to 1.5 L0.
    mean, std, mx, p95 = profiler.latency_stats(2.0, "cpu", "k", runs=20000, jitter={"cpu": (1.0, 0.5)})
    assert mean == pytest.approx(3.0, rel=0.03) and std == pytest.approx(1.0, rel=0.05)  # Exp: sd = mean
    assert mx >= p95 >= 2.0
    # Seeded: the same key gives the same statistics, another seed different ones.
    assert profiler.latency_stats(2.0, "gpu", "k", seed=1) == profiler.latency_stats(2.0, "gpu", "k", seed=1)
    assert profiler.latency_stats(2.0, "gpu", "k", seed=1) != profiler.latency_stats(2.0, "gpu", "k", seed=2)


def test_profile_rows_come_from_the_simulator():
    npusim = pytest.importorskip("npusim")
    from workloads.carin import profiler, usecases
    bert = [m for m in usecases.uc2_models() if m.name == "bert_l2_h128"]
    quiet = {e: (0.0, 0.0) for e in profiler.JITTER}
    rows, skipped = profiler.profile_usecase(npusim, "pixel7", "uc2", bert, runs=5, jitter=quiet)
    # Pixel 7: CPU 8 options x 5 schemes, GPU FP32/FP16/FX8, NPU FP16/FFX8 = 45 candidates.
    assert len(rows) + len(skipped) == 45
    by = {r.design_id: r for r in rows}
    cpu = by["bert_l2_h128|FX8|cpu|2|1"]
    # Without jitter the latency is the simulated one: total_seconds of the same design.
    with tempfile.TemporaryDirectory() as d:
        path, params, _ = bert[0].trace("FX8", d)
        st = npusim.run(profiler.design_hw("pixel7", "cpu", 2, 1), path)
    assert cpu["L_mean_ms"][0] == pytest.approx(st["total_seconds"] * 1e3)
    assert cpu["L_std_ms"][0] == 0
    # S = parameters x 1 B (int8); A is the paper's input for FX8.
    assert cpu["S_MB"][0] == pytest.approx(params / 1e6)
    assert cpu["A"][0] == 91.75
    # E: the run's energy from the Pixel 7's table (mobile_soc_pixel7: 2 threads on the two
    # X1 cores at 2 W each, so at most 4 W x the latency plus the LPDDR and buffers).
    assert cpu["E_mJ"] == pytest.approx(st["energy"]["total_j"] * 1e3)
    assert 0 < cpu["E_mJ"] < 4.0 * cpu["L_mean_ms"][0] * 1.2


@pytest.mark.parametrize("model,gflops,mparams", [
    # [P] carin.md §2 UC1 (CARIn Table 2): FLOPs (G) and parameters (M); tolerance 2 %.
    ("mobilenet_v2_1.0", 0.60, 3.49), ("mobilenet_v2_1.4", 1.16, 6.09),
    ("efficientnet_lite0", 0.77, 4.63), ("efficientnet_lite4", 5.11, 12.95),
    ("regnety_008", 1.60, 6.25), ("regnety_016", 3.23, 11.18),
])
def test_uc1_graphs_match_the_papers_counts(model, gflops, mparams):
    from workloads.carin import cnn_graphs
    from workloads.exporters import bert_family
    g = cnn_graphs.build(model, "FP32")
    assert bert_family.flops(g) / 1e9 == pytest.approx(gflops, rel=0.02)
    assert g.params / 1e6 == pytest.approx(mparams, rel=0.02)
    # Integer schemes: 1 B weights, int8 activations; FX8 keeps float I/O around them.
    fx8 = cnn_graphs.build(model, "FX8")
    assert fx8.nodes[0]["op"] == "QUANTIZE" and fx8.nodes[-1]["dtype"] == "fp32"
    assert cnn_graphs.build(model, "FFX8").inputs[0]["dtype"] == "int8"


def test_uc1_graph_runs_on_the_soc():
    npusim = pytest.importorskip("npusim")
    from workloads.carin import cnn_graphs, profiler
    text, _, _ = cnn_graphs.graph("mobilenet_v2_1.0", "FP16")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.yaml")
        with open(path, "w") as f:
            f.write(text)
        st = npusim.run(profiler.design_hw("pixel7", "gpu", 4, 1), path)
    # The GPU delegate takes every operator of MobileNetV2 (CONV, DEPTHWISE, ADD, MEAN, FC, ...).
    assert st["soc_engine"]["delegated_work_fraction"][0] > 0.99
