"""Shared pieces of the reproduction scripts (docs/reproductions/PROTOCOL.md): the simulator
import, argument parsing, comparison rows, and writing <paper>.md / <paper>.json."""
import argparse
import json
import math
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from npusim_sweep import simenv  # noqa: E402


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="reduced run for CI")
    ap.add_argument("--out-dir", default=str(REPO / "docs" / "reproductions"))
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)  # figures are written before the report
    return args


def npusim():
    return simenv.import_npusim()


def row(quantity, paper, simulated, tolerance, within=None, rel=None):
    """One comparison. `rel` (a fraction) decides `within` when given."""
    ratio = simulated / paper if paper else float("nan")
    if within is None:
        within = abs(ratio - 1.0) <= rel
    return {"quantity": quantity, "paper": float(paper), "simulated": float(simulated),
            "ratio": ratio, "tolerance": tolerance, "within": bool(within)}


def verdict_counts(rows):
    ok = sum(r["within"] for r in rows)
    worst = max(rows, key=lambda r: abs(math.log(r["ratio"])) if r["ratio"] > 0 else float("inf"))
    return ok, len(rows), worst


def md_table(headers, lines):
    out = "| " + " | ".join(headers) + " |\n|" + "---|" * len(headers) + "\n"
    for line in lines:
        out += "| " + " | ".join(str(c) for c in line) + " |\n"
    return out


def write(out_dir, paper, title, rows, setup, markdown):
    """Writes <paper>.json (notes: `setup` and the verdict) and <paper>.md."""
    ok, total, worst = verdict_counts(rows)
    notes = (f"{setup} {ok}/{total} numbers within tolerance; largest miss {worst['quantity']} "
             f"({worst['ratio']:.3f}).")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, paper + ".json"), "w") as f:
        json.dump({"paper": paper, "title": title, "rows": rows, "notes": notes}, f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, paper + ".md"), "w") as f:
        f.write(markdown)
    print(f"{paper}: {ok}/{total} within tolerance; largest miss {worst['quantity']} "
          f"(ratio {worst['ratio']:.3f})")


def fmt(x, digits=3):
    return f"{x:.{digits}g}"
