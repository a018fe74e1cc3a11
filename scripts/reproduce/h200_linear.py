#!/usr/bin/python3
"""Real-silicon check: the data-centre presets (hw_configs/llm_npu/h200.yaml, h200_floor.yaml)
against latencies measured on one NVIDIA H200 (/work/shared/data -> shared/data/h200_*.json).

1. Calibrate two global parameters, once, on the fp16 linear layers (every shape and token
   count): dram.efficiency (sustained fraction of HBM peak) and kernel_overhead (fixed cost per
   kernel), for each per-kernel cost form (kernel_cost, sim/exec/kernel_cost.h):
     - additive (h200.yaml, "before"): every kernel takes overhead + its stream time;
     - floor (h200_floor.yaml, "after"): every kernel takes max(overhead, its stream time), the
       launch/ramp floor the measurements show, hidden by long memory-bound kernels.
   Each fit minimises the mean squared log error over the same points.
2. Report the error per linear layer and token count for both forms, and where each layer stops
   being memory-bound (the knee) in the measurement and in the model.
3. With the same parameters (no refit), predict whole decode steps: one forward pass of
   n = 1..512 tokens at context 512, and of one token at contexts 128..4096; show where
   verifying a bigger token tree stops being nearly free.

Row kinds (docs/reproductions/PROTOCOL.md): the linear-layer points are what the two
parameters were fitted to, so they are `calibration` rows (in-sample); the decode steps are
predicted with the fitted values and compared with the measurement, `paper` rows (out of sample).
The JSON rows are those of ROWS_FORM (h200.yaml); the report shows both forms side by side.

    /usr/bin/python3 scripts/reproduce/h200_linear.py [--quick] [--out-dir DIR]
"""
import json
import math
from pathlib import Path

import _report as R

FORMS = ("additive", "floor")  # kernel_cost values: before, after
HW = {f: str(R.REPO / "hw_configs" / "llm_npu" / n) for f, n in zip(FORMS, ("h200.yaml", "h200_floor.yaml"))}
# The form whose rows make the JSON verdicts: the additive preset, which predicts the decode
# steps (out of sample) better; the report gives the floor preset's counts beside it.
ROWS_FORM = "additive"
DATA = next(p for p in [R.REPO.parent / "shared" / "data", R.REPO / "shared" / "data"] if p.exists())
# Shapes of the two models the decode measurements used (the data file's "shapes").
MODELS = {
    "vicuna7b": {"layers": 32, "hidden": 4096, "ffn": 11008, "heads": 32, "vocab": 32000},
    "mobilellama": {"layers": 24, "hidden": 2048, "ffn": 5632, "heads": 16, "vocab": 32000},
}
TOL_LAYER, TOL_STEP = 0.25, 0.15  # relative tolerance per point (see the report)


def linear_workload(m, k, n):
    return {"schema_version": 1, "name": f"linear-{m}x{k}x{n}", "models": [{
        "name": "linear", "precision": {"activation": 16, "weight": 16, "output": 16},
        "layers": [{"name": "linear", "op": "gemm", "m": m, "k": k, "n": n}]}]}


def step_workload(model, ctx, tokens):
    a = MODELS[model]
    return {"schema_version": 1, "name": f"{model}-step", "models": [{
        "name": model, "precision": {"activation": 16, "weight": 16, "output": 16, "kv": 16},
        "llm": dict(a, max_context=8192), "generation": {"prompt_len": ctx, "gen_len": 1},
        "schedule": {"type": "uniform", "bits": 16},
        # one forward pass over `tokens` tokens: a tree step accepting one token
        "decoding": {"tree_size": tokens, "sizes": [2], "tau": [1.0]}}]}


def simulate_linear(sim, form, point, eff, overhead_ns):
    r = sim.run(HW[form], linear_workload(point["tokens"], point["k"], point["n"]),
                {"dram.efficiency": eff, "kernel_overhead": f"{overhead_ns}ns"})
    return r["total_seconds"] * 1e6


def run_step(sim, form, point, eff, overhead_ns):
    return sim.run(HW[form], step_workload(point["model"], point["ctx"], point["tokens"]),
                   {"dram.efficiency": eff, "kernel_overhead": f"{overhead_ns}ns"})


def simulate_step(sim, form, point, eff, overhead_ns):
    return run_step(sim, form, point, eff, overhead_ns)["llm"]["decode_seconds"] * 1e6


def kernels_at_floor(sim, model, eff, overhead_ns):
    """(operators of a one-token decode step at context 512, those whose time is the floor)."""
    r = run_step(sim, "floor", {"model": model, "ctx": 512, "tokens": 1}, eff, overhead_ns)
    floor_cycles = round(overhead_ns * 1e-9 * r["total_cycles"] / r["total_seconds"])
    ops = [op for op in r["breakdown"]["layers"] if op["phase"] == "decode"]
    return sum(op["count"] for op in ops), sum(op["count"] for op in ops if op["cycles"] == floor_cycles * op["count"])


def msle(pred, meas):
    return sum(math.log(p / m) ** 2 for p, m in zip(pred, meas)) / len(meas)


def one_kernel(form, stream_us, overhead_us):
    """A lone kernel's time (sim/exec/kernel_cost.h kernel_duration) from its time with no fixed
    cost: exact for the floor form (the kernel starts at 0, tested in test_kernel_cost.cpp);
    for the additive form the overhead delays the first compute while later loads run ahead,
    so this is an upper bound the final simulation refines."""
    return stream_us + overhead_us if form == "additive" else max(stream_us, overhead_us)


def calibrate(sim, points, quick, ceiling):
    """Per form, (msle, efficiency, overhead ns): a grid over efficiency, up to `ceiling` (the
    measured copy bandwidth over the HBM peak: no kernel streams faster than a device copy);
    for each, the linear layers are simulated once with no fixed cost and the best overhead is
    found from one_kernel() without re-simulating."""
    effs = [e for e in (round(0.30 + 0.05 * i, 2) for i in range(0, 15)) if e <= ceiling]
    if quick:
        effs = effs[::4]
    meas = [p["us_median"] for p in points]
    streams = {}
    best = {f: None for f in FORMS}

    def scan(eff, forms):
        if eff not in streams:
            streams[eff] = [simulate_linear(sim, "additive", p, eff, 0) for p in points]
        for form in forms:
            for o in range(0, 30001, 50):
                err = msle([one_kernel(form, b, o / 1000) for b in streams[eff]], meas)
                if best[form] is None or err < best[form][0]:
                    best[form] = (err, eff, o)

    for eff in effs:
        scan(eff, FORMS)
    for form in FORMS:  # refine the efficiency around each form's best grid point
        eff0 = best[form][1]
        refine = [round(eff0 + d, 2) for d in (-0.02, -0.01, 0.01, 0.02)] if not quick else []
        for eff in [e for e in refine if 0.05 <= e <= ceiling]:
            scan(eff, [form])
    return best


def knee(tokens, times, factor=1.2):
    """First token count whose latency exceeds `factor` x the one-token latency."""
    for t, v in zip(tokens, times):
        if v > factor * times[0]:
            return t
    return None


def pct(pred, meas):
    return f"{100 * (pred / meas - 1):+.0f} %"


def mean_abs(pairs):
    return 100 * sum(abs(p / m - 1) for p, m in pairs) / len(pairs)


def main():
    args = R.parse_args(__doc__)
    sim = R.npusim()
    lin = json.loads((DATA / "h200_linear_layers.json").read_text())
    steps = json.loads((DATA / "h200_decode_steps.json").read_text())
    points = [p for p in lin["results"] if p["dtype"] == "fp16"]
    if args.quick:
        points = [p for p in points if p["tokens"] in (1, 64, 512)]
    peak = 4.8e12  # bytes/s: the preset's 16 channels x 300 GB/s
    ceiling = lin["copy_GBps"] * 1e9 / peak
    fit = calibrate(sim, points, args.quick, ceiling)
    sp = [dict(p) for p in steps["results"]]
    if args.quick:
        sp = [p for p in sp if p["tokens"] in (1, 64, 512) and p["ctx"] in (512, 4096)]
    for form in FORMS:
        _, eff, overhead = fit[form]
        for p in points:
            p[form] = simulate_linear(sim, form, p, eff, overhead)
        for p in sp:
            p[form] = simulate_step(sim, form, p, eff, overhead)
    rows = {f: [] for f in FORMS}  # verdict rows per form; the JSON takes ROWS_FORM's
    shapes = sorted({(p["model"], p["layer"], p["k"], p["n"]) for p in points})

    def of_shape(shape):
        return sorted((p for p in points if (p["model"], p["layer"], p["k"], p["n"]) == shape),
                      key=lambda p: p["tokens"])

    for model, layer, k, n in shapes:
        for p in of_shape((model, layer, k, n)):
            for form in FORMS:
                rows[form].append(R.row(f"{model} {layer} {k}x{n}, {p['tokens']} tokens (us)", p["us_median"],
                                        p[form], f"{int(100 * TOL_LAYER)}%", rel=TOL_LAYER, kind="calibration"))
    for p in sorted(sp, key=lambda p: (p["model"], p["ctx"], p["tokens"])):
        for form in FORMS:
            rows[form].append(R.row(f"{p['model']} step, ctx {p['ctx']}, {p['tokens']} tokens (us)", p["us_median"],
                                    p[form], f"{int(100 * TOL_STEP)}%", rel=TOL_STEP, kind="paper"))

    def within(form, kind):
        ok, total, _ = R.verdict_counts(rows[form], kind)
        return f"{ok}/{total}"

    md = ["# Real-silicon check: the H200-shaped presets against measured latencies\n\n"]
    md.append(f"Presets `hw_configs/llm_npu/h200.yaml` (additive per-kernel cost) and `h200_floor.yaml` "
              f"(floor); measurements `shared/data/h200_*.json` ({lin['device']}, torch {lin['torch']}). "
              f"Regenerate with `/usr/bin/python3 scripts/reproduce/h200_linear.py`.\n\n")
    # Why a floor: the fastest kernel of each shape against the bytes it reads.
    md.append("## Per-kernel time: what the linear layers show\n\n"
              "The fastest measured call of each linear layer (over all token counts) against its weight "
              "bytes and the time those bytes take at the measured device copy rate "
              f"({lin['copy_GBps'] / 1000:.2f} TB/s):\n\n")
    fl = []
    for shape in sorted(shapes, key=lambda s: s[2] * s[3]):
        ps = of_shape(shape)
        fastest = min(ps, key=lambda p: p["us_median"])
        mb = 2 * shape[2] * shape[3] / 1e6
        fl.append([f"{shape[0]} {shape[1]} ({shape[2]}x{shape[3]})", f"{mb:.1f}", f"{fastest['us_median']:.1f}",
                   fastest["tokens"], f"{mb * 1e6 / (lin['copy_GBps'] * 1e9) * 1e6:.1f}"])
    md.append(R.md_table(["layer", "weights MB", "fastest us", "at tokens", "at copy rate us"], fl))
    by_bytes = sorted((2 * s[2] * s[3] / 1e6, min(p["us_median"] for p in of_shape(s))) for s in shapes)
    near = [b for b in by_bytes if b[1] <= 1.1 * min(t for _, t in by_bytes)]
    md.append(f"\nThe {near[0][0]:.1f} MB and {near[-1][0]:.1f} MB layers' fastest calls take {near[0][1]:.1f} and "
              f"{near[-1][1]:.1f} us: {near[-1][0] / near[0][0]:.0f}x the bytes in "
              f"{100 * (near[-1][1] / near[0][1] - 1):.0f} % more time, while the fastest {by_bytes[-1][0]:.1f} MB "
              f"call takes {min(t for b, t in by_bytes if b == by_bytes[-1][0]):.1f} us, "
              f"{by_bytes[-1][0] / lin['copy_GBps'] * 1e3:.1f} us at the copy rate. Below a floor a kernel's time "
              "does not follow its bytes, and above it the floor is hidden (launch, ramp-up and tail overlap "
              "the stream). A fixed cost added to every "
              "kernel (`kernel_cost: additive`) charges the long kernels for it too; the floor form "
              "(`kernel_cost: floor`, sim/exec/kernel_cost.h) gives each kernel max(floor, its stream "
              "time), measured from the end of the previous kernel.\n\n")
    md.append("## Calibration (two global parameters per form, fitted once)\n\n")
    md.append(f"Fitted on the {len(points)} fp16 linear-layer points (the `calibration` rows), minimising "
              f"the mean squared log error; the efficiency is searched up to {ceiling:.2f}, the measured device "
              f"copy rate over the 4.8 TB/s peak. Nothing else was tuned; the decode steps (the `paper` rows, "
              f"out of sample) use these values unchanged.\n\n")
    cl = []
    for form in FORMS:
        err, eff, overhead = fit[form]
        lin_pairs = [(p[form], p["us_median"]) for p in points]
        step_pairs = [(p[form], p["us_median"]) for p in sp]
        cl.append([f"`{form}` ({Path(HW[form]).name})", f"{eff:.2f} ({eff * 4.8:.2f} TB/s)", f"{overhead / 1000:.2f} us",
                   f"{err:.4f}", within(form, "calibration"), f"{mean_abs(lin_pairs):.1f} %",
                   within(form, "paper"), f"{mean_abs(step_pairs):.1f} %"])
    md.append(R.md_table(["kernel_cost", "dram.efficiency", "kernel_overhead", "fit MSLE",
                          f"linear points within {int(100 * TOL_LAYER)} % (in-sample)", "linear mean abs error",
                          f"decode steps within {int(100 * TOL_STEP)} % (out of sample)", "decode mean abs error"], cl))
    md.append("\n## Linear layers (y = x W^T, fp16), in-sample\n\n")
    ll = []
    for shape in shapes:
        for p in of_shape(shape):
            ll.append([f"{shape[0]} {shape[1]} ({shape[2]}x{shape[3]})", p["tokens"], f"{p['us_median']:.1f}"] +
                      [c for f in FORMS for c in (f"{p[f]:.1f}", pct(p[f], p["us_median"]))])
    md.append(R.md_table(["layer", "tokens", "measured us", "additive us", "error", "floor us", "error"], ll))
    md.append(f"\nOver all {len(points)} points: " + "; ".join(
        f"{form} mean absolute error {mean_abs([(p[form], p['us_median']) for p in points]):.1f} %, largest "
        f"{100 * max(abs(p[form] / p['us_median'] - 1) for p in points):.0f} %" for form in FORMS) + ".\n\n")
    md.append("### Knee: where a layer stops being memory-bound\n\n"
              "Token count at which the latency first exceeds 1.2 x its one-token latency.\n\n")
    kl = []
    for shape in shapes:
        ps = of_shape(shape)
        toks = [p["tokens"] for p in ps]
        kl.append([f"{shape[0]} {shape[1]}"] + [knee(toks, v) or f"none up to {toks[-1]}" for v in
                  [[p["us_median"] for p in ps]] + [[p[f] for p in ps] for f in FORMS]])
    md.append(R.md_table(["layer", "measured knee (tokens)", "additive", "floor"], kl))
    md.append("\n## Whole decode steps (one forward pass, fp16, CUDA-graph replay), out of sample\n\n")
    sl = []
    for p in sorted(sp, key=lambda p: (p["model"], p["ctx"], p["tokens"])):
        sl.append([p["model"], p["ctx"], p["tokens"], f"{p['us_median'] / 1000:.2f}"] +
                  [c for f in FORMS for c in (f"{p[f] / 1000:.2f}", pct(p[f], p["us_median"]))])
    md.append(R.md_table(["model", "context", "tokens", "measured ms", "additive ms", "error", "floor ms", "error"], sl))
    md.append("\n### Where verifying a bigger token tree stops being nearly free\n\n"
              "Largest tree (token count, at context 512) whose forward pass costs at most 10 % more "
              "than one token's:\n\n")
    fr = []
    for model in MODELS:
        ps = sorted((p for p in sp if p["model"] == model and p["ctx"] == 512), key=lambda p: p["tokens"])
        if not ps or ps[0]["tokens"] != 1:
            continue

        def free(vals):
            return max(p["tokens"] for p, v in zip(ps, vals) if v <= 1.1 * vals[0])
        fr.append([model, free([p["us_median"] for p in ps])] + [free([p[f] for p in ps]) for f in FORMS])
    md.append(R.md_table(["model", "measured", "additive", "floor"], fr))
    md.append("\nReading: below the knee a step streams the same weights whatever the token count, so "
              "extra tree tokens ride along; beyond it the MAC array sets the time.\n")
    at_floor = {m: kernels_at_floor(sim, m, fit["floor"][1], fit["floor"][2]) for m in MODELS}
    md.append(effect_section(fit, points, sp, rows, within, at_floor))
    md.append("\n## Where the model misses, and why\n\n")
    for model in MODELS:
        def at(key, ctx, tokens):
            return next((p[key] for p in sp if p["model"] == model and p["ctx"] == ctx and p["tokens"] == tokens), None)
        vals = {key: (at(key, 512, 1), at(key, 4096, 1), at(key, 512, 512)) for key in ("us_median",) + FORMS}
        if any(None in v for v in vals.values()):
            continue
        md.append(f"- {model}: going from context 512 to 4096 adds " + ", ".join(
            f"{(v[1] - v[0]) / 1000:.2f} ms {'measured' if key == 'us_median' else key}" for key, v in vals.items()) +
            "; 512 tokens instead of 1 add " + ", ".join(
            f"{(v[2] - v[0]) / 1000:.2f} ms {'measured' if key == 'us_median' else key}" for key, v in vals.items()) +
            ".\n")
    md.append("\nThe measured forward passes compute attention in fp32 math over the fp16 cache (the "
              "data's own description): unfused, the cache is converted to fp32 and the scores are "
              "written and read back, several bytes moved per cached byte, while the simulated NPU "
              "fuses attention and reads the cache once. That is the likely cause of the context and "
              "token-count slopes the model underestimates, and of the smaller 'nearly free' tree; "
              "GPU kernels also reach a lower fraction of peak at large token counts than the "
              "preset's ideal MM array. Per-layer errors follow cuBLAS's kernel choice per shape "
              "(e.g. mobilellama down and gate_up move the same bytes but differ by 2x at one "
              "token), which one streaming model with two global parameters cannot follow.\n")
    import yaml
    for form in FORMS:
        _, eff, overhead = fit[form]
        preset = yaml.safe_load(open(HW[form]))
        if (abs(preset["dram"]["efficiency"] - eff) > 1e-9 or preset["kernel_overhead"] != f"{overhead}ns"
                or preset.get("kernel_cost", "additive") != form):
            print(f"note: {HW[form]} holds efficiency {preset['dram']['efficiency']}, overhead "
                  f"{preset['kernel_overhead']}, kernel_cost {preset.get('kernel_cost', 'additive')}; this fit "
                  f"gives {eff} and {overhead}ns")
    _, eff, overhead = fit[ROWS_FORM]
    other = next(f for f in FORMS if f != ROWS_FORM)
    notes = (f"Verdict rows: {Path(HW[ROWS_FORM]).name} (kernel_cost {ROWS_FORM}), dram.efficiency={eff:.2f}, "
             f"kernel_overhead={overhead}ns fitted on fp16 linear layers; the {other} form "
             f"({Path(HW[other]).name}, efficiency {fit[other][1]:.2f}, overhead {fit[other][2]}ns, fitted the same "
             f"way) gives paper rows {within(other, 'paper')}, calibration rows {within(other, 'calibration')}. "
             f"Tolerances {int(100 * TOL_LAYER)}% per layer point, {int(100 * TOL_STEP)}% per decode step. "
             "w4a16 points (tinygemm) are not modelled: its kernel is not a bit-plane streamer.")
    md.append(f"\n## Verdicts ({Path(HW[ROWS_FORM]).name}, kernel_cost {ROWS_FORM})\n\n**{R.headline(rows[ROWS_FORM])}**. "
              f"The paper rows are the whole decode steps, predicted out of sample with the fitted parameters; the "
              f"calibration rows are the linear-layer points those parameters were fitted to (in-sample), so they "
              f"show the fit's residuals, not a prediction. The verdict rows stay with "
              f"{Path(HW[ROWS_FORM]).name}, as before the floor form existed (ppd.py uses that preset too). "
              f"With the {other} form ({Path(HW[other]).name}): "
              f"{R.headline(rows[other])}.\n")
    md.append(R.kinds_table(rows[ROWS_FORM]))
    md.append(f"\n## Notes\n\n{notes}\n")
    R.write(args.out_dir, "h200_linear", "Real-silicon check: H200 linear layers and decode steps", rows[ROWS_FORM],
            notes, "".join(md))


def effect_section(fit, points, sp, rows, within, at_floor):
    """Before (additive) and after (floor): counts in tolerance, why, and the rows that changed verdict."""
    out = ["\n## Effect of the floor form (before: additive, after: floor)\n\n"]
    (e_a, eff_a, o_a), (e_f, eff_f, o_f) = fit["additive"], fit["floor"]
    small = [p for p in points if p["tokens"] <= 64 and p["k"] * p["n"] < max(q["k"] * q["n"] for q in points)]
    slow = max(small, key=lambda p: p["us_median"])
    fastest = min(p["us_median"] for p in points)
    one = {m: next((p for p in sp if p["model"] == m and p["ctx"] == 512 and p["tokens"] == 1), None) for m in MODELS}
    mean = {f: {k: mean_abs([(p[f], p["us_median"]) for p in ps]) for k, ps in (("lin", points), ("step", sp))}
            for f in FORMS}
    out.append(
        f"In sample the floor fits the linear layers {'better' if e_f < e_a else 'no better'} by the fitted measure "
        f"(MSLE {e_f:.4f} against {e_a:.4f}; mean absolute error {mean['floor']['lin']:.1f} % against "
        f"{mean['additive']['lin']:.1f} %), "
        f"with a floor of {o_f / 1000:.2f} us and efficiency {eff_f:.2f}, against an added {o_a / 1000:.2f} us at "
        f"{eff_a:.2f}: the slowest small kernel ({slow['model']} {slow['layer']}, {slow['us_median']:.1f} us at "
        f"{slow['tokens']} token{'s' if slow['tokens'] > 1 else ''} for {2 * slow['k'] * slow['n'] / 1e6:.1f} MB) and its like pull the floor above "
        f"the {fastest:.1f} us of the fastest call, and the large kernels, no longer charged an added cost, need a "
        f"lower streaming efficiency. Out of sample it predicts the decode steps "
        f"{'worse' if mean['floor']['step'] > mean['additive']['step'] else 'better'} (mean absolute error "
        f"{mean['floor']['step']:.1f} % against {mean['additive']['step']:.1f} %): ")
    out.append("; ".join(
        f"a one-token {m} step at context 512 has {n} operators, {k} of them at the floor, so the floors alone "
        f"come to {k * o_f / 1e6:.2f} ms against a measured step of {one[m]['us_median'] / 1000:.2f} ms"
        for m, (n, k) in at_floor.items() if one[m]) +
        ". The floor seen by eager, back-to-back calls of one linear layer is not paid by every kernel of a "
        "CUDA-graph replay (likely because a replay has no host launch per kernel), and the model's operators are not the GPU's kernels "
        "(the measured steps run more, smaller kernels: unfused fp32 attention, norms), so one per-kernel constant "
        "fitted on isolated layers cannot carry over; the additive constant predicts the decode steps better, "
        "but as an average gap per simulated operator, not as a mechanism.\n\n")
    out.append(R.md_table(
        ["set", "rows", "within, additive", "within, floor", "mean abs error, additive", "mean abs error, floor"],
        [[label, len(ps), within("additive", kind), within("floor", kind)] +
         [f"{mean_abs([(p[f], p['us_median']) for p in ps]):.1f} %" for f in FORMS]
         for label, kind, ps in (("linear layers (calibration, in-sample)", "calibration", points),
                                 ("decode steps (paper, out of sample)", "paper", sp))]))
    changed = [(a, b) for a, b in zip(rows["additive"], rows["floor"]) if a["within"] != b["within"]]
    if changed:
        out.append("\nRows whose verdict changes:\n\n")
        out.append(R.md_table(["quantity", "kind", "additive ratio", "floor ratio", "verdict"],
                              [[a["quantity"], a["kind"], f"{a['ratio']:.3f}", f"{b['ratio']:.3f}",
                                "now within" if b["within"] else "now outside"] for a, b in changed]))
    return "".join(out)


if __name__ == "__main__":
    main()
