"""One model's NAWQ-SR proxy experiments (spec ../shared/papers/nawqsr.md §5.3, §5.5, §5.6, §6):
short training, calibration, WLopt, LRA, the K grid, SA/GA at WLopt's evaluation budget, and
the Table 2/3 variants on the held-out images. Every PSNR here is a PROXY (Debian sample
images, a few hundred Adam steps); scripts/studies/nawqsr_quality.py runs it and writes the report."""
import time

from . import algorithms as A
from . import models, train
from .fakequant import FLOAT_BITS, FakeQuantModel
from .quality import SRQuality, calibration_inputs

DEPLOY_LR = (180, 320)  # ops_l = MACs of a 320x180 LR frame (spec §3)


def _means(names, cal_names, per):
    """Mean PSNR over all test images and over those outside the calibration set."""
    rest = [p for n, p in zip(names, per) if n not in cal_names]
    return {"all": sum(per) / len(per), "no_cal": sum(rest) / len(rest) if rest else None}


def run_model(name, ds, steps, seed=0, eps=0.1, search_runs=10, rand_seeds=10, cache_dir=None, log=print):
    out = {"model": name, "steps": steps, "seed": seed, "eps": eps, "cal": ds.cal_names, "test": ds.test_names}
    t0 = time.process_time()
    model, train_s = train.train(name, ds, steps, seed, cache_dir=cache_dir, log=log)
    out["train_cpu_s"] = round(train_s, 1)
    layers = models.conv_layers(model, DEPLOY_LR)
    names = [n for n, _, _ in layers]
    ops = [i["macs"] for _, _, i in layers]
    n = len(names)
    out.update(layers=names, ops=ops, n_layers=n)

    fp32 = FakeQuantModel(model, weight_bits=None)
    fq = FakeQuantModel(model)
    fq.calibrate(calibration_inputs(ds.cal))
    q = A.CountingQuality(SRQuality(fq, ds.cal))
    fp32_cal = SRQuality(fp32, ds.cal)([FLOAT_BITS] * n)

    t = time.process_time()
    wl = A.wlopt(q, ops, eps)
    out["wlopt"] = {"bits": wl.bits, "q_ref_cal": wl.q_ref, "evals": wl.evals, "cpu_s": round(time.process_time() - t, 2),
                    "trace": [[l, p, ok] for l, p, ok in wl.trace], "bops_reduction": A.bops_reduction(wl.bits, ops),
                    "q_cal": q(wl.bits, None)}
    log(f"{name}: WLopt {wl.evals} evals, BOPs reduction {out['wlopt']['bops_reduction']:.3f}")

    q0, drops, order = A.lra(q, n)
    # reference: FP32W8 when 8-bit weights alone lose >= 0.1 dB on D_cal (Table 2's bold rows), else FP32
    ref_w8 = fp32_cal - q0 >= 0.1
    target = q0 if ref_w8 else fp32_cal
    out["lra"] = {"q0_cal": q0, "drops": drops, "order": order}
    out["reference"] = {"fp32_cal": fp32_cal, "fp32w8_cal": q0, "uses": "FP32W8" if ref_w8 else "FP32",
                        "target_cal": target}
    sweep = {}
    for crossing in (False, True):
        rows = []
        for k in A.K_GRID:
            dl = A.dre_select(drops, order, k, crossing)
            share = sum(ops[l] for l in dl) / sum(ops)
            rows.append({"K": k, "n_dre": len(dl), "dre_mac_share": share,
                         "q_cal": q(wl.bits, A.dre_flags(n, dl))})
        sweep["crossing" if crossing else "literal"] = rows
    k, dre_layers, met, _ = A.choose_k(q, wl.bits, drops, order, target, eps)
    out["k_sweep"] = sweep
    out["dre"] = {"K": k, "layers": dre_layers, "met_target_cal": met, "include_crossing": False}
    log(f"{name}: K = {k}, {len(dre_layers)} DRE layers, target met: {met}")

    searches = {"SA": A.simulated_annealing, "GA": A.genetic}
    out["search"] = {"budget": wl.evals, "runs": search_runs}
    for label, fn in (searches.items() if search_runs else ()):
        t = time.process_time()
        res = [fn(q.q, ops, eps, wl.evals, seed=r) for r in range(search_runs)]
        red = [A.bops_reduction(b, ops) for b, _ in res]
        out["search"][label] = {"bops_reduction": red, "evals": [c for _, c in res],
                                "mean": sum(red) / len(red), "cpu_s": round(time.process_time() - t, 2)}
        log(f"{name}: {label} mean BOPs reduction {out['search'][label]['mean']:.3f}")

    test_names = list(ds.test)
    pairs = [ds.test[t] for t in test_names]
    qt, qt32 = SRQuality(fq, pairs), SRQuality(fp32, pairs)
    dre = A.dre_flags(n, dre_layers)
    rows = {"FP32": qt32.per_image([FLOAT_BITS] * n), "FP32W8": qt.per_image([FLOAT_BITS] * n),
            "INT8": qt.per_image([8] * n), "A16W8": qt.per_image([16] * n),
            "NAWQ-SR": qt.per_image(wl.bits, dre), "w/o DRE": qt.per_image(wl.bits, None),
            "all-DRE": qt.per_image(wl.bits, [True] * n)}
    rand = [qt.per_image(wl.bits, A.dre_flags(n, A.random_dre(n, s))) for s in range(rand_seeds)]
    if rand:
        rows["RandDRE"] = [sum(r[i] for r in rand) / len(rand) for i in range(len(test_names))]
    out["test_psnr"] = {k2: _means(test_names, ds.cal_names, v) for k2, v in rows.items()}
    out["rand_dre"] = [{"seed": s, "layers": A.random_dre(n, s), "psnr": _means(test_names, ds.cal_names, r)}
                       for s, r in enumerate(rand)]
    out["quality_evals_cal"] = q.calls
    out["cpu_s"] = round(time.process_time() - t0, 1)
    return out
