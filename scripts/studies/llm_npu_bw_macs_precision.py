#!/usr/bin/python3
"""Run the LLM NPU example study and draw its plots into docs/studies/.

    /usr/bin/python3 scripts/studies/llm_npu_bw_macs_precision.py [--workers N]
        [--scheduler tcp://HOST:PORT] [--db FILE] [--out-dir docs/studies]

Runs the sweep file llm_npu_bw_macs_precision.yaml (80 points) and a 12-point follow-up built
here (FOLLOW_UP: the dequantiser 4x faster, to show which unit caps decode at 128 GB/s) into
one results file, npusim-out/sweeps/llm_npu_bw_macs_precision.sqlite, so a rerun only computes
what is missing. Writes <out-dir>/llm_npu_bw_macs_precision{.csv,_dequant.csv,.png,_ttft.png,
_utilisation.png} and prints the tables that docs/studies/llm_npu_bw_macs_precision.md reports.
The main sweep alone is `sweep.py run` + `sweep.py export` + `sweep.py plot` (printed at the end).
"""
import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from npusim_sweep import execute, metrics, plot, simenv, spec as specmod  # noqa: E402
from npusim_sweep.store import Store  # noqa: E402

SPEC = HERE / "llm_npu_bw_macs_precision.yaml"
BW, SCHED, MV = "dram.channel_bandwidth", "workload.models.0.schedule", "mpe.mv_k"
TPS, TTFT = "llm.decode_tokens_per_s", "llm.time_to_first_token_s"
LABELS = {BW: "DRAM bandwidth [GB/s]", SCHED: "weights", MV: "MPE mv_k = mv_n",
          TPS: "decode tokens/s", TTFT: "time to first token [s]", "macs": "MACs (MV mode, mv_k x mv_n)",
          "decode_bandwidth_utilisation": "decode DRAM bandwidth utilisation"}

# The follow-up: the same request at 128 GB/s with the dequantiser at 1024 weights/cycle (the
# preset has 256), for 2-4 bits and every MPE size. Same fixed overrides and MPE geometry as the
# main sweep, so its points differ from the main sweep's only in dequant.weights_per_cycle.
FOLLOW_UP = """
name: llm_npu_bw_macs_precision_dequant
description: follow-up of llm_npu_bw_macs_precision at 128 GB/s with a 4x faster dequantiser
hw: hw_configs/llm_npu/pmpd_4k.yaml
workload: workloads/llm/mobilellama-1.4b/cnndm.yaml
overrides: {dram.channels: 1, dram.channel_bandwidth: 128GB/s, dequant.weights_per_cycle: 1024}
axes:
  - grid:
      workload.models.0.schedule: [{type: uniform, bits: 2}, {type: uniform, bits: 3}, {type: uniform, bits: 4}]
  - zip: {mpe.mv_k: [16, 32, 64, 128], mpe.mv_n: [16, 32, 64, 128], mpe.mm_k: [4, 8, 16, 32],
          mpe.mm_n: [4, 8, 16, 32]}
metrics: [llm.decode_tokens_per_s, macs, decode_mac_utilisation, decode_bandwidth_utilisation]
derived:
  macs: axis("mpe.mv_k") * axis("mpe.mv_n")
  decode_mac_utilisation: llm_npu.phases.decode.mac_utilisation
  decode_bandwidth_utilisation: llm_npu.phases.decode.dram_bandwidth_utilisation
"""


def bits(r):
    return r["axes"][SCHED]["bits"]


def macs(r):
    return r["axes"]["mpe.mv_k"] * r["axes"]["mpe.mv_n"]


def print_table(title, rows, cell, row_key, col_key):
    rk = sorted({row_key(r) for r in rows})
    ck = sorted({col_key(r) for r in rows}, key=metrics.number)
    by = {(row_key(r), col_key(r)): r for r in rows}
    print(f"\n{title}")
    print(f"{'':>8s}" + "".join(f"{c:>21}" for c in ck))
    for k in rk:
        print(f"{k:>8}" + "".join(f"{cell(by[(k, c)]) if (k, c) in by else '-':>21}" for c in ck))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    execute.add_engine_args(ap)
    ap.add_argument("--out-dir", default=str(REPO / "docs" / "studies"))
    args = ap.parse_args(argv)
    sim = simenv.import_npusim()
    spec = specmod.load(SPEC, sim=sim)
    follow = specmod.loads(FOLLOW_UP, __file__, REPO, sim=sim)
    db = args.db or specmod.default_db_path(spec)
    for s in (spec, follow):
        execute.run_sweep(s, db, scheduler=args.scheduler, n_workers=args.workers, progress=not args.no_progress)
    with Store(db) as st:
        rows = st.rows(ids=[p.point_id for p in spec.points()])
        frows = st.rows(ids=[p.point_id for p in follow.points()])
    failed = [r for r in rows + frows if r["status"] != "done"]
    if failed:
        raise SystemExit(f"{len(failed)} points failed, e.g. {failed[0]['axes']}: {failed[0]['error']}")
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / spec.name
    metrics.write_results_csv(f"{stem}.csv", rows, spec)
    metrics.write_results_csv(f"{stem}_dequant.csv", frows, follow)
    common = dict(derived=spec.derived, labels=LABELS)
    plot.line(rows, f"{stem}.png", BW, TPS, series=[SCHED], facet=MV, logx=True, logy=True,
              title=f"MobileLLaMA-1.4B CNN/DM on the LLM NPU ({sim.__version__}): decode tokens/s; "
                    "mv_k 16/32/64/128 = 256/1K/4K/16K MACs", **common)
    plot.line(rows, f"{stem}_ttft.png", "macs", TTFT, series=[BW], facet=SCHED, logx=True, logy=True,
              title="Time to first token (500-token prompt) vs MAC count", derived=spec.derived,
              labels={**LABELS, BW: "DRAM"})
    plot.line(rows, f"{stem}_utilisation.png", BW, "decode_bandwidth_utilisation", series=[SCHED],
              where={MV: 64}, logx=True, title="Decode at 4K MACs: share of the DRAM bandwidth used", **common)

    fmt_bw = lambda r: metrics.number(r["axes"][BW])  # noqa: E731
    for b in (2, 3, 4, 16):
        sel = [r for r in rows if bits(r) == b]
        print_table(f"{b}-bit weights: decode tok/s (decode DRAM bw utilisation) | rows: MACs, cols: GB/s", sel,
                    lambda r: f"{r['stats']['llm']['decode_tokens_per_s']:.2f} "
                              f"({r['stats']['llm_npu']['phases']['decode']['dram_bandwidth_utilisation']:.2f})",
                    macs, lambda r: f"{fmt_bw(r):g}")
    tps = {(fmt_bw(r), macs(r), bits(r)): r["stats"]["llm"]["decode_tokens_per_s"] for r in rows}
    print_table("decode speedup over fp16 weights at 4K MACs | rows: bits, cols: GB/s",
                [r for r in rows if macs(r) == 4096 and bits(r) != 16],
                lambda r: f"{tps[(fmt_bw(r), 4096, bits(r))] / tps[(fmt_bw(r), 4096, 16)]:.2f}x (16/b={16 / bits(r):.2f})",
                bits, lambda r: f"{fmt_bw(r):g}")
    spread = max(max(tps[(bw, m, b)] for m in (1024, 4096, 16384)) / min(tps[(bw, m, b)] for m in (1024, 4096, 16384))
                 for bw, _, b in tps) - 1
    print(f"\nlargest decode tok/s spread across 1K/4K/16K MACs at one (bandwidth, bits): {spread * 100:.2f} %")
    for b in (2, 16):
        print_table(f"{b}-bit weights: time to first token [ms] (prefill MAC utilisation) | rows: MACs, cols: GB/s",
                    [r for r in rows if bits(r) == b],
                    lambda r: f"{r['stats']['llm']['time_to_first_token_s'] * 1e3:.1f} "
                              f"({r['stats']['llm_npu']['phases']['prefill']['mac_utilisation']:.2f})",
                    macs, lambda r: f"{fmt_bw(r):g}")
    print_table("follow-up, 128 GB/s, dequantiser 1024 weights/cycle: decode tok/s (decode MAC util, bw util) "
                "| rows: MACs, cols: bits", frows,
                lambda r: f"{r['stats']['llm']['decode_tokens_per_s']:.1f} "
                          f"({r['stats']['llm_npu']['phases']['decode']['mac_utilisation']:.2f}, "
                          f"{r['stats']['llm_npu']['phases']['decode']['dram_bandwidth_utilisation']:.2f})",
                macs, bits)
    print(f"\nwrote {stem}.csv, {stem}_dequant.csv, {stem}.png, {stem}_ttft.png, {stem}_utilisation.png\n"
          f"CLI equivalent (main sweep): scripts/sweep.py run {SPEC.relative_to(REPO)}; scripts/sweep.py plot "
          f"{SPEC.relative_to(REPO)} line --x {BW} --y {TPS} --series {SCHED} --facet {MV} --logx --logy "
          f"-o {stem.name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
