"""Golden regression support: the (preset, workload) pairs of tests/golden/pairs.yaml and the
metrics recorded for each. Used by tests/python/test_golden.py and scripts/refresh_golden.py."""
import glob
import os

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PAIRS_FILE = os.path.join(ROOT, "tests", "golden", "pairs.yaml")
GOLDEN_FILE = os.path.join(ROOT, "tests", "golden", "golden.json")


def spec():
    with open(PAIRS_FILE) as f:
        return yaml.safe_load(f)


def pairs():
    """Sorted (hw, workload) paths relative to the repository root."""
    out = []
    for family, patterns in spec()["families"].items():
        presets = sorted(glob.glob(os.path.join(ROOT, "hw_configs", family, "*.yaml")))
        workloads = sorted(w for p in patterns for w in glob.glob(os.path.join(ROOT, p)))
        out += [(os.path.relpath(h, ROOT), os.path.relpath(w, ROOT)) for h in presets for w in workloads]
    return out


def key(hw, workload):
    return f"{hw} :: {workload}"


def metric(stats, path):
    value = stats
    for part in path.split("."):
        value = value[part]
    return value


def measure(npusim, hw, workload):
    stats = npusim.run(os.path.join(ROOT, hw), os.path.join(ROOT, workload))
    return {m: metric(stats, m) for m in spec()["metrics"]}
