#!/usr/bin/python3
"""Rewrites tests/golden/golden.json from the current simulator. Run it when a change to the
timing models is intended, and say in the commit message why the numbers moved.

usage: PYTHONPATH=build/python /usr/bin/python3 scripts/refresh_golden.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import golden  # noqa: E402
import npusim  # noqa: E402


def main():
    old = {}
    if os.path.exists(golden.GOLDEN_FILE):
        with open(golden.GOLDEN_FILE) as f:
            old = json.load(f).get("results", {})
    results = {}
    for hw, wl in golden.pairs():
        k = golden.key(hw, wl)
        results[k] = golden.measure(npusim, hw, wl)
        before = old.get(k, {}).get("total_cycles")
        change = "" if before is None else f" ({results[k]['total_cycles'] / before - 1:+.2%})"
        print(f"{k}: {results[k]['total_cycles']} cycles{change}")
    with open(golden.GOLDEN_FILE, "w") as f:
        json.dump({"simulator": npusim.__version__, "results": results}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {golden.GOLDEN_FILE} ({len(results)} pairs)")


if __name__ == "__main__":
    main()
