"""The unzipFPGA reproduction's §5.4 (against published designs) and §5.5 (resources) tables
(scripts/reproduce/unzipfpga.py calls them; spec ../shared/papers/unzipfpga.md)."""
import _report as R
from unzipfpga import ABLATION, DSPS, RAM, wl  # noqa: E402 (the script, imported as a module)


def published(run, rows, designs, squeeze_designs, zu_designs, lines):
    """§5.4 (Tables 7-8): our inf/s of the paper's five OVSF50 designs, their density (inf/s per
    device DSP) and the paper's ratios against published designs, whose numbers are fixed inputs
    (so each ratio carries our inf/s's error). Designs: Tier A's at 4x on Z7045 (ResNet-50: the
    §8.12 ablation design with input selection); on ZU7EV at 12x (Table 6 and Table 10 values are
    12x values) SqueezeNet's Tier A design and ResNet-50's ablation design with input selection."""
    ours = {
        "ResNet-18 Z7045": ("Z7045", wl("resnet18", "ovsf50"), designs[("resnet18", "unzip")], "4x", 49.90),
        "ResNet-34 Z7045": ("Z7045", wl("resnet34", "ovsf50"), designs[("resnet34", "unzip")], "4x", 31.1),
        "SqueezeNet1.1 ZU7EV": ("ZU7EV", wl("squeezenet1_1", "ovsf50"), squeeze_designs["unzip"], "12x", 792.2),
        "ResNet-50 Z7045": ("Z7045", wl("resnet50", "ovsf50"), dict(ABLATION, sel=True), "4x", 28.18),
        "ResNet-50 ZU7EV": ("ZU7EV", wl("resnet50", "ovsf50"), dict(zu_designs["resnet50"], sel=True), "12x", 71.71),
    }
    for dev, w, d, bw, _ in ours.values():
        run.want(dev, w, d, bw)
    run.flush()
    tput = {}
    for name, (dev, w, d, bw, paper) in ours.items():
        tput[name] = run.sim(dev, w, d, bw)
        rows.append(R.row("§5.4 %s OVSF50 inf/s (%s)" % (name, bw), paper, tput[name], "20%", rel=0.20, kind="paper"))
        lines.append([name, bw, R.fmt(paper), R.fmt(tput[name]), "%.4f" % (paper / DSPS[dev]),
                      "%.4f" % (tput[name] / DSPS[dev])])
    # (claim, our design, competitor value, throughput or density, paper's ratio)
    claims = [("throughput over the compiler-based ResNet-18 [17] (21.38 inf/s)", "ResNet-18 Z7045", 21.38, False, 2.33),
              ("throughput over sparse ResNet-34 [59] (27.84 inf/s)", "ResNet-34 Z7045", 27.84, False, 1.12),
              ("throughput over Snowflake ResNet-50 (17.7 inf/s)", "ResNet-50 Z7045", 17.7, False, 1.59),
              ("density over Light-OPU SqueezeNet (0.2505 inf/s/DSP)", "SqueezeNet1.1 ZU7EV", 0.2505, True, 1.83),
              ("density over Shen et al. [75] SqueezeNet (0.3260)", "SqueezeNet1.1 ZU7EV", 0.3260, True, 1.40),
              ("density over Cloud-DNN ResNet-50 (0.0105), the 3.94x headline", "ResNet-50 ZU7EV", 0.0105, True, 3.94),
              ("density over xDNN ResNet-50 (0.0112)", "ResNet-50 ZU7EV", 0.0112, True, 3.69),
              ("density over DNNVM ResNet-50 (0.016)", "ResNet-50 ZU7EV", 0.016, True, 2.58),
              ("density over ResNetAccel (0.0111; the paper prints 3.17, a digit swap of 3.74)", "ResNet-50 ZU7EV",
               0.0111, True, 3.74),
              ("density over Full-Stack [58] ResNet-50 (0.0324)", "ResNet-50 ZU7EV", 0.0324, True, 1.28),
              ("density against interconnect-aware [73] (0.0424)", "ResNet-50 ZU7EV", 0.0424, True, 0.978)]
    for what, name, value, density, paper in claims:
        ours_v = tput[name] / DSPS[ours[name][0]] if density else tput[name]
        rows.append(R.row("§5.4 %s, %s (x)" % (what, name), paper, ours_v / value, "20%", rel=0.20, kind="paper"))


# Block RAMs of the devices, for §5.5's BRAM share: the Z7045 has 545 36-Kb blocks (AMD/Xilinx
# DS190, Zynq-7000 SoC overview, Table 1: 19.2 Mb, the spec's 2.40 MB). The ZU7EV's 4.75 MB are
# 312 36-Kb blocks plus 96 UltraRAMs of 288 Kb (DS891, Zynq UltraScale+ MPSoC overview); its share
# is taken on bits.
BRAM18 = {"Z7045": 2 * 545}


def bram18_blocks(d):
    """cnn_timing.h's bram18_blocks: each ping-pong half of the input (T_R T_P), output (T_R T_C)
    and weights (T_P T_C) buffers rounded up to 18-Kb blocks of 16-bit words."""
    blk = lambda words: -(-words * 16 // 18432)
    return 2 * (blk(d["T_R"] * d["T_P"]) + blk(d["T_R"] * d["T_C"]) + blk(d["T_P"] * d["T_C"]))


def resources(rows, designs, zu_designs, lines):
    """§5.5: DSP and BRAM shares of the designs the simulator ran (Z7045 at 4x; ResNet-50 on ZU7EV).
    DSP follows from the design (T_P T_C + M); BRAM counts the three ping-pong buffers only (§8.8:
    the paper's BRAM also holds what Eq. 9 omits, FIFOs and HLS overheads); LUT needs the
    unpublished regression and is not compared."""
    table = [("ResNet-34 vanilla", ("resnet34", "vanilla"), "Z7045", 99, 83),
             ("ResNet-34 Tay82", ("resnet34", "vanilla"), "Z7045", 99, 79),
             ("ResNet-34 OVSF50", ("resnet34", "unzip"), "Z7045", 100, 81),
             ("ResNet-34 Tay82+OVSF50", ("resnet34", "unzip"), "Z7045", 100, 87),
             ("ResNet-18 vanilla", ("resnet18", "vanilla"), "Z7045", 78, 99),
             ("ResNet-18 Tay88", ("resnet18", "vanilla"), "Z7045", 78, 99),
             ("ResNet-18 OVSF50", ("resnet18", "unzip"), "Z7045", 100, 87),
             ("ResNet-18 Tay82+OVSF50", ("resnet18", "unzip"), "Z7045", 100, 83),
             ("ResNet-50 OVSF50 (ZU7EV)", "resnet50-zu", "ZU7EV", 100, 87)]
    for name, key, dev, dsp_p, bram_p in table:
        d = dict(zu_designs["resnet50"]) if key == "resnet50-zu" else designs[key]
        dsp = 100.0 * (d["T_P"] * d["T_C"] + d["M"]) / DSPS[dev]
        pinned = key == ("resnet18", "unzip")
        rows.append(R.row("§5.5 %s DSP %%%s" % (name, " (design pinned from the paper's DSP shares)" if pinned else
                                                 ", DSE design"), dsp_p, dsp, "exact (1 point)",
                          within=abs(dsp - dsp_p) <= 1, kind="calibration" if pinned else "paper"))
        if dev in BRAM18:
            bram = 100.0 * bram18_blocks(d) / BRAM18[dev]
            how = "%d of %d 18-Kb blocks" % (bram18_blocks(d), BRAM18[dev])
        else:
            bram = 100.0 * 16 * (2 * d["T_R"] * d["T_P"] + 2 * d["T_R"] * d["T_C"] + 2 * d["T_P"] * d["T_C"]) / RAM[dev]
            how = "buffer bits of %d" % RAM[dev]
        rows.append(R.row("§5.5 %s BRAM %% (buffers only)" % name, bram_p, bram, "±10 points",
                          within=abs(bram - bram_p) <= 10, kind="paper"))
        lines.append([name, str({k: v for k, v in d.items() if k != "sel"}), "%.1f" % dsp, str(dsp_p),
                      "%.1f (%s)" % (bram, how), str(bram_p), "not modelled"])
