"""CARIn's design table from simulation (carin.md §5 "Profile generator", §2 processor options).

For one use case on one phone preset it enumerates the designs x = (model, scheme, processor,
CPU options), simulates each once on the suite's mobile SoC (`soc_engine`: the delegate
partitioner, the engines' rates, the boundary costs and the phone's LPDDR; docs/mobile_soc.md)
and writes one design-table row (profile.py) per design:

  CPU        threads {1, 2, 4, 8} x XNNPACK {on, off}, every scheme (FP16 weights are
             dequantised to fp32 by TFLite's CPU kernels; DR8 uses dynamic int8 kernels);
  GPU        FP32, FP16 and FX8 (carin.md §2: "FP16 and FX8 on GPU"; the delegate computes fp16);
  NPU, DSP   FP16 and FFX8 (§2: FFX8 for integer-only NPUs and DSPs; the S20's EDEN takes FP16).
  An accelerator design whose accelerator takes none of the graph is skipped (it would be a CPU
  design): it is counted as unsupported. Its CPU fallbacks run 4 threads with XNNPACK [I].

Latency statistics come from one simulated latency L0 per design and a seeded background-load
model [assumed; swept in the report]: in each of `runs` runs the design's processor is loaded
with probability p_e, which slows the run by a factor 1 + X, X ~ Exponential(mean m_e):
    L_run = L0 (1 + B X),  B ~ Bernoulli(p_e)
The mean, standard deviation, maximum and 95th percentile are over those runs; TP = 1 / mean.
MF is the memory ledger's total (weights, arenas, delegate buffers) plus `runtime_mb` of
interpreter and app [assumed]; S = parameters x bytes per parameter of the scheme; W = the
graph's FLOPs; A is an input (the paper's accuracy of that model and scheme); E the run's
energy from the phone's energy table (docs/mobile_soc.md, "Energy"; assumed powers).
"""
import os
import random
import statistics
import tempfile
from dataclasses import dataclass, field

import yaml

from .errors import CarinInputError
from .profile import BYTES_PER_PARAM, design_from_row

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOC_DIR = os.path.join(REPO, "hw_configs", "mobile_soc")
DEVICES = ("pixel7", "s20fe", "a71")
CPU_OPTIONS = [(t, x) for t in (1, 2, 4, 8) for x in (1, 0)]
ENGINE_SCHEMES = {"cpu": ("FP32", "FP16", "DR8", "FX8", "FFX8"), "gpu": ("FP32", "FP16", "FX8"),
                  "npu": ("FP16", "FFX8"), "dsp": ("FFX8",)}
FALLBACK_THREADS, FALLBACK_XNNPACK = 4, True
# Background load per processor: (probability a run is loaded, mean extra slowdown) [assumed].
JITTER = {"cpu": (0.3, 0.15), "gpu": (0.15, 0.10), "npu": (0.10, 0.05), "dsp": (0.10, 0.05)}
RUNTIME_MB = 20.0  # interpreter, app and TFLite runtime resident memory [assumed]


@dataclass
class ModelSpec:
    """A use-case model: its graph trace for a scheme (text), parameters, and accuracy inputs."""
    name: str
    graph: object        # callable(scheme) -> (trace YAML text, parameters, FLOPs)
    accuracy: dict       # scheme -> accuracy (input from the paper); a missing scheme: no variant
    cache: dict = field(default_factory=dict)

    def trace(self, scheme, workdir):
        """(path of the trace in workdir, parameters, FLOPs); graphs are built once per scheme."""
        if scheme not in self.cache:
            self.cache[scheme] = self.graph(scheme)
        text, params, flops = self.cache[scheme]
        path = os.path.join(workdir, f"{self.name}_{scheme.lower()}.yaml")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(text)
        return path, params, flops


def processors(device):
    with open(os.path.join(SOC_DIR, f"{device}.yaml")) as f:
        engines = yaml.safe_load(f)["engines"]
    return [e for e in ("cpu", "gpu", "npu", "dsp") if e in engines]


def design_hw(device, engine, threads, xnnpack):
    """A soc_engine design on the device's LPDDR, from its co-run platform preset (one source
    for the DRAM and staging parameters)."""
    with open(os.path.join(SOC_DIR, f"{device}_corun.yaml")) as f:
        platform = yaml.safe_load(f)
    hw = dict(platform["accelerators"]["cpu" if engine == "cpu" else engine])
    hw.update(name=f"{device}-{engine}", soc=os.path.join(SOC_DIR, f"{device}.yaml"),
              engine=engine, threads=threads, xnnpack=bool(xnnpack), dram=platform["dram"],
              clock=platform.get("clock", "1GHz"))
    if "energy" in platform:  # the phone's energy table (engines' active power, LPDDR)
        hw["energy"] = platform["energy"]
    return hw


def latency_stats(l0_ms, engine, key, runs=100, seed=0, jitter=None):
    p, mean = (jitter or JITTER)[engine]
    rng = random.Random(f"{seed}:{key}")
    xs = [l0_ms * (1 + (rng.expovariate(1 / mean) if mean > 0 and rng.random() < p else 0.0))
          for _ in range(runs)]
    xs.sort()
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return statistics.fmean(xs), statistics.pstdev(xs), xs[-1], p95


def enumerate_designs(device, models):
    """(model, scheme, engine, threads, xnnpack) of every candidate design on the device."""
    out = []
    for e in processors(device):
        for m in models:
            for s in ENGINE_SCHEMES[e]:
                if s not in m.accuracy:
                    continue  # the model has no such variant (e.g. MobileViT has no int8)
                opts = CPU_OPTIONS if e == "cpu" else [(0, 0)]
                out += [(m, s, e, t, x) for t, x in opts]
    return out


def profile_usecase(npusim, device, usecase, models, runs=100, seed=0, jitter=None,
                    runtime_mb=RUNTIME_MB, raw_ms=None):
    """The design table of a single-DNN use case on a device, and what was skipped. raw_ms, a
    dict, receives each design's simulated latency L0 (ms, before the background load) by
    design_id (corun.py's L^single for NTT)."""
    if device not in DEVICES:
        raise CarinInputError(f"device `{device}` is not one of {', '.join(DEVICES)}")
    rows, skipped = [], []
    with tempfile.TemporaryDirectory() as work:
        for m, s, e, t, x in enumerate_designs(device, models):
            path, params, flops = m.trace(s, work)
            threads, xnn = (t, x) if e == "cpu" else (FALLBACK_THREADS, FALLBACK_XNNPACK)
            try:
                st = npusim.run(design_hw(device, e, threads, xnn), path)
            except npusim.Error as err:  # a design the phone cannot run (memory, op support)
                skipped.append((m.name, s, e, str(err).splitlines()[0]))
                continue
            soc = st["soc_engine"]
            if e != "cpu" and soc["delegated_work_fraction"][0] <= 0:
                skipped.append((m.name, s, e, "the accelerator takes none of the graph"))
                continue
            l0 = st["total_seconds"] * 1e3
            did = f"{m.name}|{s}|{e}|{t}|{x}"
            if raw_ms is not None:
                raw_ms[did] = l0
            mean, std, mx, p95 = latency_stats(l0, e, f"{device}|{did}", runs, seed, jitter)
            mf = sum(soc["memory_bytes"][0].values()) / 1e6 + runtime_mb
            rows.append(design_from_row({
                "device": device, "usecase": usecase, "design_id": did, "models": m.name,
                "schemes": s, "engines": e, "threads": t, "xnnpack": x, "L_mean_ms": mean,
                "L_std_ms": std, "L_max_ms": mx, "L_p95_ms": p95, "TP_inf_s": 1e3 / mean,
                "A": m.accuracy[s], "S_MB": params * BYTES_PER_PARAM[s] / 1e6, "MF_MB": mf,
                "E_mJ": st["energy"]["total_j"] * 1e3 if "energy" in st else "",
                "W_GFLOPs": flops / 1e9, "NTT": "", "STP": "", "F": ""}))
    return rows, skipped
