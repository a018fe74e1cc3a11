#!/usr/bin/python3
"""unzipFPGA's design-space exploration (spec ../shared/papers/unzipfpga.md §3, §8): exhaustive
enumeration of <M, T_R, T_P, T_C> on the closed-form performance model (Eq. 5-8, summed over
each layer's row and column tiles, §8.2-8.4) under the device's DSP, on-chip RAM and LUT
budgets, input selection kept only where it gains >= 5 %, then re-simulation of the top-k
points on the SystemC model (models/cnn_engine) through npusim.run. Also the hardware-aware
rho tuner (§3 steps 2-3). The closed form here is an independent re-implementation of
models/cnn_engine/cnn_timing.h; the re-simulation checks the two against each other.

  /usr/bin/python3 scripts/studies/unzipfpga_dse.py --hw hw_configs/cnn_engine/zc706_unzip_4x.yaml \\
      --workload workloads/cnn_engine/resnet18_ovsf50.yaml [--top 10] [--dsp-cap 0.89]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import yaml

WORD_BYTES = 2  # 16-bit words


def basis_count(rho, code_length=16):
    """n_b = round(16 rho) (half away from zero), capped at 16, at least 1 (§8.6)."""
    return int(min(code_length, max(1, np.floor(rho * code_length + 0.5))))


def layers_of(workload_path, ratios=None, dense="stream"):
    """The GEMM layers of a trace's first model: dicts of name, R, P, C, K, n_b (0: weights
    streamed). `ratios` ({name: rho}) replaces the trace's `ovsf.ratios`; dense="passthrough"
    sends layers without a ratio whose K^2 fits the 16-bit code through the generator with
    n_b = K^2 (the engine's `dense_layers: passthrough`)."""
    with open(workload_path) as f:
        doc = yaml.safe_load(f)
    model = doc["models"][0]
    given = (model.get("ovsf") or {}).get("ratios") or {}
    ratios = given if ratios is None else ratios
    out = []
    for op in model["layers"]:
        kind = op["op"]
        if kind == "conv2d":
            k, s, p = op["kernel_h"], op.get("stride", 1), op.get("padding", 0)
            oh = (op["in_h"] + 2 * p - k) // s + 1  # torchvision floor (§8.1)
            ow = (op["in_w"] + 2 * p - k) // s + 1
            shape = (op.get("batch", 1) * oh * ow, op["in_channels"] * k * k, op["out_channels"])
        elif kind in ("gemm", "gemv"):
            k = 1
            shape = (1 if kind == "gemv" else op.get("m", 1), op["k"], op["n"])
        else:
            continue  # pooling, adds, activations: fused into the output stage
        rho = ratios.get(op["name"])
        n_b = basis_count(rho) if rho is not None else (k * k if dense == "passthrough" and k * k <= 16 else 0)
        out.append({"name": op["name"], "R": shape[0], "P": shape[1], "C": shape[2], "K": k, "n_b": n_b})
    return out


def gop_of(workload_path):
    with open(workload_path) as f:
        model = yaml.safe_load(f)["models"][0]
    return (model.get("ovsf") or {}).get("gop")


def _ceil(a, b):
    return -((-a) // b)


def tile_terms(layer, d, rows, cols, bw_in, bw_out, generate=True):
    """Eq. 5-8 terms of one output tile, vectorised over designs d (dict of int arrays)."""
    P, n_b = layer["P"], layer["n_b"] if generate else 0
    ptiles = _ceil(P, d["T_P"])
    in_words = rows * P + (P * cols if n_b == 0 else 0)
    t_in = in_words * WORD_BYTES / bw_in
    t_wgen = n_b * _ceil(d["T_P"] * d["T_C"], d["M"]) * ptiles if n_b else np.zeros_like(ptiles)
    idle = d["T_C"] - cols
    helped = np.maximum(1, idle + _ceil(rows * cols - idle * (cols + 1), d["T_C"]))
    eng_pt = np.where(d["sel"] & (cols < d["T_C"]), np.minimum(rows, helped), rows)
    t_eng = eng_pt * ptiles
    t_out = rows * cols * WORD_BYTES / bw_out
    return t_in, t_wgen, t_eng, t_out


def layer_cycles(layer, d, bw_in, bw_out, generate=True, labels=False):
    """Sum of Eq. 8 over the layer's tiles (§8.2); with labels, also the first tile's bound."""
    R, C = layer["R"], layer["C"]
    full_r, rem_r = R // d["T_R"], R % d["T_R"]
    full_c, rem_c = C // d["T_C"], C % d["T_C"]
    total = np.zeros(np.shape(d["T_R"]), dtype=float)
    combos = []
    for rows, nr in ((d["T_R"], full_r), (rem_r, (rem_r > 0).astype(int))):
        for cols, nc in ((d["T_C"], full_c), (rem_c, (rem_c > 0).astype(int))):
            terms = [np.asarray(t, dtype=float) * np.ones_like(total)
                     for t in tile_terms(layer, d, rows, cols, bw_in, bw_out, generate)]
            total += np.maximum.reduce(terms) * nr * nc
            combos.append((terms, nr * nc))
    if not labels:
        return total
    # The label is the first tile's (§8.2): the first combination with tiles, in loop order;
    # ties go to the first of IFM, W, C, OFM as in cnn_timing.h.
    names = np.array(["IFM", "W", "C", "OFM"])
    label = np.full(total.shape, "", dtype=object)
    for terms, count in reversed(combos):
        lab = names[np.argmax(np.stack(terms), axis=0)]
        label = np.where(count > 0, lab, label)
    return total, label


def fill_drain(layer, d, bw_in, bw_out, generate=True):
    """What Eq. 8 leaves out and the simulation pays once per layer (layers run one after
    another): the first P-tile's load before any compute, and the last output tile's store after
    it (its rows left x its columns left)."""
    R, C, P = layer["R"], layer["C"], layer["P"]
    rows0 = np.minimum(d["T_R"], R)
    depth = np.minimum(d["T_P"], P)
    first = rows0 * depth + (depth * np.minimum(d["T_C"], C) if (layer["n_b"] == 0 or not generate) else 0)
    last_rows = np.where(R % d["T_R"] > 0, R % d["T_R"], np.minimum(d["T_R"], R))
    last_cols = np.where(C % d["T_C"] > 0, C % d["T_C"], np.minimum(d["T_C"], C))
    return first * WORD_BYTES / bw_in + last_rows * last_cols * WORD_BYTES / bw_out


def throughput(layers, d, clock_hz, bw_in, bw_out, generate=True, with_fill_drain=False):
    """inf/s of Eq. 8 summed over every layer's tiles; with_fill_drain adds each layer's first
    load and last store (beyond the paper's model; the simulation pays them)."""
    cycles = sum(layer_cycles(l, d, bw_in, bw_out, generate) for l in layers)
    if with_fill_drain:
        cycles = cycles + sum(fill_drain(l, d, bw_in, bw_out, generate) for l in layers)
    return clock_hz / cycles


def enumerate_designs(dsp, ram_bits, lut=None, lut_model=None, generate=True, dsp_cap=1.0,
                      t_c=range(8, 513, 8), t_p=range(1, 65), m_step=4,
                      t_r=(49, 98, 196, 392, 784, 1568, 3136, 6272)):
    """Every <M, T_R, T_P, T_C> within the budgets (DSP: T_P T_C + M; RAM: the three ping-pong
    buffers, §8.8; LUT: a0 + per_pe T_C + per_mac T_P T_C + per_M M when a model is given).
    The vanilla engine has no generator: M = 0."""
    TC, TP, TR = np.meshgrid(np.array(list(t_c)), np.array(list(t_p)), np.array(list(t_r)), indexing="ij")
    TC, TP, TR = TC.ravel(), TP.ravel(), TR.ravel()
    budget = int(np.floor(dsp * dsp_cap))
    keep = TP * TC <= budget
    keep &= (2 * TR * TP + 2 * TR * TC + 2 * TP * TC) * 16 <= ram_bits
    TC, TP, TR = TC[keep], TP[keep], TR[keep]
    if not generate:
        M = np.zeros_like(TC)
    else:
        ms = np.arange(m_step, dsp + 1, m_step)
        idx = np.repeat(np.arange(TC.size), ms.size)
        M = np.tile(ms, TC.size)
        TC, TP, TR = TC[idx], TP[idx], TR[idx]
        ok = TP * TC + M <= budget
        TC, TP, TR, M = TC[ok], TP[ok], TR[ok], M[ok]
    if lut_model and lut:
        use = (lut_model.get("a0", 0) + lut_model.get("per_pe", 0) * TC
               + lut_model.get("per_mac", 0) * TP * TC + lut_model.get("per_M", 0) * M)
        ok = use <= lut
        TC, TP, TR, M = TC[ok], TP[ok], TR[ok], M[ok]
    return {"M": M, "T_R": TR, "T_P": TP, "T_C": TC}


def explore(layers, designs, clock_hz, bw, generate=True, min_gain=0.05, with_fill_drain=False):
    """inf/s of every design, input selection on only where it gains >= min_gain."""
    off = dict(designs, sel=np.zeros(designs["M"].size, dtype=bool))
    on = dict(designs, sel=np.ones(designs["M"].size, dtype=bool))
    t_off = throughput(layers, off, clock_hz, bw, bw, generate, with_fill_drain)
    t_on = throughput(layers, on, clock_hz, bw, bw, generate, with_fill_drain)
    sel = t_on >= t_off * (1 + min_gain)
    return np.where(sel, t_on, t_off), sel


def tune_rho(layers, design, clock_hz, bw, start):
    """Hardware-aware rho (§3 steps 2-3): from the `start` ratios, raise n_b of every OVSF layer
    that is not W-bound to the largest value (<= 16) that keeps W from becoming its bound.
    Returns ({name: rho}, {name: label before}, {name: label after})."""
    d = {k: np.array([v]) for k, v in dict({"sel": False}, **design).items()}
    out, before, after = {}, {}, {}
    for l in layers:
        if l["name"] not in start:
            continue
        base = dict(l, n_b=basis_count(start[l["name"]]))
        _, lab = layer_cycles(base, d, bw, bw, labels=True)
        before[l["name"]] = str(lab[0])
        best = base["n_b"]
        if lab[0] != "W":
            for n_b in range(base["n_b"] + 1, 17):
                _, cand = layer_cycles(dict(l, n_b=n_b), d, bw, bw, labels=True)
                if cand[0] == "W":
                    break
                best = n_b
        out[l["name"]] = best / 16
        _, lab2 = layer_cycles(dict(l, n_b=best), d, bw, bw, labels=True)
        after[l["name"]] = str(lab2[0])
    return out, before, after


def overrides(design, bw_gbps):
    """The hardware overrides of one design (the same keys for every design: a sweep's points)."""
    return {"tile_rows": int(design["T_R"]), "pe_array.pes": int(design["T_C"]),
            "pe_array.macs_per_pe": int(design["T_P"]),
            "pe_array.input_selective": bool(design.get("sel", False)),
            "dram.channel_bandwidth": "%gGB/s" % bw_gbps,
            "weights_generator.width": max(1, int(design["M"]))}


def resimulate(npusim, hw, workload, design, bw_gbps, extra=None):
    """inf/s of one design on the SystemC model."""
    ov = overrides(design, bw_gbps)
    ov.update(extra or {})
    return npusim.run(hw, workload, ov)["throughput"]["value"]


def resimulate_on_sweep_engine(args, designs, bw_gbps):
    """inf/s of each design, run as one sweep on the sweep engine (Dask; every point stored in
    SQLite, npusim-out/sweeps/unzipfpga.sqlite, the store the reproduction uses, unless --db; a rerun reads them back)."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path.insert(0, os.path.join(repo, "scripts", "reproduce"))
    import _report
    rel = [os.path.relpath(os.path.abspath(p), repo) for p in (args.hw, args.workload)]
    points = {str(i): (rel[0], rel[1], overrides(d, bw_gbps)) for i, d in enumerate(designs)}
    stats = _report.simulate({"unzipfpga_dse": points}, args, __file__, "unzipfpga")["unzipfpga_dse"]
    return [stats[str(i)]["throughput"]["value"] for i in range(len(designs))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hw", required=True)
    ap.add_argument("--workload", required=True)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--dsp-cap", type=float, default=1.0, help="fraction of the DSPs a design may use")
    ap.add_argument("--json", help="write the top points here")
    ap.add_argument("--sweep", action="store_true",
                    help="re-simulate the top points on the sweep engine (Dask, results in SQLite)")
    ap.add_argument("--workers", type=int, help="with --sweep: local Dask workers (default one per CPU)")
    ap.add_argument("--scheduler", help="with --sweep: an existing Dask cluster, tcp://HOST:PORT")
    ap.add_argument("--db", help="with --sweep: results file (default npusim-out/sweeps/unzipfpga.sqlite, shared with scripts/reproduce/unzipfpga.py)")
    ap.add_argument("--no-progress", action="store_true", help="with --sweep: no progress bar")
    ap.add_argument("--fill-drain", action="store_true",
                    help="rank designs with each layer's first load and last store added (the paper's model has none)")
    args = ap.parse_args(argv)
    with open(args.hw) as f:
        hw = yaml.safe_load(f)
    clock = float(str(hw["clock"]).replace("MHz", "")) * 1e6
    bw_gbps = float(str(hw["dram"]["channel_bandwidth"]).replace("GB/s", ""))
    bw = bw_gbps * 1e9 / clock
    generate = hw.get("weights", "generate") == "generate"
    layers = layers_of(args.workload)
    t0 = time.process_time()
    designs = enumerate_designs(hw["device_dsps"], hw["device_ram_bits"], generate=generate,
                                dsp_cap=args.dsp_cap)
    tput, sel = explore(layers, designs, clock, bw, generate, with_fill_drain=args.fill_drain)
    order = np.argsort(-tput, kind="stable")[: args.top]
    closed_s = time.process_time() - t0
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from npusim_sweep import simenv
    npusim = simenv.import_npusim()
    chosen = []
    for i in order:
        d = {k: int(v[i]) for k, v in designs.items()}
        d["sel"] = bool(sel[i])
        chosen.append(d)
    if args.sweep:
        sims = resimulate_on_sweep_engine(args, chosen, bw_gbps)
    else:
        sims = [resimulate(npusim, args.hw, args.workload, d, bw_gbps) for d in chosen]
    top = [dict(d, closed_form=float(tput[i]), simulated=s) for d, i, s in zip(chosen, order, sims)]
    total_s = time.process_time() - t0
    print("%d design points on the closed form in %.2f s CPU; top %d re-simulated, %.2f s CPU in all"
          % (designs["M"].size, closed_s, len(top), total_s))
    for t in top:
        print(t)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"points": int(designs["M"].size), "closed_cpu_s": closed_s, "cpu_s": total_s,
                       "top": top}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
