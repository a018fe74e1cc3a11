#!/usr/bin/python3
"""Dysta (MICRO 2023): sparse multi-DNN scheduling on the simulated Sanger-like (multi-AttNN)
and Eyeriss-V2-like (multi-CNN) accelerators: Table 5, the headline claims (§6.2), Fig. 12's
ratios at two loads, Fig. 13's breakdown, the shapes of Figs. 14 and 15, with the spec's T2
tolerances and orderings as corrected in its §9 (docs/sparse.md, ../shared/papers/dysta.md).

Held out: the traces are seed family B of workloads/exporters/dysta_traces.py (family A is the
development family) and the arrivals use seeds 101.. (20 of them; --quick: 5), which nothing
was tuned on. Every value is the arithmetic mean over the seeds, as the artifact reports; the
spread of 5-seed blocks is listed beside the paper's single 5-seed draw. Compat mode as the
artifact except where the runtime differs (docs/sparse.md: admission at <=, no clock rewind).

Row kinds (docs/reproductions/PROTOCOL.md): the traces' load calibration (spec §3.2, §9.1-2)
was derived from Table 5's FCFS queueing, Fig. 15's STP saturation and, for multi-AttNN, the
FCFS and SJF ANTT targets 18.9 and 5.0: those cells are `calibration` rows; the other cells,
orderings and ratios are `paper` rows; the spec's invariants (§5) are `spec` rows.

Also held out: variant (c) of spec §7.1, an unseen configuration (60 %-sparse CNNs, AttNNs at
128 and 384 tokens, rates rescaled to the same load), on which the Table 5 orderings are checked
(`spec` rows: the paper reports no numbers for it).

The points (schedulers x loads x SLO multipliers x seeds x variants) run on the sweep engine
(docs/sweeps.md) into npusim-out/sweeps/dysta.sqlite, with `request_list: false` so each point
stores its metrics, not its 1,000 requests; a rerun with the same simulator build only reads
them. The script walks the report twice: the first walk collects the points it needs.

    /usr/bin/python3 scripts/reproduce/dysta.py [--quick] [--out-dir DIR] [--workers N]
        [--scheduler tcp://HOST:PORT] [--db FILE]
"""
import hashlib
import os
import statistics
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _report as R  # noqa: E402

sys.path.insert(0, str(R.REPO / "workloads" / "exporters"))
import dysta_traces  # noqa: E402

ATT = {"name": "multi-AttNN", "hw": "sanger_like.yaml", "wl": "multi_attnn.yaml", "rates": (30, 40),
       "sweep": (10, 20, 30, 40)}
CNN = {"name": "multi-CNN", "hw": "eyeriss_v2_like.yaml", "wl": "multi_cnn.yaml", "rates": (3, 4),
       "sweep": (2, 3, 4, 5, 6)}
SCHEDULERS = ["fcfs", "sjf", "sdrm3", "prema", "planaria", "dysta"]
LABEL = {"fcfs": "FCFS", "sjf": "SJF", "sdrm3": "SDRM3", "prema": "PREMA", "planaria": "Planaria",
         "dysta": "Dysta", "dysta_naive": "Dysta w/o sparse", "dysta_oracle": "Oracle"}
# Table 5: (ANTT, violation %) per scheduler; AttNN at 30/s, CNN at 3/s, M_slo = 10.
TABLE5 = {"multi-AttNN": {"fcfs": (18.9, 55.1), "sjf": (5.0, 15.2), "sdrm3": (18.9, 63.3),
                          "prema": (5.4, 15.3), "planaria": (16.0, 6.8), "dysta": (4.7, 5.1)},
          "multi-CNN": {"fcfs": (11.4, 23.1), "sjf": (2.6, 3.4), "sdrm3": (9.3, 33.7),
                        "prema": (3.0, 3.2), "planaria": (4.2, 2.1), "dysta": (2.5, 2.0)}}
FIG12 = {("multi-AttNN", 30): (4.0, 10.2), ("multi-AttNN", 40): (4.6, 17.7),
         ("multi-CNN", 3): (4.6, 1.2), ("multi-CNN", 4): (9.6, 10.1)}
FIG13 = {"multi-AttNN": (10.0, 10.2, 9.5, 14.7), "multi-CNN": (1.0, 1.5, 15.0, 20.0)}
SLOS = (10, 25, 50, 75, 100, 150)


class Runner:
    """The report's simulation points. While `collecting` (the first walk) every point is
    recorded and answered with a placeholder; then results() hands it the sweep engine's stats."""
    PLACEHOLDER = {"dram_util": 1.0, "antt": 1.0, "viol": 1.0, "stp": 1.0, "peak": 1.0, "over64": 1.0}

    def __init__(self, traces, seeds):
        self.traces, self.seeds, self.cache, self.wanted, self.stats = traces, seeds, {}, {}, None

    @property
    def collecting(self):
        return self.stats is None

    def point(self, sc, scheduler, rate, slo=10, seed=101, extra=(), config="paper", hw=None):
        key = (sc["name"], scheduler, rate, slo, seed, extra, config, hw)
        if self.collecting:
            ov = {"workload.requests.scheduler.type": scheduler, "workload.requests.rate": rate,
                  "workload.requests.slo_multiplier": slo, "workload.requests.seed": seed,
                  "workload.requests.request_list": False}
            ov.update(dict(extra))
            self.wanted[key] = (hw or f"hw_configs/sparse/{sc['hw']}", f"{self.traces[config]}/{sc['wl']}", ov)
            return self.PLACEHOLDER
        if key not in self.cache:
            stats = self.stats[key]
            r = stats["requests"]
            self.cache[key] = {"dram_util": 100 * stats["dram"]["bandwidth_utilisation"], "antt": r["antt"],
                               "viol": 100 * r["slo_violation_rate"], "stp": r["stp_requests_per_s"],
                               "peak": r["decisions"]["occupancy_peak"],
                               "over64": sum(r["decisions"]["occupancy_histogram"][65:])}
        return self.cache[key]

    def sweeps(self):
        """The collected points as sweeps: one per set of override paths (the engine zips points
        that set the same paths), named after that set."""
        out = {}
        for key, (hw, wl, ov) in self.wanted.items():
            tag = hashlib.sha1(",".join(sorted(ov)).encode()).hexdigest()[:8]
            out.setdefault(f"dysta_{tag}", {})[key] = (hw, wl, ov)
        return out

    def results(self, by_sweep):
        self.stats = {key: st for points in by_sweep.values() for key, st in points.items()}

    def mean(self, sc, scheduler, rate, slo=10, seeds=None, extra=(), config="paper", hw=None):
        pts = [self.point(sc, scheduler, rate, slo, s, extra, config, hw) for s in (seeds or self.seeds)]
        return {k: statistics.fmean(p[k] for p in pts) for k in pts[0]}

    def blocks(self, sc, scheduler, rate, metric):
        """The metric's mean over each block of 5 seeds."""
        s = self.seeds
        return [self.mean(sc, scheduler, rate, seeds=s[i:i + 5])[metric] for i in range(0, len(s) - 4, 5)]


# Why a row misses, when it does (checked on the full run; printed only for rows that miss).
CAUSES = {
    "multi-AttNN λ=30 FCFS ANTT": "FCFS and SDRM3 queue almost without bound at ρ ≈ 0.98: their ANTT moves "
    "steeply with the mix's mean service time and its spread, which the synthetic traces set (a 31.9 ms mix "
    "calibrated on family A) but cannot pin down to the paper's draw.",
    "multi-AttNN λ=30 SDRM3 ANTT": "as FCFS: SDRM3's fairness term makes it least-recently-run round robin, "
    "whose ANTT follows FCFS's queueing.",
    "Fig. 14 multi-AttNN: Dysta violation lowest": "at M_slo = 50 SJF, PREMA and Planaria leave 0.1 % of "
    "the requests late and Dysta 0.9 %. Dysta's score adds beta x slack: with generous SLOs that term (tens of "
    "ms) defers the requests whose deadlines are far, and a few long BART requests run out of slack behind "
    "later arrivals. The Oracle, with true latencies, leaves 0.8 % late too, so the score's form, not the "
    "sparsity predictor, causes it; at M_slo = 10 and 25, the paper's operating points, Dysta is the lowest.",
    "Table 4 bert: RMSE last-one": "the synthetic traces draw each layer's density with a per-sample factor "
    "(rho = 0.85) plus independent per-layer noise, so one layer's reading predicts the rest worse than "
    "the average of all read so far; the paper's traces are more strongly correlated layer to layer "
    "(Fig. 9: Pearson mostly 0.6-1.0), which the spec's §7.1 model does not pin down.",
    "Table 4 gpt2: RMSE last-one": "as for BERT (the same trace model).",
}


def misses(rows):
    out = [f"- **{r['quantity']}**: {text}\n" for r in rows if not r["within"]
           for key, text in CAUSES.items() if r["quantity"].startswith(key)]
    return "\n## Misses and their causes\n\n" + "".join(out) if out else ""


def plot_fig12(fig12, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(fig12), figsize=(4 * len(fig12), 3.6))
    for ax, ((name, lam), m) in zip(axes, sorted(fig12.items())):
        for s, v in m.items():
            ax.scatter(v["antt"], v["viol"], s=40)
            ax.annotate(LABEL[s], (v["antt"], v["viol"]), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_title(f"{name}, λ = {lam}/s")
        ax.set_xlabel("ANTT")
        ax.set_ylabel("SLO violation (%)")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def predictor_rmse(path):
    """RMSE (s) of gamma x LUT remaining vs the true remaining latency, at every layer position
    of every sample, with the LUTs from the whole trace (the artifact's Table 4 evaluation); gamma
    as models/sparse/scheduler/dysta_score.h computes it."""
    import csv
    import numpy as np
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.setdefault(int(r["sample"]), []).append((float(r["latency_s"]), float(r["density"])))
    lat = np.array([[x[0] for x in rows[s]] for s in sorted(rows)])
    den = np.array([[x[1] for x in rows[s]] for s in sorted(rows)])
    lut, mean_d = lat.mean(axis=0), den.mean(axis=0)
    ratio = den / mean_d
    n_l = lat.shape[1]
    err = {"avg_all": [], "last_one": [], "last_n": []}
    for j in range(1, n_l):  # after j finished layers
        true_rem = lat[:, j:].sum(axis=1)
        lut_rem = lut[j:].sum()
        gam = {"avg_all": ratio[:, :j].mean(axis=1), "last_one": ratio[:, j - 1],
               "last_n": ratio[:, max(0, j - 3):j].sum(axis=1) / 3}
        for k, g in gam.items():
            err[k].append((g * lut_rem - true_rem) ** 2)
    return {k: float(np.sqrt(np.mean(np.concatenate(v)))) for k, v in err.items()}


def viol_tol(paper, wide=False):
    return max(3.0, (0.4 if wide else 0.3) * paper)


def main():
    args = R.parse_args(__doc__, sweep=True)
    # Held-out trace family B, in the paper's configuration and in the unseen one (variant c).
    traces = {"paper": "npusim-out/dysta/family_B", "unseen": "npusim-out/dysta/family_B_unseen"}
    for config, d in traces.items():
        dysta_traces.export(str(R.REPO / d), seed=1, samples=400, family="B", config=config)
    seeds = list(range(101, 106 if args.quick else 121))
    run = Runner(traces, seeds)
    report(run, args, seeds)  # collects the points
    run.results(R.simulate(run.sweeps(), args, __file__, "dysta"))
    report(run, args, seeds)


def unseen_rate(run, sc):
    """Variant (c)'s rate for the scenario's first load: the exporter rescaled it to that load."""
    doc = yaml.safe_load((R.REPO / run.traces["unseen"] / sc["wl"]).read_text())
    return float(doc["requests"]["rate"])


def report(run, args, seeds):
    rows, md_tables, fig12 = [], [], {}

    for sc in (ATT, CNN):
        name, lam = sc["name"], sc["rates"][0]
        m = {s: run.mean(sc, s, lam) for s in SCHEDULERS + ["dysta_naive", "dysta_oracle"]}
        lines = []
        for s in SCHEDULERS:
            pa, pv = TABLE5[name][s]
            calib = s == "fcfs" or (name == "multi-AttNN" and s == "sjf")
            kind = "calibration" if calib else "paper"
            rows.append(R.row(f"{name} λ={lam} {LABEL[s]} ANTT", pa, m[s]["antt"], "30%", rel=0.30, kind=kind))
            wide = name == "multi-CNN" and s in ("fcfs", "sdrm3")
            tol = viol_tol(pv, wide)
            rows.append(R.row(f"{name} λ={lam} {LABEL[s]} violation (%)", pv, m[s]["viol"],
                              f"±max(3 pp, {40 if wide else 30}%)", within=abs(m[s]["viol"] - pv) <= tol,
                              kind="paper"))
            blk = run.blocks(sc, s, lam, "antt")
            lines.append([LABEL[s], f"{pa}", R.fmt(m[s]["antt"]), f"{min(blk):.3g}–{max(blk):.3g}", f"{pv}",
                          R.fmt(m[s]["viol"]), f"{m[s]['peak']:.0f}"])
        for s in ("dysta_naive", "dysta_oracle"):
            lines.append([LABEL[s], "", R.fmt(m[s]["antt"]), "", "", R.fmt(m[s]["viol"]), f"{m[s]['peak']:.0f}"])
        md_tables.append(f"\n### Table 5, {name} (λ = {lam}/s, M_slo = 10, mean of {len(seeds)} seeds)\n\n" +
                         R.md_table(["scheduler", "paper ANTT", "ANTT", "5-seed blocks", "paper viol. %",
                                     "viol. %", "peak queue"], lines))
        others = [s for s in SCHEDULERS if s != "dysta"]
        best_antt = min(m[s]["antt"] for s in others)
        rows.append(R.row(f"{name}: Dysta has the lowest ANTT (Dysta / best other)", 1.0,
                          m["dysta"]["antt"] / best_antt, "< 1", within=m["dysta"]["antt"] < best_antt,
                          kind="paper"))
        best_v = min(m[s]["viol"] for s in others)
        if name == "multi-AttNN":
            rows.append(R.row(f"{name}: Dysta has the lowest violation (Dysta / best other, %)", best_v,
                              m["dysta"]["viol"], "< 1", within=m["dysta"]["viol"] < best_v, kind="paper"))
            pl = m["planaria"]["antt"]
            rows.append(R.row(f"{name}: Planaria ANTT / Dysta ANTT (≥ 2, spec §9.4)", 16.0 / 4.7,
                              pl / m["dysta"]["antt"], "≥ 2", within=pl >= 2 * m["dysta"]["antt"], kind="paper"))
            rows.append(R.row(f"{name}: Planaria ANTT / SJF ANTT (≥ 2, spec §9.4)", 16.0 / 5.0,
                              pl / m["sjf"]["antt"], "≥ 2", within=pl >= 2 * m["sjf"]["antt"], kind="paper"))
            worst = min(m[s]["antt"] for s in ("fcfs", "sdrm3")) > max(m[s]["antt"] for s in
                                                                       ("sjf", "prema", "planaria", "dysta"))
            worst_v = min(m[s]["viol"] for s in ("fcfs", "sdrm3")) > max(m[s]["viol"] for s in
                                                                         ("sjf", "prema", "planaria", "dysta"))
            rows.append(R.row(f"{name}: FCFS and SDRM3 worst on both metrics", 1, int(worst and worst_v), "true",
                              within=worst and worst_v, kind="paper"))
            rows.append(R.row(f"{name}: SJF ≈ PREMA ANTT (compat tokens; PREMA / SJF)", 5.4 / 5.0,
                              m["prema"]["antt"] / m["sjf"]["antt"], "30%", rel=0.30, kind="paper"))
            # §6.2 headline claims.
            rows.append(R.row(f"{name}: violation cut PREMA → Dysta (pp, ≥ 6)", 10.2,
                              m["prema"]["viol"] - m["dysta"]["viol"], "≥ 6 pp",
                              within=m["prema"]["viol"] - m["dysta"]["viol"] >= 6, kind="paper"))
            rows.append(R.row(f"{name}: ANTT FCFS / Dysta (x, ≥ 2.8)", 18.9 / 4.7,
                              m["fcfs"]["antt"] / m["dysta"]["antt"], "≥ 2.8x",
                              within=m["fcfs"]["antt"] / m["dysta"]["antt"] >= 2.8, kind="paper"))
        else:
            rows.append(R.row(f"{name}: Dysta violation within 0.5 pp of the lowest (bound: lowest + 0.5, %)",
                              best_v + 0.5, m["dysta"]["viol"], "≤ bound",
                              within=m["dysta"]["viol"] <= best_v + 0.5, kind="paper"))
        # Spec invariants (§5).
        stp = [m[s]["stp"] for s in m]
        rows.append(R.row(f"{name}: STP equal across schedulers (max / min)", 1.0, max(stp) / min(stp),
                          "1e-9", rel=1e-9, kind="spec"))
        f50 = run.mean(sc, "fcfs", lam, slo=50)
        rows.append(R.row(f"{name}: FCFS ANTT independent of M_slo (M=50 / M=10)", 1.0,
                          f50["antt"] / m["fcfs"]["antt"], "exact", rel=1e-12, kind="spec"))
        rows.append(R.row(f"{name}: Oracle ANTT no worse than Dysta (Oracle / Dysta, ≤ 1.05)", 1.0,
                          m["dysta_oracle"]["antt"] / m["dysta"]["antt"], "≤ 1.05",
                          within=m["dysta_oracle"]["antt"] <= 1.05 * m["dysta"]["antt"], kind="spec"))

        # Fig. 12: ANTT_FCFS / ANTT_Dysta and viol_PREMA - viol_Dysta at both loads.
        for lam2 in sc["rates"]:
            fig12[(name, lam2)] = {s: run.mean(sc, s, lam2) for s in SCHEDULERS}
            f, p, d = (run.mean(sc, s, lam2) for s in ("fcfs", "prema", "dysta"))
            pr, pp = FIG12[(name, lam2)]
            rows.append(R.row(f"Fig. 12 {name} λ={lam2}: ANTT FCFS / Dysta (x)", pr, f["antt"] / d["antt"],
                              "35%", rel=0.35, kind="paper"))
            rows.append(R.row(f"Fig. 12 {name} λ={lam2}: violation PREMA − Dysta (pp)", pp, p["viol"] - d["viol"],
                              "±40%", within=abs(p["viol"] - d["viol"] - pp) <= 0.4 * pp, kind="paper"))
        # Fig. 13: PREMA -> Dysta w/o sparse -> Dysta.
        p, n, d = m["prema"], m["dysta_naive"], m["dysta"]
        vn, vd, an, ad = FIG13[name]
        rows.append(R.row(f"Fig. 13 {name}: w/o-sparse beats PREMA on both metrics", 1,
                          int(n["antt"] < p["antt"] and n["viol"] < p["viol"]), "true",
                          within=n["antt"] < p["antt"] and n["viol"] < p["viol"], kind="paper"))
        rows.append(R.row(f"Fig. 13 {name}: relative ANTT cut vs PREMA, w/o sparse (%)", an,
                          100 * (1 - n["antt"] / p["antt"]), "±50%", rel=0.5, kind="paper"))
        rows.append(R.row(f"Fig. 13 {name}: relative ANTT cut vs PREMA, Dysta (%)", ad,
                          100 * (1 - d["antt"] / p["antt"]), "±50%", rel=0.5, kind="paper"))
        rows.append(R.row(f"Fig. 13 {name}: the dynamic level cuts ANTT (Dysta / w/o sparse < 1)", 1.0,
                          d["antt"] / n["antt"], "< 1", within=d["antt"] < n["antt"], kind="paper"))
        rows.append(R.row(f"Fig. 13 {name}: Dysta violation no worse than w/o sparse + 0.5 pp (bound, %)",
                          n["viol"] + 0.5, d["viol"], "≤ bound", within=d["viol"] <= n["viol"] + 0.5,
                          kind="paper"))

        # Fig. 14 (shapes, 5 seeds): violation and ANTT fall as M_slo grows for the deadline-aware
        # schedulers; Dysta's violation is the lowest of the non-oracle ones at every M.
        s5 = seeds[:5]
        mono, lowest = True, True
        f14 = {}
        for s in ("prema", "planaria", "sdrm3", "dysta", "dysta_oracle", "sjf", "fcfs"):
            f14[s] = [run.mean(sc, s, lam, slo, seeds=s5) for slo in SLOS]
        for s in ("planaria", "dysta"):
            v = [x["viol"] for x in f14[s]]
            mono &= all(b <= a + 1e-9 for a, b in zip(v, v[1:]))
        for i in range(len(SLOS)):
            lowest &= f14["dysta"][i]["viol"] <= min(f14[s][i]["viol"] for s in
                                                     ("prema", "planaria", "sdrm3", "sjf", "fcfs")) + 0.5
        rows.append(R.row(f"Fig. 14 {name}: Planaria and Dysta violation fall as M_slo grows", 1, int(mono), "true",
                          within=mono, kind="paper"))
        rows.append(R.row(f"Fig. 14 {name}: Dysta violation lowest of the non-oracle at every M_slo (+0.5 pp)",
                          1, int(lowest), "true", within=lowest, kind="paper"))
        md_tables.append(f"\n### Fig. 14, {name} λ = {lam}/s: violation % (ANTT) vs M_slo, 5 seeds\n\n" +
                         R.md_table(["scheduler"] + [str(x) for x in SLOS],
                                    [[LABEL[s]] + [f"{x['viol']:.1f} ({x['antt']:.2g})" for x in f14[s]]
                                     for s in f14]))
        # Fig. 15 (shapes, 5 seeds): STP equal and saturating; ANTT rises with λ; Dysta's gap grows.
        f15 = {s: [run.mean(sc, s, r, seeds=s5) for r in sc["sweep"]] for s in ("fcfs", "sjf", "prema", "dysta")}
        sat = f15["dysta"][-1]["stp"]
        ref = 30.0 if name == "multi-AttNN" else 3.4
        rows.append(R.row(f"Fig. 15 {name}: saturated STP at λ={sc['sweep'][-1]} (inf/s)", ref, sat, "15%",
                          rel=0.15, kind="calibration"))
        rises = all(all(b["antt"] >= a["antt"] for a, b in zip(v, v[1:])) for v in f15.values())
        rows.append(R.row(f"Fig. 15 {name}: ANTT rises with λ for every scheduler", 1, int(rises), "true",
                          within=rises, kind="paper"))
        gap = [a["antt"] - b["antt"] for a, b in zip(f15["fcfs"], f15["dysta"])]
        grows = all(b >= a for a, b in zip(gap, gap[1:]))
        rows.append(R.row(f"Fig. 15 {name}: Dysta's ANTT gap to FCFS grows with λ", 1, int(grows), "true",
                          within=grows, kind="paper"))
        md_tables.append(f"\n### Fig. 15, {name}: ANTT (STP) vs λ, 5 seeds\n\n" +
                         R.md_table(["scheduler"] + [str(r) for r in sc["sweep"]],
                                    [[LABEL[s]] + [f"{x['antt']:.3g} ({x['stp']:.3g})" for x in f15[s]]
                                     for s in f15]))

    # The suite's own findings: the hardware scheduler's decision time and table depth.
    find = []
    for sc in (ATT, CNN):
        for lam in sc["rates"]:
            for label, extra in (("free decisions, unbounded table", ()),
                                 ("70 + 2N cycles at 200 MHz", (("workload.requests.scheduler.fixed_cycles", 70),
                                                                ("workload.requests.scheduler.cycles_per_entry", 2))),
                                 ("700 + 20N cycles", (("workload.requests.scheduler.fixed_cycles", 700),
                                                       ("workload.requests.scheduler.cycles_per_entry", 20))),
                                 ("table depth 64", (("workload.requests.scheduler.queue_depth", 64),)),
                                 ("table depth 16", (("workload.requests.scheduler.queue_depth", 16),)),
                                 ("DRAM traffic on (memory: dram)", (("memory", "dram"),))):
                x = run.mean(sc, "dysta", lam, seeds=seeds[:5], extra=extra)
                find.append([sc["name"], f"{lam}", label, f"{x['antt']:.3g}", f"{x['viol']:.1f}",
                             f"{x['peak']:.0f}", f"{x['over64']:.0f}", f"{x['dram_util']:.2f}"])
    # DRAM contention between requests: two Sanger-like accelerators sharing one DRAM at twice
    # the single accelerator's load, as the DRAM's bandwidth falls.
    contention = []
    for bw in ("32GB/s", "2GB/s", "1.5GB/s", "1.25GB/s"):
        for s in ("prema", "dysta"):
            x = run.mean(ATT, s, 60, seeds=seeds[:5], hw="hw_configs/sparse/two_sanger_like.yaml",
                         extra=(("dram.channel_bandwidth", bw),))
            contention.append([f"4 x {bw}", LABEL[s], f"{x['antt']:.3g}", f"{x['viol']:.1f}", f"{x['dram_util']:.1f}"])
    # Compat vs fixed (spec §8.7): every sample replayed and PREMA's tokens accumulated incrementally.
    fixed = []
    for sc in (ATT, CNN):
        lam = sc["rates"][0]
        for s in ("sjf", "prema", "dysta"):
            c = run.mean(sc, s, lam, seeds=seeds[:5])
            extra = (("workload.requests.sample_pool", 1000000),)
            if s == "prema":
                extra += (("workload.requests.scheduler.token_accumulation", "incremental"),)
            f = run.mean(sc, s, lam, seeds=seeds[:5], extra=extra)
            fixed.append([sc["name"], f"{lam}", LABEL[s], f"{c['antt']:.3g}", f"{c['viol']:.1f}",
                          f"{f['antt']:.3g}", f"{f['viol']:.1f}"])
    # Held-out variant (b), distribution shift: LUTs from the in-distribution samples, requests
    # replaying the low-light ones (every sample of that group).
    shift = []
    for sc in (CNN,):
        lam = sc["rates"][0]
        for s in ("sjf", "dysta_naive", "dysta", "dysta_oracle"):
            x = run.mean(sc, s, lam, seeds=seeds[:5],
                         extra=(("profile_group", "in_dist"), ("replay_group", "lowlight"),
                                ("workload.requests.sample_pool", 1000000)))
            shift.append([sc["name"], f"{lam}", LABEL[s], f"{x['antt']:.3g}", f"{x['viol']:.2f}"])
    # The artifact's sparse-aware baselines (unused in its headline runs): SJF and PREMA on
    # gamma x the pattern LUT, PREMA also with the artifact's gamma bug.
    sparse_base = []
    for sc in (ATT, CNN):
        lam = sc["rates"][0]
        for label, s, extra in (("SJF", "sjf", ()),
                                ("SJF, sparse estimate (sjf_sparse)", "sjf",
                                 (("workload.requests.scheduler.estimate", "sparse"),)),
                                ("PREMA", "prema", ()),
                                ("PREMA, sparse estimate", "prema",
                                 (("workload.requests.scheduler.estimate", "sparse"),)),
                                ("PREMA, sparse estimate with the artifact's gamma bug (prema_sparse)", "prema",
                                 (("workload.requests.scheduler.estimate", "sparse"),
                                  ("workload.requests.scheduler.sparse_gamma", "previous_last"))),
                                ("Dysta", "dysta", ())):
            x = run.mean(sc, s, lam, seeds=seeds[:5], extra=extra)
            sparse_base.append([sc["name"], f"{lam}", label, f"{x['antt']:.3g}", f"{x['viol']:.1f}"])
    # Held-out variant (c), an unseen configuration: the Table 5 orderings (spec rows).
    unseen = []
    for sc in (ATT, CNN):
        name, lam = sc["name"], unseen_rate(run, sc)
        m = {s: run.mean(sc, s, lam, seeds=seeds[:5], config="unseen")
             for s in SCHEDULERS + ["dysta_naive", "dysta_oracle"]}
        for s in m:
            unseen.append([name, f"{lam:.4g}", LABEL.get(s, s), f"{m[s]['antt']:.3g}", f"{m[s]['viol']:.1f}"])
        others = [s for s in SCHEDULERS if s != "dysta"]
        best_antt = min(m[s]["antt"] for s in others)
        best_v = min(m[s]["viol"] for s in others)
        rows.append(R.row(f"held-out (c) {name}: Dysta ANTT lowest (Dysta / best other)", 1.0,
                          m["dysta"]["antt"] / best_antt, "< 1", within=m["dysta"]["antt"] < best_antt,
                          kind="spec"))
        rows.append(R.row(f"held-out (c) {name}: Dysta violation within 0.5 pp of the lowest other (bound, %)",
                          best_v + 0.5, m["dysta"]["viol"], "≤ bound", within=m["dysta"]["viol"] <= best_v + 0.5,
                          kind="spec"))
        rows.append(R.row(f"held-out (c) {name}: the dynamic level cuts ANTT (Dysta / w/o sparse < 1)", 1.0,
                          m["dysta"]["antt"] / m["dysta_naive"]["antt"], "< 1",
                          within=m["dysta"]["antt"] < m["dysta_naive"]["antt"], kind="spec"))
    if run.collecting:
        return
    # Table 4: RMSE of the remaining-latency prediction (s) at every layer position of every sample.
    rmse = {m: predictor_rmse(os.path.join(str(R.REPO / run.traces["paper"]), "traces", m + "_dynamic.csv")) for m in ("bert", "gpt2")}
    for m, r in rmse.items():
        worst = r["last_n"] > max(r["avg_all"], r["last_one"])
        rows.append(R.row(f"Table 4 {m}: last-N (N=3) has the largest RMSE", 1, int(worst), "true",
                          within=worst, kind="paper"))
        rows.append(R.row(f"Table 4 {m}: RMSE last-one / average-all (within 20%)",
                          {"bert": 0.000252 / 0.000286, "gpt2": 0.000226 / 0.000218}[m],
                          r["last_one"] / r["avg_all"], "1 ± 20%",
                          within=abs(r["last_one"] / r["avg_all"] - 1) <= 0.2, kind="paper"))
    plot_fig12(fig12, os.path.join(args.out_dir, "dysta.png"))

    md = ["# Dysta: sparse multi-DNN scheduling (MICRO 2023)\n\n",
          f"**{R.headline(rows)}**\n\n",
          "Reproduced by `scripts/reproduce/dysta.py` on the simulated Sanger-like (multi-AttNN: BERT, GPT-2, "
          "BART) and Eyeriss-V2-like (multi-CNN: ResNet-50, VGG-16, MobileNetV1, SSD300-ResNet18, three "
          "sparsity patterns each) accelerators (`hw_configs/sparse/`), with the synthetic traces of "
          "`workloads/exporters/dysta_traces.py`, **held-out trace family B** and **held-out arrival seeds "
          f"{seeds[0]}–{seeds[-1]}** ({len(seeds)} seeds; Figs. 14–15 and the findings on the first 5), "
          "1,000 Poisson requests each, M_slo = 10 unless stated. Values are arithmetic means over seeds. "
          f"{len(run.wanted)} simulations, run on the sweep engine.\n\n",
          "What differs from the paper's setting: the traces are synthetic (the paper's CSVs are not "
          "public) and calibrated to the spec's loads; admission at a layer boundary includes arrivals at "
          "exactly its time and the clock never rewinds (docs/sparse.md). Decisions and context switches "
          "are free, as in the paper, except in the findings.\n",
          "\n## Verdicts\n", R.kinds_table(rows), misses(rows),
          "\n## Tables\n\n![Fig. 12: ANTT vs violation per scheduler](dysta.png)\n"] + md_tables + [
          "\n## The suite's findings: decision time, request-table depth and DRAM traffic (Dysta, 5 seeds)\n\n",
          "Not in the paper: the hardware scheduler's decision stalls the NPU at every layer boundary, and a "
          "bounded table holds later requests in the host's backlog (back-pressure; none is dropped).\n\n",
          R.md_table(["scenario", "λ", "scheduler hardware", "ANTT", "viol. %", "peak table", "decisions > 64",
                      "DRAM util. %"], find),
          "\n### Two accelerators contending for one DRAM (multi-AttNN, λ = 60/s, 5 seeds)\n\n"
          "`hw_configs/sparse/two_sanger_like.yaml`: two Sanger-like accelerators, each moving its layers' "
          "bytes through the one DRAM they share (`memory: dram`), the runtime dispatching to whichever is free. "
          "As the DRAM's bandwidth falls, layers on both stretch while the schedulers' LUTs still hold the "
          "compute-only latencies: the error Dysta's dynamic level does not see (its monitor counts zeros, not "
          "time).\n\n",
          R.md_table(["DRAM channels", "scheduler", "ANTT", "viol. %", "DRAM util. %"], contention),
          "\n## Compat vs fixed (spec §8.7, 5 seeds)\n\nFixed: every sample replayed (`sample_pool: 1000000`, "
          "not the artifact's first 7) and PREMA's tokens accumulated incrementally.\n\n",
          R.md_table(["scenario", "λ", "scheduler", "compat ANTT", "compat viol. %", "fixed ANTT", "fixed viol. %"],
                     fixed),
          "\n## Sparse-aware baselines (the artifact's sjf_sparse and prema_sparse, 5 seeds)\n\n"
          "SJF and PREMA reading gamma x the pattern-aware LUT instead of the static per-model profile "
          "(`estimate: sparse`); the artifact's prema_sparse also scales every candidate by the gamma of the "
          "last request it scanned (`sparse_gamma: previous_last`). Unused in the paper's headline runs.\n\n",
          R.md_table(["scenario", "λ", "scheduler", "ANTT", "viol. %"], sparse_base),
          "\n## Unseen configuration (held-out variant c, 5 seeds)\n\n"
          "60 %-sparse CNNs (weight density 0.40) and AttNNs at 128 and 384 tokens (two entries per model) on "
          "the same accelerators, the rate rescaled so the load is that of the paper configuration at λ = 30 and "
          "3 (`dysta_traces.py --config unseen`). Nothing was tuned on it; the paper gives no numbers for it, so "
          "its checks (Table 5's orderings) are `spec` rows. For the CNNs the sparser weights scale nearly every "
          "layer's Eyeriss-V2-like latency by one factor (its effectual-MAC term dominates), so with the rate "
          "rescaled to the same load the stream is almost a time-scaled copy of the paper configuration and its "
          "metrics barely move; the AttNNs' sequence lengths change the models' relative lengths, a real change of "
          "mix.\n\n",
          R.md_table(["scenario", "λ", "scheduler", "ANTT", "viol. %"], unseen),
          "\n## Distribution shift (held-out variant b, 5 seeds)\n\nLUTs profiled on the in-distribution "
          "samples, requests replaying the low-light ones (sparser activations: shorter than the LUTs say); the "
          "dynamic level's gamma sees the difference, the static LUTs do not.\n\n",
          R.md_table(["scenario", "λ", "scheduler", "ANTT", "viol. %"], shift),
          "\n## Table 4: remaining-latency prediction RMSE (s, every layer position of every sample)\n\n",
          R.md_table(["model", "average-all", "last-N (N=3)", "last-one", "paper (avg-all, last-N, last-one)"],
                     [[m, f"{r['avg_all']:.3g}", f"{r['last_n']:.3g}", f"{r['last_one']:.3g}",
                       {"bert": "0.000286, 0.000419, 0.000252", "gpt2": "0.000218, 0.000421, 0.000226"}[m]]
                      for m, r in rmse.items()]),
          "\nThe absolute values follow the synthetic traces' scale; the checks are the ordering (spec §6.6).\n",
          "\nWith DRAM traffic on, every layer also moves its compressed weights and activations through the DRAM "
          "(docs/sparse.md); ANTT's isolated latencies stay the compute-only ones, so the change in ANTT is the "
          "slowdown the hidden-DRAM assumption leaves out.\n"]
    R.write(args.out_dir, "dysta", "Dysta: sparse multi-DNN scheduling with static and dynamic sparsity (MICRO 2023)",
            rows, f"Synthetic traces (family B), {len(seeds)} held-out arrival seeds, 1,000 requests.", "".join(md))


if __name__ == "__main__":
    main()
