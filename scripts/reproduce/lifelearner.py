#!/usr/bin/python3
"""LifeLearner (Kwon et al., SenSys 2023): compressed rehearsal memory accounting
(lifelearner.md §4: Table 1, Table 2 memory, L1, L2) from the C++ memory ledger replaying each
episode's allocation events, on the SBC and MCU presets' memory spaces.

    /usr/bin/python3 scripts/reproduce/lifelearner.py [--quick] [--out-dir DIR]

The ANML shapes are assumed (lifelearner.md Q1, docs/ondevice_learning.md); the buffer and
codebook terms are exact. Table 2 times and energies, L3-L5 on the Jetson Nano preset: the
episode's macro-operations (workloads/exporters/lifelearner_cost.py) calibrated on the ANML rows
and the int8 difference (Q7); L6 times and energies on the STM32H747 preset, calibrated on one
Backbone row. Every energy is the cost's activity priced by the preset's energy table through the
suite's energy model (npusim.ondevice_energy). Accuracy is not reproduced (the report's last section).
"""
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _report as R  # noqa: E402

sys.path.insert(0, str(R.REPO / "workloads"))
from exporters import lifelearner as ll, lifelearner_cost as lc  # noqa: E402

MIB = 2 ** 20
TITLE = "LifeLearner: Hardware-Aware Meta Continual Learning System for Embedded Computing Platforms (SenSys 2023)"
DEV = R.REPO / "hw_configs" / "ondevice"
DS = ("cifar100", "miniimagenet", "gscv2")
# Table 1 / Table 2 memory (MB as printed; read as MiB, the unit that matches the dense-latent
# deltas: lifelearner.md §7.4), ANML and LifeLearner; Table 2's Latent, Latent+Bit, Latent+Bit+PQ
TABLE1 = {"cifar100": (39.69, 15.45), "miniimagenet": (474.5, 136.7), "gscv2": (10.16, 3.40)}
TABLE2 = {"cifar100": (53.9, 41.2, 40.4), "miniimagenet": (512.5, 477.7, 476.4), "gscv2": (12.0, 10.4, 10.3)}
L1 = {"cifar100": 1.68, "miniimagenet": 6.16, "gscv2": 0.66}
# Table 2 Nano times (s) and energies (kJ): ANML, Latent, Latent+Bit, Latent+Bit+PQ, LifeLearner
# (Latent+PQ, dense PQ, is not modelled: its codebook is unclear, Q3)
TIMES = {"cifar100": (343.2, 432.5, 466.9, 471.4, 414.7), "miniimagenet": (1280, 1492, 1551, 1560, 1373),
         "gscv2": (78.6, 90.6, 90.8, 95.2, 83.8)}
ENERGY = {"cifar100": (1.58, 1.99, 2.15, 2.17, 1.91), "miniimagenet": (5.89, 6.86, 7.14, 7.18, 6.32),
          "gscv2": (0.36, 0.42, 0.42, 0.44, 0.39)}
COLUMNS = (("ANML", "none", 32), ("Latent", "dense", 32), ("Latent+Bit", "bitmap", 32),
           ("Latent+Bit+PQ", "bitmap_pq", 32), ("LifeLearner", "bitmap_pq", 8))
# L6 (Table 3), STM32H747, one class from 10 samples: (ms, mJ) for Backbone, Tiny ANML, Tiny LL
L6 = {"cifar100": ((561, 128), (579, 134), (832, 195)), "miniimagenet": ((926, 221), (944, 218), (1204, 282)),
      "gscv2": ((956, 218), (968, 223), (1160, 271))}
PRETRAINED = {"cifar100": 339, "miniimagenet": 1331, "gscv2": 79}  # Fig. 5 bar labels (L3)
PI3BP_LL = {"cifar100": 460, "miniimagenet": 1231, "gscv2": 56}
ACC = {"cifar100": (.272, .452, .452, .448, .446, .443), "miniimagenet": (.327, .433, .433, .430, .423, .411),
       "gscv2": (.429, .713, .713, .708, .707, .656)}


def peak(npusim, trace, device=None, space="dram"):
    rep = npusim.training_report(trace, str(device) if device else None)[0]
    return rep["ledger"]["spaces"][space]["peak_bytes"], rep


def minibatches(ds, samples=30):
    """Replay minibatches of batch 8 over the episode: class t replays its S and the (t - 1) S stored."""
    return sum(-(-samples * t // 8) for t in range(1, ll.META_TEST_CLASSES[ds] + 1))


def mcu_times(npusim, add):
    """L6 times and energies on the STM32H747 preset: the class's macro-operations at the TinyANML
    widths, one roofline share calibrated on CIFAR-100's Backbone row."""
    h747 = lc.device_rates(npusim, DEV / "stm32h747.yaml")
    cal = lc.mcu_calibration(h747, L6["cifar100"][0][0] / 1e3)
    table = []
    for ds in DS:
        for (ms, mj), variant in zip(L6[ds], lc.MCU_VARIANTS):
            counts = lc.mcu_class_counts(ds, variant)
            t = lc.episode_time(counts, h747, cal)["total"]
            e = lc.episode_energy(npusim, DEV / "stm32h747.yaml", counts, h747, cal)
            # in-sample: the time share and the core's power (ondevice_stm32h747.yaml) are solved from it
            kind = "calibration" if (ds, variant) == ("cifar100", "Backbone") else "paper"
            add(f"{ds} L6 {variant} on the STM32H747 (ms)", ms, t * 1e3, "", 0.25, kind=kind)
            add(f"{ds} L6 {variant} on the STM32H747 (mJ)", mj, e["total_j"] * 1e3, "", 0.25, kind=kind)
            table.append([ds, variant, f"{t * 1e3:.0f}", ms, f"{e['total_j'] * 1e3:.0f}", mj,
                          f"{e['average_power_w']:.3f}"])
    fe = {d: lc.mcu_class_counts(d, "Backbone")["macs"]["fe_fwd"] for d in DS}
    pr = {d: L6[d][0][0] / L6["cifar100"][0][0] for d in DS}
    mr = {d: fe[d] / fe["cifar100"] for d in DS}
    extra = [L6[d][2][0] - L6[d][1][0] for d in DS]
    text = (f"One class of 10 samples at the TinyANML widths (0.2 / 0.05 / 0.4) with the MCU's PQ length "
            f"d = 128 / 128 / 64 (from Tiny LL's flash step, 4·d·K), on the preset's roofline "
            f"(480 MHz, 1 MAC/cycle) at a share eta = {cal['eta']:.3f} calibrated on CIFAR-100's Backbone row; "
            "Backbone = the int8 FE's inference only [I], Tiny ANML = + the classifier's steps, Tiny LL = + "
            "compression and the class's replay. Energy: the class's activity (core busy time, SRAM and flash "
            "bytes, elapsed time) priced by `hw_configs/energy/ondevice_stm32h747.yaml`, whose core power is "
            "solved from the same Backbone row (128 mJ / 561 ms: the spec's 0.23 W); the core is busy the whole "
            "time on bare metal, so the mean power barely moves between rows and each energy row follows its "
            "time row. "
            f"The misses: the paper's Backbone rows take {pr['miniimagenet']:.2f}x / {pr['gscv2']:.2f}x "
            f"CIFAR-100's time (MiniImageNet / GSCv2) while our assumed TinyANML shapes have {mr['miniimagenet']:.2f}x"
            f" / {mr['gscv2']:.2f}x its FE MACs (the paper gives no TinyANML shapes: the input size and pooling "
            f"move them), and its Tiny LL adds {min(extra):.0f}-{max(extra):.0f} ms over Tiny ANML that "
            "compression and one class's replay do not account for in MACs and bytes (the compression module's "
            "and the Eigen engine's per-sample costs are not given).\n\n")
    return text, table


def latency_energy(npusim, add):
    """Table 2 times and energies, L3 (Pretrained, LifeLearner on the Pi 3B+), L4, L5: the episode's
    macro-operations on the Jetson Nano preset (workloads/exporters/lifelearner_cost.py)."""
    nano_dev = DEV / "jetson_nano.yaml"
    nano = lc.device_rates(npusim, nano_dev)
    cal = lc.nano_calibration(npusim, nano_dev)  # Table 2: the rows in TIMES below
    sim, sim_j, table = {}, {}, []
    for ds in DS:
        for i, (col, scheme, bits) in enumerate(COLUMNS):
            counts = lc.episode_counts(ds, scheme)
            t = lc.episode_time(counts, nano, cal, fe_bits=bits)
            e = lc.episode_energy(npusim, nano_dev, counts, nano, cal, fe_bits=bits)
            sim[ds, col], sim_j[ds, col] = t["total"], e["total_j"]
            # in-sample: the two ANML rows fix a and eta (f_int8 is fitted to a difference, below);
            # CIFAR-100's ANML energy also fixes the framework power (ondevice_jetson_nano.yaml), and
            # MiniImageNet's ANML energy stays in-sample because its time is
            tcal = col == "ANML" and ds != "gscv2"
            add(f"{ds} Table 2 {col} Nano episode time (s)", TIMES[ds][i], t["total"], "", 0.20,
                kind="calibration" if tcal else "paper")
            add(f"{ds} Table 2 {col} Nano energy (kJ)", ENERGY[ds][i], e["total_j"] / 1e3, "",
                0.25, kind="calibration" if tcal else "paper")
            p = t["parts"]
            table.append([ds, col, f"{p['framework']:.1f}", f"{p['fe_fwd']:.1f}",
                          f"{p['fc_inner'] + p.get('replay', 0):.1f}", f"{p.get('adam', 0):.2f}",
                          f"{p.get('compress', 0) + p.get('pq_encode', 0) + p.get('decode', 0) + p.get('codebook', 0):.2f}",
                          f"{t['total']:.1f}", f"{e['total_j'] / 1e3:.2f}", f"{e['average_power_w']:.2f}"])
        if ds == "cifar100":
            add("cifar100 Table 2 LifeLearner - Latent+Bit+PQ Nano time (s, fits f_int8)",
                TIMES[ds][4] - TIMES[ds][3], sim[ds, "LifeLearner"] - sim[ds, "Latent+Bit+PQ"], "", 0.01,
                kind="calibration")
        # L3: Pretrained fine-tunes the same network without rehearsal, costed as ANML [I]
        add(f"{ds} L3 Pretrained Nano time (s)", PRETRAINED[ds], sim[ds, "ANML"], "", 0.20)
    pi_dev = DEV / "rpi3bp.yaml"
    pi = lc.device_rates(npusim, pi_dev)
    pi_rows = []
    for ds in DS:  # the Nano's calibrated a, eta, f_int8 on the Pi 3B+'s roofline [I]
        counts = lc.episode_counts(ds, "bitmap_pq")
        t = lc.episode_time(counts, pi, cal, fe_bits=8)["total"]
        e = lc.episode_energy(npusim, pi_dev, counts, pi, cal, fe_bits=8)
        add(f"{ds} L3 LifeLearner on the Pi 3B+ (s)", PI3BP_LL[ds], t, "", 0.20)
        # L4's "Pi 3B+ uses less energy than the Nano": the two predicted energies' ratio below 1
        ratio = e["total_j"] / sim_j[ds, "LifeLearner"]
        add(f"{ds} L4 LifeLearner energy, Pi 3B+ / Nano (paper: below 1)", 1.0, ratio, "< 1", None,
            within=ratio < 1.0)
        # what the Pi's energy model gives at the paper's own Pi 3B+ time, at the same mean power
        pi_rows.append([ds, f"{t:.0f}", f"{e['total_j'] / 1e3:.2f}", f"{e['average_power_w']:.2f}",
                        f"{sim_j[ds, 'LifeLearner'] / 1e3:.2f}", f"{ratio:.2f}", PI3BP_LL[ds],
                        f"{PI3BP_LL[ds] * e['average_power_w'] / 1e3:.2f}", ENERGY[ds][4]])
    # L5: means over the datasets
    over = sum(sim[d, "LifeLearner"] - sim[d, "ANML"] for d in DS) / 3
    below = sum(sim[d, "Latent"] - sim[d, "LifeLearner"] for d in DS) / 3
    over_j = sum(sim_j[d, "LifeLearner"] - sim_j[d, "ANML"] for d in DS) / 3
    below_j = sum(sim_j[d, "Latent"] - sim_j[d, "LifeLearner"] for d in DS) / 3
    add("L5 LifeLearner - ANML, mean (s)", 56.6, over, "", 0.25)
    add("L5 LifeLearner - ANML, mean (kJ)", 0.3, over_j / 1e3, "", 0.25)
    add("L5 Latent - LifeLearner, mean (s)", 47.9, below, "", 0.25)
    add("L5 Latent - LifeLearner, mean (kJ)", 0.2, below_j / 1e3, "", 0.25)
    short = [1 - sim[d, c] / TIMES[d][i] for d in ("cifar100", "miniimagenet")
             for i, (c, _, _) in enumerate(COLUMNS) if c.startswith("Latent")]
    gsc = sim["gscv2", "ANML"] / TIMES["gscv2"][0] - 1
    anml = lc.episode_energy(npusim, nano_dev, lc.episode_counts("cifar100", "none"), nano, cal)
    each = {a: v["energy_each_j"] for c in anml["components"] if c["type"] == "cpu" for a, v in c["actions"].items()}
    fw_w, core_w = each["framework_ns"] * 1e9, each["compute_core_ns"] * 1e9
    paper_w = [ENERGY[d][i] * 1e3 / TIMES[d][i] for d in DS for i in range(5)]
    model_w = [sim_j[k] / sim[k] for k in sim]
    text = (f"Calibrated constants (Nano): per-sample framework cost a = {cal['a'] * 1e3:.1f} ms, PyTorch's share "
            f"of the fp32 roofline eta = {cal['eta']:.4f}, int8 FE time per MAC f_int8 = {cal['f_int8']:.3f} x "
            f"fp32; the framework's power {fw_w:.2f} W ({fw_w / core_w:.1f} busy A57-core equivalents at the "
            f"assumed {core_w:.2f} W each), solved from CIFAR-100's ANML energy "
            "(`hw_configs/energy/ondevice_jetson_nano.yaml`).\n\n"
            "**Energy** is each episode's activity (the framework's seconds, the cores' kernel seconds, DRAM bytes "
            "read and written, the elapsed time for the board's static power) priced by the Nano's energy table "
            "through the suite's energy model (`npusim.ondevice_energy`, the pricing of `sim/energy`): board 1.5 W, "
            f"{core_w:.2f} W per busy core and 40 pJ/B of LPDDR4 are outside figures [X], the framework's power "
            "the one calibrated constant. It comes out above the four cores' assumed 3 W: either the assumed "
            "board and core powers are low for the paper's Nano (tegrastats' input rail) or the stack drew more "
            "than its CPU time suggests; the table keeps the solved value and says so. The paper's Table 2 "
            f"energies are its times x an almost constant power ({min(paper_w):.2f}-{max(paper_w):.2f} W over the "
            f"15 cells); the model's mean power per row spans {min(model_w):.2f}-{max(model_w):.2f} W (rows "
            "dominated by the feature extractor draw less than those dominated by framework time), so each energy "
            "row misses or hits with its time row.\n\n")
    misses = ("**Misses and their causes.** On the roofline, rehearsal adds little: the replayed classifier steps and "
              "the bitmap/PQ passes are a few seconds of MACs and bytes (the table above), while the paper measures "
              f"+{TIMES['cifar100'][1] - TIMES['cifar100'][0]:.0f} s (CIFAR-100 Latent) to "
              f"+{TIMES['cifar100'][3] - TIMES['cifar100'][0]:.0f} s (Latent+Bit+PQ) over ANML. That difference is "
              "per-step framework cost of the paper's PyTorch/Faiss implementation (Python-level decompression and "
              "optimiser steps per replayed latent), which the spec does not let us calibrate beyond the ANML rows "
              "(they hold no rehearsal), so the Latent rows of CIFAR-100 and MiniImageNet come out "
              f"{100 * min(short):.0f}-{100 * max(short):.0f} % low; with the int8 FE's saving calibrated on "
              "CIFAR-100, MiniImageNet's larger FE share makes its LifeLearner row low as well, and L5's mean "
              "overheads follow (the FE saving outweighs the rehearsal cost, so LifeLearner - ANML turns negative). "
              f"GSCv2's ANML row is a prediction from the other two datasets' constants: {100 * gsc:.0f} % high, "
              "which lifts its other columns into tolerance. The Pi 3B+ reuses the Nano's calibrated constants on "
              "its own roofline [I]. Read as a cost per replay minibatch, the paper's Latent - ANML gap would be "
              + " / ".join(f"{1e3 * (TIMES[d][1] - TIMES[d][0]) / minibatches(d):.0f}" for d in DS)
              + " ms (CIFAR-100 / MiniImageNet / GSCv2): neither one constant nor proportional to the latent size "
              "(n = 4,096 / 16,384 / 1,536), so calibrating one on a Latent row "
              "would not predict the other datasets either.\n")
    return text, table, misses, pi_rows


def pi_note(pi_rows):
    """Why the L4 rows miss, from the table's numbers."""
    lo = min(float(r[3]) for r in pi_rows)
    need = {r[0]: 1e3 * r[8] / r[6] for r in pi_rows}  # W at which the paper's Pi time costs the Nano's energy
    cheaper = [r[0] for r in pi_rows if float(r[7]) < r[8]]
    return (f"The L4 rows miss: the published board figures put the Pi 3B+ at {lo:.1f} W or more under this load, "
            "above the Nano's modelled 4.5-4.6 W, while our Pi 3B+ times come out within a few per cent of the "
            "Nano's (both run the Nano's calibrated constants, and their rooflines differ little). Even at the "
            "paper's own Pi 3B+ times, the modelled Pi is cheaper than the paper's Nano only for "
            + (" and ".join(cheaper) or "no dataset")
            + f"; on CIFAR-100 the claim needs the Pi below {need['cifar100']:.2f} W (the Nano's energy over the "
            "Pi's time; MiniImageNet / GSCv2: "
            + " / ".join(f"{need[d]:.2f}" for d in DS[1:])
            + " W), under its published `stress --cpu 4` figure: the paper's Pi ran its stack at a lower power "
            "than the Nano's framework power carried over in busy cores assumes (the spec gives no Pi power to "
            "calibrate on).\n")


def main():
    args = R.parse_args(__doc__, sweep=True)
    npusim = R.npusim()
    rows, notes = [], []

    def add(q, paper, sim, tol, rel, kind="paper", within=None):
        rows.append(R.row(q, paper, sim, tol or f"{rel:.0%}", rel=rel, within=within, kind=kind))

    for ds in DS:
        anml, _ = peak(npusim, ll.episode_trace(ds, "none", fe_bits=32))
        life, _ = peak(npusim, ll.episode_trace(ds, "bitmap_pq", fe_bits=8))
        add(f"{ds} Table 1 ANML memory (MiB)", TABLE1[ds][0], anml / MIB, "", 0.05)
        add(f"{ds} Table 1 LifeLearner memory (MiB)", TABLE1[ds][1], life / MIB, "", 0.10)
        for scheme, paper in zip(("dense", "bitmap", "bitmap_pq"), TABLE2[ds]):
            p, _ = peak(npusim, ll.episode_trace(ds, scheme, fe_bits=32))
            add(f"{ds} Table 2 Latent{'+Bit' if 'bitmap' in scheme else ''}{'+PQ' if 'pq' in scheme else ''} "
                f"memory (MiB)", paper, p / MIB, "", 0.05)
            add(f"{ds} L2 {scheme} memory delta vs ANML (MiB)", paper - TABLE1[ds][0], (p - anml) / MIB, "", 0.15)
        c = ll.DATASETS[ds]
        growth = ll.sample_bytes(c["n"], 0, c["d"], "bitmap_pq") * 3000 / 1e6
        add(f"{ds} L1 buffer for 100 classes x 30 samples (MB)", L1[ds], growth, "", 0.10)
        if ds == "cifar100":  # "about 30x" is stated for CIFAR only
            add("cifar100 L1 compression per sample vs dense (x)", 30.0,
                4 * c["n"] / ll.sample_bytes(c["n"], 0, c["d"], "bitmap_pq"), "", 0.10)

    lat_text, lat_table, lat_misses, pi_rows = latency_energy(npusim, add)
    mcu_text, mcu_table = mcu_times(npusim, add)

    # memory spaces: the MCU keeps the codebook in flash (deployment) and the buffer in SRAM
    h747 = DEV / "stm32h747.yaml"
    for ds in DS:
        tr = ll.episode_trace(ds, "bitmap_pq", fe_bits=8, mcu=True, classes=1, samples=10)
        _, rep = peak(npusim, tr, h747, space="sram")
        sp = rep["ledger"]["spaces"]
        notes.append([ds, f"{sp['sram']['peak_bytes'] / 1024:.0f}", f"{sp['flash']['peak_bytes'] / 1024:.0f}",
                      "; ".join(f"{o['space']} {o['need_bytes'] / 1024:.0f} KiB > {o['capacity_bytes'] / 1024:.0f} KiB"
                                for o in rep["ledger"]["oom"]) or "fits"])
    sbc = []
    for dev in ("jetson_nano", "rpi3bp"):
        for ds in DS:
            _, rep = peak(npusim, ll.episode_trace(ds, "dense", fe_bits=32, classes=100), DEV / (dev + ".yaml"))
            sbc.append([dev, ds, f"{rep['ledger']['spaces']['dram']['peak_bytes'] / MIB:.1f}",
                        "OOM" if rep["ledger"]["oom"] else "fits"])

    # Fig. 6 grid (S samples per class, E replay epochs, L sub-vector length) on CIFAR-100 at d = 256:
    # per class, the bytes the buffer grows by and the compression/replay work (no latency: not modelled)
    c = ll.DATASETS["cifar100"]
    grid = []
    for S in (10, 20, 30):
        for E in (1, 2, 5):
            for L in (8, 32, 128):
                m = c["d"] // L
                per = ll.sample_bytes(c["n"], 0, c["d"], "bitmap_pq", m=m)
                # class 100 replays the 99 x S stored latents plus its S new samples, E times, 8 per batch
                replay = E * -(-(S + 99 * S) // 8)
                grid.append([S, E, L, m, per, S * per, S * c["d"] * ll.K, E * 99 * S, replay])
    # the same grid's macro-operations simulated on the generic NPU through the sweep engine
    npu_rel = "hw_configs/generic_npu/edge_32x32.yaml"
    fig6 = R.REPO / "npusim-out" / "ondevice" / "fig6"  # generated traces (ignored by git)
    fig6.mkdir(parents=True, exist_ok=True)
    points = {}
    for S, E, L in ((g[0], g[1], g[2]) for g in grid):
        path = fig6 / f"cifar100_class100_S{S}_E{E}_L{L}.yaml"
        text = yaml.safe_dump(ll.class_step_ops("cifar100", 100, samples=S, epochs=E, sub_len=L), sort_keys=False)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        points[(S, E, L)] = (npu_rel, str(path.relative_to(R.REPO)), {})
    if args.quick:
        points = {k: v for k, v in points.items() if k[1] == 1}
    swept = R.simulate({"fig6": points}, args, __file__, "lifelearner")["fig6"]
    nano = lc.device_rates(npusim, DEV / "jetson_nano.yaml")
    cal = lc.nano_calibration(npusim, DEV / "jetson_nano.yaml")
    for g in grid:
        st = swept.get((g[0], g[1], g[2]))
        g.append(f"{st['total_seconds'] * 1e3:.2f}" if st else "-")
        counts = lc.class_counts("cifar100", "bitmap_pq", 100, samples=g[0], epochs=g[1], m=g[3])
        t = lc.episode_time(counts, nano, cal, fe_bits=8)["total"]
        e = lc.episode_energy(npusim, DEV / "jetson_nano.yaml", counts, nano, cal, fe_bits=8)["total_j"]
        g += [f"{t:.2f}", f"{e:.1f}"]
    # peak memory versus classes learned (the ledger's timeline, 100 classes x 30 samples)
    curves = {}
    for scheme in ("dense", "bitmap", "bitmap_pq"):
        _, rep = peak(npusim, ll.episode_trace("cifar100", scheme, fe_bits=8 if scheme == "bitmap_pq" else 32,
                                               classes=100))
        curves[scheme] = [(t["step"], t["dram"] / MIB) for t in rep["ledger"]["timeline"]]
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for scheme, label in (("dense", "Latent (fp32 ANML)"), ("bitmap", "Latent+Bit (fp32 ANML)"),
                          ("bitmap_pq", "LifeLearner (int8 FE, bitmap+PQ)")):
        ax.plot([x for x, _ in curves[scheme]], [y for _, y in curves[scheme]], label=label)
    ax.set_xlabel("classes learned (CIFAR-100, 30 samples each)")
    ax.set_ylabel("memory (MiB, ledger)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(args.out_dir) / "lifelearner.png", dpi=100, metadata={"Software": None})
    plt.close(fig)

    # the macro-operations of learning the last meta-test class, simulated on the generic NPU
    npu = R.REPO / "hw_configs" / "generic_npu" / "edge_32x32.yaml"
    macro = []
    for ds in DS:
        t = ll.META_TEST_CLASSES[ds]
        st = npusim.run(str(npu), ll.class_step_ops(ds, t))
        groups = {}
        for layer in st["breakdown"]["layers"]:
            g = layer["name"].split(".")[0]
            groups[g] = groups.get(g, 0) + layer["cycles"]
        total = sum(groups.values())
        macro.append([ds, t] + [f"{100 * groups.get(g, 0) / total:.1f}" for g in
                                ("fe_fwd_int8", "ewise_mul", "bitmap_pack", "pq_encode", "pq_decode", "fc_fwd",
                                 "fc_bwd_dw", "adam")] + [f"{st['total_seconds'] * 1e3:.2f}",
                                                  f"{st['energy']['total_j'] * 1e3:.1f}"])

    setup = ("ANML shapes assumed (lifelearner.md Q1); memory from the C++ ledger (sim/memory_ledger) replaying "
             "each episode's allocations; PQ with M = 32 codes and d = 256 / 640 / 64 (calibrated, §7.2).")
    md = [f"# LifeLearner reproduction\n\n{TITLE}. Spec: `../shared/papers/lifelearner.md`. Generated by "
          "`scripts/reproduce/lifelearner.py`; method in [../ondevice_learning.md](../ondevice_learning.md).\n\n",
          f"**{R.headline(rows)}**\n\n",
          "Memory is the sum of Table 1's terms: feature extractor (fp32 in ANML and the Latent rows, int8 in "
          "LifeLearner) + classifier × (1 + 3 for Adam) + rehearsal buffer + codebook, over the meta-test "
          "classes (30 / 20 / 10 × 30 samples). The buffer and codebook are exact; the feature extractor comes "
          "from assumed ANML shapes (3×3 convs, 2×2 max-pools, the NM gate head), so the model terms carry the "
          "shape assumption. Non-zeros per latent: density × n (7 / 5 / 8 %); labels 0 B (declared, §7.3).\n",
          R.kinds_table(rows),
          "\n## Latency and energy of the episode on the Jetson Nano (Table 2, L3-L5)\n\n"
          "The episode's macro-operations (`workloads/exporters/lifelearner_cost.py`: per new sample the FE "
          "forward and the classifier step; per class the compression of its samples, the replay minibatches "
          "(batch 8, one epoch) with Adam, and the decoding of the stored latents) costed on the Nano preset's "
          "roofline as the C++ cost model gives it (`sim/memory_ledger/device.h`), plus three constants "
          "calibrated as the spec allows (rows marked calibration): a per-sample framework cost and PyTorch's "
          "share of the roofline, solved from the CIFAR-100 and MiniImageNet ANML rows, and the int8 FE's time per "
          "MAC from the CIFAR-100 LifeLearner - Latent+Bit+PQ difference (Q7); a fourth, the framework's power, "
          "is solved from CIFAR-100's ANML energy (below). Latent+PQ (dense PQ) is not modelled (Q3).\n\n", lat_text,
          R.md_table(["dataset", "column", "framework (s)", "FE fwd (s)", "classifier fwd+dW (s)", "Adam (s)",
                      "compress+decode (s)", "total (s)", "energy (kJ)", "mean power (W)"], lat_table),
          "\n", lat_misses,
          "\n### L4: LifeLearner on the Pi 3B+ against the Nano\n\n"
          "The Pi 3B+ has no stated power, so its energy table (`hw_configs/energy/ondevice_rpi3bp.yaml`) holds "
          "published bench figures of a bare board [X] (1.9 W idle, 0.8 W per busy A53 core) and the Nano's "
          "calibrated framework power carried over in busy-core equivalents [D]; nothing in it is fitted to a "
          "Pi number, so the L4 rows above are predictions. The last two columns price the paper's own Pi 3B+ "
          "time (Fig. 5) at the model's mean Pi power, beside the paper's Nano energy (Table 2), to separate "
          "the time miss from the power model (an aside, not a row).\n\n",
          R.md_table(["dataset", "Pi time (s)", "Pi energy (kJ)", "Pi mean power (W)", "Nano energy, model (kJ)",
                      "Pi / Nano", "paper Pi time (s)", "paper Pi time x model power (kJ)",
                      "paper Nano energy (kJ)"], pi_rows),
          "\n", pi_note(pi_rows),
          "\n## L6: one class on the STM32H747 (time and energy)\n\n", mcu_text,
          R.md_table(["dataset", "variant", "simulated (ms)", "paper (ms)", "simulated (mJ)", "paper (mJ)",
                      "mean power (W)"], mcu_table),
          "\n## Memory spaces on the STM32H747 (one class of 10 samples, Tiny LifeLearner at full width)\n\n"
          "The codebook and the int8 feature extractor are deployed to flash at step 0; the buffer grows in SRAM. "
          "At full ANML width the model does not fit the MCU's caps (the paper's TinyANML widths 0.2 / 0.05 / 0.4 "
          "are not reproduced): the ledger reports the OOM instead of failing.\n\n",
          R.md_table(["dataset", "SRAM peak (KiB)", "flash (KiB)", "OOM events"], notes),
          "\n## SBC free-memory caps (dense latents, ANML fp32, 100 classes)\n\n",
          R.md_table(["device", "dataset", "peak (MiB)", "ledger"], sbc),
          "\n## Peak memory versus classes learned\n\n![memory vs classes](lifelearner.png)\n\n"
          "The ledger's timeline of a 100-class CIFAR-100 episode (step t = after class t).\n"
          "\n## Fig. 6 grid on CIFAR-100 (d = 256): bytes and work per class\n\n"
          "S samples per class, E replay epochs, L sub-vector length (M = d / L one-byte codes). Work is "
          "counted for the 100th class (99 classes stored). The last column is the class's macro-operations "
          "(`lifelearner.class_step_ops`, written to npusim-out/ondevice/fig6/) simulated on the generic NPU (`hw_configs/generic_npu/edge_32x32.yaml`) "
          "through the sweep engine (results in npusim-out/sweeps/lifelearner.sqlite); the last two are the "
          "class on the Jetson Nano preset with the calibrated episode cost model (above). Both are the suite's "
          "own numbers: the spec states no Fig. 6 values to compare with.\n\n",
          R.md_table(["S", "E", "L", "codes (B)", "bytes/sample", "buffer growth/class (B)", "PQ encode MACs",
                      "latents decoded", "replay minibatches", "NPU time (ms)", "Nano time (s)", "Nano energy (J)"],
                     grid),
          "\n## Macro-operations of one class on the generic NPU (the suite's own numbers, no paper "
          "counterpart)\n\n"
          f"Learning the last meta-test class (30 samples, the previous classes' latents replayed once, batch 8) "
          f"as the operators of `lifelearner.class_step_ops`, simulated on `{npu.relative_to(R.REPO)}` (int8): "
          "share of the cycles per macro-operation, and the class's energy from the suite's energy model (the "
          "preset's `horowitz_45nm` table pricing the run's activity counts, docs/energy.md). At full ANML "
          "width the feature extractor does not fit the "
          "8x8 micro-NPU's 512 KiB.\n\n",
          R.md_table(["dataset", "class", "FE_FWD_INT8 %", "EWISE_MUL %", "BITMAP_PACK %", "PQ_ENCODE %",
                      "PQ_DECODE %", "FC_FWD %", "FC_BWD_DW %", "ADAM %", "total (ms)", "energy (mJ)"], macro),
          "\n## Not reproduced, and why\n\n"
          "* Fig. 5's Oracle, OML+AIM and ANML+AIM times and ANML+AIM's 32.7 / 2.0 kJ (L3, L4): Oracle trains the "
          "feature extractor i.i.d. for 5-10 epochs (no schedule given) and the AIM module's shapes are not given.\n"
          "* L6 MCU memory (SRAM / flash KB): the flash totals include the TFLM runtime and the 80 KB "
          "compression/backprop binary, whose split is not given.\n"
          "* OML+AIM and ANML+AIM memory: the AIM module's shapes are not given.\n"

          "* Latent+PQ (dense PQ) memory: the codebook size behind it is unclear (§6 Q3).\n",
          "\n## Accuracy (paper inputs, not results)\n\n",
          R.md_table(["dataset", "ANML", "Latent", "Latent+Bit", "Latent+PQ", "Latent+Bit+PQ", "LifeLearner"],
                     [[k] + list(v) for k, v in ACC.items()])]
    R.write(args.out_dir, "lifelearner", TITLE, rows, setup, "".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
