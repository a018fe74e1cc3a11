"""Service-level objectives as CARIn's MOO (carin.md §3 "Formulation", §7.1): a YAML file of
broad SLOs (objectives) and narrow SLOs (constraints), turned into the objective vector f(x)
and the feasibility test g_j(x) <= 0 over a design table (profile.py).

    name: uc1
    objectives:                      # broad SLOs <min|max, metric>
      - {metric: A, goal: max}
      - {metric: TP, goal: max}
    constraints:                     # narrow SLOs <stat, metric, op, value>
      - {metric: L, stat: max, op: "<=", value: 41.67}
    weights: {A: 1}                  # optional, by objective key; default 1

Metrics: L (latency, ms; stat mean|std|max|p95, default mean), TP (inf/s), A (accuracy), S (size,
MB), NTT, MF (MB), E (mJ), W (GFLOPs), STP, F. L, TP, A, S and NTT are per DNN: with
`per_dnn: true` (the default for multi-DNN tables) each DNN is its own objective or
constraint (key `L.mean[1]`); otherwise they aggregate over a tuple (L, NTT: max; S: sum; A:
mean; TP: min). A per-DNN objective's goal may be a list, one per DNN (UC4's AgeNet MAE is
minimised while the other accuracies are maximised). A constraint whose metric has no
objective becomes one too (§3: "constraints with no explicit objective also become
objectives"), minimised for <= and maximised for >=.
"""
from dataclasses import dataclass

import yaml

from .errors import CarinInputError

PER_DNN_METRICS = {"L": None, "TP": "TP_inf_s", "A": "A", "S": "S_MB", "NTT": "NTT"}
SCALAR_METRICS = {"MF": "MF_MB", "E": "E_mJ", "W": "W_GFLOPs", "STP": "STP", "F": "F"}
L_STATS = {"mean": "L_mean_ms", "std": "L_std_ms", "max": "L_max_ms", "p95": "L_p95_ms"}
AGGREGATE = {"L": max, "NTT": max, "S": sum, "A": lambda v: sum(v) / len(v), "TP": min}
GOALS = ("min", "max")
OPS = ("<=", ">=")


@dataclass(frozen=True)
class Term:
    """One objective or constraint on one quantity: metric, column, DNN index (None: aggregate)."""
    metric: str
    column: str
    dnn: object  # int or None
    key: str

    def value(self, design):
        v = design[self.column]
        if isinstance(v, tuple):
            if self.dnn is None:
                if any(x is None for x in v):
                    return None
                return float(AGGREGATE[self.metric](list(v)))
            return v[self.dnn] if self.dnn < len(v) else None
        return v


@dataclass(frozen=True)
class Objective:
    term: Term
    goal: str  # min | max
    weight: float


@dataclass(frozen=True)
class Constraint:
    term: Term
    op: str
    bound: float

    def holds(self, design):
        v = self.term.value(design)
        if v is None:
            return False
        return v <= self.bound if self.op == "<=" else v >= self.bound


@dataclass
class Slo:
    name: str
    objectives: list
    constraints: list

    def feasible(self, design):
        return all(c.holds(design) for c in self.constraints)

    def vector(self, design):
        """f(x), or None when a quantity an objective needs is unknown for this design."""
        out = [o.term.value(design) for o in self.objectives]
        return None if any(v is None for v in out) else out


def _terms(entry, dnns, where):
    metric = entry.get("metric")
    if metric in PER_DNN_METRICS:
        if metric == "L":
            stat = entry.get("stat", "mean")
            if stat not in L_STATS:
                raise CarinInputError(f"{where}: stat `{stat}` is not one of {', '.join(L_STATS)}")
            column, name = L_STATS[stat], f"L.{stat}"
        else:
            if "stat" in entry:
                raise CarinInputError(f"{where}: `stat` applies to L only, not {metric}")
            column, name = PER_DNN_METRICS[metric], metric
        per_dnn = entry.get("per_dnn", dnns > 1)
        if not isinstance(per_dnn, bool):
            raise CarinInputError(f"{where}: per_dnn must be true or false, not {per_dnn!r}")
        if per_dnn and dnns > 1:
            return [Term(metric, column, i, f"{name}[{i}]") for i in range(dnns)]
        return [Term(metric, column, 0 if dnns == 1 else None, name)]
    if metric in SCALAR_METRICS:
        if "stat" in entry or "per_dnn" in entry:
            raise CarinInputError(f"{where}: {metric} is one value per design (no stat, per_dnn)")
        return [Term(metric, SCALAR_METRICS[metric], None, metric)]
    known = ", ".join(list(PER_DNN_METRICS) + list(SCALAR_METRICS))
    raise CarinInputError(f"{where}: metric `{metric}` is not one of {known}")


def _check_keys(entry, allowed, where):
    if not isinstance(entry, dict):
        raise CarinInputError(f"{where}: expected a mapping, got {entry!r}")
    extra = sorted(set(entry) - set(allowed))
    if extra:
        raise CarinInputError(f"{where}: unknown key(s) {', '.join(extra)} "
                              f"(allowed: {', '.join(allowed)})")


def parse(doc, dnns, where="slo"):
    """An Slo from a parsed YAML mapping, for designs of `dnns` DNNs."""
    _check_keys(doc, ("name", "description", "objectives", "constraints", "weights"), where)
    weights = doc.get("weights") or {}
    if not isinstance(weights, dict):
        raise CarinInputError(f"{where}: weights must be a mapping of objective key -> weight")
    objectives, constraints = [], []
    for n, e in enumerate(doc.get("objectives") or []):
        w = f"{where}: objectives[{n}]"
        _check_keys(e, ("metric", "goal", "stat", "per_dnn"), w)
        terms = _terms(e, dnns, w)
        goals = e.get("goal")
        goals = goals if isinstance(goals, list) else [goals] * len(terms)
        if len(goals) != len(terms) or any(g not in GOALS for g in goals):
            raise CarinInputError(f"{w}: goal must be min or max (or one per DNN), not {e.get('goal')!r}")
        objectives += [Objective(t, g, 1.0) for t, g in zip(terms, goals)]
    for n, e in enumerate(doc.get("constraints") or []):
        w = f"{where}: constraints[{n}]"
        _check_keys(e, ("metric", "stat", "op", "value", "per_dnn"), w)
        if e.get("op") not in OPS:
            raise CarinInputError(f"{w}: op must be <= or >=, not {e.get('op')!r}")
        if not isinstance(e.get("value"), (int, float)) or isinstance(e.get("value"), bool):
            raise CarinInputError(f"{w}: value must be a number, not {e.get('value')!r}")
        for t in _terms(e, dnns, w):
            constraints.append(Constraint(t, e["op"], float(e["value"])))
    keys = {o.term.key for o in objectives}
    for c in constraints:
        if c.term.key not in keys:
            objectives.append(Objective(c.term, "min" if c.op == "<=" else "max", 1.0))
            keys.add(c.term.key)
    if not objectives:
        raise CarinInputError(f"{where}: no objectives and no constraints")
    for k, v in weights.items():
        if k not in keys:
            raise CarinInputError(f"{where}: weight for `{k}`, which is not an objective "
                                  f"(objectives: {', '.join(sorted(keys))})")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise CarinInputError(f"{where}: weight `{k}` must be a number >= 0, not {v!r}")
    objectives = [Objective(o.term, o.goal, float(weights.get(o.term.key, 1.0))) for o in objectives]
    return Slo(str(doc.get("name", "slo")), objectives, constraints)


def load(path, dnns):
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise CarinInputError(f"{path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise CarinInputError(f"{path}{line}: not valid YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(doc, dict):
        raise CarinInputError(f"{path}: expected a mapping at the top level")
    return parse(doc, dnns, str(path))
