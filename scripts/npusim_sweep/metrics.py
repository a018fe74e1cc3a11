"""Metrics of stored points: dotted stats paths, axis values and derived expressions; export.

A metric is any of
  * an axis (override) path of the sweep, e.g. `array.rows` or `workload.models.0.precision.weight`;
  * a dotted path into stats.json, e.g. `throughput.value`, `dram.bandwidth_utilisation`,
    `breakdown.layers.0.cycles` (integers index lists);
  * the name of a `derived:` entry of the sweep file;
  * an expression over those: `generic_npu.macs * 2 / total_seconds / 1e12`,
    `axis("array.rows") * axis("array.cols")`, `log2(axis("dram.channel_bandwidth"))`.
Axis values with units ("16GB/s", "100ns") are read as their number in the axis' own unit.
"""
import ast
import csv
import json
import math
import re

_QTY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/%]*)\s*$")
_FUNCS = {"min": min, "max": max, "abs": abs, "log": math.log, "log2": math.log2,
          "log10": math.log10, "sqrt": math.sqrt, "round": round}
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b, ast.FloorDiv: lambda a, b: a // b,
           ast.Mod: lambda a, b: a % b}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Attribute, ast.Call,
            ast.Load, ast.USub, ast.UAdd, ast.Subscript) + tuple(_BINOPS)
DEFAULT_METRICS = ["total_cycles", "total_seconds", "throughput.value", "dram.bandwidth_utilisation"]


class MetricError(ValueError):
    pass


def number(v):
    """A float for 16, 16.0, '16', '16GB/s' (the number before the unit); None otherwise."""
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        m = _QTY.match(v)
        if m:
            return float(m.group(1))
    return None


def unit_of(values):
    """The common unit of axis values like '16GB/s' ('' if none or mixed)."""
    units = {(_QTY.match(v).group(2) if isinstance(v, str) and _QTY.match(v) else "") for v in values}
    return units.pop() if len(units) == 1 else ""


def lookup(stats, path):
    cur = stats
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.lstrip("-").isdigit() and -len(cur) <= int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise KeyError(path)
    return cur


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return head + "." + node.attr if head else None
    return None


def compile_expr(expr):
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as e:
        raise MetricError(f"`{expr}` is not a valid expression: {e.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise MetricError(f"`{expr}`: {type(node).__name__} is not allowed in a metric expression")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in list(_FUNCS) + ["axis", "stat"]):
            raise MetricError(f"`{expr}`: only {', '.join(list(_FUNCS) + ['axis', 'stat'])} can be called")
    return tree


class Evaluator:
    """Evaluates metrics of one stored point (its stats dict and its axis values)."""

    def __init__(self, derived=None):
        self.derived = dict(derived or {})
        self._cache = {}

    def value(self, metric, stats, axes):
        if metric in axes:
            return axes[metric]
        if metric in self.derived:
            return self.value_expr(self.derived[metric], stats, axes)
        try:
            return lookup(stats or {}, metric)
        except KeyError:
            pass
        return self.value_expr(metric, stats, axes)

    def number(self, metric, stats, axes):
        v = self.value(metric, stats, axes)
        n = number(v)
        if n is None and v is not None:
            raise MetricError(f"`{metric}` is {v!r}, not a number")
        return n

    def value_expr(self, expr, stats, axes):
        tree = self._cache.get(expr)
        if tree is None:
            tree = self._cache[expr] = compile_expr(expr)
        return self._eval(tree.body, stats or {}, axes, expr)

    def _name(self, name, stats, axes, expr):
        if name in axes:
            return number(axes[name])
        if name in self.derived:
            return number(self.value_expr(self.derived[name], stats, axes))
        try:
            return lookup(stats, name)
        except KeyError:
            raise MetricError(f"`{expr}`: `{name}` is neither an axis, a derived metric nor a stats "
                              "path") from None

    def _eval(self, node, stats, axes, expr):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.Name, ast.Attribute)):
            d = _dotted(node)
            if d is None:
                raise MetricError(f"`{expr}`: cannot read {ast.dump(node)}")
            return self._name(d, stats, axes, expr)
        if isinstance(node, ast.Subscript):
            base = self._eval(node.value, stats, axes, expr)
            idx = self._eval(node.slice, stats, axes, expr)
            return base[idx]
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand, stats, axes, expr)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a = self._eval(node.left, stats, axes, expr)
            b = self._eval(node.right, stats, axes, expr)
            if a is None or b is None:
                return None
            return _BINOPS[type(node.op)](a, b)
        if isinstance(node, ast.Call):
            args = [self._eval(a, stats, axes, expr) for a in node.args]
            fn = node.func.id
            if fn == "axis":
                if args[0] not in axes:
                    raise MetricError(f"`{expr}`: no axis `{args[0]}`")
                return number(axes[args[0]])
            if fn == "stat":
                return lookup(stats, args[0])
            return _FUNCS[fn](*args)
        raise MetricError(f"`{expr}`: unsupported syntax")


def flatten_rows(rows, metrics, derived=None, full=False):
    """Export rows: point columns, one column per axis (override) path, one per metric."""
    ev = Evaluator(derived)
    axis_cols = []
    for r in rows:
        for k in r["axes"]:
            if k not in axis_cols:
                axis_cols.append(k)
    out = []
    for r in rows:
        rec = {"point_id": r["point_id"], "status": r["status"]}
        for k in axis_cols:
            v = r["axes"].get(k)  # a mapping value (a whole schedule) goes out as JSON
            rec[k] = json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v
        for m in metrics:
            try:
                rec[m] = ev.value(m, r["stats"], r["axes"]) if r["stats"] is not None else None
            except (MetricError, KeyError, TypeError, ZeroDivisionError, ValueError, IndexError):
                rec[m] = None
            if isinstance(rec[m], (dict, list)):
                rec[m] = json.dumps(rec[m], sort_keys=True)
        for k in ("error", "wall_s", "sim_version", "config_hash", "run_id", "worker", "finished_at"):
            rec[k] = r.get(k)
        if full:
            rec["stats"] = r["stats"]
        out.append(rec)
    return out, axis_cols


RUN_COLUMNS = ("run_id", "worker", "finished_at", "wall_s", "config_hash")


def write_results_csv(path, rows, spec):
    """The rows of a sweep as CSV for committing: without the columns that change with every
    run (run id, worker, finish time, wall time, config hash)."""
    recs, _ = flatten_rows(rows, spec.metrics, spec.derived)
    for r in recs:
        for k in RUN_COLUMNS:
            r.pop(k, None)
    write_csv(path, recs)


def write_csv(path, records):
    cols = []
    for r in records:
        for k in r:
            if k not in cols and k != "stats":
                cols.append(k)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in records:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})


def write_json(path, records, meta=None):
    with open(path, "w") as f:
        json.dump({"meta": meta or {}, "points": records}, f, indent=1, sort_keys=False)
        f.write("\n")
