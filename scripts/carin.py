#!/usr/bin/env python3
"""CARIn on a design table: RASS's ranked designs, its design set and switching table, its
gains over the baselines, and a Runtime Manager replay (docs/mobile_soc.md, "CARIn").

    scripts/carin.py --profile pixel7_uc1.csv --slo workloads/carin/usecases/uc1.yaml \\
        [--transfer s20fe=s20fe_uc1.csv ...] [--single uc3_lite.csv --single uc3_yamnet.csv] \\
        [--events events.csv] [--out DIR]

Exit status 2 with a message on bad input; an SLO no design meets is reported, not an error.
"""
import argparse
import csv
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from workloads.carin import baselines, profile, rass, runtime_manager, slo  # noqa: E402
from workloads.carin.errors import CarinInputError  # noqa: E402


def _write(path, rows, header):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _named(value, flag):
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise CarinInputError(f"{flag} expects NAME=FILE.csv, got `{value}`")
    return name, path


def run(args):
    designs = profile.load_csv(args.profile)
    dnns = designs[0].dnns
    if any(x.dnns != dnns for x in designs):
        raise CarinInputError(f"{args.profile}: designs mix single- and multi-DNN rows")
    spec = slo.load(args.slo, dnns)
    t0 = time.process_time()
    sol = rass.solve(spec, designs)
    solve_ms = (time.process_time() - t0) * 1e3
    print(f"{len(designs)} designs, {len(sol.feasible)} feasible, RASS {solve_ms:.1f} ms CPU")
    if not sol.feasible:
        print(f"infeasible: no design meets the SLO `{spec.name}` "
              f"({'; '.join(f'{c.term.key} {c.op} {c.bound:g}' for c in spec.constraints)})")
        return 0
    if sol.norm.dropped:
        print(f"objectives without spread over X' (dropped): {', '.join(sol.norm.dropped)}")
    print(f"designs at the opt cap (utopia point): {sol.at_cap()}")
    processors = sorted({e for x in designs for e in x.mapping})
    for role in sol.roles():
        x = sol.designs[role]
        print(f"  {role:5s} {x.label():60s} opt {sol.opt[x.design_id]:.3f}  MF {x['MF_MB']:.1f} MB")
    print(f"stored: {len(sol.stored())} designs, {rass.storage_mb(sol.stored()):.2f} MB "
          f"(every feasible variant: {rass.storage_mb(sol.feasible):.2f} MB)")
    others = {}
    for value in args.transfer or []:
        name, path = _named(value, "--transfer")
        others[name] = rass.solve(spec, profile.load_csv(path))
    if dnns == 1:
        base = baselines.single_dnn_baselines(sol, others)
    else:
        if len(args.single or []) not in (0, dnns):
            raise CarinInputError(f"--single: give one table per DNN ({dnns}), got {len(args.single)}")
        singles = [profile.load_csv(p) for p in args.single or []]
        base = baselines.multi_dnn_baselines(sol, singles, others)
    rows = baselines.gains(sol, processors, base)
    for name in base:
        s = baselines.summary(rows, name)
        mean = "-" if s["mean"] is None else f"{s['mean']:.2f}x"
        mx = "-" if s["max"] is None else f"{s['max']:.2f}x"
        print(f"  vs {name:22s} mean {mean:>7s}  max {mx:>7s}  over {s['states']} states; "
              f"N/A {s['na']}, ! {s['violates']}")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        _write(os.path.join(args.out, "ranked.csv"),
               [[x.design_id, x.label(), f"{sol.opt[x.design_id]:.6g}", f"{sol.d[x.design_id]:.6g}"]
                for x in sol.feasible], ["design_id", "design", "opt", "d"])
        _write(os.path.join(args.out, "designs.csv"),
               [[r, sol.designs[r].design_id, sol.designs[r].label()] for r in sol.roles()],
               ["role", "design_id", "design"])
        _write(os.path.join(args.out, "switching.csv"),
               [[s, x.design_id, x.label()] for s, x in rass.switching_table(sol, processors)],
               ["state", "design_id", "design"])
        names = list(base)
        _write(os.path.join(args.out, "gains.csv"),
               [[r["state"], r["carin"].label() if r["carin"] else ""] +
                [f"{r[n][1]:.4g}" if r[n][1] is not None else r[n][0] if isinstance(r[n][0], str)
                 else "!" for n in names] for r in rows],
               ["state", "carin"] + names)
    if args.events:
        timeline = runtime_manager.replay(sol, runtime_manager.load_events(args.events, processors),
                                          flash_MBps=args.flash_MBps)
        for r in timeline:
            print(f"  t={r['t_s']:g}s {r['event']:18s} -> {r['design']}"
                  + (f"  (switch {r['switch_ms']:.1f} ms)" if r["switched"] else ""))
        if args.out:
            _write(os.path.join(args.out, "timeline.csv"), [list(r.values()) for r in timeline],
                   list(timeline[0].keys()))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", required=True, help="the device's design table (CSV)")
    p.add_argument("--slo", required=True, help="the use case's SLOs (YAML)")
    p.add_argument("--transfer", action="append", help="NAME=CSV: another device's table")
    p.add_argument("--single", action="append", help="multi-DNN: one single-DNN table per DNN")
    p.add_argument("--events", help="Runtime Manager event script (CSV t_s,event,arg)")
    p.add_argument("--flash-MBps", type=float, default=1000.0, dest="flash_MBps",
                   help="flash read bandwidth for switch costs (default 1000 MB/s, assumed)")
    p.add_argument("--out", help="directory for ranked/designs/switching/gains/timeline CSVs")
    args = p.parse_args(argv)
    try:
        return run(args)
    except CarinInputError as e:
        print(f"carin: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
