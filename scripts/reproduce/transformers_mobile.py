#!/usr/bin/python3
"""Transformers for NLP on mobile devices (DistInSys 2023): which ops delegates take, how the
graph is cut and what the cuts cost, simulated on the suite's phones
(../shared/papers/transformers-mobile.md with its §7 corrections; docs/mobile_soc.md).

The paper's tables are unavailable, so the targets are structural (spec §4): X1 the models'
parameters and FLOPs (CARIn Table 3); X2 the delegation report of the original (GELU +
LayerNorm) graphs; X3 "not accelerator-friendly": the best accelerator design is no faster than
the best CPU design on at least one phone, at every boundary sync cost of the sweep; X4 the
mobile-friendly graphs (ReLU, folded BatchNorm) keep every encoder-layer op in one GPU partition
and the GPU then beats the CPU for the larger models; X5 the engines feasible for text models
(>= 90 % of the work delegated within the partition limit). X6 is carin.md's C5
(docs/reproductions/carin.md) and X7 the accuracies, inputs (workloads/carin/usecases.py).

Every design is one simulation on the phone model (workloads/carin/profiler.py's hardware: the
phone's engines, its LPDDR through the co-run platform): the CPU with 1/2/4/8 threads and
XNNPACK on/off for every scheme; each accelerator for its schemes with CPU fallbacks on 4
threads + XNNPACK, under both GPU op-support tables (tfl-2023, the presets' default, and the
current source) and with every accelerator's t_sync scaled by 0.5, 1 and 2.

    /usr/bin/python3 scripts/reproduce/transformers_mobile.py [--quick] [--out-dir DIR]
"""
import os
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _report as R  # noqa: E402

sys.path.insert(0, str(R.REPO))
sys.path.insert(0, str(R.REPO / "workloads" / "exporters"))
import bert_family  # noqa: E402
from workloads.carin import profiler, usecases  # noqa: E402

DEVICES = {"a71": "Galaxy A71", "s20fe": "Galaxy S20 FE", "pixel7": "Pixel 7"}
UC2 = ("bert_l2_h128", "xtremedistil_l6_h256", "mobilebert")
EXTRA = ("distilbert", "bert_base")  # spec §6 item 1: the suggested extra points
LABEL = {"bert_l2_h128": "BERT-L2-H128", "xtremedistil_l6_h256": "XtremeDistil-L6-H256",
         "mobilebert": "MobileBERT", "distilbert": "DistilBERT", "bert_base": "BERT-base"}
# Original graphs as exported (builtin GELU, the converter's LayerNorm) and CARIn's
# mobile-friendly rewrite. MobileBERT is native ReLU + NoNorm in both (its preset).
VARIANTS = {"original": dict(act="gelu_builtin", norm="layernorm"),
            "friendly": dict(act="relu", norm="bn_folded")}
GPU_TABLES = ("tflite_gpu_2023", "tflite_gpu_current")
SYNC_SCALES = (0.5, 1.0, 2.0)
FEASIBLE = 0.90  # §7 item 2: an engine is feasible when >= 90 % of the work is delegated
# [P] CARIn Table 3 (spec §2, X1): parameters (M), GFLOPs; tolerances from §4 and §7.
X1 = {"bert_l2_h128": (4.31, 0.05, 0.05, 0.10), "xtremedistil_l6_h256": (12.57, 0.63, 0.05, 0.05),
      "mobilebert": (24.33, 2.66, 0.08, 0.08)}
# [P] CARIn Fig. 4 (X5): engines on which UC2 designs exist.
X5 = {"a71": {"cpu", "gpu"}, "s20fe": {"cpu", "gpu"}, "pixel7": {"cpu", "gpu", "npu"}}
# Engine-layer node prefixes: what X4 lets stay off the GPU (embeddings, mask, head).
OUTSIDE_LAYERS = ("emb.", "mask.", "head.")


class Graphs:
    """Trace files of (model, seq, variant, scheme), written once into `work`."""

    def __init__(self, work):
        self.work, self.meta = work, {}

    def path(self, model, seq, variant, scheme, mask="reshape"):
        key = (model, seq, variant, scheme, mask)
        if key not in self.meta:
            cfg = dict(bert_family.PRESETS[model])
            if not cfg.get("mobilebert"):
                cfg.update(VARIANTS[variant])
            g, generic = bert_family.encoder(model, seq=seq, quant=scheme, mask=mask, **cfg)
            name = f"{model}_s{seq}_{variant}_{scheme.lower()}_{mask}"
            p = os.path.join(self.work, name + ".yaml")
            with open(p, "w") as f:
                f.write(bert_family.trace(name, g, generic, [f"transformers_mobile {name}"]))
            self.meta[key] = (p, g.params, bert_family.flops(g))
        return self.meta[key][0]

    def counts(self, model, seq=64, variant="original", scheme="FP32"):
        self.path(model, seq, variant, scheme)
        return self.meta[(model, seq, variant, scheme, "reshape")][1:]


def soc_file(work, device, gpu_table, sync_scale):
    """The phone's SoC file with the GPU table `gpu_table` and every accelerator's sync scaled;
    relative paths made absolute so the copy loads from `work`."""
    src = os.path.join(profiler.SOC_DIR, f"{device}.yaml")
    with open(src) as f:
        doc = yaml.safe_load(f)
    for name, e in doc["engines"].items():
        for k in ("support", "mobile_npu"):
            if k in e:
                e[k] = os.path.join(profiler.SOC_DIR, e[k])
        if name == "gpu":
            e["support"] = os.path.join(profiler.SOC_DIR, "op_support", gpu_table + ".yaml")
        if "sync" in e:
            us = float(str(e["sync"]).removesuffix("us"))
            e["sync"] = f"{us * sync_scale:g}us"
    path = os.path.join(work, f"{device}_{gpu_table}_sync{sync_scale:g}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    return path


def simulate(sim, trace, device, engine, threads, xnn, soc):
    hw = profiler.design_hw(device, engine, threads, xnn)
    hw["soc"] = soc
    st = sim.run(hw, trace)
    rep = st["soc_engine"]["delegation"][0]
    parts = rep["partitions"]
    off = [n for p in parts if p["engine"] == "cpu" for n in p["nodes"]]
    return {"ms": st["total_seconds"] * 1e3, "nodes": rep["nodes"], "delegated_nodes": rep["delegated_nodes"],
            "candidates": rep["candidate_partitions"], "acc_parts": rep["accelerator_partitions"],
            "work": rep["delegated_work_fraction"], "acc_ms": rep["accelerator_s"] * 1e3,
            "cpu_ms": rep["cpu_s"] * 1e3, "boundary_ms": rep["boundary_s"] * 1e3,
            "layers_on_cpu": [n for n in off if not n.startswith(OUTSIDE_LAYERS)]}


def sweep(sim, graphs, work, models, seqs):
    """Every design: {(model, seq, variant, device): {"cpu": [...], "acc": [...]}}."""
    out, socs, skipped = {}, {}, []
    for dev in DEVICES:
        for t in GPU_TABLES:
            for s in SYNC_SCALES:
                socs[(dev, t, s)] = soc_file(work, dev, t, s)
    for model in models:
        for seq in seqs:
            for variant in VARIANTS:
                for dev in DEVICES:
                    cell = {"cpu": [], "acc": []}
                    for scheme in profiler.ENGINE_SCHEMES["cpu"]:
                        tr = graphs.path(model, seq, variant, scheme)
                        for th, x in profiler.CPU_OPTIONS:
                            r = simulate(sim, tr, dev, "cpu", th, x, socs[(dev, GPU_TABLES[0], 1.0)])
                            cell["cpu"].append(dict(r, scheme=scheme, threads=th, xnnpack=x))
                    for eng in profiler.processors(dev):
                        if eng == "cpu":
                            continue
                        for scheme in profiler.ENGINE_SCHEMES[eng]:
                            tr = graphs.path(model, seq, variant, scheme)
                            for table in (GPU_TABLES if eng == "gpu" else GPU_TABLES[:1]):
                                for s in SYNC_SCALES:
                                    try:
                                        r = simulate(sim, tr, dev, eng, profiler.FALLBACK_THREADS,
                                                     profiler.FALLBACK_XNNPACK, socs[(dev, table, s)])
                                    except sim.Error as e:
                                        skipped.append((model, seq, variant, dev, eng, scheme,
                                                        str(e).splitlines()[0]))
                                        continue
                                    cell["acc"].append(dict(r, engine=eng, scheme=scheme, table=table, sync=s))
                    out[(model, seq, variant, dev)] = cell
    return out, skipped


def mask_sensitivity(sim, graphs, work, models):
    """X4 with the spec's other mask form (CAST, SUB, MUL, EXPAND_DIMS; no GPU table takes
    EXPAND_DIMS): the GPU design (current table, FP16, sync x1) per model and phone."""
    out = {}
    for m in models:
        tr = graphs.path(m, 64, "friendly", "FP16", mask="expand_dims")
        for dev in DEVICES:
            out[(m, dev)] = simulate(sim, tr, dev, "gpu", profiler.FALLBACK_THREADS, profiler.FALLBACK_XNNPACK,
                                     soc_file(work, dev, GPU_TABLES[1], 1.0))
    return out


def best(designs, **match):
    sel = [d for d in designs if all(d[k] == v for k, v in match.items())]
    return min(sel, key=lambda d: d["ms"]) if sel else None


def x3_holds(cell):
    """Best accelerator >= best CPU under tfl-2023 at every sync scale: (holds, per-scale
    (accelerator, CPU) latencies). An accelerator that takes nothing runs its graph on the CPU."""
    cpu = best(cell["cpu"])["ms"]
    per = []
    for s in SYNC_SCALES:
        acc = best([d for d in cell["acc"] if d["table"] == GPU_TABLES[0] and d["sync"] == s])
        per.append((acc["ms"] if acc else None, cpu))
    return all(a is None or a >= c for a, c in per), per


def one_gpu_partition(cell, table):
    """Every encoder-layer op in the one GPU partition (only embeddings, mask and head on the
    CPU) for some GPU scheme, at sync x1."""
    ok = [d for d in cell["acc"] if d["engine"] == "gpu" and d["table"] == table and d["sync"] == 1.0
          and d["acc_parts"] == 1 and not d["layers_on_cpu"]]
    return bool(ok)


def feasible(cell, engine, table=GPU_TABLES[0]):
    """Max delegated work fraction of the engine over its schemes (sync x1)."""
    ws = [d["work"] for d in cell["acc"] if d["engine"] == engine and d["sync"] == 1.0
          and (engine != "gpu" or d["table"] == table)]
    return max(ws) if ws else 0.0


def plot(path, res, seq):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    models = sorted({k[0] for k in res}, key=lambda m: list(LABEL).index(m))
    fig, axes = plt.subplots(len(DEVICES), 1, figsize=(12, 3.2 * len(DEVICES)))
    colors = {"acc_ms": "tab:blue", "cpu_ms": "tab:orange", "boundary_ms": "tab:red"}
    for ax, dev in zip(axes, DEVICES):
        labels, x = [], 0
        for m in models:
            for variant in VARIANTS:
                cell = res.get((m, seq, variant, dev))
                if not cell:
                    continue
                cpu_ms = best(cell["cpu"])["ms"]  # each group relative to its best CPU design
                bars = [("CPU", best(cell["cpu"]))]
                bars += [(f"GPU {t[11:15]}", best(cell["acc"], engine="gpu", table=t, sync=1.0)) for t in GPU_TABLES]
                bars += [(e.upper(), best(cell["acc"], engine=e, sync=1.0)) for e in ("npu", "dsp")]
                for name, d in bars:
                    if d is None:
                        continue
                    bottom = 0.0
                    for k, c in colors.items():
                        ax.bar(x, d[k] / cpu_ms, bottom=bottom, color=c, width=0.8)
                        bottom += d[k] / cpu_ms
                    labels.append((x, f"{LABEL[m][:12]} {variant[:4]} {name}"))
                    x += 1
                x += 1
        ax.set_xticks([p for p, _ in labels])
        ax.set_xticklabels([t for _, t in labels], fontsize=5, rotation=70, ha="right")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_ylabel("latency / best CPU design's")
        ax.set_title(f"{DEVICES[dev]}, S = {seq}: accelerator (blue), CPU fallback (orange), boundary (red), "
                     "relative to each graph's best CPU design")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def design_label(d):
    if "threads" in d:
        return f"CPU {d['scheme']} {d['threads']}t{'+XNN' if d['xnnpack'] else ''}"
    table = f" {d['table'][11:]}" if d["engine"] == "gpu" else ""
    return f"{d['engine'].upper()}{table} {d['scheme']}"


def main():
    args = R.parse_args(__doc__)
    sim = R.npusim()
    models = UC2 if args.quick else UC2 + EXTRA
    seqs = (64,) if args.quick else (64, 128)
    rows, md = [], []
    t0 = time.process_time()
    with tempfile.TemporaryDirectory() as work:
        graphs = Graphs(work)
        res, skipped = sweep(sim, graphs, work, models, seqs)
        masks = mask_sensitivity(sim, graphs, work, models)
        counts = {m: graphs.counts(m) for m in models}
    cpu_s = time.process_time() - t0
    n_designs = sum(len(c["cpu"]) + len(c["acc"]) for c in res.values())

    # X1: parameters and FLOPs against CARIn Table 3.
    for m, (params, gflops, tol_p, tol_f) in X1.items():
        p, f = counts[m]
        rows.append(R.row(f"X1 {LABEL[m]} parameters (M)", params, p / 1e6, f"±{tol_p:.0%}", rel=tol_p, kind="paper"))
        rows.append(R.row(f"X1 {LABEL[m]} GFLOPs (S = 64)", gflops, f / 1e9, f"±{tol_f:.0%}", rel=tol_f, kind="paper"))

    # X2: the original graphs' delegation per engine (tfl-2023, sync x1, the best scheme's cut).
    x2_lines, split = [], True
    for m in models:
        for dev in DEVICES:
            cell = res[(m, 64, "original", dev)]
            for eng in profiler.processors(dev)[1:]:
                for table in (GPU_TABLES if eng == "gpu" else GPU_TABLES[:1]):
                    d = max((d for d in cell["acc"] if d["engine"] == eng and d["sync"] == 1.0
                             and (eng != "gpu" or d["table"] == table)), key=lambda d: d["work"], default=None)
                    if d is None:
                        x2_lines.append([LABEL[m], DEVICES[dev], eng, "-", "runs nowhere", "", "", "", ""])
                        continue
                    if eng == "gpu" and table == GPU_TABLES[0] and d["candidates"] < 2:
                        split = False
                    x2_lines.append([LABEL[m], DEVICES[dev], eng + (f" ({table[11:]})" if eng == "gpu" else ""),
                                     d["scheme"], f"{d['delegated_nodes']}/{d['nodes']}",
                                     f"{100 * d['delegated_nodes'] / d['nodes']:.0f}%", f"{100 * d['work']:.1f}%",
                                     d["candidates"], d["acc_parts"]])
    rows.append(R.row("X2 original graphs split into >= 2 GPU (tfl-2023) candidates, <= 1 delegated "
                      "(every model and phone)", 1, 1 if split else 0, "qualitative", within=split, kind="spec"))

    # X3: best accelerator >= best CPU on >= 1 phone, at every sync scale.
    x3_lines = []
    for m in models:
        holds = []
        for dev in DEVICES:
            ok, per = x3_holds(res[(m, 64, "original", dev)])
            holds.append(ok)
            x3_lines.append([LABEL[m], DEVICES[dev]] +
                            [f"{a:.2f} / {c:.2f}" if a is not None else f"- / {c:.2f}" for a, c in per] +
                            ["yes" if ok else "no"])
        rows.append(R.row(f"X3 {LABEL[m]}: phones where the best accelerator is no faster than the best CPU "
                          "at t_sync x0.5, x1, x2 (>= 1)", 1, sum(holds), "sign", within=sum(holds) >= 1,
                          kind="paper"))

    # X4: mobile-friendly graphs in one GPU partition; GPU beats CPU for the larger models.
    x4_lines, vs_float, vs_best, cut = [], [], [], {}
    for m in models:
        tables = [t for t in GPU_TABLES if all(one_gpu_partition(res[(m, 64, "friendly", d)], t) for d in DEVICES)]
        wins = 0
        for dev in DEVICES:
            cell = res[(m, 64, "friendly", dev)]
            cpu = best(cell["cpu"])
            cpu_float = min((d for d in cell["cpu"] if d["scheme"] in ("FP32", "FP16")), key=lambda d: d["ms"])
            gpus = {t: best(cell["acc"], engine="gpu", table=t, sync=1.0) for t in GPU_TABLES}
            g = best([d for d in gpus.values() if d])  # the best GPU design under either table
            wins += bool(g and g["ms"] < cpu["ms"])
            if g and m != "bert_l2_h128":
                vs_float.append(g["ms"] / cpu_float["ms"])
                vs_best.append(g["ms"] / cpu["ms"])
            if gpus[GPU_TABLES[1]]:
                cut[m] = len(gpus[GPU_TABLES[1]]["layers_on_cpu"])
            em = masks[(m, dev)]
            x4_lines.append([LABEL[m], DEVICES[dev], f"{cpu['ms']:.2f} ({design_label(cpu)})",
                             f"{cpu_float['ms']:.2f} ({design_label(cpu_float)})"] +
                            [f"{gpus[t]['ms']:.2f} ({design_label(gpus[t])}), {100 * gpus[t]['work']:.0f}% work, "
                             f"{len(gpus[t]['layers_on_cpu'])} layer ops on CPU" if gpus[t] else "-"
                             for t in GPU_TABLES] +
                            [f"{em['ms']:.2f}, {len(em['layers_on_cpu'])} layer ops on CPU"])
        rows.append(R.row(f"X4 {LABEL[m]}: every encoder-layer op in one GPU partition on every phone "
                          f"(tables that give it: {', '.join(t[11:] for t in tables) or 'none'})", 1,
                          1 if tables else 0,
                          "qualitative", within=bool(tables), kind="paper"))
        if m != "bert_l2_h128":  # the larger models
            rows.append(R.row(f"X4 {LABEL[m]}: phones where the best GPU design beats the best CPU design "
                              "(>= 2 of 3)", 3, wins, "sign", within=wins >= 2, kind="paper"))

    # X5: feasible engines for the UC2 (mobile-friendly) models. The verdict uses the current GPU
    # table: CARIn ran TFLite nightly (spec §2 "Runtime"), not the 2023 table of the DistInSys
    # claim; the first run of this script used tfl-2023 here (see the report).
    x5_lines = []
    for dev in DEVICES:
        found = {}
        for table in GPU_TABLES:
            eng = {"cpu"}
            for e in profiler.processors(dev)[1:]:
                if any(feasible(res[(m, 64, "friendly", dev)], e, table) >= FEASIBLE for m in UC2):
                    eng.add(e)
            found[table] = eng
        fr = {e: max(feasible(res[(m, 64, "friendly", dev)], e, GPU_TABLES[1]) for m in UC2)
              for e in profiler.processors(dev)[1:]}
        x5_lines.append([DEVICES[dev], ", ".join(sorted(X5[dev]))] +
                        [", ".join(sorted(found[t])) for t in GPU_TABLES] +
                        [", ".join(f"{e} {100 * w:.0f}%" for e, w in fr.items())])
        rows.append(R.row(f"X5 {DEVICES[dev]}: feasible engines for the text models = "
                          f"{{{', '.join(sorted(X5[dev]))}}} (GPU table: current)", 1,
                          1 if found[GPU_TABLES[1]] == X5[dev] else 0, "exact",
                          within=found[GPU_TABLES[1]] == X5[dev], kind="paper"))

    # Sequence 128 and the sync sweep, per model: the best design per engine class.
    seq_lines = []
    for m in models:
        for seq in seqs:
            for variant in VARIANTS:
                for dev in DEVICES:
                    cell = res[(m, seq, variant, dev)]
                    c = best(cell["cpu"])
                    a = {s: best([d for d in cell["acc"] if d["sync"] == s and (d["engine"] != "gpu" or
                                                                                 d["table"] == GPU_TABLES[0])])
                         for s in SYNC_SCALES}
                    seq_lines.append([LABEL[m], seq, variant, DEVICES[dev], f"{c['ms']:.2f} ({design_label(c)})"] +
                                     [f"{a[s]['ms']:.2f} ({design_label(a[s])})" if a[s] else "-"
                                      for s in SYNC_SCALES])
    plot(os.path.join(args.out_dir, "transformers_mobile.png"), res, 64)
    carin = _carin_c5()
    md += _markdown(args, rows, models, seqs, n_designs, cpu_s, skipped, x2_lines, x3_lines, x4_lines, x5_lines,
                    seq_lines, carin)
    gpu2023 = max(feasible(res[(m, 64, "friendly", d)], "gpu", GPU_TABLES[0]) for m in UC2 for d in DEVICES)
    md.insert(-1, _misses(cut, vs_float, vs_best, gpu2023))
    setup = (f"{len(models)} BERT-family encoders x S {'/'.join(map(str, seqs))} x original/mobile-friendly on three "
             f"simulated phones, {n_designs} designs.")
    R.write(args.out_dir, "transformers_mobile",
            "Exploring the Performance and Efficiency of Transformer Models for NLP on Mobile Devices (2023)",
            rows, setup, "".join(md))
    return 0


def _misses(cut, vs_float, vs_best, gpu2023):
    cuts = ", ".join(f"{LABEL[m]} {n}" for m, n in cut.items())
    return ("## Misses and their causes\n\n"
            f"- *X4, one GPU partition*: under the current table the friendly graphs leave these encoder-layer "
            f"ops on the CPU: {cuts}. They are layer 0's first ops (Q/K/V FCs, RESHAPE + TRANSPOSE, QK^T, scale; "
            "MobileBERT adds its two bottleneck FCs), which need only the embeddings: TFLite's partitioner (§7 "
            "item 1) puts them in the first candidate with the embeddings, before the attention mask's int32 "
            "RESHAPE (or EXPAND_DIMS in the spec's other form; the table column EXPAND_DIMS mask) that no GPU "
            "table takes lets the rest start, and the delegate keeps only the larger candidate. The tfl-2023 "
            "table also rejects BATCH_MATMUL, which splits every layer. How the exporter prepares the mask "
            "decides this; the suite reports the cut of the graph it was given rather than assume the paper's.\n"
            f"- *X4, GPU against CPU*: the best GPU design takes {min(vs_float):.2f}-{max(vs_float):.2f}x the "
            "latency of the best float (FP32/FP16) CPU design for the larger models, so it beats the float CPU, "
            f"but {min(vs_best):.2f}-{max(vs_best):.2f}x that of the best CPU design, which is FFX8 with XNNPACK "
            "(int8 SDOT at 4x the fp32 rate). The spec does not say at which precision CARIn compared; the "
            "rates behind it are assumed (CPU XNNPACK efficiency 0.35, GPU efficiency 0.3, 10 us per GPU "
            "kernel: hw_configs/mobile_soc/*.yaml), and no phone measurement is available to calibrate them "
            "(spec §6 item 5).\n"
            "- *X5*: the verdict uses the current GPU table, since CARIn ran TFLite nightly (spec §2); the "
            "first run of this script used tfl-2023, under which no phone's GPU is feasible for the text "
            f"models (it rejects BATCH_MATMUL: at most {100 * gpu2023:.0f} % of the work in one partition). "
            "The A71's HTA and DSP tables take FULLY_CONNECTED only without keep_num_dims (the Hexagon "
            "delegate's rule, tensorflow/lite/delegates/hexagon/utils.cc), so they take none of an encoder's "
            "3-D FCs.\n\n")


def _carin_c5():
    """X6 = carin.md C5, computed by scripts/reproduce/carin.py: its rows, if it has run."""
    import json
    path = R.REPO / "docs" / "reproductions" / "carin.json"
    if not path.exists():
        return []
    return [r for r in json.loads(path.read_text())["rows"] if r["quantity"].startswith("C5")]


def _markdown(args, rows, models, seqs, n_designs, cpu_s, skipped, x2, x3, x4, x5, seq_lines, carin):
    md = ["# Transformers on mobile: delegation, partitions and boundary costs on simulated phones\n\n",
          "Generated by `scripts/reproduce/transformers_mobile.py`" + (" (--quick)" if args.quick else "") +
          ". Spec: `../shared/papers/transformers-mobile.md` (§7 corrections applied). The paper's own tables "
          "were not obtainable (spec §1), so the rows are the spec's structural targets X1-X7: what the suite "
          "computes is every design's delegation (the TFLite partitioner on versioned op-support tables) and "
          "latency on the phone models of docs/mobile_soc.md; nothing was fitted to the rows. The results are "
          "conditional on the support tables (`hw_configs/mobile_soc/op_support/`, tfl-2023 the presets' "
          "default) and on the boundary-cost parameters, which are the spec's placeholders [I]; X3 is therefore "
          "checked across the t_sync sweep x0.5, x1, x2 (§5, §7 item 4).\n\n",
          f"Headline: {R.headline(rows)}.\n\n",
          f"{n_designs} designs simulated ({len(models)} models x S = {', '.join(map(str, seqs))} x 2 variants "
          f"x 3 phones; CPU 4 thread counts x XNNPACK on/off x 5 schemes; each accelerator per scheme, GPU "
          f"table and sync scale) in {cpu_s:.0f} s of CPU time; {len(skipped)} accelerator designs could not "
          "run (first reasons below).\n\n",
          "Models: " + ", ".join(LABEL[m] for m in models) + ". *Original* = builtin GELU + the converter's "
          "LayerNorm (9 ops); *friendly* = CARIn's ReLU (fused into the FC) + BatchNorm (MUL + ADD after each "
          "residual). MobileBERT is native ReLU + NoNorm in both.\n\n",
          "## X2: delegation of the original graphs (S = 64, sync x1)\n\n",
          "Per engine, the scheme that delegates the most work; *candidates* are the accepted subsets before "
          "the delegate's cut (§7 item 1), *kept* those it delegates (GPU 1, NNAPI 3). Work is FLOPs, and one "
          "per element for ops without MACs.\n\n",
          R.md_table(["model", "phone", "engine", "scheme", "nodes delegated", "ops", "work", "candidates",
                      "kept"], x2),
          "\n## X3: best accelerator against best CPU (original graphs, S = 64, tfl-2023)\n\n",
          "Latency (ms) of the best accelerator design / the best CPU design at each sync scale; an "
          "accelerator that takes nothing is no design (\"-\").\n\n",
          R.md_table(["model", "phone"] + [f"t_sync x{s:g}" for s in SYNC_SCALES] + ["accelerator >= CPU"], x3),
          "\n## X4: the mobile-friendly graphs on the GPU (S = 64, sync x1)\n\n",
          "Best CPU design and the best GPU design under each table, with the share of work it takes and how "
          "many encoder-layer ops stay on the CPU (X4 allows only embeddings, mask and head there).\n\n",
          R.md_table(["model", "phone", "best CPU (ms)", "best float CPU (ms)"] +
                     [f"GPU {t[11:]} (ms)" for t in GPU_TABLES] + ["GPU current, EXPAND_DIMS mask (ms)"], x4),
          "\n![latency split](transformers_mobile.png)\n\n"
          "Bars: the partitioner's split of the best design per engine (accelerator compute, CPU fallback, "
          "boundary: sync, copies, layout and dtype conversion), at each engine's own bandwidth, relative to the "
          "graph's best CPU design (the line at 1: a bar above it gains nothing from its accelerator).\n\n",
          "## X5: engines feasible for the text models (friendly graphs, >= 90 % of the work delegated)\n\n",
          R.md_table(["phone", "paper (CARIn Fig. 4)"] + [f"suite, GPU {t[11:]}" for t in GPU_TABLES] +
                     ["max delegated work per accelerator (GPU current)"], x5),
          "\n## Best designs per sequence length and sync scale (tfl-2023)\n\n",
          R.md_table(["model", "S", "graph", "phone", "best CPU (ms)"] +
                     [f"best accelerator, t_sync x{s:g} (ms)" for s in SYNC_SCALES], seq_lines),
          "\n## X6 and X7\n\n"]
    if carin:
        md.append("X6 is carin.md's C5, computed by `scripts/reproduce/carin.py` on its UC2 profiles "
                  "(docs/reproductions/carin.md), not counted again here: " +
                  "; ".join(f"{r['quantity']}: paper {r['paper']:g}, suite {r['simulated']:.3g} "
                            f"({'within' if r['within'] else 'miss'})" for r in carin) + ".\n\n")
    else:
        md.append("X6 is carin.md's C5: run `scripts/reproduce/carin.py` for it.\n\n")
    md.append("X7, Emotions accuracy per scheme, is an input (CARIn Table 3), used by the CARIn reproduction: " +
              "; ".join(f"{LABEL[m]} " + ", ".join(f"{s} {a:.2f}" for s, a in usecases.UC2_ACCURACY[m].items())
                        for m in UC2) + ".\n\n")
    if skipped:
        md.append("## Designs that could not run\n\n")
        md.append(R.md_table(["model", "S", "graph", "phone", "engine", "scheme", "reason"],
                             [list(s) for s in skipped[:12]]))
        md.append("\n")
    md.append(R.kinds_table(rows))
    return md


if __name__ == "__main__":
    sys.exit(main())
