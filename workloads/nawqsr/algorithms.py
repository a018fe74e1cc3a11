"""NAWQ-SR's offline algorithms (spec ../shared/papers/nawqsr.md §4.2-§4.4, §4.6, §7 items 3, 5).

Every algorithm takes a quality function q(bits, dre) -> PSNR (dB) on the calibration set, where
bits[l] is layer l's input width (8, 16 or 32 = float) and dre[l] says whether its range is
estimated per input, so they run on a fake-quant model or on a hand-written function in tests.
Layers are the scheduled layers in network order; ops[l] is the layer's op count (MACs)."""
import math
import random
from dataclasses import dataclass, field

COST = {8: 1, 16: 2, 32: 4}  # BOP weights per activation width (§4.1: 32/16/8 bit -> 4/2/1)
K_GRID = (0.125, 0.25, 0.5, 0.75, 1.0)  # §4.4 [I]


def bops(bits, ops):
    """cost(b) = sum_l ops_l * {8: 1, 16: 2, 32: 4}[b_l]."""
    return sum(o * COST[b] for o, b in zip(ops, bits))


def bops_reduction(bits, ops):
    """BOPs of all-A16W8 over BOPs of `bits` (Table 1's metric)."""
    return bops([16] * len(ops), ops) / bops(bits, ops)


class CountingQuality:
    """q with a memo: calls counts distinct configurations evaluated (the search budget unit)."""

    def __init__(self, q):
        self.q, self.memo, self.calls = q, {}, 0

    def __call__(self, bits, dre=None):
        key = (tuple(bits), tuple(bool(d) for d in dre) if dre is not None else None)
        if key not in self.memo:
            self.calls += 1
            self.memo[key] = self.q(list(bits), list(dre) if dre is not None else None)
        return self.memo[key]


@dataclass
class WLoptResult:
    bits: list
    q_ref: float
    trace: list = field(default_factory=list)  # (layer, psnr with the layer at 8 bit, accepted)
    evals: int = 0


def visiting_order(ops):
    """Layers by op count, largest first; ties in network order (a stable sort)."""
    return sorted(range(len(ops)), key=lambda l: -ops[l])


def wlopt(q, ops, eps=0.1):
    """QuantSR-WLopt (Alg. 1): start at all-16, visit each layer once (heaviest first) and keep it
    at 8 bit when q_ref - q(t) <= eps, where q_ref = q(all-A16W8) on D_cal (§4.2 [I])."""
    n = len(ops)
    b = [16] * n
    q_ref = q(b, None)
    res = WLoptResult(bits=b, q_ref=q_ref, evals=1)
    for l in visiting_order(ops):
        t = list(b)
        t[l] = 8
        p = q(t, None)
        res.evals += 1
        ok = q_ref - p <= eps
        res.trace.append((l, p, ok))
        if ok:
            b = t
    res.bits = b
    return res


def lra(q, n):
    """Layerwise Resilience Analysis (Alg. 2): drop[l] = q0 - q(all-16 but layer l at 8), with q0
    the weights-only 8-bit model (float activations). Returns (q0, drops, order), order = layers
    by drop, largest first (ties in network order; drops may be negative)."""
    q0 = q([32] * n, None)
    drops = []
    for l in range(n):
        b = [16] * n
        b[l] = 8
        drops.append(q0 - q(b, None))
    order = sorted(range(n), key=lambda l: -drops[l])
    return q0, drops, order


def dre_select(drops, order, k, include_crossing=False):
    """DRE layers of Alg. 3: E[i] = sum_{j<=i} drop[order[j]]^2; keep order[i] while
    E[i]/E[last] <= K (literal), plus the layer that crosses K when include_crossing.
    E[last] = 0 (no layer loses anything) selects no layer. Returns a sorted list of layers."""
    energy, acc = [], 0.0
    for l in order:
        acc += drops[l] ** 2
        energy.append(acc)
    if not energy or energy[-1] == 0.0:
        return []
    chosen = []
    for i, l in enumerate(order):
        if energy[i] / energy[-1] <= k:
            chosen.append(l)
        else:
            if include_crossing:
                chosen.append(l)
            break
    return sorted(chosen)


def dre_flags(n, layers):
    s = set(layers)
    return [l in s for l in range(n)]


def choose_k(q, bits, drops, order, target, eps=0.1, grid=K_GRID, include_crossing=False):
    """The K grid search of §4.4: the smallest K whose DRE set gives q >= target - eps on D_cal.
    Returns (k, layers, met, rows) with rows [(k, n_dre, psnr)]; when no K meets the target the
    K with the highest PSNR is returned (smallest such K) and met is False."""
    n = len(bits)
    rows, best = [], None
    for k in sorted(grid):
        layers = dre_select(drops, order, k, include_crossing)
        p = q(bits, dre_flags(n, layers))
        rows.append((k, len(layers), p))
        if p >= target - eps:
            return k, layers, True, rows
        if best is None or p > best[2]:
            best = (k, layers, p)
    return best[0], best[1], False, rows


def random_dre(n, seed):
    """RandDRE (Table 3): a random count (1..n) of random layers, from `seed`. Sorted list."""
    rng = random.Random(seed)
    return sorted(rng.sample(range(n), rng.randint(1, n)))


def _energy(q, bits, ops, q_ref, eps, total16):
    """Normalised cost (BOPs / BOPs of all-A16W8) of a feasible configuration, +inf otherwise."""
    return bops(bits, ops) / total16 if q_ref - q(bits, None) <= eps else math.inf


def simulated_annealing(q, ops, eps, budget, seed, t0=1.0, decay=0.05):
    """SA of §4.6: start at all-16, flip one random layer per step, temperature t_i = t0 e^(-decay i),
    Metropolis acceptance on the normalised cost, violations cost +inf. Stops after `budget`
    distinct q evaluations (q_ref = q(all-16) is the first). Returns the best feasible bits."""
    qc = CountingQuality(q)
    n, rng = len(ops), random.Random(seed)
    total16 = bops([16] * n, ops)
    cur = [16] * n
    q_ref = qc(cur, None)
    f_cur = 1.0
    best, f_best = list(cur), f_cur
    i = 0
    while qc.calls < budget and i < 100 * budget:
        t = list(cur)
        l = rng.randrange(n)
        t[l] = 8 if t[l] == 16 else 16
        f = _energy(qc, t, ops, q_ref, eps, total16)
        temp = t0 * math.exp(-decay * i)
        if f <= f_cur or (f < math.inf and rng.random() < math.exp(-(f - f_cur) / max(temp, 1e-300))):
            cur, f_cur = t, f
            if f < f_best:
                best, f_best = list(t), f
        i += 1
    return best, qc.calls


def genetic(q, ops, eps, budget, seed, pop_frac=0.25):
    """GA of §4.6: population ceil(pop_frac |L|) (at least 2) seeded with all-16 and random
    configurations, binary tournaments, uniform crossover, per-layer mutation 1/|L|, the best
    kept (elitism); violations cost +inf. Stops after `budget` distinct q evaluations."""
    qc = CountingQuality(q)
    n, rng = len(ops), random.Random(seed)
    total16 = bops([16] * n, ops)
    q_ref = qc([16] * n, None)
    size = max(2, math.ceil(pop_frac * n))

    def fit(b):
        return _energy(qc, b, ops, q_ref, eps, total16)

    size = max(2, min(size, budget - 1))  # the first population fits in the budget
    pop = [[16] * n] + [[rng.choice((8, 16)) for _ in range(n)] for _ in range(size - 1)]
    scored = [(b, fit(b)) for b in pop]
    best = min(scored, key=lambda s: s[1])
    stall = 0
    while qc.calls < budget and stall < 100 * budget:
        before = qc.calls
        elite = min(scored, key=lambda s: s[1])
        nxt = [elite]
        while len(nxt) < size and qc.calls < budget:
            a = min(rng.sample(scored, 2), key=lambda s: s[1])[0]
            c = min(rng.sample(scored, 2), key=lambda s: s[1])[0]
            child = [x if rng.random() < 0.5 else y for x, y in zip(a, c)]
            child = [(8 if g == 16 else 16) if rng.random() < 1.0 / n else g for g in child]
            nxt.append((child, fit(child)))
        scored = nxt if len(nxt) >= 2 else scored
        cand = min(scored, key=lambda s: s[1])
        if cand[1] < best[1]:
            best = cand
        stall = stall + 1 if qc.calls == before else 0
    return list(best[0]), qc.calls
