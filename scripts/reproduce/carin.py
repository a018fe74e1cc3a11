#!/usr/bin/python3
"""CARIn (ACM TECS 2024): RASS designs, switching and gains over its baselines, on design tables
simulated by the suite (../shared/papers/carin.md with its §7 corrections; docs/mobile_soc.md).

Each phone (Pixel 7, Galaxy S20 FE, Galaxy A71) profiles every design of a use case on the
mobile SoC model (workloads/carin/profiler.py: one simulation per design, latency statistics
from a seeded background-load model); CARIn's formulation, RASS and baselines
(workloads/carin) run on those tables. As carin.md §5 says, the designs and the gain ratios are
properties of the simulated profiles: the rows compare their structure and magnitudes with the
paper's, nothing is fitted to them. Accuracies are the paper's (inputs). Covered: the
single-DNN use cases UC1 (image classification: MobileNetV2, EfficientNet-Lite, RegNetY,
MobileViT) and UC2 (text: BERT-L2, XtremeDistil, MobileBERT), and the multi-DNN use cases UC3
(YAMNet + a scene EfficientNet-Lite) and UC4 (GenderNet, AgeNet, EthniNet) on co-run profiles
(workloads/carin/corun.py; _carin_multi.py: C6, C7, C9 and their C11 rows).

    /usr/bin/python3 scripts/reproduce/carin.py [--quick] [--out-dir DIR]
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _report as R  # noqa: E402

sys.path.insert(0, str(R.REPO))
import _carin_multi as M  # noqa: E402
from workloads.carin import baselines as B, profiler, rass, runtime_manager, slo, usecases  # noqa: E402

DEVICES = {"a71": "Galaxy A71", "s20fe": "Galaxy S20 FE", "pixel7": "Pixel 7"}
# [P] carin.md §4 C11 (Table 10), storage in MB (CARIn per device, OODIn per device).
C11 = {"uc1": ({"a71": 13.83, "s20fe": 34.37, "pixel7": 34.19}, {"a71": 276.36, "s20fe": 443.10, "pixel7": 443.10}),
       "uc2": ({"a71": 48.64, "s20fe": 40.98, "pixel7": 52.96}, {d: 311.45 for d in ("a71", "s20fe", "pixel7")})}
UC_TITLE = {"uc1": "UC1, ImageNet classification", "uc2": "UC2, Emotions text classification (seq 64)"}
# [P] carin.md §4 C8 (Table 7): the S20 FE's UC1 designs.
C8_S20 = {"d_0": "efficientnet_lite0 FFX8 CPU4+XNN", "d_1": "efficientnet_lite0 FP16 GPU",
          "d_2": "mobilenet_v2_1.4 FP16 NPU", "d_w": "mobilenet_v2_1.0 FX8 CPU4+XNN",
          "d_m": "efficientnet_lite0 FX8 CPU8"}
JITTER_SCALES = (0.0, 1.0, 2.0)


def profiles(sim, usecase, models, scale=1.0, runs=100):
    jitter = {e: (p, m * scale) for e, (p, m) in profiler.JITTER.items()}
    out, skipped, cpu = {}, {}, {}
    for dev in DEVICES:
        t0 = time.process_time()
        out[dev], skipped[dev] = profiler.profile_usecase(sim, dev, usecase, models, runs=runs,
                                                          jitter=jitter)
        cpu[dev] = time.process_time() - t0
    return out, skipped, cpu


def solve_all(spec, tables):
    sols = {dev: rass.solve(spec, t) for dev, t in tables.items()}
    gains = {}
    for dev, sol in sols.items():
        others = {o: s for o, s in sols.items() if o != dev}
        base = B.single_dnn_baselines(sol, others)
        procs = profiler.processors(dev)
        gains[dev] = (base, B.gains(sol, procs, base))
    return sols, gains


def pooled(gains, prefix):
    """mean and max of the ratios over every device and state, for baselines starting with prefix."""
    ratios, na, bad = [], 0, 0
    for dev, (base, rows) in gains.items():
        for name in base:
            if not name.startswith(prefix):
                continue
            s = B.summary(rows, name)
            ratios += [r[name][1] for r in rows if r[name][1] is not None]
            na += s["na"]
            bad += s["violates"]
    return ratios, na, bad


def versus_transferred(sols):
    """CARIn's all-healthy design against each transferred design that runs here: size saved
    (MB), latency saved (fraction), accuracy gained (points), throughput gained (fraction)."""
    ds, dl, da, dt = [], [], [], []
    for dev, sol in sols.items():
        mine = rass.choose(sol)
        procs = profiler.processors(dev)
        for other, osol in sols.items():
            if other == dev:
                continue
            t = B.transferred(sol, osol, (frozenset(), False), procs)
            if t in (B.NA, B.VIOLATES):
                continue
            ds.append(sum(t["S_MB"]) - sum(mine["S_MB"]))
            dl.append(1 - mine["L_mean_ms"][0] / t["L_mean_ms"][0])
            da.append(mine["A"][0] - t["A"][0])
            dt.append(mine["TP_inf_s"][0] / t["TP_inf_s"][0] - 1)
    return ds, dl, da, dt


def plot(path, gains, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(gains), figsize=(5 * len(gains), 4), sharey=True)
    for ax, (dev, (base, rows)) in zip(axes, gains.items()):
        rows = [r for r in rows if r["state"].count("flagged") <= 1 and
                not ("flagged" in r["state"] and "memory" in r["state"])]  # Figs. 3-4's states
        names = list(base)
        x = range(len(rows))
        width = 0.8 / len(names)
        for i, n in enumerate(names):
            ys = [r[n][1] if r[n][1] is not None else 0 for r in rows]
            ax.bar([k + i * width for k in x], ys, width, label=n)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks([k + 0.4 for k in x])
        ax.set_xticklabels([r["state"] for r in rows], fontsize=7, rotation=45, ha="right")
        ax.set_title(DEVICES[dev])
        ax.legend(fontsize=6)
    axes[0].set_ylabel("CARIn optimality / baseline's (0: N/A or !)")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_usecase(sim, uc, runs):
    spec = slo.load(str(R.REPO / "workloads" / "carin" / "usecases" / f"{uc}.yaml"), 1)
    models = usecases.USECASES[uc]()
    tables, skipped, cpu = profiles(sim, uc, models, runs=runs)
    sols, gains = solve_all(spec, tables)
    return {"spec": spec, "models": models, "tables": tables, "skipped": skipped, "cpu": cpu, "sols": sols,
            "gains": gains}


def design_section(uc, res):
    md = [f"### {UC_TITLE[uc]}\n\n"]
    md.append(R.md_table(["device", "designs profiled", "skipped (unsupported / delegates nothing)", "feasible",
                          "profiling CPU s"],
                         [[DEVICES[d], len(res["tables"][d]), len(res["skipped"][d]), len(res["sols"][d].feasible),
                           f"{res['cpu'][d]:.1f}"] for d in DEVICES]))
    md.append("\n")
    for dev, sol in res["sols"].items():
        md.append(M.solution_intro(DEVICES[dev], sol, "design"))
        if not sol.designs:
            continue
        md.append(R.md_table(["role", "design", "opt", "L mean (ms)", "S (MB)", "MF (MB)", "A (input)"],
                             [[r, sol.designs[r].label(), f"{sol.opt[sol.designs[r].design_id]:.3f}",
                               f"{sol.designs[r]['L_mean_ms'][0]:.2f}", f"{sol.designs[r]['S_MB'][0]:.2f}",
                               f"{sol.designs[r]['MF_MB']:.1f}", f"{sol.designs[r]['A'][0]:.2f}"]
                              for r in sol.roles()]))
        md.append("\n")
        md.append(R.md_table(["state", "design"], [[s, x.label()] for s, x in
                                                   rass.switching_table(sol, profiler.processors(dev))]))
        md.append("\n")
    return md


def main():
    args = R.parse_args(__doc__)
    sim = R.npusim()
    runs = 20 if args.quick else 100
    res = {uc: run_usecase(sim, uc, runs) for uc in ("uc1", "uc2")}
    multi = {uc: M.run(sim, uc, DEVICES, args.quick, str(R.REPO / "workloads" / "carin" / "usecases" / f"{uc}.yaml"))
             for uc in ("uc3", "uc4")}
    rows, md = [], []

    # C1-C3: gains over B-A, B-S, transferred, OODIn, pooled over UC1 + UC2, devices and states.
    paper = {"B-A": (1.19, 1.46, "C1"), "B-S": (1.57, 1.92, "C1"), "transferred": (1.17, 1.84, "C2"),
             "OODIn": (1.5, 1.99, "C3")}
    gain_lines = []
    for prefix, (p_mean, p_max, cid) in paper.items():
        ratios, na, bad = [], 0, 0
        for uc in res:
            r_, n_, b_ = pooled(res[uc]["gains"], prefix)
            ratios, na, bad = ratios + r_, na + n_, bad + b_
            if r_:
                gain_lines.append([cid, uc.upper(), prefix, f"{statistics.fmean(r_):.2f}x", f"{max(r_):.2f}x",
                                   f"{min(r_):.2f}x", n_, b_])
        if not ratios:
            continue
        mean, mx = statistics.fmean(ratios), max(ratios)
        gain_lines.append([cid, "UC1+UC2", prefix, f"{mean:.2f}x", f"{mx:.2f}x", f"{min(ratios):.2f}x", na, bad])
        rows.append(R.row(f"{cid} UC1+UC2 gain vs {prefix}, mean over devices and states (x)", p_mean, mean,
                          "±30 %", rel=0.30, kind="paper"))
        rows.append(R.row(f"{cid} UC1+UC2 gain vs {prefix}, max (x)", p_max, mx, "±30 %", rel=0.30, kind="paper"))

    # C4 (UC1) and C5 (UC2): CARIn's design against transferred designs, all processors healthy.
    vt = {uc: versus_transferred(res[uc]["sols"]) for uc in res}
    ds, dl, da, dt = vt["uc1"]
    if da:
        rows.append(R.row("C4 UC1 accuracy gained vs transferred designs (points, sign)", 0.156, statistics.fmean(da),
                          "sign", within=statistics.fmean(da) > 0, kind="paper"))
        rows.append(R.row("C4 UC1 throughput gained vs transferred designs (fraction, sign)", 0.327,
                          statistics.fmean(dt), "sign", within=statistics.fmean(dt) > 0, kind="paper"))
    ds, dl, da, dt = vt["uc2"]
    if ds:
        rows.append(R.row("C5 UC2 size saved vs transferred designs (MB, sign)", 2.8, statistics.fmean(ds),
                          "sign", within=statistics.fmean(ds) > 0, kind="paper"))
        rows.append(R.row("C5 UC2 latency saved vs transferred designs (fraction, sign)", 0.199,
                          statistics.fmean(dl), "sign", within=statistics.fmean(dl) > 0, kind="paper"))

    # C8: the S20 FE's UC1 design set against Table 7.
    s20 = res["uc1"]["sols"]["s20fe"]
    c8_lines = [[r, C8_S20.get(r, "-"), s20.designs[r].label() if s20.designs else "-"] for r in s20.roles()]
    if s20.designs:
        procs = sorted({e for x in s20.stored() for e in x.mapping})
        rows.append(R.row("C8 S20 UC1: processors of the kept designs {cpu, gpu, npu} (count matched)", 3,
                          len(procs), "exact set", within=procs == ["cpu", "gpu", "npu"], kind="paper"))
        rows.append(R.row("C8 S20 UC1: d_0's architecture is EfficientNet-Lite0 (1 = yes)", 1,
                          float(s20.designs["d_0"]["models"][0] == "efficientnet_lite0"), "exact", kind="paper",
                          within=s20.designs["d_0"]["models"][0] == "efficientnet_lite0"))

    # C11: storage of CARIn's designs and of OODIn's variants (§6.8 rule: the variants of X').
    store_lines = []
    for uc in res:
        carin_ref, oodin_ref = C11[uc]
        for dev, sol in res[uc]["sols"].items():
            mine, oodin = rass.storage_mb(sol.stored()), rass.storage_mb(sol.feasible)
            kept = sorted({m for x in sol.stored() for m in x["models"]})
            store_lines.append([uc.upper(), DEVICES[dev], len(sol.stored()), ", ".join(kept), f"{mine:.2f}",
                                f"{carin_ref[dev]:.2f}", f"{oodin:.2f}", f"{rass.storage_mb(sol.all_designs):.2f}",
                                f"{oodin_ref[dev]:.2f}"])
            rows.append(R.row(f"C11 {uc.upper()} CARIn storage on the {DEVICES[dev]} (MB)", carin_ref[dev], mine,
                              "±10 %", rel=0.10, kind="paper"))
            rows.append(R.row(f"C11 {uc.upper()} OODIn storage on the {DEVICES[dev]} (MB, variants in X')",
                              oodin_ref[dev], oodin, "±10 %", rel=0.10, kind="paper"))
            rows.append(R.row(f"{uc.upper()} {DEVICES[dev]}: designs stored <= 5, one per processor mapping", 5,
                              len(sol.stored()), "<= 5, distinct mappings",
                              within=len(sol.stored()) <= 5 and len(set(sol.mappings)) == len(sol.mappings),
                              kind="spec"))

    # UC3 and UC4: C6, C7, C9 and their C11 rows (_carin_multi.py).
    m_rows, m_md, m_gains, m_store, c9_lines, m_misses = M.rows_and_markdown(R, multi, DEVICES)
    rows += m_rows
    store_lines += m_store

    # Sensitivity of the gains to the assumed background load (UC1 + UC2 pooled).
    sens = []
    for scale in JITTER_SCALES[:2] if args.quick else JITTER_SCALES:  # --quick: x0 and x1 only
        gains = {}
        for uc in res:
            if scale == 1.0:
                gains[uc] = res[uc]["gains"]
            else:
                t, _, _ = profiles(sim, uc, res[uc]["models"], scale=scale, runs=runs)
                gains[uc] = solve_all(res[uc]["spec"], t)[1]
        line = [f"x{scale:g}"]
        for prefix in paper:
            ratios = [x for uc in gains for x in pooled(gains[uc], prefix)[0]]
            line.append(f"{statistics.fmean(ratios):.2f}x / {max(ratios):.2f}x" if ratios else "-")
        sens.append(line)

    # Runtime Manager replay on the S20 FE, UC1: GPU overload, memory pressure, recovery.
    events = [(5.0, "overload", "gpu"), (15.0, "overload", "cpu"), (25.0, "free_ram", 30.0),
              (35.0, "free_ram", 4000.0), (45.0, "clear", "cpu"), (55.0, "clear", "gpu")]
    timeline = runtime_manager.replay(s20, events) if s20.designs else []

    out = args.out_dir
    for uc, gains in [(uc, res[uc]["gains"]) for uc in res] + [(uc, multi[uc]["gains"]) for uc in multi]:
        plot(os.path.join(out, f"carin_{uc}.png"), gains,
             f"CARIn {uc.upper()}: optimality gain over each baseline per state")
    md.append("# CARIn: RASS designs, switching and gains on simulated profiles\n\n")
    md.append("Generated by `scripts/reproduce/carin.py`" + (" (--quick)" if args.quick else "") +
              ". Spec: `../shared/papers/carin.md` (§7 corrections applied). What the suite computes: "
              "every design's latency, memory and size on the phone model (docs/mobile_soc.md; one simulation "
              "per design); CARIn's formulation, RASS, switching and baselines exactly as specified "
              "(workloads/carin). What it takes as inputs: the paper's accuracies (Tables 2-5; UC3/UC4: FP32 figures for every scheme) and a "
              "background-load model [assumed] for the latency spread. The gains are properties of these "
              "simulated profiles, not of the paper's measurements (carin.md §5 \"Honest claim\"); nothing was "
              "fitted to the rows.\n\n")
    md.append(f"Headline: {R.headline(rows)}.\n\n")
    md.append("## Designs and switching (Tables 7/8 analogue)\n\n")
    md.append("SLOs: UC1 max A, TP s.t. max L <= 41.67 ms; UC2 min L, S, max A s.t. MF <= 90 MB; UC3 min L_i, "
              "σL_i, max A_i s.t. L_i <= 100 ms, σL_i <= 10 ms; UC4 min L_i, σL_i, S_i, MF, max A_i (AgeNet: min "
              "MAE) s.t. max L_i <= 10 ms (workloads/carin/usecases/). A constraint's metric is also an "
              "objective.\n\n")
    for uc in res:
        md += design_section(uc, res[uc])
    md += m_md["designs"]
    md.append("**C8, S20 FE UC1 against Table 7:**\n\n")
    md.append(R.md_table(["role", "paper", "simulated"], c8_lines))
    md.append("\n**C9, A71 UC3 against Table 8** ({YAMNet, scene}):\n\n")
    md.append(R.md_table(["role", "paper", "simulated"], c9_lines))
    md.append("\n## Gains over the baselines (Figs. 3-4 analogue)\n\n")
    md.append("Ratios are CARIn's optimality over the baseline's in each state (flagged processors and the "
              "memory flag), pooled over the three phones; N/A = nothing to run, ! = violates a constraint "
              "here (counted, not averaged). Ratios below 1 are kept (§7.5).\n\n")
    md.append(R.md_table(["claim", "use case", "baseline", "mean", "max", "min", "N/A", "!"], gain_lines))
    md.append("\n**Multi-DNN (Figs. 5-6 analogue)**: multi-DNN-unaware and OODIn solve each DNN alone over the "
              "same kept single designs and combine the picks; transferred designs come from the other two "
              "phones. Pooled over the three phones and every state.\n\n")
    md.append(R.md_table(["use case", "baseline", "mean", "max", "min", "states", "N/A", "!"], m_gains))
    md.append("\n![UC1 gains](carin_uc1.png)\n\n![UC2 gains](carin_uc2.png)\n\n![UC3 gains](carin_uc3.png)"
              "\n\n![UC4 gains](carin_uc4.png)\n\n")
    md.append("**Sensitivity to the assumed background load** (mean / max gain, UC1 + UC2; x0 = no jitter, x2 = "
              "twice the mean slowdown). These use cases' objectives read mean or maximum latency; the load "
              "moves them a few per cent on every processor, so the gains move little. UC3 and UC4 constrain "
              "the latency's spread, where the load model would decide feasibility.\n\n")
    md.append(R.md_table(["jitter"] + list(paper), sens))
    md.append("\n## Storage (C11)\n\n")
    md.append(R.md_table(["use case", "device", "designs", "models kept", "CARIn MB", "paper",
                          "OODIn MB (variants in X')", "every variant", "paper"], store_lines))
    md.append("\n## Runtime Manager replay (Figs. 7-8 analogue, S20 FE, UC1)\n\n")
    md.append(R.md_table(["t (s)", "event", "flagged", "memory", "design", "switch (ms)"],
                         [[f"{r['t_s']:g}", r["event"], r["flagged"] or "-", "yes" if r["memory"] else "no",
                           r["design"], f"{r['switch_ms']:.1f}" if r["switched"] else "-"] for r in timeline]))
    md.append("\nSwitch cost: the new design's model files at 1000 MB/s flash [assumed] plus 3.5 ms interpreter "
              "start (carin.md §6.6); no re-solve at run time.\n\n")
    md.append("## Misses and their causes\n\n")
    d0 = {uc: sorted({f"{s.designs['d_0']['models'][0]} {s.designs['d_0']['schemes'][0]}"
                      for s in res[uc]["sols"].values() if s.designs}) for uc in res}
    md.append(f"- *Transferred designs (C2, C4, C5)*: RASS's d_0 is {', '.join(d0['uc1'])} (UC1) and "
              f"{', '.join(d0['uc2'])} (UC2) across the phones. Where every phone picks the same model and "
              "scheme, a transferred design differs only in its processor or CPU options, so it saves no size and "
              "loses no accuracy: the suite's three phone models differ in rates, not in which models suit them, "
              "less than the measured phones did.\n")
    md.append("- *Storage (C11)*: CARIn stores the distinct model files of the designs RASS keeps (column "
              "\"models kept\"), so it follows which architectures they use; OODIn's rule (§6.8: the variants "
              "in X') is compared as well as the sum of every variant; the spec's own check (§7) found OODIn's "
              "UC1 A71, UC2 and UC4 figures not reproducible by summing variants.\n")
    bs = {dev: B.architecture(t, "size") for dev, t in res["uc1"]["tables"].items()}
    bs_lat = {dev: min((x["L_mean_ms"][0] for x in t if x["models"][0] == bs[dev]), default=float("nan"))
              for dev, t in res["uc1"]["tables"].items()}
    _, bs_na, _ = pooled(res["uc1"]["gains"], "B-S")
    md.append(f"- *C1 against B-S (UC1)*: B-S fixes the architecture with the fewest parameters, "
              f"{', '.join(sorted(set(bs.values())))}; its fastest design's mean latency is "
              f"{', '.join(f'{v:.1f}' for v in bs_lat.values())} ms ({', '.join(DEVICES.values())}) against UC1's "
              f"41.67 ms bound on the maximum latency (background load included), so it has nothing to run in "
              f"{bs_na} of the device states (N/A) and the few ratios left are large. MobileViT's transformer blocks keep the patch area in the batch dimension, which the GPU "
              "delegate rejects, and run on the CPU in fp32 / fp16 only (no int8 variant).\n")
    md += m_misses
    md.append("- *CPU DR8*: DR8 designs run at the fp32 rate on the CPU (activations are fp32 in the graph); "
              "TFLite's dynamic-range kernels quantise activations on the fly and run int8 arithmetic, so the "
              "model is pessimistic for DR8.\n\n")
    md.append("## Not run\n\n- C10 (re-solve "
              "time on the phone): this host's RASS time is in docs/performance.md, a "
              "trend, not comparable with a phone.\n\n")
    md.append(R.kinds_table(rows))
    setup = ("UC1 and UC2 on three simulated phones (mobile SoC model), UC3 and UC4 on co-simulated multi-DNN "
             "profiles, RASS and baselines per carin.md §3/§7; accuracies are inputs.")
    R.write(out, "carin", "CARIn: Constraint-Aware and Responsive Inference on Heterogeneous Devices (TECS 2024)",
            rows, setup, "".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
