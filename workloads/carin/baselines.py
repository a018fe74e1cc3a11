"""CARIn's baselines and its gains over them (carin.md §3 "Baselines", §7.5-7.6).

A *state* is the set of flagged processors plus the memory flag. Its candidate set X'_s holds
the feasible designs whose processors are all healthy; a memory state adds MF <= MF(d_m).
CARIn answers a state by its rule (rass.choose), each baseline by its own choice, and both are
scored with CARIn's optimality under the device's normalisation (computed once on X'). A
baseline's answer is a design, "N/A" (nothing to run: the architecture has no configuration in
X'_s, the processor or the configuration does not exist here) or "!" (it violates a
constraint here). Ratios below 1 are reported as they are; N/A and "!" are counted, not
averaged.

    B-A / B-S    the architecture with the best FP32 accuracy / fewest parameters, fixed for
                 the use case; its best-opt configuration in X'_s
    transferred  the design another device's RASS picks for the same flags, run here
    unaware      (multi-DNN) each DNN solved alone by RASS, the chosen designs combined
    OODIn        argmax over X'_s of sum_i w_i sign_i f_i / max_{X'_s} |f_i|; multi-DNN: per
                 DNN alone, combined
"""
from itertools import combinations

from .profile import BYTES_PER_PARAM
from .rass import choose, healthy, opt_of, solve, sort_by_opt
from .slo import Objective, Constraint, Slo, Term

NA, VIOLATES = "N/A", "!"


def states(processors):
    """Every proper subset of processors flagged (none healthy is no state), each without and
    with the memory flag."""
    out = []
    for memory in (False, True):
        for r in range(len(processors)):
            for flagged in combinations(processors, r):
                out.append((frozenset(flagged), memory))
    return out


def state_name(state):
    flagged, memory = state
    parts = [f"{p} flagged" for p in sorted(flagged)] + (["memory"] if memory else [])
    return ", ".join(parts) if parts else "all healthy"


def candidates(sol, state):
    flagged, memory = state
    xs = [x for x in sol.feasible if healthy(x.mapping, flagged)]
    if memory and sol.designs:
        cap = sol.designs["d_m"]["MF_MB"]
        xs = [x for x in xs if x["MF_MB"] <= cap]
    return xs


def _config(x):
    v = x.values
    return (v["models"], v["schemes"], v["engines"], v["threads"], v["xnnpack"])


def _architecture_table(designs):
    """model -> (FP32 accuracy or best known, parameters) over a single-DNN table."""
    info = {}
    for x in designs:
        m, s = x["models"][0], x["schemes"][0]
        a = x["A"][0]
        params = x["S_MB"][0] / BYTES_PER_PARAM[s]
        acc, fp32, p = info.get(m, (None, False, params))
        if s == "FP32" and a is not None:
            acc, fp32 = a, True
        elif not fp32 and a is not None:
            acc = a if acc is None else max(acc, a)
        info[m] = (acc, fp32, min(p, params))
    return {m: (acc, p) for m, (acc, _, p) in info.items()}


def architecture(designs, by):
    """B-A's (by='accuracy') or B-S's (by='size') architecture."""
    table = _architecture_table(designs)
    if by == "accuracy":
        known = {m: v for m, v in table.items() if v[0] is not None}
        return max(sorted(known), key=lambda m: known[m][0]) if known else None
    return min(sorted(table), key=lambda m: table[m][1])


def restricted(sol, state, arch):
    xs = [x for x in candidates(sol, state) if x["models"][0] == arch]
    return xs[0] if xs else NA  # candidates keep X'-sorted order: the first is the best opt


def transferred(sol_here, sol_there, state, processors_here):
    x = choose(sol_there, *state) if sol_there.designs else None
    if x is None:
        return NA
    if any(e not in processors_here for e in x.mapping):
        return NA
    twin = {_config(y): y for y in sol_here.all_designs}.get(_config(x))
    if twin is None:
        return NA
    return twin if sol_here.slo.feasible(twin) else VIOLATES


def oodin_pick(slo, xs):
    """OODIn: the weighted sum of objectives, each normalised by its maximum over xs."""
    scored = [(x, slo.vector(x)) for x in xs]
    scored = [(x, f) for x, f in scored if f is not None]
    if not scored:
        return NA
    top = [max(abs(f[i]) for _, f in scored) or 1.0 for i in range(len(slo.objectives))]

    def score(f):
        return sum(o.weight * (1 if o.goal == "max" else -1) * f[i] / top[i]
                   for i, o in enumerate(slo.objectives))

    return max(scored, key=lambda xf: (score(xf[1]), -sum(xf[0]["S_MB"]), xf[0].design_id))[0]


def single_slo(slo, i):
    """DNN i's own problem from a multi-DNN SLO (its per-DNN terms; MF, W and E kept; NTT, STP
    and F dropped: a DNN alone has none)."""
    def one(t):
        if t.metric in ("NTT", "STP", "F"):
            return None
        if t.dnn is None and t.column in ("MF_MB", "W_GFLOPs", "E_mJ"):
            return t
        if t.dnn is None or t.dnn == i:
            return Term(t.metric, t.column, 0, t.key.split("[")[0])
        return None
    objectives = [Objective(one(o.term), o.goal, o.weight) for o in slo.objectives if one(o.term)]
    constraints = [Constraint(one(c.term), c.op, c.bound) for c in slo.constraints if one(c.term)]
    return Slo(f"{slo.name}[{i}]", objectives, constraints)


def combine(sol_multi, picks):
    """The tuple design made of per-DNN picks, or N/A / "!"."""
    if any(p in (NA, VIOLATES) or p is None for p in picks):
        return NA
    want = tuple(tuple(_config(p)[k][0] for p in picks) for k in range(5))
    twin = {_config(y): y for y in sol_multi.all_designs}.get(want)
    if twin is None:
        return NA
    return twin if sol_multi.slo.feasible(twin) else VIOLATES


def gains(sol, processors, baselines):
    """Per state: CARIn's design and opt, and for each baseline its answer and the ratio.
    baselines: name -> function(state) -> design | NA | VIOLATES."""
    rows = []
    for st in states(processors):
        c = choose(sol, *st)
        c_opt = opt_of(sol, c) if c is not None else None
        row = {"state": state_name(st), "carin": c, "carin_opt": c_opt}
        for name, pick in baselines.items():
            b = pick(st)
            if b in (NA, VIOLATES):
                row[name] = (b, None)
            else:
                b_opt = opt_of(sol, b)
                if b_opt is None:
                    row[name] = (VIOLATES, None)
                else:
                    row[name] = (b, c_opt / b_opt if c_opt else None)
        rows.append(row)
    return rows


def summary(rows, name):
    """mean and max ratio over states with a ratio; counts of N/A and "!"."""
    ratios = [r[name][1] for r in rows if r[name][1] is not None]
    return {
        "mean": sum(ratios) / len(ratios) if ratios else None,
        "max": max(ratios) if ratios else None,
        "min": min(ratios) if ratios else None,
        "states": len(ratios),
        "na": sum(1 for r in rows if r[name][0] == NA),
        "violates": sum(1 for r in rows if r[name][0] == VIOLATES),
    }


def single_dnn_baselines(sol, others):
    """B-A, B-S, OODIn and one transferred baseline per other device (name -> Solution)."""
    arch_a = architecture(sol.all_designs, "accuracy")
    arch_s = architecture(sol.all_designs, "size")
    procs = sorted({e for x in sol.all_designs for e in x.mapping})
    out = {
        "B-A": lambda st: restricted(sol, st, arch_a),
        "B-S": lambda st: restricted(sol, st, arch_s),
        "OODIn": lambda st: oodin_pick(sol.slo, candidates(sol, st)),
    }
    for dev, other in others.items():
        out[f"transferred {dev}"] = (lambda o: lambda st: transferred(sol, o, st, procs))(other)
    return out


def multi_dnn_baselines(sol, singles, others):
    """multi-DNN-unaware and OODIn from per-DNN single tables (lists of designs, in the
    tuple's DNN order; none: only the transferred baselines), and transferred per device."""
    procs = sorted({e for x in sol.all_designs for e in x.mapping})
    out = {}
    if singles:
        single_sols = [solve(single_slo(sol.slo, i), xs) for i, xs in enumerate(singles)]
        out["multi-DNN-unaware"] = lambda st: combine(sol, [choose(s, *st) for s in single_sols])
        out["OODIn"] = lambda st: combine(
            sol, [oodin_pick(s.slo, candidates(s, st)) for s in single_sols])
    for dev, other in others.items():
        out[f"transferred {dev}"] = (lambda o: lambda st: transferred(sol, o, st, procs))(other)
    return out


__all__ = ["states", "state_name", "candidates", "architecture", "transferred", "oodin_pick",
           "single_slo", "combine", "gains", "summary", "single_dnn_baselines",
           "multi_dnn_baselines", "NA", "VIOLATES", "sort_by_opt"]
