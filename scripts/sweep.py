#!/usr/bin/python3
"""npusim design-space sweeps: run on Dask, results in SQLite, export and plot.

  sweep.py validate SWEEP.yaml                       check the sweep file; run nothing
  sweep.py run SWEEP.yaml [--db F] [--scheduler tcp://H:P | --scheduler-file F] [--workers N]
                          [--retry-failed] [--no-progress]
  sweep.py status SWEEP.yaml|RESULTS.sqlite
  sweep.py export SWEEP.yaml|RESULTS.sqlite -o out.csv|out.json [--metrics a,b] [--full]
  sweep.py plot SWEEP.yaml|RESULTS.sqlite line|heatmap|pareto ... -o out.png|out.pdf

Use Debian's /usr/bin/python3 (python3-distributed, -tqdm, -matplotlib, -yaml). The npusim
module is found via --npusim-path, $NPUSIM_PYTHONPATH, PYTHONPATH or <repo>/build/python.
Exit status: 0 success, 1 error (or failed points with --fail-on-error), 2 invalid sweep file.
See docs/sweeps.md.
"""
import argparse
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from npusim_sweep import metrics as metricsmod  # noqa: E402
from npusim_sweep import simenv, spec as specmod  # noqa: E402
from npusim_sweep.store import Store, StoreLocked  # noqa: E402


def _is_spec(arg):
    return arg.endswith((".yaml", ".yml"))


def _load_spec(path, args, check):
    sim = simenv.import_npusim(getattr(args, "npusim_path", None)) if check else None
    return specmod.load(path, check=check, sim=sim)


def _open_results(args):
    """(store, rows, metrics, derived, spec_or_None) for a sweep file or a results file."""
    spec = None
    if _is_spec(args.target):
        spec = _load_spec(args.target, args, check=False)
        db = args.db or specmod.default_db_path(spec)
    else:
        db = args.target
    st = Store(db)
    if spec:
        rows = st.rows(ids=[p.point_id for p in spec.points()])
        metrics, derived = spec.metrics, spec.derived
    else:
        rows = st.rows()
        metrics, derived = [], {}
        for s in st.sweep_info():
            metrics += [m for m in s["metrics"] if m not in metrics]
            derived.update(s["derived"])
    return st, rows, metrics or list(metricsmod.DEFAULT_METRICS), derived, spec


VALIDATE_EXPAND_LIMIT = 100_000  # validate counts distinct points up to here, else only the product


def cmd_validate(args):
    spec = _load_spec(args.sweep, args, check=True)
    bound = spec.size_bound()  # computed without expanding the sweep
    if bound > specmod.MAX_POINTS:
        print(f"{args.sweep}: sweep `{spec.name}`, {len(spec.axes)} axes: every axis value is valid, but the "
              f"sweep has {bound:,} points, more than the {specmod.MAX_POINTS:,} one sweep may plan; "
              "`run` refuses it: split it or sample it with a random block")
        return 1
    if bound > VALIDATE_EXPAND_LIMIT:
        size = f"{bound:,} points (the product of the blocks' sizes; not expanded, duplicates not collapsed)"
    else:
        size = f"{len(spec.points())} points"
    print(f"{args.sweep}: OK: sweep `{spec.name}`, {len(spec.axes)} axes, {size}")
    for a in spec.axes:
        print(f"  axes[{a.block}] {a.kind:6s} {a.path}")
    return 0


def cmd_run(args):
    from npusim_sweep import execute
    spec = _load_spec(args.sweep, args, check=True)
    db = args.db or specmod.default_db_path(spec)
    summary = execute.run_sweep(
        spec, db, scheduler=args.scheduler, scheduler_file=args.scheduler_file, n_workers=args.workers,
        retry_failed=args.retry_failed, progress=not args.no_progress, npusim_dir=args.npusim_path,
        delay=args.debug_point_delay, window=args.window, durable=args.durable,
        rerun_other_versions=args.rerun_other_versions)
    print(f"{spec.name}: {summary.message or summary.state} -> {db} (run {summary.run_id})")
    return 1 if (args.fail_on_error and summary.failed) else 0


def _ts(t):
    return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def cmd_status(args):
    from npusim_sweep import execute
    if _is_spec(args.target):
        spec = _load_spec(args.target, args, check=False)
        db = args.db or specmod.default_db_path(spec)
        counts, runs = execute.status(spec, db)
        print(f"sweep {spec.name} ({db}): {counts['planned']} points: {counts['done']} done, "
              f"{counts['failed']} failed, {counts['missing']} missing"
              + (f"; {counts['other_rows']} other rows in the file" if counts["other_rows"] else ""))
    else:
        db = args.target
        st = Store(db)
        rows = st.rows(with_stats=False)
        runs = st.runs()
        n_done = sum(r["status"] == "done" for r in rows)
        print(f"{db}: {len(rows)} points: {n_done} done, {len(rows) - n_done} failed")
        st.close()
    st = Store(db) if os.path.exists(db) else None
    active = st.writer_active() if st else False
    for r in runs[-args.runs:]:
        state = r["state"]
        if state == "running" and not active:
            state = "interrupted (driver died)"
        print(f"  run {r['run_id']} {_ts(r['started_at'])} .. {_ts(r['ended_at'])}  {state}: "
              f"planned {r['planned']}, skipped {r['skipped']}, done {r['done']}, failed {r['failed']}"
              f"  [{r['scheduler']}]")
    if st:
        failed = st.rows(status="failed", with_stats=False)
        for r in failed[:args.errors]:
            print(f"  failed {r['point_id']} {r['overrides']}: {(r['error'] or '')[:300]}")
        if len(failed) > args.errors:
            print(f"  ... {len(failed) - args.errors} more failed points (export them with --status failed)")
        st.close()
    return 0


def cmd_export(args):
    st, rows, metrics, derived, spec = _open_results(args)
    if args.metrics:
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    if args.status != "all":
        rows = [r for r in rows if r["status"] == args.status]
    records, _ = metricsmod.flatten_rows(rows, metrics, derived, full=args.full)
    fmt = args.format or ("json" if args.output.endswith(".json") else "csv")
    if fmt == "json":
        metricsmod.write_json(args.output, records, {"results": st.path, "metrics": metrics,
                                                     "derived": derived, "sweep": spec.name if spec else None})
    else:
        metricsmod.write_csv(args.output, records)
    st.close()
    print(f"wrote {len(records)} points to {args.output}")
    return 0


def _kv(items):
    out = {}
    for it in items or []:
        if "=" not in it:
            raise SystemExit(f"expected KEY=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        out[k] = v
    return out


def cmd_plot(args):
    from npusim_sweep import plot
    st, rows, _, derived, _ = _open_results(args)
    st.close()
    where, labels = _kv(args.where), _kv(args.label)
    common = dict(where=where, derived=derived, title=args.title, labels=labels)
    if args.kind == "line":
        series = [s for s in args.series.split(",") if s] if args.series is not None else None
        plot.line(rows, args.output, args.x, args.y, series=series, facet=args.facet, logx=args.logx,
                  logy=args.logy, **common)
    elif args.kind == "heatmap":
        plot.heatmap(rows, args.output, args.x, args.y, args.z, facet=args.facet, **common)
    else:
        front = plot.pareto(rows, args.output, args.x, args.y, x_goal=args.x_goal, y_goal=args.y_goal,
                            color=args.color, logx=args.logx, logy=args.logy, annotate=args.annotate, **common)
        print(f"Pareto front: {len(front)} points")
    print(f"wrote {args.output}")
    return 0


def build_parser():
    p = argparse.ArgumentParser(prog="sweep.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--npusim-path", help="directory holding npusim*.so (default: $NPUSIM_PYTHONPATH, "
                   "PYTHONPATH, <repo>/build/python)")
    sub = p.add_subparsers(dest="cmd", required=True)

    v = sub.add_parser("validate", help="check a sweep file without running it")
    v.add_argument("sweep")
    v.set_defaults(fn=cmd_validate)

    r = sub.add_parser("run", help="run the missing points of a sweep")
    r.add_argument("sweep")
    r.add_argument("--db", help="results file (default: the sweep's `db:` or npusim-out/sweeps/NAME.sqlite)")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--scheduler", help="address of an existing Dask scheduler, tcp://HOST:PORT")
    g.add_argument("--scheduler-file", help="scheduler file written by dask-scheduler --scheduler-file")
    r.add_argument("--workers", type=int, help="local cluster size (default: one process per CPU)")
    r.add_argument("--retry-failed", action="store_true", help="rerun points recorded as failed")
    r.add_argument("--rerun-other-versions", action="store_true",
                   help="rerun points recorded by a different npusim version than the one imported")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--window", type=int, help="tasks in flight (default: 4 per worker thread, at least 8)")
    r.add_argument("--durable", action="store_true", help="fsync every commit (survives power loss)")
    r.add_argument("--fail-on-error", action="store_true", help="exit 1 if any point failed")
    r.add_argument("--debug-point-delay", type=float, default=0.0, help=argparse.SUPPRESS)
    r.set_defaults(fn=cmd_run)

    s = sub.add_parser("status", help="progress of a sweep, runs and failures")
    s.add_argument("target", help="sweep file or results file")
    s.add_argument("--db")
    s.add_argument("--runs", type=int, default=10, help="runs to list")
    s.add_argument("--errors", type=int, default=5, help="failed points to list")
    s.set_defaults(fn=cmd_status)

    e = sub.add_parser("export", help="export points to CSV or JSON")
    e.add_argument("target", help="sweep file or results file")
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--db")
    e.add_argument("--format", choices=["csv", "json"])
    e.add_argument("--metrics", help="comma-separated metric paths/expressions (default: the sweep's `metrics:`)")
    e.add_argument("--status", choices=["done", "failed", "all"], default="all")
    e.add_argument("--full", action="store_true", help="JSON: include the full stats of every point")
    e.set_defaults(fn=cmd_export)

    pl = sub.add_parser("plot", help="line plot, heatmap or Pareto front to PNG/PDF/SVG")
    pl.add_argument("target", help="sweep file or results file")
    pl.add_argument("kind", choices=["line", "heatmap", "pareto"])
    pl.add_argument("-o", "--output", required=True)
    pl.add_argument("--db")
    pl.add_argument("--x", required=True, help="axis (line/heatmap) or metric (pareto)")
    pl.add_argument("--y", required=True, help="metric (line/pareto) or axis (heatmap)")
    pl.add_argument("--z", help="heatmap: the metric")
    pl.add_argument("--series", help="line: comma-separated axes, one line per combination "
                    "(default: all other varying axes)")
    pl.add_argument("--facet", help="one subplot per value of this axis")
    pl.add_argument("--where", action="append", metavar="AXIS=VALUE", help="keep only these points")
    pl.add_argument("--label", action="append", metavar="NAME=TEXT", help="axis label for NAME")
    pl.add_argument("--color", help="pareto: colour points by this axis")
    pl.add_argument("--x-goal", choices=["min", "max"], default="min")
    pl.add_argument("--y-goal", choices=["min", "max"], default="max")
    pl.add_argument("--annotate", action="store_true", help="pareto: label front points")
    pl.add_argument("--logx", action="store_true")
    pl.add_argument("--logy", action="store_true")
    pl.add_argument("--title")
    pl.set_defaults(fn=cmd_plot)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.cmd == "plot" and args.kind == "heatmap" and not args.z:
        print("sweep.py plot heatmap: --z METRIC is required", file=sys.stderr)
        return 2
    try:
        return args.fn(args)
    except specmod.SweepSpecError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (StoreLocked, FileNotFoundError, simenv.SimulatorNotFound, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; finished points are saved, rerun to continue", file=sys.stderr)
        return 130
    except Exception as e:
        from npusim_sweep.execute import SweepAborted
        from npusim_sweep.metrics import MetricError
        from npusim_sweep.plot import PlotError
        if isinstance(e, (SweepAborted, MetricError, PlotError)):
            print(f"error: {e}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
