"""RASS, CARIn's solver (carin.md §3 steps 1-3 with the §7 corrections).

Step 1, optimality, on the feasible set X' = {x : g_j(x) <= 0}:
    up_i  = best of f_i over X'             s_i = standard deviation of f_i over X'
    d(x)  = sqrt(sum_i w_i^2 (f_i(x) - up_i)^2 / s_i^2)
    d_max = sqrt(sum_i w_i^2 (max f_i - min f_i)^2 / s_i^2)
    opt   = d_max / max(d, eps),  eps = 1e-6 d_max
objectives with s_i = 0 over X' are dropped; the normalisation is computed once and reused for
every state and baseline (Normalisation); ties: opt, then smaller S, then smaller L, then id.
Step 2, designs: mappings (processor tuples) in order of their best member, T <= 3 kept; d_i the
best of mapping i; over their union U, d_m = argmin MF and d_w = argmin W (ties: larger opt);
d_wm = d_w if C(d_w) < C(d_m) else d_m with C(x) = MF(x)/max_U MF + W(x)/max_U W (the
"normalised sum" reading, a labelled default).
Step 3, switching: a mapping is healthy iff none of its processors is flagged; with the memory
flag, d_m if its mapping is healthy, else d_wm; otherwise the first d_i whose mapping is
healthy, else d_w. The rule reads only the flags, never the current design.
"""
import math
from dataclasses import dataclass

import numpy as np

from .errors import CarinInputError

T_MAX = 3


@dataclass
class Normalisation:
    keys: list        # objective keys kept (non-zero spread)
    dropped: list     # objective keys dropped (zero spread over X')
    sign: np.ndarray  # +1 for min objectives, -1 for max (so smaller is better after sign)
    up: np.ndarray
    s: np.ndarray
    w: np.ndarray
    d_max: float

    def distance(self, f):
        """d for an (n x k) matrix of raw objective values (columns as in `keys`)."""
        z = (np.asarray(f, dtype=float) - self.up) / self.s
        return np.sqrt(np.sum((self.w * z) ** 2, axis=-1))

    def opt(self, f):
        d = self.distance(f)
        return self.d_max / np.maximum(d, 1e-6 * self.d_max)


@dataclass
class Solution:
    """RASS's output for one device and use case."""
    slo: object
    feasible: list      # X' sorted by opt (designs)
    opt: dict           # design_id -> opt over X'
    d: dict             # design_id -> distance to the utopia point
    norm: Normalisation
    unscored: int       # designs dropped because a quantity an objective needs is unknown
    mappings: list      # the T kept mappings, best first
    designs: dict       # role -> design: d_0.., d_m, d_w, d_wm
    keep: object = None  # mask of the SLO's objectives kept by the normalisation
    all_designs: list = None  # the whole table (X), for transferred and combined designs

    def at_cap(self):
        """How many designs sit on the eps cap (d = 0: they are the utopia point)."""
        return sum(1 for x in self.feasible if self.d[x.design_id] <= 1e-6 * self.norm.d_max)

    def stored(self):
        """The distinct designs CARIn keeps (at most 5)."""
        seen, out = set(), []
        for role in self.roles():
            x = self.designs[role]
            if x.design_id not in seen:
                seen.add(x.design_id)
                out.append(x)
        return out

    def roles(self):
        return [f"d_{i}" for i in range(len(self.mappings))] + ["d_m", "d_w", "d_wm"]


def _matrix(slo, designs):
    rows, kept, unscored = [], [], 0
    for x in designs:
        v = slo.vector(x)
        if v is None:
            unscored += 1
            continue
        rows.append(v)
        kept.append(x)
    return kept, np.array(rows, dtype=float).reshape(len(rows), len(slo.objectives)), unscored


def normalise(slo, f):
    """The Normalisation over the feasible matrix f (n x k, all objectives of `slo`)."""
    sign = np.array([1.0 if o.goal == "min" else -1.0 for o in slo.objectives])
    g = f * sign
    s = g.std(axis=0)
    keep = s > 1e-12 * np.maximum(np.abs(g).max(axis=0), 1e-300)
    keys = [o.term.key for o in slo.objectives]
    w = np.array([o.weight for o in slo.objectives])
    g, s, w, sign = g[:, keep], s[keep], w[keep], sign[keep]
    up = g.min(axis=0)
    spread = g.max(axis=0) - up
    d_max = float(np.sqrt(np.sum((w * spread / s) ** 2))) if keep.any() else 0.0
    return Normalisation([k for k, m in zip(keys, keep) if m], [k for k, m in zip(keys, keep) if not m],
                         sign, up, s, w, d_max), keep


def scores(slo, norm, keep, designs):
    """opt and d for designs (feasible or not) under a fixed normalisation."""
    kept, f, _ = _matrix(slo, designs)
    if not kept:
        return {}, {}
    g = (f * np.array([1.0 if o.goal == "min" else -1.0 for o in slo.objectives]))[:, keep]
    if norm.d_max == 0:  # every kept design ties on every objective
        return {x.design_id: 1.0 for x in kept}, {x.design_id: 0.0 for x in kept}
    d = norm.distance(g)
    opt = norm.d_max / np.maximum(d, 1e-6 * norm.d_max)
    return ({x.design_id: float(o) for x, o in zip(kept, opt)},
            {x.design_id: float(v) for x, v in zip(kept, d)})


def _tie_key(x, opt):
    return (-opt[x.design_id], sum(x["S_MB"]), max(x["L_mean_ms"]), x.design_id)


def sort_by_opt(designs, opt):
    return sorted(designs, key=lambda x: _tie_key(x, opt))


def solve(slo, designs):
    """RASS on one device's design table. Raises CarinInputError only for unusable input; an
    SLO no design meets gives a Solution with an empty feasible set (infeasible, reported)."""
    if not designs:
        raise CarinInputError("no designs to solve over")
    feasible = [x for x in designs if slo.feasible(x)]
    kept, f, unscored = _matrix(slo, feasible)
    if not kept:
        dummy = Normalisation([], [], np.zeros(0), np.zeros(0), np.ones(0), np.zeros(0), 0.0)
        return Solution(slo, [], {}, {}, dummy, unscored, [], {}, None, list(designs))
    norm, keep = normalise(slo, f)
    opt, d = scores(slo, norm, keep, kept)
    ranked = sort_by_opt(kept, opt)
    mappings = []
    for x in ranked:
        if x.mapping not in mappings:
            mappings.append(x.mapping)
        if len(mappings) == T_MAX:
            break
    roles = {}
    union = []
    for i, m in enumerate(mappings):
        members = [x for x in ranked if x.mapping == m]
        roles[f"d_{i}"] = members[0]
        union += members
    roles["d_m"] = min(union, key=lambda x: (x["MF_MB"], _tie_key(x, opt)))
    roles["d_w"] = min(union, key=lambda x: (x["W_GFLOPs"], _tie_key(x, opt)))
    max_mf = max(x["MF_MB"] for x in union) or 1.0
    max_w = max(x["W_GFLOPs"] for x in union) or 1.0

    def c(x):
        return x["MF_MB"] / max_mf + x["W_GFLOPs"] / max_w

    roles["d_wm"] = roles["d_w"] if c(roles["d_w"]) < c(roles["d_m"]) else roles["d_m"]
    return Solution(slo, ranked, opt, d, norm, unscored, mappings, roles, keep, list(designs))


def healthy(mapping, flagged):
    return not any(p in flagged for p in mapping)


def choose(sol, flagged=(), memory=False):
    """Step 3: the design for a flag state (flagged: processors overloaded or overheating)."""
    if not sol.designs:
        return None
    flagged = set(flagged)
    if memory:
        d_m = sol.designs["d_m"]
        return d_m if healthy(d_m.mapping, flagged) else sol.designs["d_wm"]
    for i in range(len(sol.mappings)):
        x = sol.designs[f"d_{i}"]
        if healthy(x.mapping, flagged):
            return x
    return sol.designs["d_w"]


def opt_of(sol, design):
    """opt of any design under the solution's normalisation (None if infeasible or unscored)."""
    if not sol.slo.feasible(design) or not sol.designs:
        return None
    o, _ = scores(sol.slo, sol.norm, sol.keep, [design])
    return o.get(design.design_id)


def switching_table(sol, processors):
    """Table 7/8-style rows: (state, design) for no flags, each processor flagged alone, every
    mapping processor flagged, and the memory flag alone and with every processor."""
    rows = [("no issue", choose(sol))]
    for p in processors:
        rows.append((f"{p} issue", choose(sol, {p})))
    rows.append(("all processors", choose(sol, set(processors))))
    rows.append(("memory", choose(sol, (), True)))
    rows.append(("memory + all processors", choose(sol, set(processors), True)))
    return rows


def storage_mb(designs):
    """MB of the distinct model files (model, scheme) the designs load."""
    files = {}
    for x in designs:
        for m, s, mb in x.files():
            files[(m, s)] = mb
    return sum(files.values())


def finite(x):
    return x is not None and math.isfinite(x)
