"""The sweep file: parsing, validation before anything runs, and expansion into points.

A sweep file names a base hardware config and workload and a list of axis blocks; the
points are the cartesian product of the blocks (see docs/sweeps.md for the format):

    name: bw_x_array
    hw: ../hw_configs/generic_npu/edge_32x32.yaml     # relative to the sweep file
    workload: ../workloads/gemm/gemm_1024.yaml
    overrides: {array.max_lanes: 2}                    # fixed, applied to every point
    axes:
      - grid: {dram.channel_bandwidth: [8GB/s, 16GB/s], array.rows: [16, 32]}
      - zip:  {array.cols: [16, 32], vector.lanes: [16, 32]}
      - random: {n: 4, seed: 1, params: {dram.latency: {uniform: [50ns, 150ns]}}}
    metrics: [throughput.value, total_seconds]
    derived: {macs: 'axis("array.rows") * axis("array.cols")'}

A value is a scalar (number, bool, string with or without a unit) or a mapping, which replaces
the whole key it names, as `npusim.run` does: `workload.models.0.schedule: [{type: uniform,
bits: 3}, {type: static, high_bits: 4, low_bits: 3, switch_step: 95}]`.
"""
import difflib
import hashlib
import itertools
import json
import math
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import simenv
from .sampling import bounds, draw, parse_dist

TOP_KEYS = ("name", "description", "hw", "workload", "overrides", "axes", "metrics", "derived", "db")
BLOCK_KINDS = ("grid", "zip", "random")
RANDOM_KEYS = ("n", "seed", "params")
FILE_AXES = ("hw", "workload")
PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
MAX_VALIDATED_VALUES = 200  # per axis; the rest are checked when their points run
# A sweep is planned point by point (ids, overrides, one results row each): beyond this many the
# plan alone would take gigabytes, so expand() refuses and `validate` only counts.
MAX_POINTS = 1_000_000


class SweepSpecError(ValueError):
    """The sweep file is malformed; the message names the file and the offending axis."""


@dataclass
class Point:
    point_id: str
    hw: str              # identity of the hardware file (repo-relative path)
    workload: str        # identity of the workload file
    overrides: dict      # fixed + axis overrides (hw and workload paths excluded)
    hw_path: str = ""    # absolute paths, for running
    workload_path: str = ""

    def axis_values(self):
        return {"hw": self.hw, "workload": self.workload, **self.overrides}


@dataclass
class Axis:
    block: int
    kind: str
    path: str
    values: list         # values to validate (all of a grid/zip axis; bounds of a random one)

    def label(self, spec_file):
        return f"{spec_file}: axes[{self.block}] ({self.kind}) `{self.path}`"


@dataclass
class SweepSpec:
    file: str
    name: str
    description: str
    hw_path: str
    workload_path: str
    fixed: dict
    blocks: list                     # [(kind, body)] as parsed
    axes: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    derived: dict = field(default_factory=dict)
    db: str = ""
    text: str = ""

    def points(self):
        return expand(self)

    def size_bound(self):
        """Points before duplicates are collapsed: the product of the blocks' sizes, computed
        without expanding anything (a grid block is the product of its value counts)."""
        n = 1
        for kind, body in self.blocks:
            if kind == "grid":
                n *= math.prod(len(v) for v in body.values())
            elif kind == "zip":
                n *= len(next(iter(body.values())))
            else:
                n *= body["n"]
        return n

    def axis_paths(self):
        return [a.path for a in self.axes]


def file_identity(path):
    """A machine-independent name for a config file: relative to the repository when inside it."""
    p = Path(path).resolve()
    try:
        return p.relative_to(simenv.REPO_ROOT).as_posix()
    except ValueError:
        return p.as_posix()


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def point_id(hw_ident, wl_ident, overrides):
    key = canonical_json({"hw": hw_ident, "workload": wl_ident, "overrides": overrides})
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _fail(file, msg):
    raise SweepSpecError(f"{file}: {msg}")


def _suggest(word, choices):
    close = difflib.get_close_matches(str(word), choices, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _check_keys(file, where, got, allowed):
    for k in got:
        if k not in allowed:
            _fail(file, f"unknown key `{k}` in {where}{_suggest(k, allowed)}; expected one of "
                        + ", ".join(allowed))


def _is_scalar(v):
    return isinstance(v, (str, int, float, bool)) and not (isinstance(v, float) and not math.isfinite(v))


def _is_json_like(v):
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_json_like(x) for k, x in v.items())
    if isinstance(v, list):
        return all(_is_json_like(x) for x in v)
    return _is_scalar(v)


def _is_value(v):
    """An override value: a scalar, or a mapping (of scalars, lists, mappings) that replaces the
    whole key, e.g. workload.models.0.schedule: {type: uniform, bits: 3}. A bare list is not a
    value (it is most often a mistyped axis), so it stays an error."""
    return _is_scalar(v) or (isinstance(v, dict) and _is_json_like(v))


NOT_A_VALUE = "is not a scalar (string, number or bool) or a mapping"


def _check_path(file, where, path):
    if not isinstance(path, str) or not (path in FILE_AXES or PATH_RE.match(path)):
        _fail(file, f"{where}: `{path}` is not an override path (dotted keys such as "
                    "dram.channel_bandwidth or workload.models.0.precision.weight)")


def _check_values(file, where, values):
    if not isinstance(values, list):
        _fail(file, f"{where}: values must be a list, not {type(values).__name__}")
    if not values:
        _fail(file, f"{where}: empty axis (no values)")
    for v in values:
        if not _is_value(v):
            _fail(file, f"{where}: value {v!r} {NOT_A_VALUE}")


def _parse_block(file, i, block, seen, axes):
    where = f"axes[{i}]"
    if not isinstance(block, dict) or len(block) != 1:
        _fail(file, f"{where}: each axis block is a mapping with exactly one key: grid, zip or random")
    kind, body = next(iter(block.items()))
    _check_keys(file, where, [kind], BLOCK_KINDS)
    if not isinstance(body, dict) or not body:
        _fail(file, f"{where} ({kind}): expected a non-empty mapping")

    def add_axis(path, values, w):
        _check_path(file, w, path)
        if path in seen:
            _fail(file, f"{w}: `{path}` is already set by {seen[path]}")
        seen[path] = w
        axes.append(Axis(i, kind, path, values))

    if kind in ("grid", "zip"):
        lengths = {}
        for path, values in body.items():
            w = f"{where} ({kind}) `{path}`"
            _check_values(file, w, values)
            lengths[path] = len(values)
            add_axis(path, list(values), w)
        if kind == "zip" and len(set(lengths.values())) > 1:
            _fail(file, f"{where} (zip): lists of unequal length: "
                  + ", ".join(f"{p} has {n}" for p, n in lengths.items()))
        return kind, {p: list(v) for p, v in body.items()}
    _check_keys(file, f"{where} (random)", body, RANDOM_KEYS)
    for k in RANDOM_KEYS:
        if k not in body:
            _fail(file, f"{where} (random): missing `{k}` (random blocks need n, seed and params)")
    n, seed, params = body["n"], body["seed"], body["params"]
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        _fail(file, f"{where} (random): `n` must be a positive integer, got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        _fail(file, f"{where} (random): `seed` must be an integer, got {seed!r}")
    if not isinstance(params, dict) or not params:
        _fail(file, f"{where} (random): `params` must be a non-empty mapping of path: distribution")
    dists = {}
    for path, dspec in params.items():
        w = f"{where} (random) `{path}`"
        try:
            dists[path] = parse_dist(w, dspec)
        except ValueError as e:
            _fail(file, str(e))
        if dists[path][0] == "choice":
            _check_values(file, w + " choice", dists[path][1])
        add_axis(path, bounds(dists[path]), w)
    return kind, {"n": n, "seed": seed, "dists": dists}


def load(path, check=True, sim=None):
    """Parse a sweep file; with check, also validate every axis against npusim."""
    file = str(path)
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise SweepSpecError(f"{file}: cannot read the sweep file: {e.strerror}") from None
    return loads(text, file, Path(path).resolve().parent, check=check, sim=sim)


def loads(text, file, base_dir, check=True, sim=None):
    """Parse sweep-file text that a program generated. `file` names it in messages and in the
    results file (e.g. the generating script); relative paths in it are relative to base_dir."""
    file = str(file)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SweepSpecError(f"{file}: not valid YAML: {e}") from None
    if not isinstance(doc, dict):
        _fail(file, "a sweep file is a mapping with hw, workload and axes")
    _check_keys(file, "the sweep file", doc, TOP_KEYS)
    for k in ("hw", "workload", "axes"):
        if k not in doc:
            _fail(file, f"missing required key `{k}`")
    base = Path(base_dir).resolve()

    def locate(p, what):
        if not isinstance(p, str) or not p:
            _fail(file, f"`{what}` must be a file path")
        full = (base / p).resolve()
        if not full.is_file():
            _fail(file, f"`{what}`: no such file {p} (resolved to {full})")
        return str(full)

    name = doc.get("name", Path(file).stem)
    if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_.-]+$", name):
        _fail(file, f"`name` must be a word of letters, digits, _ . -, got {name!r}")
    fixed = doc.get("overrides") or {}
    if not isinstance(fixed, dict):
        _fail(file, "`overrides` must be a mapping of path: value")
    seen = {}
    for p, v in fixed.items():
        _check_path(file, "overrides", p)
        if p in FILE_AXES:
            _fail(file, f"overrides: `{p}` is set by the top-level `{p}` key")
        if not _is_value(v):
            _fail(file, f"overrides `{p}`: value {v!r} {NOT_A_VALUE}")
        seen[p] = "overrides"
    raw_axes = doc["axes"]
    if isinstance(raw_axes, dict):  # shorthand: one block, or a mapping of paths (a grid)
        if raw_axes and all(k in BLOCK_KINDS for k in raw_axes):
            raw_axes = [{k: v} for k, v in raw_axes.items()]
        else:
            raw_axes = [{"grid": raw_axes}]
    if not isinstance(raw_axes, list) or not raw_axes:
        _fail(file, "`axes` must be a non-empty list of grid/zip/random blocks")
    axes, blocks = [], []
    for i, block in enumerate(raw_axes):
        blocks.append(_parse_block(file, i, block, seen, axes))
    metrics = doc.get("metrics") or []
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        _fail(file, "`metrics` must be a list of metric paths such as throughput.value")
    derived = doc.get("derived") or {}
    if not isinstance(derived, dict) or not all(isinstance(v, str) for v in derived.values()):
        _fail(file, "`derived` must map names to expressions (strings)")
    from . import metrics as _m
    for k, expr in derived.items():
        try:
            _m.compile_expr(expr)
        except ValueError as e:
            _fail(file, f"derived `{k}`: {e}")
    db = doc.get("db", "")
    spec = SweepSpec(file=file, name=name, description=str(doc.get("description", "")),
                     hw_path=locate(doc["hw"], "hw"), workload_path=locate(doc["workload"], "workload"),
                     fixed=dict(fixed), blocks=blocks, axes=axes, metrics=list(metrics),
                     derived=dict(derived), db=str((base / db).resolve()) if db else "", text=text)
    for a in axes:
        if a.path in FILE_AXES:  # relative to the sweep file, in the axis and in its block
            a.values = [locate(v, f"{a.label(file)} value") if isinstance(v, str) else _fail(
                file, f"{a.label(file)}: values must be file paths") for v in a.values]
            kind, body = blocks[a.block]
            if kind == "random":
                dist = body["dists"][a.path]  # a `choice` (other distributions draw numbers)
                body["dists"][a.path] = (dist[0], list(a.values)) + tuple(dist[2:])
            else:
                body[a.path] = list(a.values)
    if check:
        validate(spec, sim or simenv.import_npusim())
    return spec


def _override_fault(err, sim=None):
    """True if npusim blames the override itself (unknown key, bad type/unit/range, bad index),
    as opposed to the configuration as a whole (an operator that does not fit, too little DRAM:
    npusim.MappingError), which can depend on the other axes and is left to the point to report."""
    mapping = getattr(sim, "MappingError", None) if sim is not None else None
    if mapping is not None:
        return not isinstance(err, mapping)
    msg = str(err)
    return "(from override " in msg or "bad override" in msg


def validate(spec, sim):
    """Check the base configuration and every axis value with npusim.validate; raise on faults."""
    problems = []
    hw, wl = spec.hw_path, spec.workload_path
    fixed = {k: v for k, v in spec.fixed.items()}
    try:
        sim.validate(hw)
    except sim.Error as e:
        problems.append(f"{spec.file}: hw {hw}: {e}")
    try:
        sim.validate(hw, wl, fixed)
    except sim.Error as e:
        if _override_fault(e, sim) or isinstance(e, sim.WorkloadError):
            problems.append(f"{spec.file}: base configuration (hw + workload + overrides): {e}")
    if problems:
        raise SweepSpecError("\n".join(problems))
    for a in spec.axes:
        kind, body = spec.blocks[a.block]
        if kind == "zip" and any(p in body for p in FILE_AXES):
            # Zipped with hw or workload files: a value only ever runs with its own row's files.
            cases = [(r[a.path], r.get("hw", hw), r.get("workload", wl)) for r in _block_rows(kind, body)]
        else:
            cases = [(v, hw, wl) for v in a.values]
        distinct = {}
        for c in cases:  # by content: mapping values are not hashable
            distinct.setdefault(canonical_json(c), c)
        for v, hw_c, wl_c in list(distinct.values())[:MAX_VALIDATED_VALUES]:
            try:
                if a.path == "hw":
                    sim.validate(v)
                    sim.validate(v, wl_c, fixed)
                elif a.path == "workload":
                    sim.validate(hw_c, v, fixed)
                else:
                    sim.validate(hw_c, wl_c, {**fixed, a.path: v})
            except sim.Error as e:
                if a.path == "hw" or _override_fault(e, sim) or isinstance(e, sim.WorkloadError):
                    row = "" if (hw_c, wl_c) == (hw, wl) else (
                        f" (in its zip row with hw {file_identity(hw_c)}, workload {file_identity(wl_c)})")
                    problems.append(f"{a.label(spec.file)} = {v!r}{row}: {e}")
                    break  # one message per axis is enough
    if problems:
        raise SweepSpecError("the sweep is invalid; nothing was run:\n  " + "\n  ".join(problems))


def _block_rows(kind, body):
    if kind == "grid":
        paths = list(body)
        return [dict(zip(paths, combo)) for combo in itertools.product(*(body[p] for p in paths))]
    if kind == "zip":
        paths = list(body)
        return [dict(zip(paths, vals)) for vals in zip(*(body[p] for p in paths))]
    rng = random.Random(body["seed"])
    return [{p: draw(rng, d) for p, d in body["dists"].items()} for _ in range(body["n"])]


def expand(spec):
    """All distinct points of the sweep, in a stable order (duplicates collapsed)."""
    bound = spec.size_bound()
    if bound > MAX_POINTS:
        raise SweepSpecError(f"{spec.file}: the sweep has {bound:,} points, more than the {MAX_POINTS:,} one sweep "
                             "may plan; split it into several sweeps or sample it with a random block")
    rows = [_block_rows(kind, body) for kind, body in spec.blocks]
    out, seen = [], set()
    for combo in itertools.product(*rows):
        ov = dict(spec.fixed)
        for part in combo:
            ov.update(part)
        hw_path = ov.pop("hw", spec.hw_path)
        wl_path = ov.pop("workload", spec.workload_path)
        hw_id, wl_id = file_identity(hw_path), file_identity(wl_path)
        pid = point_id(hw_id, wl_id, ov)
        if pid in seen:
            continue
        seen.add(pid)
        out.append(Point(pid, hw_id, wl_id, ov, os.path.abspath(hw_path), os.path.abspath(wl_path)))
    return out


def default_db_path(spec):
    return spec.db or str(Path.cwd() / "npusim-out" / "sweeps" / f"{spec.name}.sqlite")
