"""Plots of stored points (matplotlib, Agg; the output format follows the file name: .png, .pdf, .svg).

  line     a metric over one axis, one line per combination of the other varying axes
           (or of --series), optional subplots per --facet value
  heatmap  a metric over two axes (the others fixed with --where), optional --facet
  pareto   two metrics against each other, the non-dominated front highlighted
"""
import json
import math

import matplotlib
import yaml

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .metrics import Evaluator, MetricError, number, unit_of  # noqa: E402


class PlotError(ValueError):
    pass


def _key(v):
    """The identity of an axis value when grouping points (a mapping value by its content)."""
    return json.dumps(v, sort_keys=True, separators=(",", ":")) if isinstance(v, (dict, list)) else str(v)


def _show(v):
    """An axis value as a label; a mapping in YAML flow style: {bits: 3, type: uniform}."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v)


def _matches(value, want):
    if isinstance(value, (dict, list)):  # --where 'path={type: uniform, bits: 3}'
        if isinstance(want, str):
            try:
                want = yaml.safe_load(want)
            except yaml.YAMLError:
                return False
        return _key(value) == _key(want)
    if str(value) == str(want):
        return True
    a, b = number(value), number(want)
    return a is not None and b is not None and a == b and unit_of([str(value)]) == unit_of([str(want)])


def select(rows, where=None):
    """Points that finished, restricted by {axis: value}."""
    out = [r for r in rows if r["status"] == "done"]
    for k, v in (where or {}).items():
        if out and not any(k in r["axes"] for r in out):
            raise PlotError(f"--where {k}=...: no axis `{k}` (axes: {', '.join(varying(rows))})")
        out = [r for r in out if _matches(r["axes"].get(k), v)]
    if not out:
        raise PlotError("no finished points match" + (f" {where}" if where else ""))
    return out


def varying(rows):
    keys = []
    for r in rows:
        for k in r["axes"]:
            if k not in keys:
                keys.append(k)
    return [k for k in keys if len({_key(r["axes"].get(k)) for r in rows}) > 1]


def _sort_key(v):
    if isinstance(v, dict):  # by content, numbers numerically: bits 2 < 3 < 16
        return (2, 0.0, "", tuple((k, _sort_key(x)) for k, x in sorted(v.items())))
    if isinstance(v, list):
        return (2, 0.0, "", tuple(("", _sort_key(x)) for x in v))
    n = number(v)
    return (0, n, "", ()) if n is not None else (1, 0.0, str(v), ())


def _levels(rows, axis):
    """The distinct values of an axis among rows, sorted: [(key, value)]."""
    seen = {}
    for r in rows:
        v = r["axes"].get(axis)
        seen.setdefault(_key(v), v)
    return sorted(seen.items(), key=lambda kv: _sort_key(kv[1]))


def _label(name, rows, labels):
    if labels and name in labels:
        return labels[name]
    vals = [r["axes"][name] for r in rows if name in r["axes"]]
    u = unit_of([v for v in vals if isinstance(v, str)]) if vals else ""
    return f"{name} [{u}]" if u else name


def _tick(v):
    """A tick label: the number of a quantity (its unit is in the axis label)."""
    n = number(v)
    return _show(v) if n is None else f"{n:g}"


def _short_num(v):
    a = abs(v)
    for div, suf in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.3g}{suf}"
    return f"{v:.3g}"


def _short_key(k, keys):
    """`workload.models.0.precision.weight` -> `weight` when that is unambiguous among keys."""
    last = k.rsplit(".", 1)[-1]
    return last if sum(1 for o in keys if o.rsplit(".", 1)[-1] == last) == 1 else k


def _axis_positions(values):
    """Numeric positions for x values; categorical values get 0, 1, 2, ..."""
    nums = [number(v) for v in values]
    if all(n is not None for n in nums):
        return nums, None
    levels = sorted({_key(v): v for v in values}.items(), key=lambda kv: _sort_key(kv[1]))
    keys = [k for k, _ in levels]
    return [keys.index(_key(v)) for v in values], [_show(v) for _, v in levels]


def _facets(rows, facet):
    if not facet:
        return [(None, rows)]
    return [(_show(v), [r for r in rows if _key(r["axes"].get(facet)) == k]) for k, v in _levels(rows, facet)]


def _figure(n, size=(6.0, 4.2)):
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    for ax in axs.flat[n:]:
        ax.set_visible(False)
    return fig, list(axs.flat[:n])


def _save(fig, out, title):
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out


def _value(ev, metric, r):
    if metric in r["axes"]:
        return number(r["axes"][metric])
    try:
        return ev.number(metric, r["stats"], r["axes"])
    except (KeyError, TypeError, ZeroDivisionError, ValueError) as e:
        if isinstance(e, MetricError):
            raise PlotError(str(e)) from None
        return None


def line(rows, out, x, y, series=None, facet=None, where=None, derived=None, logx=False, logy=False,
         title=None, labels=None):
    rows = select(rows, where)
    ev = Evaluator(derived)
    if series is None:
        series = [k for k in varying(rows) if k not in (x, facet)]
    groups = _facets(rows, facet)
    fig, axs = _figure(len(groups))
    for ax, (fv, frows) in zip(axs, groups):
        lines = {}
        for r in frows:
            key = tuple(_key(r["axes"].get(s)) for s in series)
            lines.setdefault(key, []).append(r)
        for key in sorted(lines, key=lambda k: [_sort_key(lines[k][0]["axes"].get(s)) for s in series]):
            pts = sorted(lines[key], key=lambda r: _sort_key(r["axes"].get(x, _value(ev, x, r))))
            xs_raw = [r["axes"].get(x, _value(ev, x, r)) for r in pts]
            if len({_key(v) for v in xs_raw}) != len(xs_raw):
                raise PlotError(f"several points share one `{x}` value on a line: axes "
                                f"{', '.join(k for k in varying(pts) if k != x)} also vary; fix them with "
                                "--where AXIS=VALUE or name them in --series")
            xs, cats = _axis_positions(xs_raw)
            ys = [_value(ev, y, r) for r in pts]
            name = ", ".join(f"{(labels or {}).get(s, _short_key(s, series))}={_show(pts[0]['axes'].get(s))}"
                             for s in series) or None
            ax.plot(xs, ys, marker="o", label=name)
            if cats:
                ax.set_xticks(range(len(cats)), cats, rotation=20)
        ax.set_xlabel(_label(x, frows, labels))
        ax.set_ylabel(_label(y, frows, labels))
        if logx:
            ax.set_xscale("log", base=2)
        xs_all = sorted({n for n in (number(r["axes"].get(x, _value(ev, x, r))) for r in frows) if n is not None})
        if 0 < len(xs_all) <= 12:
            ax.set_xticks(xs_all, [f"{v:g}" for v in xs_all])
            ax.minorticks_off()
        if logy:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        if fv is not None:
            ax.set_title(f"{(labels or {}).get(facet, facet)} = {fv}")
        if len(lines) > 1:
            ax.legend(fontsize=7)
    return _save(fig, out, title)


def heatmap(rows, out, x, y, z, facet=None, where=None, derived=None, title=None, labels=None,
            cmap="viridis", annotate=None):
    rows = select(rows, where)
    ev = Evaluator(derived)
    cells = {}
    for r in rows:
        cells.setdefault(tuple(_key(r["axes"].get(k)) for k in (facet, x, y)), []).append(r)
    clash = next((c for c in cells.values() if len(c) > 1), None)
    if clash:
        extra = varying(clash)
        raise PlotError(f"heatmap of {z} over {x} x {y}: axes {', '.join(extra)} also vary; fix them "
                        "with --where AXIS=VALUE or use --facet")
    groups = _facets(rows, facet)
    fig, axs = _figure(len(groups), size=(6.2, 4.8))
    for ax, (fv, frows) in zip(axs, groups):
        xl, yl = _levels(frows, x), _levels(frows, y)
        xk, yk = [k for k, _ in xl], [k for k, _ in yl]
        grid = [[math.nan] * len(xl) for _ in yl]
        for r in frows:
            v = _value(ev, z, r)
            grid[yk.index(_key(r["axes"].get(y)))][xk.index(_key(r["axes"].get(x)))] = (
                math.nan if v is None else v)
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap)
        ax.set_xticks(range(len(xl)), [_tick(v) for _, v in xl], rotation=30 if len(xl) > 6 else 0)
        ax.set_yticks(range(len(yl)), [_tick(v) for _, v in yl])
        ax.set_xlabel(_label(x, frows, labels))
        ax.set_ylabel(_label(y, frows, labels))
        if annotate or (annotate is None and len(xl) * len(yl) <= 64):
            finite = [v for row in grid for v in row if not math.isnan(v)]
            mid = (min(finite) + max(finite)) / 2 if finite else 0
            for i, row in enumerate(grid):
                for j, v in enumerate(row):
                    if not math.isnan(v):
                        ax.text(j, i, _short_num(v), ha="center", va="center", fontsize=7,
                                color="white" if v < mid else "black")
        fig.colorbar(im, ax=ax, label=_label(z, frows, labels))
        if fv is not None:
            ax.set_title(f"{(labels or {}).get(facet, facet)} = {fv}")
    return _save(fig, out, title)


def pareto_front(points, x_goal="min", y_goal="max"):
    """Indices of the non-dominated (x, y) pairs (None values ignored), sorted by x."""
    sx = 1 if x_goal == "min" else -1
    sy = 1 if y_goal == "min" else -1
    idx = [i for i, (a, b) in enumerate(points) if a is not None and b is not None]
    idx.sort(key=lambda i: (sx * points[i][0], sy * points[i][1]))
    front, best = [], math.inf
    for i in idx:
        v = sy * points[i][1]
        if v < best:
            front.append(i)
            best = v
    return sorted(front, key=lambda i: (points[i][0], points[i][1]))


def pareto(rows, out, x, y, x_goal="min", y_goal="max", color=None, where=None, derived=None,
           logx=False, logy=False, title=None, labels=None, annotate=False):
    rows = select(rows, where)
    ev = Evaluator(derived)
    pts = [(_value(ev, x, r), _value(ev, y, r)) for r in rows]
    front = pareto_front(pts, x_goal, y_goal)
    fig, (ax,) = _figure(1, size=(7.0, 5.0))
    if color:
        vals = _levels(rows, color)
        cmap = plt.get_cmap("viridis", max(len(vals), 2))
        for k, (key, v) in enumerate(vals):
            sel = [i for i, r in enumerate(rows) if _key(r["axes"].get(color)) == key]
            ax.scatter([pts[i][0] for i in sel], [pts[i][1] for i in sel], s=22, alpha=0.6,
                       color=cmap(k), label=f"{(labels or {}).get(color, color)}={_show(v)}")
    else:
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=22, alpha=0.5, color="tab:gray",
                   label="points")
    ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "-o", color="tab:red", ms=7,
            mfc="none", label=f"Pareto front ({x_goal} x, {y_goal} y)")
    if annotate:
        vs = varying(rows)
        xmid = (min(p[0] for p in pts if p[0] is not None) + max(p[0] for p in pts if p[0] is not None)) / 2
        for i in front:
            right = pts[i][0] > xmid
            a = ax.annotate(", ".join(f"{_short_key(k, vs)}={_show(rows[i]['axes'][k])}" for k in vs), pts[i],
                            fontsize=6, xytext=(-6 if right else 6, -10), textcoords="offset points",
                            ha="right" if right else "left")
            a.set_in_layout(False)
    ax.set_xlabel(_label(x, rows, labels))
    ax.set_ylabel(_label(y, rows, labels))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    _save(fig, out, title)
    return [rows[i]["point_id"] for i in front]
