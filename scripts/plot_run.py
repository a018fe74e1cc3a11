#!/usr/bin/python3
"""Plots one run's stats.json: where the time and the energy go, operator by operator, and where
each operator sits on the roofline of its hardware.

    scripts/plot_run.py npusim-out/stats.json [--out DIR] [--top N]

writes DIR/breakdown.png (the N operators that take longest: their share of the run's time and,
when the run was priced, of its energy) and DIR/roofline.png (each operator's arithmetic
intensity, MACs per DRAM byte, against the MACs per second it achieved, under the compute roof
and the DRAM bandwidth roof). DIR defaults to the stats file's folder. See docs/energy.md.
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class PlotError(Exception):
    pass


def load(path):
    try:
        with open(path) as f:
            stats = json.load(f)
    except (OSError, ValueError) as e:
        raise PlotError(f"cannot read {path}: {e}")
    for key in ("total_cycles", "total_seconds", "breakdown", "dram"):
        if key not in stats:
            raise PlotError(f"{path} is not an npusim stats.json (no `{key}`)")
    return stats


def clock_hz(stats):
    if stats["total_seconds"] <= 0:
        raise PlotError("the run took no time")
    return stats["total_cycles"] / stats["total_seconds"]


def rows(stats):
    """Operator rows with the quantities the plots need."""
    hz = clock_hz(stats)
    out = []
    for r in stats["breakdown"]["layers"]:
        seconds = r["cycles"] / hz
        dram = r["dram_read_bytes"] + r["dram_write_bytes"]
        util = r["mac_utilisation"]
        out.append({
            "label": f"{r['phase']}/{r['name']}",
            "cycles": r["cycles"],
            "seconds": seconds,
            "energy_j": r.get("energy_j"),
            "macs": r["macs"],
            "intensity": r["macs"] / dram if dram > 0 else None,  # MACs per DRAM byte
            "macs_per_s": r["macs"] / seconds if seconds > 0 else 0.0,
            # peak MACs per cycle of the unit that ran it: macs / (cycles x utilisation)
            "peak_macs_per_s": r["macs"] / (r["cycles"] * util) * hz if util > 0 else None,
        })
    return out


def roofs(stats, ops):
    """(peak MACs/s, DRAM bytes/s): the highest peak among the operators, the DRAM's peak."""
    peaks = [o["peak_macs_per_s"] for o in ops if o["peak_macs_per_s"]]
    return (max(peaks) if peaks else None), stats["dram"]["peak_bytes_per_s"]


def plot_breakdown(stats, ops, top, path):
    by_time = sorted(ops, key=lambda o: o["cycles"], reverse=True)[:top]
    total_s = sum(o["seconds"] for o in ops) or 1.0
    priced = all(o["energy_j"] is not None for o in ops)
    total_j = sum(o["energy_j"] for o in ops) if priced else 0.0
    labels = [o["label"] for o in by_time][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(labels) + 1.5))
    y = range(len(labels))
    h = 0.4 if priced else 0.8
    ax.barh([i + (h / 2 if priced else 0) for i in y],
            [100 * o["seconds"] / total_s for o in by_time][::-1], height=h, label="time")
    if priced:
        ax.barh([i - h / 2 for i in y], [100 * o["energy_j"] / total_j for o in by_time][::-1],
                height=h, label="energy")
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("share of the run (%)")
    title = f"{stats.get('hw', '')} running {stats.get('workload', '')}"
    if priced:
        title += f": {1e3 * stats['energy']['total_j']:.3g} mJ"
    ax.set_title(title, fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_roofline(stats, ops, path):
    peak, bw = roofs(stats, ops)
    pts = [o for o in ops if o["intensity"] and o["macs"] > 0]
    if not pts:
        raise PlotError("no operator both moves DRAM bytes and performs MACs: no roofline to draw")
    lo = min(o["intensity"] for o in pts) / 2
    hi = max(o["intensity"] for o in pts) * 2
    fig, ax = plt.subplots(figsize=(6, 4.5))
    xs = [lo * (hi / lo) ** (i / 100) for i in range(101)]
    mem = [bw * x for x in xs]  # MACs/s the DRAM can feed at x MACs per byte
    ax.plot(xs, [min(m, peak) if peak else m for m in mem], "k-", lw=1, label="roofline")
    ax.scatter([o["intensity"] for o in pts], [o["macs_per_s"] for o in pts], s=12)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (MACs per DRAM byte)")
    ax.set_ylabel("achieved MACs per second")
    ax.set_title(f"{stats.get('hw', '')}: DRAM {bw / 1e9:.3g} GB/s"
                 + (f", peak {peak / 1e12:.3g} TMAC/s" if peak else ""), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stats", help="a run's stats.json")
    ap.add_argument("--out", help="output folder (default: the stats file's folder)")
    ap.add_argument("--top", type=int, default=20, help="operators in the breakdown (default 20)")
    a = ap.parse_args(argv)
    try:
        if a.top < 1:
            raise PlotError("--top must be at least 1")
        stats = load(a.stats)
        ops = rows(stats)
        if not ops:
            raise PlotError(f"{a.stats} has no operators to plot")
        out = a.out or os.path.dirname(os.path.abspath(a.stats))
        os.makedirs(out, exist_ok=True)
        plot_breakdown(stats, ops, a.top, os.path.join(out, "breakdown.png"))
        plot_roofline(stats, ops, os.path.join(out, "roofline.png"))
    except PlotError as e:
        print(f"plot_run: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {os.path.join(out, 'breakdown.png')}, roofline.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
