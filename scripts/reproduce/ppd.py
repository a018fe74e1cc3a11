#!/usr/bin/python3
"""PPD hardware-aware tree sizing on the simulated hardware (spec ppd.md §4-§6).

For every NPU preset and weight precision {fp16, 4, 3, 2}: the latency L_fp(n) of one decode
forward pass over a token tree of n = 1...512 nodes at a KV prefix of S = 256 tokens (each
point is a simulated one-step generation), the acceptance tau(n) from the spec's model curve
times its calibration (workloads/llm/ppd_acceptance.yaml; the simulator reports it as
expected_tokens_per_decode_step), Speedup(n) = tau(n) L_fp(1) / L_fp(n), the optimal n* and
the knee where L_fp stops being flat, against the spec's formula and worked example.
An A100-shaped GPU (the H200 preset rescaled, its calibration kept; one fixed per-forward
overhead t0 fitted to Table 1's three vanilla latencies) checks Table 1's speedups and the
shipped tree budgets. Writes docs/reproductions/ppd.{md,json,png}.

Row kinds (docs/reproductions/PROTOCOL.md): the NPU rows (knee, n* ordering, the §6.3 worked
example) compare with the spec's own derivations, `spec`; the A100 vanilla latencies are what
t0 was fitted to, `calibration`; the A100 tree latencies, speedups and shipped budgets are
Table 1's numbers predicted with that t0, `paper`. An "n* shrinks with the bits" row is kept
only where n* moves with the bits: a flat n* holds the ordering vacuously.

    /usr/bin/python3 scripts/reproduce/ppd.py [--quick] [--out-dir DIR]
"""
import os
import subprocess
import sys
import tempfile

import yaml

import _report as R

LLM = R.REPO / "workloads" / "llm"
ACCEPT = yaml.safe_load((LLM / "ppd_acceptance.yaml").read_text())["tables"]
BITS = [16, 4, 3, 2]
# (preset, model, MACs): the PMPD pairings (Vicuna-7B needs the 16K preset's DRAM).
NPUS = [("pmpd_16k", "vicuna-7b", 16384), ("pmpd_4k", "mobilellama-1.4b", 4096)]
BW_BYTES_PER_CYCLE = 32  # 32 GB/s at 1 GHz, both presets
# Spec §6.3 worked example: Vicuna-7B, 3-bit, 16K MACs.
EXAMPLE = {"flat_ms": 75.9, "n_star": 192, "speedup": (2.5, 2.65)}
# Table 1 (A100-40GB, MT-Bench): vanilla L_fp (s), shipped budget, PPD L_fp (s), speedup.
TABLE1 = {"mobilellama-1.4b": (0.020, 285, 0.022, 2.17), "vicuna-7b": (0.026, 105, 0.029, 2.24),
          "vicuna-13b": (0.0330, 60, 0.0379, 2.17)}
# The repo's budget sweeps (spec §4, stage 2).
REPO_SWEEP = {"vicuna-7b": [5, 10, 20, 35] + list(range(60, 121, 3)) + [200, 500],
              "vicuna-13b": list(range(60, 121, 3)), "mobilellama-1.4b": list(range(75, 436, 30))}
# A100-40GB (spec §6.4): 1555 GB/s, 312 TFLOPS fp16 = 108 SMs x 1024 MACs at 1.41 GHz. The rest
# of the H200 preset (fitted DRAM efficiency and per-kernel overhead, tiling) is kept.
A100 = {"name": "a100-like", "clock": "1410MHz", "dram.channels": 5, "dram.channel_bandwidth": "311GB/s",
        "dram.capacity": "40GB", "mpe.mm_n": 27, "sfu.lanes": 6912}
# "Ideal buffers": activation and output buffers large enough that no tree up to 512 tokens
# spills (the spec's §6 roofline assumes this); the presets' own buffers are the main result.
IDEAL = {"act_buffer.capacity": "16MiB", "out_buffer.capacity": "16MiB"}
TOL_SPEEDUP, TOL_KNEE, TOL_FLAT, PLATEAU = 0.10, 0.15, 0.10, 0.98


def traces(prompt_len, tmp, models=("vicuna-7b", "vicuna-13b", "mobilellama-1.4b")):
    """One-step traces exported from the models' config.json (so tree runs measure one forward)."""
    out = {}
    for model in models:
        path = os.path.join(tmp, f"{model}-S{prompt_len}.yaml")
        subprocess.run([sys.executable, str(R.REPO / "workloads" / "exporters" / "llm_export.py"),
                        str(LLM / "models" / f"{model}.json"), "--prompt-len", str(prompt_len), "--gen-len", "1",
                        "-o", path], check=True, stdout=subprocess.DEVNULL)
        out[model] = path
    return out


def step(sim, hw, trace, model, n, bits, extra=None):
    """(L_fp(n) seconds, calibrated tau(n), activations spilled) of one decode forward over n
    tree tokens."""
    o = {"workload.models.0.schedule": {"type": "uniform", "bits": bits}}
    if n > 1:
        t = ACCEPT[model]
        o["workload.models.0.decoding"] = {"tree_size": n, "sizes": t["sizes"], "tau": t["tau"],
                                           "calibration": t["calibration"]}
    o.update(extra or {})
    llm = sim.run(hw, trace, o)["llm"]
    return llm["time_per_decode_step_s"], llm["expected_tokens_per_decode_step"], llm["decode_steps_spilled"] > 0


def sweep(sim, hw, trace, model, bits, ns, extra=None):
    pts = {n: step(sim, hw, trace, model, n, bits, extra) for n in ns}
    l1 = pts[ns[0]][0]
    speed = {n: p[1] * l1 / p[0] for n, p in pts.items()}
    best = max(speed, key=speed.get)
    plateau = [n for n in ns if speed[n] >= PLATEAU * speed[best]]
    return {"latency": {n: p[0] for n, p in pts.items()}, "tau": {n: p[1] for n, p in pts.items()},
            "speedup": speed, "n_star": best, "best": speed[best], "plateau": (min(plateau), max(plateau)),
            "spill_from": min((n for n, p in pts.items() if p[2]), default=None)}


def gpu_row(m, s):
    return [m, f"{s['latency'][1] * 1e3:.1f}", f"{s['latency'][s['budget']] * 1e3:.1f}", f"{s['budget']}",
            f"{s['sim_speed']:.2f}x", f"{s['n_star']}", f"{s['plateau'][0]}-{s['plateau'][1]}", f"{s['spill_from'] or '-'}"]


def knee(curve, ns, stair=16):
    """Where the flat level L(1) meets the MAC-bound line. MM mode computes `stair` tokens per
    pass (both presets' p_M), so L_fp is a staircase; the line goes through the tops of two
    stairs: the first 50 % above the flat level and the one 64 tokens on (further out the
    attention's n^2 term bends it). None when the sweep never rises 50 %."""
    tops = [n for n in ns if n % stair == 0]
    up = [n for n in tops if curve[n] >= 1.5 * curve[ns[0]]]
    if not up or up[0] + 64 not in curve:
        return None
    a, b = up[0], up[0] + 64
    slope = (curve[b] - curve[a]) / (b - a)
    return a - (curve[a] - curve[ns[0]]) / slope


def main():
    args = R.parse_args(__doc__)
    sim = R.npusim()
    ns = [1] + list(range(16 if args.quick else 8, 513, 32 if args.quick else 8))
    rows, npu, sens, gpu, vacuous = [], {}, {}, {}, []
    with tempfile.TemporaryDirectory() as tmp:
        tr = traces(256, tmp)
        tr1024 = {} if args.quick else traces(1024, tmp, [m for _, m, _ in NPUS])
        for preset, model, macs in NPUS:
            hw = str(R.REPO / "hw_configs" / "llm_npu" / f"{preset}.yaml")
            for bits in BITS:
                s = sweep(sim, hw, tr[model], model, bits, ns)
                ideal = sweep(sim, hw, tr[model], model, bits, ns, IDEAL)
                s["ideal"] = ideal
                s["knee"] = knee(ideal["latency"], ns)
                s["knee_formula"] = macs * bits / 8 / BW_BYTES_PER_CYCLE
                npu[(preset, bits)] = s
                print(f"{preset} {bits:2d}-bit: n* {s['n_star']} ({s['best']:.2f}x), ideal n* {ideal['n_star']} "
                      f"({ideal['best']:.2f}x), knee {s['knee']} (formula {s['knee_formula']:.0f})")
                q = f"{preset} {model} {bits}-bit: knee of L_fp(n) (tokens), ideal buffers, vs spec 6.2 formula"
                if s["knee"] is None:  # flat (within 50 %) over the whole sweep: the formula must agree
                    rows.append(R.row(q + f" (beyond n = {ns[-1]})", s["knee_formula"], ns[-1], f"> {ns[-1]}",
                                      within=s["knee_formula"] > ns[-1], kind="spec"))
                else:
                    rows.append(R.row(q, s["knee_formula"], s["knee"], "15%", rel=TOL_KNEE, kind="spec"))
            for label, key in [("", None), (", ideal buffers", "ideal")]:
                order = [(npu[(preset, b)][key] if key else npu[(preset, b)])["n_star"] for b in BITS]
                ok = all(x >= y for x, y in zip(order, order[1:]))
                if len(set(order)) == 1:  # flat: the ordering holds vacuously, so it is no check
                    vacuous.append(f"{preset}{label}: n* = {order[0]} at every precision")
                    continue
                rows.append(R.row(f"{preset}{label}: n* shrinks with the weight bits (16, 4, 3, 2 -> {order})", 1,
                                  int(ok), "exact", within=ok, kind="spec"))
            if not args.quick:  # spec open question 4: prefix length
                for bits in BITS:
                    sens[(preset, bits)] = sweep(sim, hw, tr1024[model], model, bits, ns[::2])
        ex = npu[("pmpd_16k", 3)]
        rows.append(R.row("16K Vicuna-7B 3-bit: flat L_fp (ms) vs spec 6.3 (weights only; sim adds S=256 KV)",
                          EXAMPLE["flat_ms"], ex["latency"][1] * 1e3, "10%", rel=TOL_FLAT, kind="spec"))
        ex_in = ex["speedup"][min(ns, key=lambda n: abs(n - EXAMPLE["n_star"]))] >= PLATEAU * ex["best"]
        rows.append(R.row("16K Vicuna-7B 3-bit: spec's n* = 192 inside the simulated plateau (>= 0.98 max)",
                          EXAMPLE["n_star"], ex["n_star"], "plateau", within=ex_in, kind="spec"))
        exi = ex["ideal"]
        rows.append(R.row("16K Vicuna-7B 3-bit, ideal buffers: spec's n* = 192 inside the simulated plateau",
                          EXAMPLE["n_star"], exi["n_star"], "plateau",
                          within=exi["speedup"][min(ns, key=lambda n: abs(n - EXAMPLE["n_star"]))] >= PLATEAU * exi["best"],
                          kind="spec"))
        lo, hi = EXAMPLE["speedup"]
        rows.append(R.row("16K Vicuna-7B 3-bit: speedup at n* (x) vs spec 6.3 (2.5-2.65)", (lo + hi) / 2,
                          ex["best"], "10% of the range", within=lo * (1 - TOL_SPEEDUP) <= ex["best"] <= hi * (1 + TOL_SPEEDUP),
                          kind="spec"))
        # How much of the early rise is the SFU: the same 192-token step with a 4096-lane SFU.
        hw16 = str(R.REPO / "hw_configs" / "llm_npu" / "pmpd_16k.yaml")
        wide = dict(IDEAL, **{"sfu.lanes": 4096})
        ex["sfu_check"] = (step(sim, hw16, tr["vicuna-7b"], "vicuna-7b", 192, 3, IDEAL)[0] / ex["ideal"]["latency"][1],
                           step(sim, hw16, tr["vicuna-7b"], "vicuna-7b", 192, 3, wide)[0] /
                           step(sim, hw16, tr["vicuna-7b"], "vicuna-7b", 1, 3, wide)[0])
        gpu = a100(sim, tr, rows)
    plot(npu, gpu, ns, args.out_dir)
    md = render(rows, npu, sens, gpu, ns, vacuous)
    R.write(args.out_dir, "ppd", "PPD: hardware-aware tree size and speedup", rows,
            "Tree sizing on the 4K/16K NPU presets (S = 256, paper mode) and an A100-shaped GPU.", md)


def a100(sim, tr, rows):
    """Table 1 on the A100-shaped GPU: fit t0 once, then predict the PPD speedups."""
    hw = str(R.REPO / "hw_configs" / "llm_npu" / "h200.yaml")
    bare = {m: step(sim, hw, tr[m], m, 1, 16, A100)[0] for m in TABLE1}
    t0 = sum(TABLE1[m][0] - bare[m] for m in TABLE1) / len(TABLE1)  # least squares, one global t0
    fitted = dict(A100, step_overhead=f"{t0 * 1e9:.0f}ns")
    out = {"t0": t0, "models": {}}
    for m, (vanilla, budget, ppd_lat, speedup) in TABLE1.items():
        grid = sorted(set([1, budget] + REPO_SWEEP[m]))
        s = sweep(sim, hw, tr[m], m, 16, grid, fitted)
        sim_speed = s["speedup"][budget] * ACCEPT[m]["measured_tau"] / s["tau"][budget]  # Table 1's own tau
        out["models"][m] = dict(s, budget=budget, sim_speed=sim_speed)
        rows.append(R.row(f"A100 {m}: vanilla L_fp (s), t0 fitted once for all three", vanilla, s["latency"][1],
                          "10%", rel=TOL_FLAT, kind="calibration"))
        rows.append(R.row(f"A100 {m}: L_fp at the shipped budget {budget} (s)", ppd_lat, s["latency"][budget],
                          "10%", rel=TOL_FLAT, kind="paper"))
        rows.append(R.row(f"A100 {m}: PPD speedup at budget {budget} (x)", speedup, sim_speed, "10%", rel=TOL_SPEEDUP,
                          kind="paper"))
        rows.append(R.row(f"A100 {m}: shipped budget {budget} inside the plateau of the repo's sweep", budget,
                          s["n_star"], "plateau", within=s["speedup"][budget] >= PLATEAU * s["best"], kind="paper"))
    return out


def plot(npu, gpu, ns, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    for row, (preset, model, _) in enumerate(NPUS):
        ax_l, ax_s = axes[row][0], axes[row][1]
        for bits in BITS:
            s = npu[(preset, bits)]
            ax_l.plot(ns, [s["latency"][n] * 1e3 for n in ns], label=f"{bits}-bit")
            colour = ax_l.lines[-1].get_color()
            ax_l.plot(ns, [s["ideal"]["latency"][n] * 1e3 for n in ns], ls="--", lw=0.9, color=colour)
            ax_l.axvline(s["knee_formula"], ls=":", lw=0.8, color=colour)
            ax_s.plot(ns, [s["speedup"][n] for n in ns], label=f"{bits}-bit, n*={s['n_star']}", color=colour)
            ax_s.plot(ns, [s["ideal"]["speedup"][n] for n in ns], ls="--", lw=0.9, color=colour)
            ax_s.plot([s["n_star"]], [s["best"]], "k.")
        ax_l.set_title(f"{preset} {model}: L_fp(n), S=256 (dashed: ideal buffers; dotted: formula knee)",
                       fontsize=8)
        ax_l.set_xlabel("tree tokens n")
        ax_l.set_ylabel("ms per forward")
        ax_s.set_title(f"{preset}: Speedup(n) = tau(n) L(1) / L(n) (dashed: ideal buffers)", fontsize=9)
        ax_s.set_xlabel("tree tokens n")
        ax_l.legend(fontsize=7)
        ax_s.legend(fontsize=7)
    s0 = npu[(NPUS[0][0], 16)]
    axes[0][2].plot(ns, [s0["tau"][n] for n in ns])
    axes[0][2].set_title("tau(n): Vicuna-7B model curve x 1.07", fontsize=9)
    axes[0][2].set_xlabel("tree tokens n")
    ax = axes[1][2]
    for m, s in gpu["models"].items():
        grid = sorted(s["speedup"])
        ax.plot(grid, [s["speedup"][n] for n in grid], marker=".", label=f"{m} (shipped {s['budget']})")
        ax.plot([s["budget"]], [s["speedup"][s["budget"]]], "kx")
    ax.set_title(f"A100-like, fp16, t0 = {gpu['t0'] * 1e3:.1f} ms: Speedup(n)", fontsize=9)
    ax.set_xlabel("tree tokens n")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "ppd.png"), dpi=100)


def render(rows, npu, sens, gpu, ns, vacuous):
    sfu = npu[("pmpd_16k", 3)]["sfu_check"]
    capped = ", ".join(f"{p} {b}-bit" for (p, b), v in npu.items()
                       if v["spill_from"] and v["n_star"] < v["spill_from"] <= v["ideal"]["n_star"]) or "none"
    md = ["# PPD: hardware-aware tree size on the simulated hardware\n\n",
          "Regenerate: `/usr/bin/python3 scripts/reproduce/ppd.py` (about a minute). Spec: "
          "`shared/papers/ppd.md`; model and tree decoding: `docs/llm_npu.md`.\n\n",
          "Method (spec §6): every point is a simulated one-step generation (`gen_len: 1`) of the model's "
          "config.json export with `decoding.tree_size = n`, so L_fp(n) is the simulator's "
          "`time_per_decode_step_s`: one forward over n tree tokens at a KV prefix of S = 256, tree K/V on "
          "chip, weights streamed once per step. tau(n) is the spec's model curve (§3) times its calibration "
          "(`workloads/llm/ppd_acceptance.yaml`), interpolated in log n by the simulator "
          "(`expected_tokens_per_decode_step`); it is an input, not computed. Speedup(n) = tau(n) L_fp(1) / "
          "L_fp(n); n* is its argmax over n = 1, 8, 16, ... 512. NPU presets in paper mode (no lm_head "
          "or LUT traffic, DRAM at 100 %), as in pmpd.md.\n\n![PPD](ppd.png)\n\n",
          "## Optimal tree size per preset and precision\n\n"]
    lines = []
    for preset, model, _ in NPUS:
        for bits in BITS:
            s = npu[(preset, bits)]
            i = s["ideal"]
            row = [preset, model, f"{bits}", f"{s['latency'][1] * 1e3:.1f}", f"{s['spill_from'] or '-'}",
                   f"**{s['n_star']}**", f"{s['plateau'][0]}-{s['plateau'][1]}", f"{s['tau'][s['n_star']]:.2f}",
                   f"**{s['best']:.2f}x**", (f"{s['knee']:.0f}" if s["knee"] else f"> {ns[-1]}") + f" ({s['knee_formula']:.0f})",
                   f"{i['n_star']} ({i['best']:.2f}x)"]
            if sens:
                t = sens[(preset, bits)]
                row.append(f"{t['n_star']} ({t['best']:.2f}x)")
            lines.append(row)
    headers = ["preset", "model", "weight bits", "L_fp(1) ms", "spills from n", "n*", "plateau (>=0.98)",
               "tau(n*)", "speedup at n*", "knee, ideal buffers: sim (formula)", "ideal buffers: n* (speedup)"] + \
        (["S = 1024: n* (speedup)"] if sens else [])
    md.append(R.md_table(headers, lines))
    md.append("\nReading:\n\n"
              "- **Precision sets the knee.** With buffers large enough for any tree (the spec's roofline), "
              "L_fp(n) is flat until the MPE's work per weight tile equals its streaming time, at spec §6.2's "
              "n_knee = N_MAC (b/8) / (32 B/cycle): lower weight precision makes a step MAC-bound sooner, so "
              "the best tree shrinks with the bits. n* sits at or before the knee: tau grows only "
              "logarithmically while latency grows linearly.\n"
              "- **The SFU bends the curve before the knee.** Tree attention's softmax covers n (S + n) "
              "scores per head on the 64-lane SFU (spec A10), serialised with the attention's matrix work. "
              f"With ideal buffers a 192-token step on the 16K preset at 3 bits costs {sfu[0]:.3f}x a one-token "
              f"step; with a 4096-lane SFU, {sfu[1]:.3f}x. So n* stops short of the MAC knee.\n"
              "- **On-chip capacity caps the tree.** The presets keep a tree's activations on chip only while "
              "every matrix operator's inputs fit the activation buffer and its outputs the output buffer "
              "(Vicuna-7B's n x 11008 FFN activations on the 16K preset's 2 MiB: n <= 95). A larger tree runs "
              "like a prefill chunk, activations and its own K/V through DRAM: the 'spills from n' column. "
              f"Where n* sits just below that point ({capped}), capacity, not the MAC knee, sets the tree "
              "size: a larger activation buffer would buy a larger tree (the 'ideal buffers' column).\n\n")
    md.append(f"## A100-shaped GPU (Table 1)\n\nThe H200 preset rescaled to an A100-40GB (1555 GB/s, 312 TFLOPS "
              f"fp16, 1.41 GHz; DRAM efficiency and per-kernel overhead kept from the H200 calibration), and one "
              f"global per-forward overhead t0 = {gpu['t0'] * 1e3:.2f} ms fitted (least squares) to the three "
              f"vanilla latencies of Table 1 (spec §6.4 suggests 16-18 ms). The speedup uses Table 1's measured "
              f"tau at the shipped budget; the plateau check sweeps the repo's budget grid with the calibrated "
              f"model curve.\n\n")
    gl = [gpu_row(m, s) for m, s in gpu["models"].items()]
    md.append(R.md_table(["model", "L_fp(1) ms", "L_fp(budget) ms", "shipped budget", "speedup at budget",
                          "sim n* on the repo grid", "plateau", "spills from n"], gl))
    ok, total, worst = R.verdict_counts(rows)
    md.append(f"\n## Verdicts\n\n**{R.headline(rows)}** (speedup 10 %, L_fp 10 %, knee 15 % [A], "
              f"n* inside the >= 0.98 plateau, orderings exact). Largest paper miss: {worst['quantity']} "
              f"(paper {worst['paper']:.3g}, simulated {worst['simulated']:.3g}, ratio {worst['ratio']:.3f}).\n\n"
              "The paper rows are Table 1's A100 numbers predicted with the one fitted t0; the vanilla "
              "latencies t0 was fitted to are calibration rows; the NPU rows check the spec's own derivations "
              "(§6.2 knee formula, §6.3 worked example), which the paper does not publish.\n")
    if vacuous:
        md.append("\nLeft out as vacuous (a flat n* satisfies \"n* shrinks with the bits\" whatever the model "
                  "does): " + "; ".join(vacuous) + ".\n")
    md.append(R.kinds_table(rows))
    md.append("\n## Where the model and the paper differ\n\n" + miss_notes(rows, npu, gpu))
    return "".join(md)


def gpu_growth(q, gpu):
    """Why the simulated GPU's tree step grows differently from the measured one."""
    m = q.split()[1].rstrip(":")
    s = gpu["models"][m]
    grow = (s["latency"][s["budget"]] - s["latency"][1]) * 1e3
    meas = (TABLE1[m][2] - TABLE1[m][0]) * 1e3
    if grow < meas:
        why = (f"the simulated GPU streams the weights for {s['budget']} tokens as fast as for one (its MM "
               f"array is far below the knee), while real small-M GEMM kernels and the tree-masked attention "
               f"run below peak")
    elif s.get("spill_from") and s["spill_from"] <= s["budget"]:
        why = (f"the tree's logits ({s['budget']} x vocab fp16) exceed the preset's 16 MiB output buffer, so "
               f"the simulated step runs like a prefill chunk, every operator through HBM with its kernel "
               f"overhead, where the real kernels keep more in L2")
    else:
        why = "the simulated tree step does more work than the measured one"
    return (f"From n = 1 to {s['budget']} the simulated L_fp grows by {grow:.1f} ms, the measured one by "
            f"{meas:.1f} ms (Table 1): {why}.")


def miss_notes(rows, npu, gpu):
    notes = []
    for r in rows:
        if r["within"]:
            continue
        q = r["quantity"]
        if "knee" in q:
            notes.append(f"- {q}: {r['simulated']:.0f} against {r['paper']:.0f}. The formula counts only the "
                         f"linear layers' weights; the simulated step also streams the KV prefix and runs tree "
                         f"attention and its softmax, whose work grows with n.")
        elif "spec's n*" in q:
            s0 = npu[("pmpd_16k", 3)]
            s = s0["ideal"] if "ideal" in q else s0
            lat = s["latency"]
            n192 = min(lat, key=lambda n: abs(n - EXAMPLE["n_star"]))
            notes.append(f"- {q}: simulated n* = {r['simulated']:.0f}, plateau {s['plateau'][0]}-{s['plateau'][1]}. "
                         f"The spec's estimate takes L_fp flat up to n = 192; the simulated step costs "
                         f"{lat[n192] / lat[1]:.2f}x a one-token step at n = {n192}"
                         + (f", because the tree's activations spill from n = {s['spill_from']} on (the preset's "
                            f"activation/output buffers)" if s.get("spill_from") and s["spill_from"] <= 192 else "")
                         + f"; and the tree attention's softmax on the 64-lane SFU (spec A10; §6 ignores it) adds "
                         f"{(s0['sfu_check'][0] - s0['sfu_check'][1]) * 100:.1f} % at n = 192 with ideal buffers.")
        elif q.startswith("A100") and "speedup" in q:
            notes.append(f"- {q}: {r['simulated']:.2f}x against {r['paper']:.2f}x. " + gpu_growth(q, gpu))
        elif q.startswith("A100") and "L_fp" in q:
            notes.append(f"- {q}: one global t0 cannot match all three vanilla latencies; the measured "
                         f"overhead does not scale with the layer count the way per-kernel overhead does.")
        elif "plateau" in q:
            m = q.split()[1].rstrip(":")
            s = gpu["models"][m]
            notes.append(f"- {q}: simulated n* = {r['simulated']:.0f} (plateau {s['plateau'][0]}-"
                         f"{s['plateau'][1]}). " + gpu_growth(q, gpu))
        else:
            notes.append(f"- {q}: simulated {r['simulated']:.3g} against {r['paper']:.3g}.")
    return "\n".join(notes) + "\n" if notes else "None: every comparison is within its tolerance.\n"


if __name__ == "__main__":
    main()
