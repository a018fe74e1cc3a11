#!/usr/bin/python3
"""PMPD Figure 5 on the simulated LLM NPU: decode throughput of fp16, uniform (p_h), static and
learned PMPD schedules for every (task, model) bar, and the speedups over fp16.

Inputs: the task scenarios workloads/llm/pmpd_tasks.yaml (prompt and generation lengths,
precision pairs, switch steps from the paper's average bits) and their traces
workloads/llm/<model>/<task>.yaml; presets hw_configs/llm_npu/pmpd_{4k,16k}.yaml in paper mode.
Paper values: the spec's table §5.1 (printed speedups; tok/s digitised from the figure).
Writes docs/reproductions/pmpd.{md,json,png}.

Row kinds (docs/reproductions/PROTOCOL.md): the prompt lengths are the spec's §3.3 synthetic
values, which were derived from this very figure (the decode context that makes each uniform
bar's printed speedup come out), so the uniform speedups and the orderings among them are
`calibration` rows; the static, learned and fp16 bars and the PMPD/uniform ratios are `paper`
rows; the agreement with the spec's analytic model (§5.3) and the decode MAC utilisation
(§2.6, bound §5.1) are `spec` rows.

The 43 simulations (32 bars, 9 realistic-mode and 2 MPE-size sensitivity points) run through the
sweep engine (scripts/npusim_sweep, docs/sweeps.md) as three sweeps built here, pmpd_fig5,
pmpd_realistic and pmpd_mpe, on a local Dask cluster (or --scheduler's) into one SQLite file,
npusim-out/sweeps/pmpd.sqlite by default. A rerun with the same npusim build only reads them
back; a rebuilt simulator (another npusim.__version__) reruns them.

    /usr/bin/python3 scripts/reproduce/pmpd.py [--quick] [--out-dir DIR] [--workers N]
        [--scheduler tcp://HOST:PORT] [--db FILE]
"""
import os

import yaml

import _report as R

TASKS = R.REPO / "workloads" / "llm" / "pmpd_tasks.yaml"

# Spec §5.1: (task, model) -> fp16 digitised tok/s, (tok/s, printed speedup) for uniform,
# static, learned, and the fp16 value implied by the printed ratios. The Vicuna fp16 bars are
# ~10 px tall, so the implied value is the reference for them (spec §5.1).
FIG5 = {
    ("cnndm", "vicuna-7b"): (2.31, (11.8, 4.9), (14.8, 6.1), (14.4, 5.9), 2.42),
    ("cnndm", "mobilellama-1.4b"): (12.5, (44.0, 3.5), (51.4, 4.1), (53.2, 4.3), 12.5),
    ("cnndm", "phi-1.5"): (12.7, (44.9, 3.5), (48.4, 3.8), (55.8, 4.4), 12.7),
    ("dialogsum", "vicuna-7b"): (2.45, (13.1, 5.2), (20.3, 8.0), (14.8, 5.9), 2.53),
    ("dialogsum", "mobilellama-1.4b"): (13.4, (51.4, 3.9), (69.6, 5.2), (65.5, 5.0), 13.3),
    ("dialogsum", "phi-1.5"): (13.7, (52.3, 3.9), (65.0, 4.8), (60.9, 4.5), 13.5),
    ("iwslt", "vicuna-7b"): (2.65, (13.2, 5.3), (15.3, 6.0), (17.3, 6.9), 2.51),
    ("iwslt", "mobilellama-1.4b"): (13.2, (52.1, 4.0), (58.1, 4.4), (60.9, 4.6), 13.1),
}
METHODS = ["fp16", "uniform", "static", "learned"]
SCHED = "workload.models.0.schedule"
TOL_SPEEDUP, TOL_RATIO, TOL_ABS, TOL_ANALYTIC = 0.05, 0.04, 0.10, 0.02
UTIL_BOUND, UTIL_TOL = 0.03, 0.02  # spec §5.1: decode MAC utilisation < 3 % (memory-bound sanity check)


def schedule(method, m, sc):
    if method == "fp16":
        return {"type": "uniform", "bits": 16}
    if method == "uniform":
        return {"type": "uniform", "bits": m["high_bits"], "prefill_bits": m["prefill_bits"]}
    return {"type": method, "prefill_bits": m["prefill_bits"], "high_bits": m["high_bits"],
            "low_bits": m["low_bits"], "switch_step": sc[method]["switch_step"]}


def analytic_tokens_per_s(arch, sc, bits_by_step, bw=32e9):
    """Spec §5.3 reference: t_token = (W_blk x b / 8 + ctx x KV_tok) / BW, compute hidden."""
    d, f, L = arch["hidden"], arch["ffn"], arch["layers"]
    kvd = arch.get("kv_heads", arch["heads"]) * (arch.get("head_dim") or d // arch["heads"])
    qd = arch["heads"] * (arch.get("head_dim") or d // arch["heads"])
    mlp = 3 * d * f if arch.get("ffn_kind", "swiglu") == "swiglu" else 2 * d * f
    w_blk = L * (d * qd + 2 * d * kvd + qd * d + mlp)
    kv_tok = L * 2 * kvd * 2
    total = sum((w_blk * b / 8 + (sc["prompt_len"] + i + 1) * kv_tok) / bw for i, b in enumerate(bits_by_step))
    return len(bits_by_step) / total


def analytic_mac_utilisation(arch, sc, bits_by_step, n_mac, bw=32e9, clock=1e9):
    """Spec §2.6 invariant 2 with the KV term kept: decode MACs (one per block-linear weight, plus
    q.K^T and p.V over the context, 2 x ctx x q_dim per layer) over N_MAC x the §5.3 cycles."""
    d, L = arch["hidden"], arch["layers"]
    qd = arch["heads"] * (arch.get("head_dim") or d // arch["heads"])
    kvd = arch.get("kv_heads", arch["heads"]) * (arch.get("head_dim") or d // arch["heads"])
    mlp = 3 * d * arch["ffn"] if arch.get("ffn_kind", "swiglu") == "swiglu" else 2 * d * arch["ffn"]
    w_blk = L * (d * qd + 2 * d * kvd + qd * d + mlp)
    ctxs = [sc["prompt_len"] + i + 1 for i in range(len(bits_by_step))]
    macs = sum(w_blk + 2 * L * qd * c for c in ctxs)
    seconds = len(bits_by_step) / analytic_tokens_per_s(arch, sc, bits_by_step, bw)
    return macs / (n_mac * clock * seconds)


def bits_by_step(method, m, sc):
    g = sc["gen_len"]
    if method == "fp16":
        return [16] * g
    if method == "uniform":
        return [m["high_bits"]] * g
    s = sc[method]["switch_step"]
    return [m["high_bits"] if i < s else m["low_bits"] for i in range(g)]


def trace_of(task, model):
    return f"workloads/llm/{model}/{task}.yaml"


def fig5_points(spec, scen):
    """{(task, model, method): (hw, trace, overrides)} for every bar of Figure 5."""
    return {(task, model, method): (spec["models"][model]["hw"], trace_of(task, model),
                                    {SCHED: schedule(method, spec["models"][model], scen[(task, model)])})
            for (task, model) in FIG5 for method in METHODS}


def main():
    args = R.parse_args(__doc__, sweep=True)
    spec = yaml.safe_load(TASKS.read_text())
    scen = {(s["task"], s["model"]): s for s in spec["scenarios"]}
    realistic, mpe = sensitivity_points(spec, scen)
    stats = R.simulate({"pmpd_fig5": fig5_points(spec, scen), "pmpd_realistic": realistic, "pmpd_mpe": mpe},
                       args, __file__, "pmpd")
    results = {}
    for (task, model) in FIG5:
        sc, m = scen[(task, model)], spec["models"][model]
        arch = yaml.safe_load((R.REPO / trace_of(task, model)).read_text())["models"][0]["llm"]
        mpe_cfg = yaml.safe_load((R.REPO / m["hw"]).read_text())["mpe"]
        n_mac = mpe_cfg["mv_k"] * mpe_cfg["mv_n"]
        for method in METHODS:
            r = stats["pmpd_fig5"][(task, model, method)]
            results[(task, model, method)] = {
                "tps": r["llm"]["decode_tokens_per_s"], "e2e": r["llm"]["end_to_end_tokens_per_s"],
                "bits": r["llm"]["average_weight_bits_per_token"],
                "ttft": r["llm"]["time_to_first_token_s"],
                "util": r["llm_npu"]["phases"]["decode"]["mac_utilisation"],
                "bw": r["llm_npu"]["phases"]["decode"]["dram_bandwidth_utilisation"],
                "analytic": analytic_tokens_per_s(arch, sc, bits_by_step(method, m, sc)),
                "util_analytic": analytic_mac_utilisation(arch, sc, bits_by_step(method, m, sc), n_mac)}
            print(f"{task:10s} {model:18s} {method:8s} {results[(task, model, method)]['tps']:8.2f} tok/s")
    rows, lines = [], []
    for (task, model), (fp16_dig, uni, sta, lea, fp16_impl) in FIG5.items():
        res = {k: results[(task, model, k)] for k in METHODS}
        fp16 = res["fp16"]["tps"]
        fp16_ref = fp16_impl if model.startswith("vicuna") else fp16_dig
        cell = f"{task} {model}"
        rows.append(R.row(f"{cell} fp16 tok/s", fp16_ref, fp16, "10%", rel=TOL_ABS, kind="paper"))
        for method, (tps, x) in zip(["uniform", "static", "learned"], [uni, sta, lea]):
            # The prompt lengths were fitted (spec §3.3/§5.4) to the uniform bars' printed speedups.
            rows.append(R.row(f"{cell} {method} speedup vs fp16 (x)", x, res[method]["tps"] / fp16, "5%",
                              rel=TOL_SPEEDUP, kind="calibration" if method == "uniform" else "paper"))
            rows.append(R.row(f"{cell} {method} tok/s", tps, res[method]["tps"], "10%", rel=TOL_ABS, kind="paper"))
        best_paper = max(sta[1], lea[1]) / uni[1]
        best_sim = max(res["static"]["tps"], res["learned"]["tps"]) / res["uniform"]["tps"]
        rows.append(R.row(f"{cell} best PMPD / uniform (x)", best_paper, best_sim, "4%", rel=TOL_RATIO, kind="paper"))
        for method in METHODS:
            rows.append(R.row(f"{cell} {method}: cycle model vs spec 5.3 analytic (tok/s)", res[method]["analytic"],
                              res[method]["tps"], "2%", rel=TOL_ANALYTIC, kind="spec"))
        for method in METHODS:
            u, ua = res[method]["util"], res[method]["util_analytic"]
            rows.append(R.row(f"{cell} {method}: decode MAC utilisation (%) vs spec 2.6 (bound 3 %)", 100 * ua,
                              100 * u, "2% and < 3 %", within=abs(u / ua - 1) <= UTIL_TOL and u < UTIL_BOUND,
                              kind="spec"))
        lines.append([cell] + [f"{res[k]['tps']:.2f}" + ("" if k == "fp16" else f" ({res[k]['tps'] / fp16:.2f}x)")
                               for k in METHODS] +
                     [f"{fp16_ref} / {uni[0]} ({uni[1]}x) / {sta[0]} ({sta[1]}x) / {lea[0]} ({lea[1]}x)"])
    # Orderings that must hold exactly (spec §5.1).
    # Each ordering is (claim, holds, kind): those among the uniform bars alone are in-sample.
    orderings = []
    for (task, model) in FIG5:
        r = {k: results[(task, model, k)]["tps"] for k in METHODS}
        orderings.append((f"{task} {model}: static, learned > uniform > fp16",
                          r["static"] > r["uniform"] and r["learned"] > r["uniform"] and r["uniform"] > r["fp16"],
                          "paper"))
    speed = {(t, mo, me): results[(t, mo, me)]["tps"] / results[(t, mo, "fp16")]["tps"] for (t, mo) in FIG5 for me in METHODS}
    for task in ["cnndm", "dialogsum", "iwslt"]:
        for method in ["uniform", "static", "learned"]:
            cells = [(mo, speed[(task, mo, method)]) for (t, mo) in FIG5 if t == task]
            top = max(cells, key=lambda c: c[1])[0]
            orderings.append((f"{task} {method}: Vicuna has the largest speedup", top == "vicuna-7b",
                              "calibration" if method == "uniform" else "paper"))
    for model in ["vicuna-7b", "mobilellama-1.4b", "phi-1.5"]:
        for method in ["uniform"]:
            vals = [speed.get((t, model, method)) for t in ["cnndm", "dialogsum", "iwslt"]]
            cn, di, iw = vals
            ok = cn < di and (iw is None or di <= iw * 1.000001)
            orderings.append((f"{model} {method}: CNN/DM < Dialogsum <= IWSLT speedup", ok, "calibration"))
    for kind, label in (("paper", "orderings of spec 5.1 that hold (static and learned bars)"),
                        ("calibration", "orderings of spec 5.1 that hold (uniform bars only, fitted)")):
        sel = [o for o in orderings if o[2] == kind]
        held = sum(o[1] for o in sel)
        rows.append(R.row(label, len(sel), held, "all, exactly", within=held == len(sel), kind=kind))
    plot(results, R.REPO, args.out_dir)
    sens = sensitivity(stats["pmpd_realistic"], stats["pmpd_mpe"])
    md = render(rows, lines, orderings, results, sens)
    R.write(args.out_dir, "pmpd", "PMPD Figure 5: end-to-end NPU throughput", rows,
            "Decode tokens/s (spec A11) in paper mode (100 % DRAM efficiency, no LUT or lm_head traffic).", md)


def plot(results, repo, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharey=False)
    colours = {"fp16": "#999999", "uniform": "#4c72b0", "static": "#dd8452", "learned": "#55a868"}
    for ax, task in zip(axes, ["cnndm", "dialogsum", "iwslt"]):
        models = [mo for (t, mo) in FIG5 if t == task]
        for i, model in enumerate(models):
            paper = FIG5[(task, model)]
            ref = [paper[4] if model.startswith("vicuna") else paper[0], paper[1][0], paper[2][0], paper[3][0]]
            for j, method in enumerate(METHODS):
                x = i * 5 + j
                v = results[(task, model, method)]["tps"]
                ax.bar(x, v, color=colours[method], label=method if i == 0 else None)
                ax.plot(x, ref[j], "k_", markersize=14, label="paper" if i == 0 and j == 0 else None)
                if method != "fp16":
                    ax.text(x, v, f"{v / results[(task, model, 'fp16')]['tps']:.1f}x", ha="center", va="bottom", fontsize=7)
        ax.set_xticks([i * 5 + 1.5 for i in range(len(models))])
        ax.set_xticklabels([m.split("-")[0] for m in models])
        ax.set_title(task)
        ax.set_ylabel("decode tokens/s")
    axes[0].legend(fontsize=8)
    fig.suptitle("PMPD Figure 5 on the simulated NPU (bars) vs the paper (black marks)")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "pmpd.png"), dpi=110)


SENS_CELLS = [("cnndm", "vicuna-7b"), ("dialogsum", "mobilellama-1.4b"), ("iwslt", "mobilellama-1.4b")]
SENS_METHODS = ["fp16", "uniform", "static"]
MPE_SIZES = ["16K MACs (16x32x32)", "8K MACs (16x32x16)"]


def sensitivity_points(spec, scen):
    """Spec open questions 2, 3, 11: realistic mode (LUTs streamed, lm_head in fp16, DRAM at 66 %)
    and the 16K-MACs-vs-16-TOPS ambiguity (prefill at 8K MACs): the points of both sweeps."""
    realistic = {}
    for task, model in SENS_CELLS:
        m = spec["models"][model]
        for method in SENS_METHODS:
            realistic[(task, model, method)] = (m["hw"], trace_of(task, model), {
                "count_lut": True, "include_lm_head": True, "dram.efficiency": 0.66,
                SCHED: schedule(method, m, scen[(task, model)])})
    m = spec["models"]["vicuna-7b"]
    preset_mm_n = yaml.safe_load((R.REPO / m["hw"]).read_text())["mpe"]["mm_n"]  # 32: the preset as it is
    static = schedule("static", m, scen[("cnndm", "vicuna-7b")])
    mpe = {label: (m["hw"], trace_of("cnndm", "vicuna-7b"), {"mpe.mm_n": mm_n, SCHED: static})
           for label, mm_n in zip(MPE_SIZES, [preset_mm_n, 16])}
    return realistic, mpe


def sensitivity(realistic, mpe):
    """The sensitivity tables from the stats of sensitivity_points' sweeps."""
    out = []
    for task, model in SENS_CELLS:
        tps = {method: realistic[(task, model, method)]["llm"]["decode_tokens_per_s"] for method in SENS_METHODS}
        out.append([f"{task} {model}", f"{tps['fp16']:.2f}", f"{tps['uniform']:.2f} ({tps['uniform'] / tps['fp16']:.2f}x)",
                    f"{tps['static']:.2f} ({tps['static'] / tps['fp16']:.2f}x)"])
    ttft = {label: (mpe[label]["llm"]["time_to_first_token_s"], mpe[label]["llm"]["decode_tokens_per_s"])
            for label in MPE_SIZES}
    return out, ttft


def render(rows, lines, orderings, results, sens):
    md = ["# PMPD (ICLR 2025) Figure 5 on the simulated LLM NPU\n\n",
          "Regenerate: `/usr/bin/python3 scripts/reproduce/pmpd.py` (about a minute). Spec: "
          "`shared/papers/pmpd.md`; model, presets and choices: `docs/llm_npu.md`.\n\n",
          "Setup: FlightLLM-style NPU, 1 GHz, 32 GB/s, 16K MACs for Vicuna-7B and 4K for MobileLLaMA and "
          "Phi-1.5 (`hw_configs/llm_npu/pmpd_{16k,4k}.yaml`), paper mode (DRAM at 100 %, no LUT or lm_head "
          "traffic, spec A1/A3/A4). Requests from `workloads/llm/pmpd_tasks.yaml`: synthetic prompt "
          "lengths and generation caps of spec §3.3, switch steps round(f x G) from the paper's average "
          "bits (§3.5). Metric: decode tokens/s at batch 1 (A11).\n\n",
          "![Figure 5](pmpd.png)\n\n## Bars\n\n",
          R.md_table(["cell", "fp16 tok/s", "uniform", "static", "learned", "paper (fp16 / uni / static / learned)"], lines),
          "\n## Verdicts\n\n"]
    ok, total, worst = R.verdict_counts(rows)
    md.append(f"**{R.headline(rows)}** (speedups 5 %, PMPD/uniform 4 %, tok/s 10 %; spec checks: agreement "
              f"with the spec's analytic model 2 %, decode MAC utilisation within 2 % of spec §2.6 and below 3 %). "
              f"Largest paper miss: {worst['quantity']} (paper {worst['paper']:.3g}, simulated "
              f"{worst['simulated']:.3g}, ratio {worst['ratio']:.3f}).\n\n"
              "Only the paper rows are predictions. The prompt lengths are synthetic (the paper gives none): "
              "spec §3.3 derived them from this figure, as the mean decode context that makes each uniform "
              "bar's printed speedup come out (§5.4). The uniform speedups, and the orderings among them, are "
              "therefore calibration rows, in-sample; the fp16, static and learned bars and the PMPD/uniform "
              "ratios follow from the paper's average bits with no further tuning.\n\n")
    miss = [r for r in rows if not r["within"]]
    if miss:
        md.append(R.md_table(["quantity", "paper", "simulated", "ratio", "tolerance"],
                             [[r["quantity"], f"{r['paper']:.3g}", f"{r['simulated']:.3g}", f"{r['ratio']:.3f}",
                               r["tolerance"]] for r in miss]))
    md.append("\n### Orderings (must hold exactly)\n\n")
    md.append(R.md_table(["ordering", "holds", "kind"], [[o, "yes" if h else "**no**", k] for o, h, k in orderings]))
    md.append("\n## All comparisons, by kind\n")
    md.append(R.kinds_table(rows))
    table, ttft = sens
    md.append("\n## Sensitivity (not part of the verdicts)\n\nRealistic mode: centroid LUTs streamed with their "
              "planes, lm_head in fp16 every token, DRAM at 66 % (FlightLLM's measured U280 efficiency); spec open "
              "questions 3 and 11.\n\n")
    md.append(R.md_table(["cell", "fp16 tok/s", "uniform", "static"], table))
    md.append("\nPrefill is the only phase the MAC count matters for (spec §2.1: 16K MACs at 1 GHz is 32.8 TOPS, the "
              "paper quotes 16): Vicuna-7B CNN/DM, static schedule:\n\n")
    md.append(R.md_table(["MPE", "time to first token", "decode tok/s"],
                         [[k, f"{v[0] * 1000:.0f} ms", f"{v[1]:.2f}"] for k, v in ttft.items()]))
    md.append("\n## Where the model and the paper differ\n\n" + miss_notes(rows, results))
    return "".join(md)


def miss_notes(rows, results):
    vd = results[("dialogsum", "vicuna-7b", "static")]["tps"] / results[("dialogsum", "vicuna-7b", "fp16")]["tps"]
    vu = results[("dialogsum", "vicuna-7b", "uniform")]["tps"] / results[("dialogsum", "vicuna-7b", "fp16")]["tps"]
    abs_rows = [r for r in rows if r["quantity"].endswith("tok/s") and "analytic" not in r["quantity"]]
    mean_abs = sum(r["ratio"] for r in abs_rows) / len(abs_rows)
    return (
        f"- Vicuna on Dialogsum: the paper prints 5.2x at 3 bits (uniform) and 8.0x at 2.00 average bits "
        f"(static), which no byte-linear model gives together (spec §5.3, open question 12): 16/2 = 8.0 "
        f"needs the KV share to vanish, 5.2x at 3 bits needs it large. The simulator follows the bytes: "
        f"{vu:.2f}x and {vd:.2f}x.\n"
        f"- Absolute tokens/s average {mean_abs:.3f} of the digitised bars. The spec's own analytic model "
        f"sits a few per cent low too (§5.3): the authors' bandwidth may be GiB-based (34.4e9 B/s) or "
        f"their byte count slightly smaller.\n"
        f"- Prompt lengths are synthetic (the paper gives none, §3.3); CNN/DM's long prompts make its KV "
        f"share, and so its speedups, the most sensitive to that choice.\n")


if __name__ == "__main__":
    main()
