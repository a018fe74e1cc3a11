#!/usr/bin/python3
"""On-device learning speed targets (issue 15), in CPU seconds of this process:

  * a full TinyTrain selection with the simulated back-end for one backbone (MCUNet): the
    synthetic Fisher pass, the backward operators on the generic NPU (npusim.run) and the
    greedy selection with the C++ ledger for every candidate and ratio: target < 5 s;
  * a 100-class LifeLearner episode (bitmap + PQ rehearsal) on the Jetson Nano preset,
    replayed by the C++ memory ledger: target < 5 s;
  * the same episode simulated class by class (lifelearner_cost.simulated_episode): each
    class's macro-operations costed on the Nano preset with its calibrated constants, plus the
    ledger's replay: target < 5 s.

    PYTHONPATH=build/python /usr/bin/python3 scripts/bench/bench_ondevice.py
Exit status 1 when a target is missed.
"""
import os
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "workloads"))
import npusim  # noqa: E402
from exporters import lifelearner as ll, lifelearner_cost as lc, ondevice as od, tinytrain as tt  # noqa: E402

TARGET_S = 5.0


def cpu(fn):
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def tinytrain_selection():
    net = od.load_backbone("mcunet")
    cands = od.last_block_convs(net, 6)
    delta = tt.synthetic_fisher(net, cands)
    cost = tt.SimulatedCost(net, npusim, os.path.join(REPO, "hw_configs", "generic_npu", "edge_32x32.yaml"),
                            os.path.join(REPO, "hw_configs", "ondevice", "stm32h747.yaml"))
    return tt.select(net, delta, cost, prefix=False)[0]


def lifelearner_episode():
    tr = ll.episode_trace("cifar100", "bitmap_pq", classes=100)
    return npusim.training_report(tr, os.path.join(REPO, "hw_configs", "ondevice", "jetson_nano.yaml"))[0]


def lifelearner_simulated_episode():
    nano = os.path.join(REPO, "hw_configs", "ondevice", "jetson_nano.yaml")
    return lc.simulated_episode(npusim, "cifar100", nano, lc.nano_calibration(npusim, nano), classes=100)


def main():
    import torch  # imported before timing: its import is not the selection's cost

    torch.set_num_threads(1)
    failed = False
    for name, fn in (("tinytrain selection (mcunet, simulated back-end)", tinytrain_selection),
                     ("lifelearner 100-class episode (jetson_nano)", lifelearner_episode),
                     ("lifelearner 100-class simulated episode (jetson_nano)", lifelearner_simulated_episode)):
        s, out = cpu(fn)
        ok = s < TARGET_S
        failed |= not ok
        extra = ""
        if isinstance(out, dict) and "total_s" in out:
            extra = f"  [episode {out['total_s']:.0f} s, {out['total_j'] / 1e3:.2f} kJ on the Nano]"
        print(f"{name:52s} {s:7.3f} s CPU  (target < {TARGET_S:g} s) {'ok' if ok else 'MISSED'}{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
