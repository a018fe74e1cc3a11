"""The NAWQ-SR proxy experiment end to end on an untrained TPSR and five small sample images
(no training: steps = 0), and its report: the structure the committed JSON relies on and the
invariants that hold whatever the weights (WLopt within eps on D_cal, budgets respected)."""
import os
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skimage")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
sys.path.insert(0, os.path.join(REPO, "scripts", "studies"))

from nawqsr import data, study  # noqa: E402
from nawqsr_report import render  # noqa: E402

torch.set_num_threads(1)


def test_untrained_tpsr_experiment_and_report():
    names = ["skimage:" + n for n in ("astronaut", "chelsea", "coffee", "rocket", "grass", "gravel")]
    ds = data.Dataset(0, names=names, max_side=64, test_side=64)
    r = study.run_model("tpsr", ds, steps=0, search_runs=2, rand_seeds=2, log=lambda s: None)
    n = r["n_layers"]
    assert n == 17 and len(r["wlopt"]["bits"]) == n and len(r["lra"]["drops"]) == n
    assert r["wlopt"]["evals"] == n + 1 == r["search"]["budget"]
    assert r["wlopt"]["q_ref_cal"] - r["wlopt"]["q_cal"] <= r["eps"]
    assert 1.0 <= r["wlopt"]["bops_reduction"] <= 2.0
    for label in ("SA", "GA"):
        assert all(e <= r["search"]["budget"] for e in r["search"][label]["evals"])
        assert all(1.0 <= x <= 2.0 for x in r["search"][label]["bops_reduction"])
    assert [row["K"] for row in r["k_sweep"]["literal"]] == [0.125, 0.25, 0.5, 0.75, 1.0]
    assert set(r["test_psnr"]) == {"FP32", "FP32W8", "INT8", "A16W8", "NAWQ-SR", "w/o DRE", "all-DRE", "RandDRE"}
    meta = {"steps": 0, "seed": 0, "eps": 0.1, "search_runs": 2, "rand_seeds": 2, "train": ds.train_names,
            "test": ds.test_names, "cal": ds.cal_names, "torch": torch.__version__, "date": "-", "cpu_s": 0}
    text = render({"meta": meta, "models": {"tpsr": r}}, ["workloads/nawqsr/schedules/tpsr_nawq_sr.yaml"])
    assert "PROXY" in text and "INPUT" in text and "| TPSR | NAWQ-SR |" in text
