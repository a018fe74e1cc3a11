"""LifeLearner's continual-learning episode costed on an on-device preset (lifelearner.md §3,
§4 Table 2 times, Fig. 5, L3-L5): the episode's macro-operations counted (MACs and bytes), the
device's CPU rates taken from the C++ cost model (sim/memory_ledger/device.h, through
`npusim.training_report`), and three calibrated constants.

Episode (dataset, scheme): T meta-test classes x S new samples per class (30 / 20 / 10 x 30),
replay epochs E = 1, minibatch 8 (lifelearner.md §2 [C]). Per new sample (the inner loop):
  FE_FWD      fe_macs MACs at fp32 (ANML, Latent rows) or int8 (LifeLearner)
  FC step     2·n·C MACs (forward + weight gradient of the n x C classifier)
  + a         the per-sample framework cost [calibrated]
Per class t, unless the scheme is "none" (ANML: no rehearsal):
  compress    S new latents: bitmap n compares (4n B read, n/8 B written), PQ encode d·K MACs
  replay      E·ceil(S·t / 8) minibatches: FC fwd + dW 2·8·n·C MACs, Adam 28 B per classifier
              parameter (read w, g, m, v; write w, m, v: 7 fp32 words) [I]
  decode      E·S·(t-1) stored latents: dense reads 4n B; bitmap 4·nnz + n/8 B read and 4n B
              scattered; bitmap+PQ n/8 + M B read, 4n B scattered, and (`codebook`) 4d B of
              codebook gathered
Bytes written (for the energy of each space): the bitmap's n/8 B per compressed latent, the
scattered 4n B per decoded one, and Adam's 3 of its 7 words.
Time = a·(new samples) + MACs · s_mac / eta (x f_int8 on the int8 FE's MACs) + bytes · s_byte,
where s_mac and s_byte are the preset's roofline (cores · clock · macs_per_cycle and
memory_bandwidth) and the calibrated constants are:
  a, eta    solved exactly from two ANML rows (CIFAR-100 and MiniImageNet, Table 2): the
            per-sample framework cost and PyTorch's share of the roofline;
  f_int8    the int8 (QNNPACK) FE's time per MAC relative to fp32, from the CIFAR-100 difference
            LifeLearner - Latent+Bit+PQ (the two rows differ only in the FE precision, Q7).
Energy: the same parts as the on-device cost model's activity (framework = overhead_s, MAC
parts = compute_s, byte parts = memory_s, bytes per memory space: DRAM on a board computer;
on an MCU the codebook in flash and the rest in SRAM), priced by the energy table the preset
names through the suite's energy model (ondevice_energy.py, npusim.ondevice_energy).
"""
import math

from . import lifelearner as ll
from . import ondevice as od
from . import ondevice_energy as oe

ADAM_BYTES_PER_PARAM = 28
ADAM_WRITTEN_BYTES_PER_PARAM = 12  # w, m, v written back: 3 of the 7 fp32 words
BATCH = 8


def class_counts(dataset, scheme, t, samples=30, epochs=1, batch=BATCH, m=ll.M, width=1.0, d=None):
    """Counts of learning class t (t - 1 classes stored): new samples, MACs and bytes per macro-op.
    m: PQ codes per sample (d / L); the encode's d·K MACs do not depend on it. width: the ANML
    width multiplier (TinyANML on the MCU), which sets the latent n; d: the PQ length (default
    the dataset's)."""
    net = od.anml(dataset, width=width)
    c = ll.DATASETS[dataset]
    n, cls = net["latent"], net["classes"]
    d = d or c["d"]
    nnz = round(c["density"] * n)
    fc = 2 * n * cls
    macs = {"fe_fwd": samples * net["fe_macs"], "fc_inner": samples * fc}
    byts, written = {}, {}
    if scheme != "none":
        mb = epochs * math.ceil(samples * t / batch)
        decoded = epochs * samples * (t - 1)
        macs["replay"] = mb * batch * fc
        byts["adam"] = mb * net["classifier_params"] * ADAM_BYTES_PER_PARAM
        written["adam"] = mb * net["classifier_params"] * ADAM_WRITTEN_BYTES_PER_PARAM
        if scheme == "dense":
            byts["decode"] = decoded * 4 * n
        elif scheme == "bitmap":
            byts["compress"] = samples * (4 * n + n // 8)
            byts["decode"] = decoded * (4 * nnz + n // 8 + 4 * n)
            written["compress"], written["decode"] = samples * (n // 8), decoded * 4 * n
        elif scheme == "bitmap_pq":
            byts["compress"] = samples * (4 * n + n // 8)
            macs["pq_encode"] = samples * d * ll.K
            byts["decode"] = decoded * (n // 8 + m + 4 * n)
            byts["codebook"] = decoded * 4 * d
            written["compress"], written["decode"] = samples * (n // 8), decoded * 4 * n
        else:
            raise ValueError(scheme)
    return {"new_samples": samples, "macs": macs, "bytes": byts, "written": written}


def episode_counts(dataset, scheme, classes=None, samples=30, epochs=1, batch=BATCH):
    """The episode's counts: the sum of class_counts over classes 1..T (T = the meta-test
    classes unless given)."""
    T = classes or ll.META_TEST_CLASSES[dataset]
    out = {"new_samples": 0, "macs": {}, "bytes": {}, "written": {}}
    for t in range(1, T + 1):
        c = class_counts(dataset, scheme, t, samples, epochs, batch)
        out["new_samples"] += c["new_samples"]
        for key in ("macs", "bytes", "written"):
            for k, v in c[key].items():
                out[key][k] = out[key].get(k, 0) + v
    return out


def simulated_episode(npusim, dataset, device, cal, scheme="bitmap_pq", classes=100, samples=30, fe_bits=8):
    """A whole episode class by class on a device preset: each class's macro-operations costed
    (class_counts, episode_time) and the C++ ledger's replay of the episode's allocations on the
    preset's caps. Returns per-class seconds and joules, the totals and the ledger's peak."""
    rates = device_rates(npusim, device)
    per_s, per_j = [], []
    for t in range(1, classes + 1):
        c = class_counts(dataset, scheme, t, samples)
        per_s.append(episode_time(c, rates, cal, fe_bits)["total"])
        per_j.append(episode_energy(npusim, device, c, rates, cal, fe_bits)["total_j"])
    tr = ll.episode_trace(dataset, scheme, classes=classes, samples=samples, fe_bits=fe_bits)
    rep = npusim.training_report(tr, str(device))[0]
    return {"class_s": per_s, "class_j": per_j, "total_s": sum(per_s), "total_j": sum(per_j),
            "peak_bytes": rep["ledger"]["spaces"]["dram"]["peak_bytes"], "oom": rep["ledger"]["oom"]}


def device_rates(npusim, device):
    """Seconds per MAC and per byte of the preset's roofline, as the C++ cost model computes them
    (training_report of a small episode trace on `device`), and whether it is an MCU."""
    import yaml

    with open(device) as f:
        mcu = "dram" not in yaml.safe_load(f)  # an MCU preset: SRAM and flash only
    tr = ll.episode_trace("gscv2", "dense", fe_bits=32, classes=1, samples=1, mcu=mcu)
    rep = npusim.training_report(tr, str(device))[0]
    t = tr["models"][0]["training"]
    m = rep["macs_per_iteration"]
    macs = t["batch"] * (m["fwd"] + m["bwd"] + m["fisher"])
    runtime = sum(int(e["bytes"][:-1]) for e in t["tensors"] if e["event"] == "alloc" and e["step"] > 0)
    dev = rep["device"]
    return {"s_mac": dev["compute_s"] / macs, "s_byte": dev["memory_s"] / (t["batch"] * 2 * runtime),
            "mcu": mcu, "device": dev["name"]}


def episode_time(counts, rates, cal, fe_bits=32):
    """Seconds per macro-op and in total, and the total split as the cost model splits an
    iteration: {"parts": {...}, "total": s, "compute_s", "memory_s", "overhead_s"}."""
    s_mac = rates["s_mac"] / cal["eta"]
    parts = {"framework": cal["a"] * counts["new_samples"]}
    compute = memory = 0.0
    for k, v in counts["macs"].items():
        f = cal["f_int8"] if (k == "fe_fwd" and fe_bits == 8) else 1.0
        parts[k] = v * s_mac * f
        compute += parts[k]
    for k, v in counts["bytes"].items():
        parts[k] = parts.get(k, 0.0) + v * rates["s_byte"]
        memory += v * rates["s_byte"]
    return {"parts": parts, "total": sum(parts.values()), "compute_s": compute, "memory_s": memory,
            "overhead_s": parts["framework"]}


def episode_cost(counts, rates, cal, fe_bits=32):
    """The episode as the on-device cost model's activity (ondevice_energy.cost): episode_time's
    split, and its bytes read and written per space: all in DRAM on a board computer; on an MCU
    (rates["mcu"]) the codebook gathered from flash, the rest in SRAM."""
    t = episode_time(counts, rates, cal, fe_bits)
    read, written = {}, {}
    for k, v in counts["bytes"].items():
        space = "dram" if not rates.get("mcu") else ("flash" if k == "codebook" else "sram")
        w = counts.get("written", {}).get(k, 0)
        read[space] = read.get(space, 0) + v - w
        written[space] = written.get(space, 0) + w
    return oe.cost(t["compute_s"], t["memory_s"], t["overhead_s"], read, written)


def episode_energy(npusim, device, counts, rates, cal, fe_bits=32):
    """The episode's energy report on `device` (the preset's energy table, the suite's model)."""
    return oe.energy(npusim, device, episode_cost(counts, rates, cal, fe_bits))


def calibrate(rates, anml_rows, int8_row):
    """a and eta from two ANML rows {dataset: seconds}: each row is
    N·a + (fe + fc MACs)·s_mac/eta, two linear equations in a and 1/eta; then f_int8 from
    (dataset, LifeLearner - Latent+Bit+PQ seconds): the int8 FE's saving over fp32."""
    (d1, t1), (d2, t2) = sorted(anml_rows.items())
    c1, c2 = episode_counts(d1, "none"), episode_counts(d2, "none")
    m1 = sum(c1["macs"].values()) * rates["s_mac"]
    m2 = sum(c2["macs"].values()) * rates["s_mac"]
    n1, n2 = c1["new_samples"], c2["new_samples"]
    det = n1 * m2 - n2 * m1
    a = (t1 * m2 - t2 * m1) / det
    inv_eta = (n1 * t2 - n2 * t1) / det
    if a < 0 or inv_eta <= 0:
        raise ValueError(f"calibration gives a = {a} s, 1/eta = {inv_eta}: the ANML rows are not "
                         "a per-sample cost plus a MAC term")
    ds, saving = int8_row
    fe = episode_counts(ds, "bitmap_pq")["macs"]["fe_fwd"] * rates["s_mac"] * inv_eta
    return {"a": a, "eta": 1.0 / inv_eta, "f_int8": 1.0 + saving / fe}


# The rows the Nano constants are calibrated on (lifelearner.md §4 Table 2, Jetson Nano): the
# ANML episode times of CIFAR-100 and MiniImageNet, and CIFAR-100's LifeLearner (414.7 s) minus
# Latent+Bit+PQ (471.4 s), the int8 feature extractor's saving (Q7).
NANO_ANML_S = {"cifar100": 343.2, "miniimagenet": 1280.0}
NANO_INT8_SAVING_S = ("cifar100", 414.7 - 471.4)


def nano_calibration(npusim, device):
    """The three constants calibrated on the Nano rows above, with `device`'s roofline."""
    return calibrate(device_rates(npusim, device), NANO_ANML_S, NANO_INT8_SAVING_S)


# ---- the MCU (lifelearner.md L6: STM32H747, learning one class from 10 samples) --------------

# TinyANML width (§2 [P]) and PQ length d (from Tiny LL's flash step over Tiny ANML, 4·d·K [D]).
TINY = {"cifar100": (0.2, 128), "miniimagenet": (0.05, 128), "gscv2": (0.4, 64)}
MCU_VARIANTS = ("Backbone", "Tiny ANML", "Tiny LL")


def mcu_class_counts(dataset, variant, samples=10):
    """One class of `samples` on the MCU: Backbone = the int8 FE's inference only [I]; Tiny ANML
    = + the classifier's batch-1 steps; Tiny LL = + compression and one class's replay
    (class_counts of class 1 with bitmap + PQ at the TinyANML width and the MCU's d)."""
    width, d = TINY[dataset]
    if variant == "Tiny LL":
        c = class_counts(dataset, "bitmap_pq", 1, samples=samples, width=width, d=d)
    else:
        c = class_counts(dataset, "none", 1, samples=samples, width=width)
    if variant == "Backbone":
        c["macs"] = {"fe_fwd": c["macs"]["fe_fwd"]}
    c["new_samples"] = 0  # no framework cost on bare metal [I]: TFLM and the Eigen engine
    return c


def mcu_calibration(rates, backbone_s, dataset="cifar100"):
    """eta on the MCU: the share of the preset's roofline that reproduces one Backbone row
    (a = 0, and one eta for the int8 FE and the fp32 classifier [I])."""
    c = mcu_class_counts(dataset, "Backbone")
    return {"a": 0.0, "eta": c["macs"]["fe_fwd"] * rates["s_mac"] / backbone_s, "f_int8": 1.0}
