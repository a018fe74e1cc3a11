#!/usr/bin/python3
"""NAWQ-SR's quality-proxy experiments (spec ../shared/papers/nawqsr.md §4, §5.3, §5.5, §5.6,
§6 "Quality proxies on CPU"): short seeded training of TPSR, IMDN-lite and MobiSR-RCAN on
Debian's sample images, then QuantSR-WLopt, layerwise resilience analysis, DRE selection with
the K grid, SA/GA at WLopt's evaluation budget, and the Table 2 / Table 3 variants on held-out
images. Writes the schedules the simulator runs (workloads/nawqsr/schedules/), the results
(docs/studies/nawqsr_quality.json) and the report (docs/studies/nawqsr_quality.md).

Every PSNR measured here is a PROXY; the paper's numbers are INPUTS. The JSON is committed, so

  /usr/bin/python3 scripts/studies/nawqsr_quality.py --render-only

regenerates the report (and the schedules) without training; a full run
(`nice /usr/bin/python3 scripts/studies/nawqsr_quality.py`) takes a few minutes of one core.
"""
import argparse
import datetime
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nawqsr_report import render  # noqa: E402

MODELS = ("tpsr", "imdn_lite", "rcan")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300, help="Adam steps per model (default 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eps", type=float, default=0.1, help="WLopt / K-grid tolerance in dB (spec: 0.1)")
    ap.add_argument("--search-runs", type=int, default=10, help="SA and GA runs per model (paper: 10)")
    ap.add_argument("--rand-seeds", type=int, default=10, help="RandDRE seeds (paper: 10)")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--quick", action="store_true", help="30 steps, 2 search runs, 2 RandDRE seeds (a smoke run)")
    ap.add_argument("--render-only", action="store_true", help="report and schedules from the committed JSON")
    ap.add_argument("--out-dir", default=os.path.join(REPO, "docs", "studies"))
    ap.add_argument("--schedule-dir", default=None, help="default workloads/nawqsr/schedules")
    ap.add_argument("--cache-dir", default=os.path.join(REPO, "npusim-out", "nawqsr"),
                    help="trained weights are kept here (not committed)")
    ap.add_argument("--simulate", metavar="NPUSIM", default=None,
                    help="path of an npusim CLI: simulate the schedules (K sweep, NAWQ-SR, w/o DRE, RandDRE, "
                         "all-DRE) and add the frame times to the JSON")
    ap.add_argument("--hw", default=os.path.join(REPO, "hw_configs", "mobile_npu", "sdm865_like.yaml"))
    args = ap.parse_args()
    if args.quick:
        args.steps, args.search_runs, args.rand_seeds = 30, 2, 2
    return args


def run(args):
    import torch
    from nawqsr import data, study
    torch.set_num_threads(1)
    t0 = time.process_time()
    ds = data.Dataset(args.seed, test_side=256)
    results = {"meta": {"steps": args.steps, "seed": args.seed, "eps": args.eps, "search_runs": args.search_runs,
                        "rand_seeds": args.rand_seeds, "train": ds.train_names, "test": ds.test_names,
                        "cal": ds.cal_names, "torch": torch.__version__,
                        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")},
               "models": {}}
    for name in args.models.split(","):
        results["models"][name] = study.run_model(name, ds, args.steps, args.seed, args.eps, args.search_runs,
                                                  args.rand_seeds, cache_dir=args.cache_dir,
                                                  log=lambda s: print(s, file=sys.stderr, flush=True))
    # sensitivity (not the spec's protocol): D_cal = 30% of the test images, so that static ranges
    # over several images differ from each image's own and D_cal can see what DRE repairs
    ds30 = data.Dataset(args.seed, test_side=256, cal_frac=0.3)
    results["sensitivity_cal30"] = {"cal": ds30.cal_names, "models": {}}
    for name in args.models.split(","):
        results["sensitivity_cal30"]["models"][name] = study.run_model(
            name, ds30, args.steps, args.seed, args.eps, 0, 0, cache_dir=args.cache_dir,
            log=lambda s: print("cal30 " + s, file=sys.stderr, flush=True))
    results["meta"]["cpu_s"] = round(time.process_time() - t0, 1)
    return results


def provenance(res, meta, mapped_from=None):
    p = {"computed": "by QuantSR-WLopt + LRA + DRE selection (workloads/nawqsr) on PROXY quality",
         "quality": "PSNR-Y (4 px shave) on D_cal = %s; model trained %d Adam steps on Debian sample images"
                    % (", ".join(meta["cal"]), meta["steps"]),
         "eps_db": res["eps"], "K": res["dre"]["K"], "dre_include_crossing": res["dre"]["include_crossing"],
         "seed": meta["seed"], "status": "computed (proxy)",
         "source": "scripts/studies/nawqsr_quality.py -> docs/studies/nawqsr_quality.json"}
    if mapped_from:
        p["adapter"] = ("mapped from %s by layer role (full block Bi <- lite block B(ceil(i*3/6))); "
                        "not searched on IMDN itself" % mapped_from)
    return p


def write_schedules(results, out_dir=None):
    """nawq_sr, wo_dre and rand_dre_<seed> for each exporter model; IMDN from IMDN-lite."""
    from nawqsr import algorithms as A
    from nawqsr import schedules
    out_dir = out_dir or schedules.SCHEDULE_DIR
    meta, written = results["meta"], []
    targets = {"tpsr": ("tpsr", None), "rcan": ("rcan", None), "imdn": ("imdn_lite", "IMDN-lite")}
    for model, (src, mapped) in targets.items():
        res = results["models"].get(src)
        if res is None:
            continue
        bits, dre = res["wlopt"]["bits"], A.dre_flags(res["n_layers"], res["dre"]["layers"])
        if mapped:
            bits = schedules.map_lite_to_imdn(res["layers"], bits)
            dre = schedules.map_lite_to_imdn(res["layers"], dre)
        prov = provenance(res, meta, mapped)
        n = len(bits)
        written.append(schedules.write(model, "nawq_sr", bits, dre, prov, out_dir))
        written.append(schedules.write(model, "wo_dre", bits, [False] * n, dict(prov, K="none (static ranges)"),
                                       out_dir))
        for s in range(meta["rand_seeds"]):
            flags = A.dre_flags(n, A.random_dre(n, s))
            written.append(schedules.write(model, "rand_dre_%d" % s, bits, flags,
                                           dict(prov, K="none (RandDRE)", rand_dre_seed=s), out_dir))
    return written


def simulate_all(results, npusim, hw):
    """Frame time and DRE share of every computed schedule on the mobile NPU (workloads/nawqsr/simulate.py)."""
    from nawqsr import algorithms as A
    from nawqsr import schedules, simulate
    out = {"hw": os.path.relpath(hw, REPO), "lr": "320x180, 2x2 patches, halo 4", "models": {}}
    targets = {"tpsr": ("tpsr", False), "imdn": ("imdn_lite", True), "rcan": ("rcan", False)}
    for model, (src, mapped) in targets.items():
        r = results["models"].get(src)
        if r is None:
            continue

        def conv(values):
            return schedules.map_lite_to_imdn(r["layers"], values) if mapped else list(values)
        bits = conv(r["wlopt"]["bits"])
        n = len(bits)

        def sim(label, flags):
            row = simulate.run_schedule(npusim, hw, model, bits, flags, label)
            out["simulator"] = row.pop("simulator")
            print("simulated %s %s: %.6f s" % (model, label, row["frame_s"]), file=sys.stderr, flush=True)
            return dict(row, n_dre=sum(flags))
        rows = {"w/o DRE": sim("wo_dre", [False] * n), "all-DRE": sim("all_dre", [True] * n),
                "NAWQ-SR": sim("nawq_sr", conv(A.dre_flags(r["n_layers"], r["dre"]["layers"])))}
        rows["K"] = [dict(sim("k_%g" % k, conv(A.dre_flags(r["n_layers"], A.dre_select(
            r["lra"]["drops"], r["lra"]["order"], k)))), K=k) for k in A.K_GRID]
        rows["RandDRE"] = [sim("rand_dre_%d" % sd, A.dre_flags(n, A.random_dre(n, sd)))
                           for sd in range(results["meta"]["rand_seeds"])]
        out["models"][model] = rows
    return out


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    path_json = os.path.join(args.out_dir, "nawqsr_quality.json")
    if args.render_only:
        with open(path_json) as f:
            results = json.load(f)
    else:
        results = run(args)
        with open(path_json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
    if args.simulate:
        results["simulated"] = simulate_all(results, os.path.abspath(args.simulate), os.path.abspath(args.hw))
        with open(path_json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
    written = write_schedules(results, args.schedule_dir)
    with open(os.path.join(args.out_dir, "nawqsr_quality.md"), "w") as f:
        f.write(render(results, [os.path.basename(p) for p in written]))
    print("wrote %s, nawqsr_quality.md and %d schedules" % (path_json, len(written)))


if __name__ == "__main__":
    main()
