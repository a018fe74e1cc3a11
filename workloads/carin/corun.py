"""Multi-DNN design tables from co-simulated runs (carin.md §3 multi-DNN metrics, §5 "Profile
generator": "for multi-DNN tuples a co-simulated concurrent run (independent back-to-back loops,
one per DNN) giving L^multi, NTT, STP and F"; §7.1: a tuple's MF is the co-run's peak).

For a multi-DNN use case (UC3: YAMNet + a scene EfficientNet-Lite; UC4: GenderNet, AgeNet,
EthniNet) on one phone:

 1. Single designs. Every candidate design of every DNN is profiled alone with
    profiler.profile_usecase: its row (latency statistics under the background-load model, S,
    MF, W, A) and its simulated latency L0 (before the background load), which is L^single.
 2. Pruning. Per DNN and per processor, only the designs no other design of that DNN and
    processor dominates on (L_mean min, S min, A max (or min: AgeNet's MAE), MF min) are kept,
    and of those at most `keep` (default KEEP = 3): the fastest, then the best on A (ties: the
    faster), then the rest in order of L_mean (ties: design_id). CPU thread and XNNPACK
    variants of one model and scheme share S, A and MF, so only the fastest survives. The
    tuples are the product of the kept designs (UC3 on the A71: at most 9 x 12 = 108).
 3. Co-run. Each tuple runs on the phone's co-run platform (hw_configs/mobile_soc/
    <phone>_corun.yaml: its LPDDR) with one `soc_engine` accelerator per DNN (its engine,
    threads, XNNPACK; accelerator designs' CPU fallbacks at 4 threads with XNNPACK) and a trace
    of `inferences` (default INFERENCES = 3) requests per DNN, all arriving at t = 0 and pinned
    to the DNN's accelerator: each accelerator runs its DNN's inferences back to back, the loops
    independent. L_i^multi = the mean over DNN i's inferences of finish - start.
 4. Metrics (§3): NTT_i = L_i^multi / L_i^single (both simulated, before the background load),
    STP = sum_i L_i^single / L_i^multi = sum_i 1 / NTT_i, F = min_ij NP_i / NP_j with
    NP_i = 1 / NTT_i (= min NP / max NP). The row's latency statistics of DNN i are its single
    design's (background load included) times NTT_i; TP_i = 1000 / L_mean; S_i and A_i are the
    single design's; MF = the sum of the DNNs' MF (each runs its own interpreter, so each
    carries profiler.RUNTIME_MB); W = the sum of their FLOPs; E = the sum of their energies.

What the co-run does NOT model: two DNNs on the CPU are two accelerators, each with the whole
CPU cluster (core sharing, and the threads' placement on one cluster, are not modelled: only
their DRAM traffic contends, boundary copies included); a CPU fallback of an accelerator
design uses its own CPU model, not the CPU a co-running CPU design uses; the loops have the
same number of
inferences, so the slower DNN's last inferences run partly alone (its NTT is a lower bound on
steady-state contention); the background load is the single designs', scaled by NTT. A tuple
that npusim refuses (memory, a config error) is skipped, counted and reported.
"""
import itertools
import os
import re
import tempfile
import time
from dataclasses import dataclass, field

import yaml

from . import profiler, usecases
from .errors import CarinInputError
from .profile import design_from_row

KEEP = 3
INFERENCES = 3
_NAME = re.compile(r"^  - name: (\S+)", re.M)


def metrics(l_single, l_multi):
    """(NTT per DNN, STP, F) from per-DNN single and multi latencies (carin.md §3)."""
    if len(l_single) != len(l_multi) or not l_single:
        raise CarinInputError("metrics: one single and one multi latency per DNN")
    if any(x <= 0 for x in list(l_single) + list(l_multi)):
        raise CarinInputError("metrics: latencies must be positive")
    ntt = [m / s for s, m in zip(l_single, l_multi)]
    np_ = [1 / t for t in ntt]
    return ntt, sum(np_), min(np_) / max(np_)


def _dominates(a, b):
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def prune(designs, keep=KEEP, a_goal="max"):
    """One DNN's single designs kept for tuples (the rule of the module docstring)."""
    if keep < 1:
        raise CarinInputError(f"keep must be >= 1, not {keep}")
    sign = -1.0 if a_goal == "max" else 1.0
    out = []
    for e in sorted({x["engines"][0] for x in designs}):
        xs = [x for x in designs if x["engines"][0] == e]
        key = {x.design_id: (x["L_mean_ms"][0], x["S_MB"][0], sign * (x["A"][0] or 0.0),
                             x["MF_MB"]) for x in xs}
        front = [x for x in xs if not any(_dominates(key[y.design_id], key[x.design_id])
                                          for y in xs)]
        front.sort(key=lambda x: (x["L_mean_ms"][0], x.design_id))
        chosen = front[:1]
        if len(front) > 1 and keep > 1:
            best = min(front, key=lambda x: (key[x.design_id][2], x["L_mean_ms"][0], x.design_id))
            if best is not chosen[0]:
                chosen.append(best)
        chosen += [x for x in front if x not in chosen][:keep - len(chosen)]
        out += chosen
    return out


@dataclass
class CorunProfile:
    """A multi-DNN use case's design table on one phone, and how it was made."""
    device: str
    usecase: str
    rows: list                 # tuple designs (profile.Design), co-simulated
    singles: list              # per DNN: the kept single designs (the tuples' members)
    tables: list               # per DNN: every single design profiled
    skipped: list              # single designs the profiler skipped
    failed: list = field(default_factory=list)   # (tuple id, npusim's message)
    seconds: float = 0.0       # CPU seconds: single profiles + co-runs
    corun_seconds: float = 0.0
    l0: dict = field(default_factory=dict)      # single design_id -> L0 (ms)
    specs: dict = field(default_factory=dict)   # model name -> ModelSpec
    inferences: int = INFERENCES

    def single_of(self, dnn, config):
        """DNN dnn's profiled single design with config (model, scheme, engine, threads,
        xnnpack), or None."""
        for x in self.tables[dnn]:
            if (x["models"][0], x["schemes"][0], x["engines"][0], x["threads"][0],
                    x["xnnpack"][0]) == config:
                return x
        return None


def resolve(slots):
    """Per DNN, ModelSpecs from model names (usecase_graphs' models with a UC3/UC4 accuracy
    input) or ModelSpecs as they are."""
    acc = {m: a for table in usecases.MULTI_ACCURACY.values() for m, a in table.items()}
    out = []
    for slot in slots:
        if isinstance(slot, (str, profiler.ModelSpec)):
            slot = [slot]
        specs = []
        for m in slot:
            if isinstance(m, profiler.ModelSpec):
                specs.append(m)
            elif m in acc:
                specs.append(usecases.graph_spec(m, acc[m]))
            else:
                raise CarinInputError(f"unknown model `{m}`: a multi-DNN candidate is one of "
                                      f"{', '.join(sorted(acc))}")
        out.append(specs)
    return out


def _check(device, slots):
    if device not in profiler.DEVICES:
        raise CarinInputError(f"device `{device}` is not one of {', '.join(profiler.DEVICES)}")
    if len(slots) < 2:
        raise CarinInputError(f"a multi-DNN use case needs at least two DNNs, got {len(slots)}")
    names = [m.name for slot in slots for m in slot]
    if any(not slot for slot in slots):
        raise CarinInputError("every DNN of a multi-DNN use case needs at least one model")
    if len(set(names)) != len(names):
        raise CarinInputError(f"a model may be a candidate of one DNN only: {', '.join(names)}")


def _model_of(specs, x, workdir):
    """The trace file of single design x and the name of its model inside."""
    path, _, _ = specs[x["models"][0]].trace(x["schemes"][0], workdir)
    with open(path) as f:
        return path, _NAME.search(f.read()).group(1)


def _write_workload(specs, designs, inferences, workdir):
    """DNN i's model pinned to accelerator dnn<i>, its `inferences` requests all arriving at 0:
    each accelerator runs its DNN's inferences back to back."""
    models, mix = [], []
    for i, x in enumerate(designs):
        path, name = _model_of(specs, x, workdir)
        models.append({"from": os.path.abspath(path)})
        mix.append({"model": name, "accelerator": f"dnn{i}"})
    path = os.path.join(workdir, f"corun_{os.getpid()}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump({"schema_version": 1, "name": "corun", "models": models, "requests": {
            "arrivals": "trace", "mix": mix,
            "trace": [{"at": "0ps", "model": m["model"]} for _ in range(inferences) for m in mix]}},
            f, sort_keys=False)
    return path


def platform(device, designs):
    """The co-run platform: the phone's LPDDR and, per DNN i, a soc_engine accelerator dnn<i>
    of its design."""
    with open(os.path.join(profiler.SOC_DIR, f"{device}_corun.yaml")) as f:
        base = yaml.safe_load(f)
    accs = {}
    for i, x in enumerate(designs):
        e = x["engines"][0]
        t, xnn = ((x["threads"][0], x["xnnpack"][0]) if e == "cpu" else
                  (profiler.FALLBACK_THREADS, profiler.FALLBACK_XNNPACK))
        hw = profiler.design_hw(device, e, t, xnn)
        for k in ("name", "dram", "clock", "energy"):
            hw.pop(k, None)
        accs[f"dnn{i}"] = hw
    return {"name": f"{device}-corun", "type": "platform", "clock": base.get("clock", "1GHz"),
            "dram": base["dram"], "accelerators": accs}


def cosimulate(npusim, device, specs, designs, inferences=INFERENCES, workdir=None):
    """Per-DNN L^multi (ms): the mean over each DNN's back-to-back inferences of finish -
    start, all DNNs starting at 0 on the phone's shared LPDDR."""
    if inferences < 1:
        raise CarinInputError(f"inferences must be >= 1, not {inferences}")
    with tempfile.TemporaryDirectory() as tmp:
        st = npusim.run(platform(device, designs),
                        _write_workload(specs, designs, inferences, workdir or tmp))
    spans = [[] for _ in designs]
    for r in st["requests"]["list"]:
        spans[int(r["accelerator"][3:])].append(r["finish_s"] - r["start_s"])
    return [sum(x) * 1e3 / len(x) for x in spans]


def _sum_energy(singles):
    """A round's energy: each DNN's inference as its single design spends it (the engines'
    active time and the bytes moved do not change under contention); empty if one is unknown."""
    es = [x["E_mJ"] for x in singles]
    return "" if any(e in ("", None) for e in es) else sum(es)


def tuple_row(device, usecase, singles, l0, l_multi):
    """The design-table row of a tuple of single designs with its co-run latencies."""
    ntt, stp, f = metrics(l0, l_multi)
    v = {"device": device, "usecase": usecase, "design_id": "+".join(x.design_id for x in singles),
         "E_mJ": _sum_energy(singles), "NTT": ntt, "STP": stp, "F": f,
         "MF_MB": sum(x["MF_MB"] for x in singles),
         "W_GFLOPs": sum(x["W_GFLOPs"] for x in singles)}
    for c in ("models", "schemes", "engines", "threads", "xnnpack", "A", "S_MB"):
        v[c] = [x[c][0] for x in singles]
    v["models"] = ";".join(v["models"])  # design_from_row counts the DNNs from this text
    for c in ("L_mean_ms", "L_std_ms", "L_max_ms", "L_p95_ms"):
        v[c] = [x[c][0] * t for x, t in zip(singles, ntt)]
    v["TP_inf_s"] = [1e3 / m for m in v["L_mean_ms"]]
    return design_from_row(v, f"{device} {usecase} tuple {v['design_id']}")


def add_tuples(npusim, prof, members, workdir=None):
    """Co-simulate more tuples (lists of single designs, one per DNN, from prof.tables) into
    prof.rows; tuples already there are left alone. Returns how many were added."""
    have = {x.design_id for x in prof.rows}
    added = 0
    t0 = time.process_time()
    for singles in members:
        did = "+".join(x.design_id for x in singles)
        if did in have:
            continue
        l0 = [prof.l0[x.design_id] for x in singles]
        try:
            lm = cosimulate(npusim, prof.device, prof.specs, singles, prof.inferences, workdir)
        except npusim.Error as err:  # the phone cannot run the tuple (memory, a config error)
            prof.failed.append((did, str(err).splitlines()[0]))
            continue
        prof.rows.append(tuple_row(prof.device, prof.usecase, singles, l0, lm))
        have.add(did)
        added += 1
    dt = time.process_time() - t0
    prof.corun_seconds += dt
    prof.seconds += dt
    return added


def profile_multi(npusim, device, usecase, slots=None, keep=KEEP, inferences=INFERENCES,
                  runs=100, seed=0, jitter=None, a_goals=None, runtime_mb=profiler.RUNTIME_MB):
    """A multi-DNN use case's design table on a device. slots: per DNN, its candidate models
    (names or ModelSpecs; default: usecases.multi_models(usecase)); a_goals: per DNN, "max" or "min" for
    its A when pruning (default max)."""
    if slots is None:
        if usecase not in usecases.MULTI_USECASES:
            raise CarinInputError(f"use case `{usecase}` is not a multi-DNN use case "
                                  f"({', '.join(usecases.MULTI_USECASES)})")
        slots = usecases.multi_models(usecase)
    slots = resolve(slots)
    _check(device, slots)
    a_goals = list(a_goals or ["max"] * len(slots))
    if len(a_goals) != len(slots) or any(g not in ("min", "max") for g in a_goals):
        raise CarinInputError(f"a_goals: one of min|max per DNN ({len(slots)}), not {a_goals}")
    t0 = time.process_time()
    l0 = {}
    every, skipped = profiler.profile_usecase(npusim, device, usecase, [m for s in slots for m in s],
                                              runs, seed, jitter, runtime_mb, raw_ms=l0)
    tables = [[x for x in every if x["models"][0] in {m.name for m in slot}] for slot in slots]
    for i, t in enumerate(tables):
        if not t:
            raise CarinInputError(f"{usecase} on {device}: DNN {i} "
                                  f"({', '.join(m.name for m in slots[i])}) has no design that runs")
    singles = [prune(t, keep, g) for t, g in zip(tables, a_goals)]
    prof = CorunProfile(device, usecase, [], singles, tables, skipped, l0=l0,
                        specs={m.name: m for s in slots for m in s}, inferences=inferences)
    prof.seconds = time.process_time() - t0
    with tempfile.TemporaryDirectory() as work:
        add_tuples(npusim, prof, itertools.product(*singles), work)
    return prof


def transferred_members(prof, designs):
    """For tuple designs solved on another phone: the single designs here that make up each
    one, when every member was profiled here (for add_tuples), so a transferred baseline finds
    its twin in this phone's table."""
    out = []
    for x in designs:
        v = x.values
        members = [prof.single_of(i, (v["models"][i], v["schemes"][i], v["engines"][i],
                                      v["threads"][i], v["xnnpack"][i])) for i in range(x.dnns)]
        if x.dnns == len(prof.tables) and all(m is not None for m in members):
            out.append(members)
    return out
