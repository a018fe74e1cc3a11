#!/usr/bin/python3
"""Real-silicon check: the data-centre preset (hw_configs/llm_npu/h200.yaml) against latencies
measured on one NVIDIA H200 (/work/shared/data -> shared/data/h200_*.json).

1. Calibrate two global parameters, once, on the fp16 linear layers (every shape and token
   count): dram.efficiency (sustained fraction of HBM peak) and kernel_overhead (fixed cost per
   kernel). The fit minimises the mean squared log error.
2. Report the error per linear layer and token count, and where each layer stops being
   memory-bound (the knee) in the measurement and in the model.
3. With the same parameters (no refit), predict whole decode steps: one forward pass of
   n = 1..512 tokens at context 512, and of one token at contexts 128..4096; show where
   verifying a bigger token tree stops being nearly free.

Row kinds (docs/reproductions/PROTOCOL.md): the linear-layer points are what the two
parameters were fitted to, so they are `calibration` rows (in-sample); the decode steps are
predicted with the fitted values and compared with the measurement, `paper` rows (out of sample).

    /usr/bin/python3 scripts/reproduce/h200_linear.py [--quick] [--out-dir DIR]
"""
import json
import math

import _report as R

HW = str(R.REPO / "hw_configs" / "llm_npu" / "h200.yaml")
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


def simulate_linear(sim, point, eff, overhead_ns):
    r = sim.run(HW, linear_workload(point["tokens"], point["k"], point["n"]),
                {"dram.efficiency": eff, "kernel_overhead": f"{overhead_ns}ns"})
    return r["total_seconds"] * 1e6


def simulate_step(sim, point, eff, overhead_ns):
    r = sim.run(HW, step_workload(point["model"], point["ctx"], point["tokens"]),
                {"dram.efficiency": eff, "kernel_overhead": f"{overhead_ns}ns"})
    return r["llm"]["decode_seconds"] * 1e6


def msle(pred, meas):
    return sum(math.log(p / m) ** 2 for p, m in zip(pred, meas)) / len(meas)


def calibrate(sim, points, quick, ceiling):
    """Grid over efficiency, up to `ceiling` (the measured copy bandwidth over the HBM peak: no
    kernel streams faster than a device copy); for each, the overhead is a constant added to
    every kernel, so its best value is found without re-simulating (time = time at zero
    overhead + overhead)."""
    effs = [e for e in (round(0.30 + 0.05 * i, 2) for i in range(0, 15)) if e <= ceiling]
    if quick:
        effs = effs[::4]
    meas = [p["us_median"] for p in points]
    best = None
    for eff in effs:
        base = [simulate_linear(sim, p, eff, 0) for p in points]
        for o in range(0, 20001, 50):
            err = msle([b + o / 1000 for b in base], meas)
            if best is None or err < best[0]:
                best = (err, eff, o)
    # Refine the efficiency around the best grid point.
    _, eff0, _ = best
    refine = [round(eff0 + d, 2) for d in (-0.02, -0.01, 0.01, 0.02)] if not quick else []
    for eff in [e for e in refine if 0.05 <= e <= ceiling]:
        base = [simulate_linear(sim, p, eff, 0) for p in points]
        for o in range(0, 20001, 50):
            err = msle([b + o / 1000 for b in base], meas)
            if err < best[0]:
                best = (err, eff, o)
    return best[1], best[2]


def knee(tokens, times, factor=1.2):
    """First token count whose latency exceeds `factor` x the one-token latency."""
    for t, v in zip(tokens, times):
        if v > factor * times[0]:
            return t
    return None


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
    eff, overhead = calibrate(sim, points, args.quick, ceiling)
    for p in points:
        p["pred"] = simulate_linear(sim, p, eff, overhead)
    rows, md = [], []
    md.append("# Real-silicon check: the H200-shaped preset against measured latencies\n\n")
    md.append(f"Preset `hw_configs/llm_npu/h200.yaml`; measurements `shared/data/h200_*.json` "
              f"({lin['device']}, torch {lin['torch']}). Regenerate with "
              f"`/usr/bin/python3 scripts/reproduce/h200_linear.py`.\n\n")
    md.append("## Calibration (two global parameters, fitted once)\n\n")
    md.append(f"Fitted on the {len(points)} fp16 linear-layer points, minimising the mean squared "
              f"log error: **dram.efficiency = {eff:.2f}** (HBM sustained at {eff * 4.8:.2f} TB/s of "
              f"4.8; searched up to {ceiling:.2f}, the measured device copy rate "
              f"{lin['copy_GBps'] / 1000:.2f} TB/s) and **kernel_overhead = {overhead / 1000:.2f} us** per "
              f"kernel. Nothing else was tuned; the decode steps below use these values unchanged.\n\n")
    md.append("## Linear layers (y = x W^T, fp16)\n\n")
    lines = []
    shapes = sorted({(p["model"], p["layer"], p["k"], p["n"]) for p in points})
    for model, layer, k, n in shapes:
        ps = sorted((p for p in points if (p["model"], p["layer"], p["k"], p["n"]) == (model, layer, k, n)),
                    key=lambda p: p["tokens"])
        for p in ps:
            err = p["pred"] / p["us_median"] - 1
            lines.append([f"{model} {layer} ({k}x{n})", p["tokens"], f"{p['us_median']:.1f}",
                          f"{p['pred']:.1f}", f"{100 * err:+.0f} %"])
            rows.append(R.row(f"{model} {layer} {k}x{n}, {p['tokens']} tokens (us)", p["us_median"],
                              p["pred"], f"{int(100 * TOL_LAYER)}%", rel=TOL_LAYER, kind="calibration"))
    md.append(R.md_table(["layer", "tokens", "measured us", "simulated us", "error"], lines))
    errs = [abs(p["pred"] / p["us_median"] - 1) for p in points]
    md.append(f"\nOver all {len(points)} points: mean absolute error {100 * sum(errs) / len(errs):.1f} %, "
              f"largest {100 * max(errs):.0f} %.\n\n")
    md.append("### Knee: where a layer stops being memory-bound\n\n"
              "Token count at which the latency first exceeds 1.2 x its one-token latency.\n\n")
    kl = []
    for model, layer, k, n in shapes:
        ps = sorted((p for p in points if (p["model"], p["layer"], p["k"], p["n"]) == (model, layer, k, n)),
                    key=lambda p: p["tokens"])
        toks = [p["tokens"] for p in ps]
        kl.append([f"{model} {layer}", knee(toks, [p["us_median"] for p in ps]), knee(toks, [p["pred"] for p in ps])])
    md.append(R.md_table(["layer", "measured knee (tokens)", "simulated knee (tokens)"], kl))
    # Decode steps, same parameters.
    sp = [dict(p) for p in steps["results"]]
    if args.quick:
        sp = [p for p in sp if p["tokens"] in (1, 64, 512) and p["ctx"] in (512, 4096)]
    for p in sp:
        p["pred"] = simulate_step(sim, p, eff, overhead)
    md.append("\n## Whole decode steps (one forward pass, fp16, CUDA-graph replay)\n\n")
    sl = []
    for p in sorted(sp, key=lambda p: (p["model"], p["ctx"], p["tokens"])):
        err = p["pred"] / p["us_median"] - 1
        sl.append([p["model"], p["ctx"], p["tokens"], f"{p['us_median'] / 1000:.2f}", f"{p['pred'] / 1000:.2f}",
                   f"{100 * err:+.0f} %"])
        rows.append(R.row(f"{p['model']} step, ctx {p['ctx']}, {p['tokens']} tokens (us)", p["us_median"],
                          p["pred"], f"{int(100 * TOL_STEP)}%", rel=TOL_STEP, kind="paper"))
    md.append(R.md_table(["model", "context", "tokens", "measured ms", "simulated ms", "error"], sl))
    md.append("\n### Where verifying a bigger token tree stops being nearly free\n\n"
              "Largest tree (token count, at context 512) whose forward pass costs at most 10 % more "
              "than one token's:\n\n")
    fl = []
    for model in MODELS:
        ps = sorted((p for p in sp if p["model"] == model and p["ctx"] == 512), key=lambda p: p["tokens"])
        if not ps or ps[0]["tokens"] != 1:
            continue
        def free(vals):
            return max(p["tokens"] for p, v in zip(ps, vals) if v <= 1.1 * vals[0])
        fl.append([model, free([p["us_median"] for p in ps]), free([p["pred"] for p in ps])])
    md.append(R.md_table(["model", "measured", "simulated"], fl))
    md.append("\nReading: below the knee a step streams the same weights whatever the token count, so "
              "extra tree tokens ride along; beyond it the MAC array sets the time.\n")
    md.append("\n## Where the model misses, and why\n\n")
    for model in MODELS:
        def at(vals_key, ctx, tokens):
            return next((p[vals_key] for p in sp if p["model"] == model and p["ctx"] == ctx and p["tokens"] == tokens), None)
        m512, m4096 = at("us_median", 512, 1), at("us_median", 4096, 1)
        s512, s4096 = at("pred", 512, 1), at("pred", 4096, 1)
        t1, t512 = at("us_median", 512, 1), at("us_median", 512, 512)
        u1, u512 = at("pred", 512, 1), at("pred", 512, 512)
        if None in (m512, m4096, s512, s4096, t1, t512, u1, u512):
            continue
        md.append(f"- {model}: going from context 512 to 4096 adds {(m4096 - m512) / 1000:.2f} ms measured and "
                  f"{(s4096 - s512) / 1000:.2f} ms simulated; 512 tokens instead of 1 add "
                  f"{(t512 - t1) / 1000:.2f} ms measured and {(u512 - u1) / 1000:.2f} ms simulated.\n")
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
    preset = yaml.safe_load(open(HW))
    if abs(preset["dram"]["efficiency"] - eff) > 1e-9 or preset["kernel_overhead"] != f"{overhead}ns":
        print(f"note: the preset holds efficiency {preset['dram']['efficiency']} and overhead "
              f"{preset['kernel_overhead']}; this fit gives {eff} and {overhead}ns")
    notes = (f"dram.efficiency={eff:.2f}, kernel_overhead={overhead}ns fitted on fp16 linear layers; "
             f"tolerances {int(100 * TOL_LAYER)}% per layer point, {int(100 * TOL_STEP)}% per decode step. "
             "w4a16 points (tinygemm) are not modelled: its kernel is not a bit-plane streamer.")
    md.append(f"\n## Verdicts\n\n**{R.headline(rows)}**. The paper rows are the whole decode steps, "
              f"predicted out of sample with the fitted parameters; the calibration rows are the linear-layer "
              f"points those parameters were fitted to (in-sample), so they show the fit's residuals, not "
              f"a prediction.\n")
    md.append(R.kinds_table(rows))
    md.append(f"\n## Notes\n\n{notes}\n")
    R.write(args.out_dir, "h200_linear", "Real-silicon check: H200 linear layers and decode steps", rows, notes,
            "".join(md))


if __name__ == "__main__":
    main()
