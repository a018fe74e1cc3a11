#!/usr/bin/python3
"""TinyTrain (Kwon et al., ICML 2024): memory/compute accounting, the sparse-update selector
with two cost back-ends, and calibrated device times (tinytrain.md §4).

    /usr/bin/python3 scripts/reproduce/tinytrain.py [--quick] [--out-dir DIR]

Memory numbers come from the C++ memory ledger replaying each method's allocation events
(npusim.training_report); MACs from the training phases of the trace. Device times use the
presets of hw_configs/ondevice (framework overhead calibrated on one row per device: the
calibration rows). Accuracy (Tables 1, 3, Fig. 6) is out of scope offline; the paper's values
are listed as inputs, not results.
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _report as R  # noqa: E402

sys.path.insert(0, str(R.REPO / "workloads"))
from exporters import ondevice as od, ondevice_energy as oe, tinytrain as tt  # noqa: E402

MIB, KIB = 2 ** 20, 1024
KEYS = ("mcunet", "mbv2", "proxyless")
TITLE = "TinyTrain: Resource-Aware Task-Adaptive Sparse Training of DNNs at the Data-Scarce Edge (ICML 2024)"
DEV = R.REPO / "hw_configs" / "ondevice"
SIM_HW = R.REPO / "hw_configs" / "generic_npu" / "edge_32x32.yaml"

# tinytrain.md §4 (MiB for memory, M for MACs)
FULL_MACS = {"mcunet": 44.9, "mbv2": 34.9, "proxyless": 38.4}
LAST_MACS = {"mcunet": 1.57, "mbv2": 0.80, "proxyless": 0.59}
LAST_MEM = {"mcunet": 2.03, "mbv2": 1.64, "proxyless": 1.06}
LAST_MEM_W = {"mcunet": 3.84, "mbv2": 2.79, "proxyless": 2.47}
TINYTL_MACS = {"mcunet": 26.4, "mbv2": 16.4, "proxyless": 17.8}
TINYTL_MEM = {"mcunet": (542, 547), "mbv2": (587, 590), "proxyless": (541, 545)}  # Tables 2 and 8, batch 100
TT_MACS = {"mcunet": 6.51, "mbv2": 4.90, "proxyless": 5.00}
TT_MEM = {"mcunet": 0.89, "mbv2": 1.06, "proxyless": 0.78}
T11 = {"mcunet": [479.0, 392.3, 281.0, 191.6, 135.9, 80.3],
       "mbv2": [432.9, 325.7, 218.4, 148.5, 101.6, 54.7],
       "proxyless": [299.3, 241.5, 171.6, 118.0, 89.1, 60.3]}
F2 = {"mcunet": 640, "mbv2": 896, "proxyless": 512}
# Tables 9-10 (s): SparseUpdate, TinyTrain Fisher, TinyTrain run
PI = {"mcunet": (607, 18.7, 526), "mbv2": (611, 20.1, 536), "proxyless": (645, 22.6, 575)}
NANO = {"mcunet": (1189, 35.0, 892), "mbv2": (1282, 32.2, 815), "proxyless": (1517, 26.8, 869)}
FIG5_RATIO = {"mcunet": 9.9, "mbv2": 11.2, "proxyless": 7.5}
FIG5_FULL_KJ = {"mcunet": 4.4, "mbv2": 5.0, "proxyless": 3.6}  # Fig. 5 energy labels, Pi Zero 2
FIG5_TT_KJ = {"mcunet": 1.2, "mbv2": 1.2, "proxyless": 1.3}
SAMPLES, ITERS = 25, 40  # timing runs (App. A.4)
ACCURACY = {"mcunet": (44.5, 66.9, 54.6, 66.1, 64.3, 69.3), "mbv2": (51.7, 62.7, 58.1, 62.1, 64.0, 65.6),
            "proxyless": (51.1, 65.0, 57.0, 63.7, 64.7, 68.3)}


def trace(net, sel, optimizer="adam", in_flash=True, full_dx=False, fisher=()):
    tr = od.training_section(net, sel, optimizer, weights_in_flash=in_flash, full_dx=full_dx, fisher=fisher)
    for e in tr["tensors"]:
        if "bytes" in e:
            e["bytes"] = "%dB" % e["bytes"]
    bits = {"activation": 32, "weight": 32, "output": 32}
    return {"schema_version": 1, "name": net["name"],
            "models": [{"name": net["name"], "precision": bits, "layers": od.forward_ops(net), "training": tr}]}


def report(npusim, net, sel, device=None, **kw):
    return npusim.training_report(trace(net, sel, **kw), str(device) if device else None)[0]


def device_runs(npusim, net, dpath, fwd, lastlayer_bwd, tt_bwd):
    """The costs (ondevice_energy.cost) of the timing runs on a device preset, 25 samples x 40
    iterations each: TinyTrain's run with the paper's backward MACs (Table 2) as the given
    selection (our own selection needs the task: ML class), at the device's rate per MAC and
    its calibrated per sample-iteration overhead; the Fisher selection pass as the committed
    traces emit it (od.fisher_section: forward, input gradients above the earliest candidate,
    FISHER on the last 6 blocks' convs) per support sample, costed by the C++ model (weights in
    RAM on a board); FullTrain (all layers, input gradients everywhere) per sample-iteration."""
    per = report(npusim, net, tt.last_layer(net), device=dpath, in_flash=False)["device"]
    rate_s = per["compute_s"] / (fwd + lastlayer_bwd)  # s per MAC
    run = oe.cost(compute_s=(fwd + tt_bwd) * rate_s, overhead_s=per["overhead_s"])
    fs = od.fisher_section(net, od.last_block_convs(net, 6), samples=SAMPLES, weights_in_flash=False)
    for e in fs["tensors"]:
        if "bytes" in e:
            e["bytes"] = "%dB" % e["bytes"]
    ftr = {"schema_version": 1, "name": net["name"] + "-fisher",
           "models": [{"name": net["name"], "precision": {"activation": 32, "weight": 32, "output": 32},
                       "layers": od.forward_ops(net), "training": fs}]}
    fisher = oe.of_report(npusim.training_report(ftr, str(dpath))[0]["device"])
    full = oe.of_report(report(npusim, net, tt.full_train(net), full_dx=True, device=dpath, in_flash=False)["device"])
    return {"tinytrain_run": oe.scale(run, SAMPLES * ITERS), "fisher": oe.scale(fisher, fs["iterations"]),
            "fulltrain": oe.scale(full, SAMPLES * ITERS)}


def seconds(c):
    return c["compute_s"] + c["memory_s"] + c["overhead_s"]


def energy_text(npusim, energy_rows):
    """The energy method and Q7's power question, with the numbers of the rows."""
    pi = DEV / "pi_zero2.yaml"
    idle = oe.energy(npusim, pi, oe.cost(overhead_s=0.0, compute_s=0.0, memory_s=1.0))
    board = next(c["static_j"] for c in idle["components"] if c["type"] == "board")
    core = oe.energy(npusim, pi, oe.cost(compute_s=1e-3))["dynamic_j"] * 1e3 / 4  # W per busy core
    fw = oe.energy(npusim, pi, oe.cost(overhead_s=1.0))["dynamic_j"]  # W while the framework runs
    m = {r[0]: r for r in energy_rows}["mcunet"]
    paper_ft_s = FIG5_RATIO["mcunet"] * (PI["mcunet"][1] + PI["mcunet"][2])
    wait_s = paper_ft_s - float(m[5])
    what_if = float(m[6]) * 1e3 + board * wait_s
    return ("Every energy is the run's activity (the framework's seconds, the cores' kernel seconds, DRAM bytes "
            "read and written, the elapsed time for the board's static power) priced by "
            "`hw_configs/energy/ondevice_pi_zero2.yaml` through the suite's energy model "
            f"(`npusim.ondevice_energy`): board {board:.2f} W and {core:.2f} W per busy A53 core are outside "
            f"figures [X]; the framework's power, {fw:.2f} W ({fw / core:.1f} busy-core equivalents), is solved "
            "from MCUNet's TinyTrain energy (1.2 kJ, Fisher selection + the 25 x 40 run; the calibration row "
            "above), so the MBV2 and Proxyless TinyTrain energies and every FullTrain energy are predictions.\n\n"
            "**Q7 (0.8 W FullTrain against 2.2 W TinyTrain).** The component model does not produce the gap: "
            f"our FullTrain run is {float(m[5]):.0f} s of which the calibrated framework time is most, so it draws "
            f"{m[7]} W, as TinyTrain does ({m[3]} W), and its energy misses with its time (the Fig. 5 time-ratio "
            "rows: one per-sample framework cost makes the two runs about equally long). It does explain where "
            f"0.8 W can come from: it is {float(m[8]) - board:.2f} W above the board's {board:.2f} W idle floor, "
            f"about {(float(m[8]) - board) / core:.1f} busy-core equivalents, i.e. a FullTrain run that waits "
            "most of its time (batch-100 training of a ~1 GB footprint on a 512 MB board: swapping). If the "
            f"{wait_s:.0f} s by which the paper's FullTrain ({paper_ft_s:.0f} s: 9.9 x 544 s) exceeds ours were "
            f"spent waiting at the idle floor, its energy would be {what_if / 1e3:.1f} kJ against the paper's "
            f"4.4 kJ. The time model has no swap term, so this is an explanation, not a prediction; the "
            "FullTrain rows stay misses.\n\n")


def sram(rep):
    return rep["ledger"]["spaces"]["sram"]


def within_abs(sim, paper, tol):
    return abs(sim - paper) <= tol


def main():
    args = R.parse_args(__doc__)
    npusim = R.npusim()
    rows, lines, picks, tinytl_rows, energy_rows = [], [], [], [], []

    def add(q, paper, sim, tol_text, rel=None, within=None, kind="paper"):
        rows.append(R.row(q, paper, sim, tol_text, within=within, rel=rel, kind=kind))

    for key in KEYS:
        net = od.load_backbone(key)
        n = len(net["convs"])
        tol = 0.02 if key == "mcunet" else 0.05  # §7.1
        full = report(npusim, net, tt.full_train(net), full_dx=True)
        fwd = full["macs_per_iteration"]["fwd"]
        add(f"{key} T6 FullTrain backward MACs (M)", FULL_MACS[key], full["macs_per_iteration"]["bwd"] / 1e6,
            f"{tol:.0%}", rel=tol)
        add(f"{key} T6 FullTrain backward / forward", 2.0, full["macs_per_iteration"]["bwd"] / fwd, "1%", rel=0.01,
            kind="spec")
        last = report(npusim, net, tt.last_layer(net))
        ltol = 0.07 if key == "mcunet" else 0.02
        add(f"{key} LastLayer backward MACs (M)", LAST_MACS[key], last["macs_per_iteration"]["bwd"] / 1e6,
            f"{ltol:.0%}", rel=ltol)
        add(f"{key} LastLayer backward memory (MiB, Table 2)", LAST_MEM[key], sram(last)["peak_bytes"] / MIB,
            "±0.02 MiB", within=within_abs(sram(last)["peak_bytes"] / MIB, LAST_MEM[key], 0.02))
        lw = report(npusim, net, tt.last_layer(net), in_flash=False)
        add(f"{key} T3 LastLayer peak incl. all weights (MiB, Table 8)", LAST_MEM_W[key],
            sram(lw)["peak_bytes"] / MIB, "5%", rel=0.05)
        # ---- TinyTL (lite-residual branches + biases, workloads/exporters/tinytl.py)
        tl1, tlw = tt.tinytl(net), tt.tinytl(net, weights_in_flash=False)
        tl100, tl100w = tt.tinytl(net, batch=100), tt.tinytl(net, batch=100, weights_in_flash=False)
        tltol = 0.05 if key == "mcunet" else 0.10  # [I]: no tolerance in the spec; §7.1 for the .pkl shapes
        add(f"{key} TinyTL backward MACs (M, Table 2)", TINYTL_MACS[key], tl1["bwd_macs"] / 1e6, f"{tltol:.0%}",
            rel=tltol)
        tinytl_rows.append([key, tl1["branch_params"], f"{tl1['branch_macs'] / 1e6:.2f}",
                            f"{tl1['bwd_dx_macs'] / 1e6:.2f}", f"{tl1['bwd_macs'] / 1e6:.2f}",
                            f"{tl1['peak'] / MIB:.2f}", f"{tlw['peak'] / MIB:.2f}",
                            f"{tl100['peak'] / MIB:.0f} / {TINYTL_MEM[key][0]}",
                            f"{tl100w['peak'] / MIB:.0f} / {TINYTL_MEM[key][1]}"])
        t11tol = 0.10 if key == "mcunet" else 0.15
        for k, want in zip((6, 5, 4, 3, 2, 1), T11[key]):
            add(f"{key} T4 saved activations, last {k} blocks (KiB)", want,
                od.saved_activation_bytes(net, k) / KIB, f"{t11tol:.0%}", rel=t11tol)
        add(f"{key} T5 F2 peak I/O buffer (KiB)", F2[key], od.f2_bytes(net) / KIB, "15%", rel=0.15)
        # the ledger's replay equals the paper's formula B1 + B2 + max(F2, B3 + B4)
        a = od.accounting(net, tt.last_layer(net))
        add(f"{key} ledger replay = B1+B2+max(F2,B3+B4), LastLayer (B)", a["peak"], sram(last)["peak_bytes"],
            "exact", within=a["peak"] == sram(last)["peak_bytes"], kind="spec")

        # ---- device times (Tables 9-10) and, on the Pi Zero 2, Fig. 5's energies
        for dev, table in (("pi_zero2", PI), ("jetson_nano", NANO)):
            su_paper, fisher_paper, run_paper = table[key]
            dpath = DEV / (dev + ".yaml")
            runs = device_runs(npusim, net, dpath, fwd, last["macs_per_iteration"]["bwd"], TT_MACS[key] * 1e6)
            kind = "calibration" if key == "mcunet" else "paper"
            add(f"{key} {dev} TinyTrain run (s, given Table 2 MACs)", run_paper, seconds(runs["tinytrain_run"]),
                "15%", rel=0.15, kind=kind)
            add(f"{key} {dev} TinyTrain Fisher selection (s)", fisher_paper, seconds(runs["fisher"]), "15%", rel=0.15)
            su = tt.sparse_update(key)
            if su:
                r = report(npusim, net, su, device=dpath, in_flash=False)
                add(f"{key} {dev} SparseUpdate (s)", su_paper, r["device"]["iteration_s"] * SAMPLES * ITERS,
                    "15%", rel=0.15)
            if dev == "pi_zero2":
                tt_c = oe.add(runs["fisher"], runs["tinytrain_run"])
                ft_c = runs["fulltrain"]
                tt_t, ft_t = seconds(tt_c), seconds(ft_c)
                # per sample-iteration, both runs being 25 x 40 of them
                add(f"{key} Fig. 5 FullTrain / TinyTrain time on the Pi", FIG5_RATIO[key],
                    ft_t / seconds(runs["tinytrain_run"]), "20%", rel=0.20)
                tt_e = oe.energy(npusim, dpath, tt_c)
                ft_e = oe.energy(npusim, dpath, ft_c)
                # the framework power of ondevice_pi_zero2.yaml is solved from MCUNet's TinyTrain energy
                add(f"{key} Fig. 5 TinyTrain energy on the Pi (kJ)", FIG5_TT_KJ[key], tt_e["total_j"] / 1e3, "20%",
                    rel=0.20, kind=kind)
                add(f"{key} Fig. 5 FullTrain energy on the Pi (kJ)", FIG5_FULL_KJ[key], ft_e["total_j"] / 1e3, "20%",
                    rel=0.20)
                add(f"{key} Fig. 5 FullTrain / TinyTrain energy on the Pi", FIG5_FULL_KJ[key] / FIG5_TT_KJ[key],
                    ft_e["total_j"] / tt_e["total_j"], "20%", rel=0.20)
                energy_rows.append([key, f"{tt_t:.0f}", f"{tt_e['total_j'] / 1e3:.2f}",
                                    f"{tt_e['average_power_w']:.2f}",
                                    f"{FIG5_TT_KJ[key] * 1e3 / (PI[key][1] + PI[key][2]):.2f}",
                                    f"{ft_t:.0f}", f"{ft_e['total_j'] / 1e3:.2f}", f"{ft_e['average_power_w']:.2f}",
                                    f"{FIG5_FULL_KJ[key] * 1e3 / (FIG5_RATIO[key] * (PI[key][1] + PI[key][2])):.2f}"])

        # ---- MCUNet: Table 7 breakdown and SparseUpdate (the published MCUNetV3 policy)
        if key == "mcunet":
            su = tt.sparse_update(key)
            for name, sel, paper in (("LastLayer", tt.last_layer(net), (0.35, 1.05, 0.63, 2.03)),
                                     ("SparseUpdate", su, (0.20, 0.60, 0.63, 1.43))):
                r = report(npusim, net, sel)
                k = sram(r)["breakdown_at_peak"]
                for label, sim, want in (("weights", k["weights"], paper[0]), ("optimiser", k["optimizer"], paper[1]),
                                         ("activation", k["activations"], paper[2]),
                                         ("total", sram(r)["peak_bytes"], paper[3])):
                    add(f"mcunet T1 {name} Adam {label} (MiB)", want, sim / MIB, "±0.02 MiB",
                        within=within_abs(sim / MIB, want, 0.02))
                sgd = report(npusim, net, sel, optimizer="sgd")
                want = 1.33 if name == "LastLayer" else 1.03
                add(f"mcunet T2 {name} SGD total (MiB)", want, sram(sgd)["peak_bytes"] / MIB, "±0.02 MiB",
                    within=within_abs(sram(sgd)["peak_bytes"] / MIB, want, 0.02))
            r = report(npusim, net, su)
            add("mcunet SparseUpdate backward MACs (M, Table 2)", 11.9, r["macs_per_iteration"]["bwd"] / 1e6, "2%",
                rel=0.02)
            rw = report(npusim, net, su, in_flash=False)
            add("mcunet T3 SparseUpdate peak incl. all weights (MiB, Table 8)", 3.24, sram(rw)["peak_bytes"] / MIB,
                "5%", rel=0.05)

        # ---- the selector, both back-ends (synthetic task: mechanics, not accuracy)
        cands = od.last_block_convs(net, 6)
        delta = tt.synthetic_fisher(net, cands, samples=4 if args.quick else 8)
        backends = [tt.ProxyCost(net), tt.SimulatedCost(net, npusim, str(SIM_HW), str(DEV / "stm32h747.yaml"))]
        for cost in backends:
            for prefix in (True, False):
                sel, _, _ = tt.select(net, delta, cost, prefix=prefix)
                if sel:
                    a = od.accounting(net, sel)
                    mem, macs = a["peak"] / MIB, a["bwd_macs"] / 1e6
                    add(f"{key} {cost.name} {'prefix' if prefix else 'skip'} selection within B_mem (MiB)",
                        tt.B_MEM / MIB, mem, "≤ budget", within=mem <= tt.B_MEM / MIB, kind="spec")
                else:
                    mem = macs = 0.0
                picks.append([key, cost.name, "prefix" if prefix else "skip-and-continue",
                              ", ".join(f"{net['convs'][i]['name']}@{r:g}" for i, r in sorted(sel.items())) or "(none fits)",
                              f"{mem:.3f}", f"{macs:.2f}"])

    # TinyTL misses: what the paper's MACs leave for the branches above the backbone's input gradients
    tinytl_note = ""
    for r in rows:
        key = r["quantity"].split()[0]
        if "TinyTL backward MACs" in r["quantity"] and not r["within"]:
            a = tt.tinytl(od.load_backbone(key))
            backbone_dx = a["bwd_dx_macs"] - a["branch_macs"]
            tinytl_note += (f"* {key} TinyTL backward MACs: the paper's {TINYTL_MACS[key]} M leaves "
                            f"{TINYTL_MACS[key] - backbone_dx / 1e6:.2f} M above the backbone's input gradients "
                            f"({backbone_dx / 1e6:.2f} M, `.pkl` shapes) for the branches' input and weight "
                            "gradients, where the reference code's branch rule gives "
                            f"2 x {a['branch_macs'] / 1e6:.2f} M: "
                            "the paper's branches for this backbone must be smaller or fewer (not stated).\n")

    # figure: simulated / paper for every paper row (the grey line: exact), green within tolerance
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    prow = [r for r in rows if r["kind"] == "paper"]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.scatter(range(len(prow)), [r["ratio"] for r in prow], s=12,
               c=["tab:green" if r["within"] else "tab:red" for r in prow])
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("paper row (order of the table below; green: within tolerance)")
    ax.set_ylabel("simulated / paper")
    fig.tight_layout()
    fig.savefig(Path(args.out_dir) / "tinytrain.png", dpi=100, metadata={"Software": None})
    plt.close(fig)

    setup = ("Backbones from tiny-training's .pkl shapes (workloads/ondevice/backbones); memory from the C++ "
             "ledger (sim/memory_ledger); device times from hw_configs/ondevice with per-device calibrated "
             "framework overhead.")
    md = [f"# TinyTrain reproduction\n\n{TITLE}. Spec: `../shared/papers/tinytrain.md`. "
          f"Generated by `scripts/reproduce/tinytrain.py`; method in [../ondevice_learning.md](../ondevice_learning.md).\n\n",
          f"**{R.headline(rows)}**\n\n![simulated / paper](tinytrain.png)\n\n",
          "Units: Tables 2, 7, 8 in MiB; F2 and Table 11 in KiB (tinytrain.md §7.3). Weights only in B1/B2 "
          "(§7.4). MBV2 and Proxyless shapes from the `.pkl` differ from Table 4 (§7.1), hence their wider tolerances.\n",
          R.kinds_table(rows),
          "\n## Energy on the Pi Zero 2 (Fig. 5)\n\n", energy_text(npusim, energy_rows),
          R.md_table(["backbone", "TinyTrain time (s)", "TinyTrain energy (kJ)", "TinyTrain mean power (W)",
                      "paper TinyTrain power (W)", "FullTrain time (s)", "FullTrain energy (kJ)",
                      "FullTrain mean power (W)", "paper FullTrain power (W)"], energy_rows),
          "\n## TinyTL baseline (lite-residual branches + biases)\n\n"
          "`workloads/exporters/tinytl.py`: a lite-residual branch (avg-pool /2, a 2-group k x k conv to "
          "make_divisible(C_in, 8) channels, ReLU, a 1x1 conv to C_out) beside every block after the first, with "
          "the reference code's defaults; backward = input gradients through every conv but the stem and "
          "through the branches + the branches' weight gradients; memory on the same ledger terms as the other "
          "methods (B1/B2 = the branches' weights, B3 = all ReLU masks, B4 = the branch convs' inputs). The "
          "batch-1 columns are the suite's own numbers (the paper gives none); the batch-100 column is "
          "compared with Table 2 / Table 8 but **not claimed**: it is outside the F1/F2/B1-B4 ledger (§7.6).\n\n",
          R.md_table(["backbone", "branch params", "branch MACs (M)", "bwd input-gradient MACs (M)",
                      "bwd MACs (M)", "batch-1 peak (MiB)", "batch-1 incl. all weights (MiB)",
                      "batch-100 peak / Table 2 (MiB)", "batch-100 incl. weights / Table 8 (MiB)"], tinytl_rows),
          "\n## Selections of the two cost back-ends (the suite's own finding, not the paper's)\n\n"
          "Fisher information from a **synthetic task** (seeded random weights and inputs: mechanics, not "
          "accuracy). `proxies` = the paper's |W_i| and M_i with the analytic ledger; `simulated` = each layer's "
          f"simulated backward bytes and cycles on `{SIM_HW.relative_to(R.REPO)}` with the C++ ledger's peak on "
          "the STM32H747's caps. Budgets: B_mem = 1.1 MiB, B_compute = 15 % of FullTrain backward (MACs for "
          "proxies, simulated cycles for simulated).\n\n",
          R.md_table(["backbone", "back-end", "rule", "layers@ratio", "memory (MiB)", "bwd MACs (M)"], picks),
          "\n## Not reproduced, and why\n\n"
          "* TinyTrain's own selection (Table 2 TinyTrain column, T1/T2 TinyTrain rows): needs the meta-trained "
          "weights and Meta-Dataset tasks (class ML). Its device times use Table 2's backward MACs as given.\n"
          + tinytl_note +
          "* FullTrain (906-1,049 MB) and TinyTL (541-587 MB) batch-100 memory: outside the F1/F2/B1-B4 "
          "ledger (§7.6); it "
          "needs an activation profiler with the unfolded BN/ReLU6 tensors. Not claimed.\n"
          "* MBV2 LastLayer (1.64 MiB, 0.80 M): not reachable with the `.pkl` shapes (§7.5): reported as a miss.\n"
          "* Fig. 5 FullTrain/TinyTrain time and FullTrain energy: one per-sample framework overhead cannot "
          "reproduce a 7.5-11x gap that comes from batch-100 training of a ~1 GB footprint on a 512 MB board, "
          "and the energies follow the times (\"Energy on the Pi Zero 2\" above); reported as misses.\n"
          "* SparseUpdate for MBV2/Proxyless: no published policy (the MCUNetV3 scripts give MCUNet's only).\n"
          "* Fisher selection times (misses, 0.58-0.83x): modelled as 25 support samples x (forward + input "
          "gradients above the earliest candidate + the FISHER reduction of the last 6 blocks' convs, as the "
          "committed `workloads/ondevice/tinytrain_*_fisher.yaml` traces emit it, + the calibrated per-sample "
          "overhead); the paper's support sets are "
          "larger (Table 5: 94-460 samples) and its Fisher pass's batching is not stated (Q5).\n"
          "* Nano SparseUpdate / TinyTrain ratio (1.3x): the single calibrated per-sample overhead makes every "
          "sparse method cost about the same on the Nano; the paper's gap is not in the MAC counts.\n"
          "\nOn the selections above: with the same synthetic Fisher values, the simulated back-end's costs "
          "(backward bytes and cycles on the NPU, ledger peak) favour different layers than |W_i|·M_i: a "
          "depthwise layer's MACs are few but its backward runs at low array utilisation, and the compute "
          "budget in simulated cycles admits selections whose MAC count exceeds the MAC budget (MCUNet: 9.68 M "
          "backward MACs under the cycle budget). That is the suite's own finding, not the paper's.\n",
          "\n## Accuracy (paper inputs, not results)\n\n",
          R.md_table(["backbone", "None", "FullTrain", "LastLayer", "TinyTL", "SparseUpdate", "TinyTrain"],
                     [[k] + list(v) for k, v in ACCURACY.items()])]
    R.write(args.out_dir, "tinytrain", TITLE, rows, setup, "".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
