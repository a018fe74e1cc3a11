#!/usr/bin/python3
"""Run the example study and draw its plots into docs/studies/.

    /usr/bin/python3 scripts/studies/generic_npu_bw_macs_precision.py [--workers N]
        [--scheduler tcp://HOST:PORT] [--db FILE] [--out-dir docs/studies]

Equivalent to `sweep.py run` + `sweep.py export` + three `sweep.py plot` commands (printed at the
end); results go to npusim-out/sweeps/generic_npu_bw_macs_precision.sqlite, so a rerun only
computes what is missing.
"""
import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from npusim_sweep import execute, metrics, plot, simenv, spec as specmod  # noqa: E402
from npusim_sweep.store import Store  # noqa: E402

SPEC = HERE / "generic_npu_bw_macs_precision.yaml"
BW, WBITS, ROWS = "dram.channel_bandwidth", "workload.models.0.precision.weight", "array.rows"
LABELS = {BW: "DRAM bandwidth [GB/s]", WBITS: "weight bits", ROWS: "array rows (= cols)",
          "array.cols": "cols", "throughput.value": "throughput [inferences/s]",
          "array_macs": "MACs in the array", "effective_tops": "effective TOPS",
          "generic_npu.mac_utilisation": "MAC utilisation"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    execute.add_engine_args(ap)
    ap.add_argument("--out-dir", default=str(REPO / "docs" / "studies"))
    args = ap.parse_args(argv)
    sim = simenv.import_npusim()
    spec = specmod.load(SPEC, sim=sim)
    db = args.db or specmod.default_db_path(spec)
    execute.run_sweep(spec, db, scheduler=args.scheduler, n_workers=args.workers,
                      progress=not args.no_progress)
    with Store(db) as st:
        rows = st.rows(ids=[p.point_id for p in spec.points()])
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / spec.name
    metrics.write_results_csv(f"{stem}.csv", rows, spec)
    common = dict(derived=spec.derived, labels=LABELS)
    plot.line(rows, f"{stem}.png", BW, "throughput.value", series=[ROWS], facet=WBITS, logx=True, logy=True,
              title=f"ResNet-18 on the edge NPU ({sim.__version__}): throughput vs DRAM bandwidth", **common)
    plot.heatmap(rows, f"{stem}_heatmap.png", BW, ROWS, "throughput.value", facet=WBITS,
                 title="ResNet-18 throughput [inferences/s]", **common)
    front = plot.pareto(rows, f"{stem}_pareto.png", "generic_npu.mac_utilisation", "throughput.value",
                        x_goal="max", y_goal="max", color=ROWS, where={WBITS: 8}, logy=True, annotate=True,
                        title="W8: MAC utilisation vs throughput (speed costs efficiency)", **common)
    ev = metrics.Evaluator(spec.derived)
    table = {(r["axes"][BW], r["axes"][ROWS], r["axes"][WBITS]): r["stats"]["throughput"]["value"]
             for r in rows if r["status"] == "done"}
    bws = sorted({k[0] for k in table}, key=metrics.number)
    print(f"\nthroughput [inferences/s] (W8; W4 and W16 as ratios to W8) -- {len(table)} points")
    print("rows\\bw " + "".join(f"{b:>18s}" for b in bws))
    for n in sorted({k[1] for k in table}):
        cells = []
        for b in bws:
            w8 = table.get((b, n, 8))
            cells.append(f"{w8:7.1f} {table[(b, n, 4)] / w8:4.2f}/{table[(b, n, 16)] / w8:4.2f}" if w8 else "-")
        print(f"{n:7d} " + "".join(f"{c:>18s}" for c in cells))
    best = max(rows, key=lambda r: r["stats"]["throughput"]["value"] if r["stats"] else 0)
    print(f"best: {best['axes']} -> {best['stats']['throughput']['value']:.1f} inf/s, "
          f"{ev.value('effective_tops', best['stats'], best['axes']):.3f} effective TOPS")
    print(f"Pareto front (W8, MAC utilisation vs throughput, both maximised): {len(front)} points")
    for pid in front:
        r = next(x for x in rows if x["point_id"] == pid)
        print(f"  {r['axes'][ROWS]}x{r['axes'][ROWS]}, {r['axes'][BW]}, W{r['axes'][WBITS]}: "
              f"{r['stats']['throughput']['value']:.1f} inf/s, "
              f"MAC utilisation {r['stats']['generic_npu']['mac_utilisation']:.3f}")
    print(f"\nwrote {stem}.csv, {stem}.png, {stem}_heatmap.png, {stem}_pareto.png\n"
          f"CLI equivalent: scripts/sweep.py run {SPEC.relative_to(REPO)}; scripts/sweep.py plot "
          f"{SPEC.relative_to(REPO)} line --x {BW} --y throughput.value --series {ROWS} --facet {WBITS} "
          f"--logx --logy -o {stem.name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
