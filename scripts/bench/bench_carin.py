#!/usr/bin/python3
"""CARIn speed targets (issue 14), in CPU seconds of this process: profiling every design of
one use case on one phone (UC1 on the Galaxy S20 FE: 270 designs, each simulated once on the
mobile SoC model), target < 10 s; RASS (step 1 optimality over X', step 2 design extraction) on
a design table of |X| = 10,000 rows, target < 1 s, and the solve time at |X| = 500, 2,000,
5,000 and 10,000 (the analogue of CARIn's Table 9, on this host); and the co-run profile of
UC3 on one phone (the Galaxy S20 FE: every single design profiled, the kept tuples
co-simulated, workloads/carin/corun.py), target < 30 s ("well under a minute"). The table is synthetic and seeded: random but plausible rows over 8 models x 5 schemes x
4 processors x CPU options, so only the algorithm's cost is measured.

    PYTHONPATH=build/python /usr/bin/python3 scripts/bench/bench_carin.py
Exit status 1 when the target is missed.
"""
import os
import random
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, REPO)
from workloads.carin import profile, profiler, rass, slo, usecases  # noqa: E402

TARGET_S = 1.0
PROFILE_TARGET_S = 10.0
CORUN_TARGET_S = 30.0


def synthetic_table(n, seed=1):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        engine = rng.choice(profile.ENGINES)
        L = rng.uniform(2, 80)
        rows.append(profile.design_from_row({
            "device": "synthetic", "usecase": "uc1", "design_id": f"x{i:05d}",
            "models": f"m{rng.randrange(8)}", "schemes": rng.choice(profile.SCHEMES),
            "engines": engine, "threads": rng.choice((1, 2, 4, 8)) if engine == "cpu" else 0,
            "xnnpack": rng.randrange(2) if engine == "cpu" else 0, "L_mean_ms": L,
            "L_std_ms": L * 0.05, "L_max_ms": L * rng.uniform(1.0, 1.5), "L_p95_ms": L * 1.1,
            "TP_inf_s": 1e3 / L, "A": rng.uniform(70, 81), "S_MB": rng.uniform(2, 50),
            "MF_MB": rng.uniform(10, 200), "E_mJ": "", "W_GFLOPs": rng.uniform(0.5, 5),
            "NTT": "", "STP": "", "F": ""}))
    return rows


def main():
    spec = slo.load(os.path.join(REPO, "workloads", "carin", "usecases", "uc1.yaml"), 1)
    table = synthetic_table(10000)
    print("CARIn RASS solve time (CPU s), UC1 SLOs on a synthetic table")
    worst = 0.0
    for n in (500, 2000, 5000, 10000):
        t0 = time.process_time()
        sol = rass.solve(spec, table[:n])
        dt = time.process_time() - t0
        print(f"  |X| = {n:6d}: {dt:.3f} s  ({len(sol.feasible)} feasible, {len(sol.stored())} designs kept)")
        worst = dt if n == 10000 else worst
    ok = worst < TARGET_S
    print(f"rass_10000: {worst:.3f} s (target < {TARGET_S:g} s) {'ok' if ok else 'MISSED'}")
    import npusim
    t0 = time.process_time()
    rows, skipped = profiler.profile_usecase(npusim, "s20fe", "uc1", usecases.uc1_models())
    dt = time.process_time() - t0
    p_ok = dt < PROFILE_TARGET_S
    print(f"profile_uc1_s20fe: {len(rows) + len(skipped)} designs in {dt:.2f} s "
          f"(target < {PROFILE_TARGET_S:g} s) {'ok' if p_ok else 'MISSED'}")
    from workloads.carin import corun
    t0 = time.process_time()
    prof = corun.profile_multi(npusim, "s20fe", "uc3")
    dt = time.process_time() - t0
    c_ok = dt < CORUN_TARGET_S
    print(f"corun_uc3_s20fe: {sum(len(t) for t in prof.tables)} single designs, {len(prof.rows)} tuples "
          f"in {dt:.2f} s (target < {CORUN_TARGET_S:g} s) {'ok' if c_ok else 'MISSED'}")
    return 0 if ok and p_ok and c_ok else 1


if __name__ == "__main__":
    sys.exit(main())
