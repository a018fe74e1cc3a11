"""Random axes: parameter distributions (uniform, loguniform, int, choice) and seeded draws.

A distribution is written in the sweep file as
    path: {uniform: [low, high]}          floats; bounds may carry a unit: [50ns, 150ns]
    path: {loguniform: [4GB/s, 64GB/s]}   log-uniform (bounds > 0)
    path: {int: [16, 128]}                integers, both bounds included
    path: {choice: [1, 2, 4]}             one of the values (a plain list means the same)
with optional `unit: GB/s` (appended to drawn numbers) and `digits: 4` (significant digits kept).
"""
import difflib
import math
import re

DISTRIBUTIONS = ("uniform", "loguniform", "int", "choice")
OPTIONS = ("unit", "digits")
QUANTITY_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/%]+)\s*$")


def quantity(v):
    """(number, unit) of 4, 4.5 or '4GB/s'; None if not a quantity."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v), ""
    m = QUANTITY_RE.match(v) if isinstance(v, str) else None
    return (float(m.group(1)), m.group(2)) if m else None


def parse_dist(where, spec):
    """Normalise a distribution spec to (kind, args, unit, digits); ValueError if malformed."""
    if isinstance(spec, list):
        spec = {"choice": spec}
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: expected a list of choices or a mapping with one of " + ", ".join(DISTRIBUTIONS))
    for k in spec:
        if k not in DISTRIBUTIONS + OPTIONS:
            close = difflib.get_close_matches(str(k), DISTRIBUTIONS + OPTIONS, n=1)
            raise ValueError(f"{where}: unknown key `{k}`" + (f" (did you mean `{close[0]}`?)" if close else "")
                             + "; expected one of " + ", ".join(DISTRIBUTIONS + OPTIONS))
    kinds = [k for k in spec if k in DISTRIBUTIONS]
    if len(kinds) != 1:
        raise ValueError(f"{where}: give exactly one of " + ", ".join(DISTRIBUTIONS))
    kind, args = kinds[0], spec[kinds[0]]
    unit, digits = spec.get("unit", ""), spec.get("digits", 4)
    if not isinstance(unit, str) or not isinstance(digits, int) or isinstance(digits, bool) or digits < 1:
        raise ValueError(f"{where}: `unit` must be a string and `digits` a positive integer")
    if kind == "choice":
        if not isinstance(args, list) or not args:
            raise ValueError(f"{where}: `choice` needs a non-empty list")
        return kind, list(args), unit, digits
    if not isinstance(args, list) or len(args) != 2:
        raise ValueError(f"{where}: `{kind}` needs [low, high]")
    q = [quantity(a) for a in args]
    if None in q:
        raise ValueError(f"{where}: bounds {args} of `{kind}` must be numbers or quantities like 4GB/s")
    units = {u for _, u in q if u}
    if len(units) > 1 or (units and unit and unit not in units):
        raise ValueError(f"{where}: bounds {args} mix units; use one unit")
    unit = unit or (units.pop() if units else "")
    lo, hi = q[0][0], q[1][0]
    if not lo < hi:
        raise ValueError(f"{where}: `{kind}` low bound must be below the high bound, got {args}")
    if kind == "loguniform" and lo <= 0:
        raise ValueError(f"{where}: `loguniform` bounds must be positive, got {args}")
    if kind == "int" and not (lo.is_integer() and hi.is_integer()):
        raise ValueError(f"{where}: `int` bounds must be integers, got {args}")
    return kind, [lo, hi], unit, digits


def format_number(x, unit, digits):
    if isinstance(x, int):
        return f"{x}{unit}" if unit else x
    x = float(f"{x:.{digits}g}")
    if unit:
        return f"{x:g}{unit}"
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def bounds(dist):
    """Values that stand for the distribution when validating the axis up front."""
    kind, args, unit, digits = dist
    if kind == "choice":
        return list(args)
    return [format_number(int(a) if kind == "int" else a, unit, digits) for a in args]


def draw(rng, dist):
    kind, args, unit, digits = dist
    if kind == "choice":
        return args[rng.randrange(len(args))]
    lo, hi = args
    if kind == "int":
        return format_number(rng.randint(int(lo), int(hi)), unit, digits)
    if kind == "uniform":
        return format_number(rng.uniform(lo, hi), unit, digits)
    return format_number(math.exp(rng.uniform(math.log(lo), math.log(hi))), unit, digits)
