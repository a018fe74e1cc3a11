"""Compare SCALE-Sim v2's COMPUTE_REPORT.csv with npusim's layers.csv, layer by layer.

    /usr/bin/python3 scripts/scalesim_compare.py --report COMPUTE_REPORT.csv --layers layers.csv

SCALE-Sim reports `Total Cycles` as the 0-based index of a layer's last cycle; npusim's
`compute_cycles` counts cycles, so the presets of hw_configs/scalesim/ give report + 1 on every
layer (docs/scalesim.md). Layers are matched in order (SCALE-Sim's LayerID is the topology's row
order, layers.csv follows the trace). Exit status 0 when every layer differs by exactly +1, 1 when
one does not, 2 for unreadable or mismatched inputs.
"""
import argparse
import csv
import sys


class InputError(Exception):
    pass


def read_report(path):
    """[(layer_id, total_cycles, stall_cycles)] from a COMPUTE_REPORT.csv."""
    with open(path, newline="") as f:
        rows = [[c.strip() for c in r] for r in csv.reader(f) if any(c.strip() for c in r)]
    if not rows or "Total Cycles" not in rows[0]:
        raise InputError(f"{path}: no `Total Cycles` column; is this SCALE-Sim's COMPUTE_REPORT.csv?")
    header = rows[0]
    i_id, i_total = header.index("LayerID"), header.index("Total Cycles")
    i_stall = header.index("Stall Cycles") if "Stall Cycles" in header else None
    out = []
    for n, r in enumerate(rows[1:], start=2):
        try:
            stall = int(float(r[i_stall])) if i_stall is not None else 0
            out.append((r[i_id], int(float(r[i_total])), stall))
        except (IndexError, ValueError) as e:
            raise InputError(f"{path}:{n}: unreadable row {r!r} ({e})") from None
    return out


def read_layers(path):
    """[(name, compute_cycles)] from npusim's layers.csv."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "compute_cycles" not in reader.fieldnames:
            raise InputError(f"{path}: no `compute_cycles` column; is this npusim's layers.csv?")
        try:
            return [(r["name"], int(r["compute_cycles"])) for r in reader]
        except ValueError as e:
            raise InputError(f"{path}: unreadable compute_cycles ({e})") from None


def compare(report, layers):
    """Table rows (name, scalesim_total, npusim_compute, difference) and the count that match."""
    if len(report) != len(layers):
        raise InputError(f"the report has {len(report)} layers, layers.csv has {len(layers)}")
    rows = [(name, total, cc, cc - total) for (_, total, _), (name, cc) in zip(report, layers)]
    return rows, sum(1 for r in rows if r[3] == 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", required=True, help="SCALE-Sim v2 COMPUTE_REPORT.csv")
    ap.add_argument("--layers", required=True, help="npusim layers.csv")
    args = ap.parse_args(argv)
    try:
        report, layers = read_report(args.report), read_layers(args.layers)
        rows, ok = compare(report, layers)
    except (OSError, InputError) as e:
        print(f"scalesim_compare: error: {e}", file=sys.stderr)
        return 2
    stalls = sum(s for _, _, s in report)
    print(f"{'layer':<24} {'SCALE-Sim':>12} {'npusim':>12} {'npusim - SCALE-Sim':>20}")
    for name, total, cc, diff in rows:
        print(f"{name:<24} {total:>12} {cc:>12} {diff:>20}")
    print(f"{ok} of {len(rows)} layers at SCALE-Sim + 1" +
          (f"; the report has {stalls} stall cycles (not CALC mode?)" if stalls else ""))
    return 0 if ok == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
