"""On-device energy through the suite's energy model (docs/ondevice_learning.md, "Energy").

A cost computed in Python (a LifeLearner episode, a TinyTrain run) is handed to the C++ model
as the on-device cost model's activity, {compute_s, memory_s, overhead_s, read_bytes,
written_bytes}, and priced by the energy table the device preset names
(npusim.ondevice_energy: sim/memory_ledger/device_energy.h, the pricing of sim/energy). Nothing
here prices anything itself: `solve` only finds the value of one table entry that makes a cost
cost a stated energy, which is how a preset's calibrated entry is checked.
"""


def cost(compute_s=0.0, memory_s=0.0, overhead_s=0.0, read=None, written=None):
    """The activity dict npusim.ondevice_energy takes; read/written: {space: bytes}."""
    return {"compute_s": compute_s, "memory_s": memory_s, "overhead_s": overhead_s,
            "read_bytes": {k: int(v) for k, v in (read or {}).items()},
            "written_bytes": {k: int(v) for k, v in (written or {}).items()}}


def of_report(device_json):
    """The cost of one iteration as npusim.training_report's `device` section gives it."""
    d = device_json
    return cost(d["compute_s"], d["memory_s"], d["overhead_s"], d["read_bytes"], d["written_bytes"])


def add(*costs):
    """The sum of several costs (one run made of parts: a selection pass plus the training)."""
    out = cost()
    for c in costs:
        for k in ("compute_s", "memory_s", "overhead_s"):
            out[k] += c.get(k, 0.0)
        for k in ("read_bytes", "written_bytes"):
            for s, n in c.get(k, {}).items():
                out[k][s] = out[k].get(s, 0) + int(n)
    return out


def scale(c, k):
    """k repetitions of a cost (k sample-iterations of one)."""
    return {"compute_s": k * c["compute_s"], "memory_s": k * c["memory_s"], "overhead_s": k * c["overhead_s"],
            "read_bytes": {s: int(k * n) for s, n in c["read_bytes"].items()},
            "written_bytes": {s: int(k * n) for s, n in c["written_bytes"].items()}}


def energy(npusim, device, c):
    """The energy report of cost `c` on `device` (a preset path): total_j, dynamic_j, static_j,
    average_power_w and the priced components."""
    return npusim.ondevice_energy(str(device), c)


def action_count(report, record, action):
    """How many times `record` (cpu, board, dram, ...) performed `action` in a report."""
    for comp in report["components"]:
        if comp["type"] == record:
            a = comp["actions"].get(action)
            return (a["count"], a["energy_each_j"]) if a else (0, 0.0)
    raise KeyError(f"no `{record}` in the report")


def solve(npusim, device, c, target_j, record, actions):
    """The energy per count (J) that `actions` of `record`, all priced alike, need for cost `c`
    to cost `target_j` on `device`: the energy is linear in it, E = rest + count x price."""
    rep = energy(npusim, device, c)
    count, prices = 0, set()
    for a in actions:
        n, each = action_count(rep, record, a)
        if n:
            count += n
            prices.add(round(each, 18))
    if len(prices) != 1 or count == 0:
        raise ValueError(f"{record} {actions}: priced {sorted(prices)} over {count} counts; "
                         "solve needs them performed and priced alike")
    rest = rep["total_j"] - count * prices.pop()
    return (target_j - rest) / count
