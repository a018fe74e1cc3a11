#!/usr/bin/python3
"""A multi-DNN use case's co-run design table on one phone (workloads/carin/corun.py;
docs/mobile_soc.md, "Multi-DNN co-run profiles"): writes the tuples' table and, per DNN, its
kept single designs, the inputs of scripts/carin.py's multi-DNN baselines.

    PYTHONPATH=build/python /usr/bin/python3 scripts/carin_corun.py --device a71 --usecase uc3 \\
        --out a71-uc3 [--keep 3] [--inferences 3] [--runs 100]
    -> a71-uc3/a71_uc3.csv, a71-uc3/a71_uc3_dnn0.csv, a71-uc3/a71_uc3_dnn1.csv

Exit status 2 with a message on bad input.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from workloads.carin import corun, profile  # noqa: E402
from workloads.carin.errors import CarinInputError  # noqa: E402

A_GOALS = {"uc4": ["max", "min", "max"]}  # AgeNet's A is a MAE (uc4.yaml)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", required=True, help="pixel7, s20fe or a71")
    p.add_argument("--usecase", required=True, help="uc3 or uc4")
    p.add_argument("--out", required=True, help="directory for the CSVs")
    p.add_argument("--keep", type=int, default=corun.KEEP, help="designs kept per DNN and processor")
    p.add_argument("--inferences", type=int, default=corun.INFERENCES, help="back-to-back inferences per DNN")
    p.add_argument("--runs", type=int, default=100, help="background-load runs per single design")
    args = p.parse_args(argv)
    import npusim
    try:
        prof = corun.profile_multi(npusim, args.device, args.usecase, keep=args.keep,
                                   inferences=args.inferences, runs=args.runs,
                                   a_goals=A_GOALS.get(args.usecase))
    except CarinInputError as e:
        print(f"carin_corun: {e}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, f"{args.device}_{args.usecase}")
    profile.write_csv(stem + ".csv", prof.rows)
    for i, s in enumerate(prof.singles):
        profile.write_csv(f"{stem}_dnn{i}.csv", s)
    print(f"{args.device} {args.usecase}: {len(prof.rows)} tuples co-simulated "
          f"({len(prof.failed)} failed), kept per DNN "
          f"{[len(s) for s in prof.singles]}, {prof.seconds:.1f} CPU s -> {stem}.csv")
    for did, msg in prof.failed:
        print(f"  failed {did}: {msg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
