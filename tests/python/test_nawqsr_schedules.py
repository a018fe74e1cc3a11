"""Schedules of the NAWQ-SR offline side written through the exporter's contract and read back
(workloads/nawqsr/schedules.py), the IMDN-lite -> IMDN adapter, and the committed report,
JSON and schedules of scripts/studies/nawqsr_quality.py regenerating byte for byte."""
import filecmp
import json
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))

from exporters import sr_models  # noqa: E402
from nawqsr import algorithms as A  # noqa: E402
from nawqsr import schedules  # noqa: E402

STUDY = os.path.join(REPO, "scripts", "studies", "nawqsr_quality.py")
RESULTS = os.path.join(REPO, "docs", "studies", "nawqsr_quality.json")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def test_schedule_written_and_read_back(tmp_path):
    layers = sr_models.scheduled_layers("tpsr")
    n = len(layers)
    bits = [16 if i % 3 == 0 else 8 for i in range(n)]
    dre = [i % 2 == 1 for i in range(n)]
    prov = {"computed": "by WLopt on proxy quality", "eps_db": 0.1, "K": 0.5, "seed": 7}
    path = schedules.write("tpsr", "nawq_sr", bits, dre, prov, str(tmp_path))
    doc = sr_models.read_schedule(path)
    assert (doc["schedule_version"], doc["model"], doc["variant"], doc["target"]) == (1, "tpsr", "nawq_sr", "npu")
    assert doc["pixel_shuffle"] == "rewrite"
    assert [l["name"] for l in doc["layers"]] == [l["name"] for l in layers]
    assert [l["act_bits"] for l in doc["layers"]] == bits
    assert [l["dre"] for l in doc["layers"]] == dre
    assert doc["provenance"] == prov


def test_schedule_of_the_wrong_length_is_refused(tmp_path):
    with pytest.raises(ValueError, match="17 scheduled layers"):
        schedules.write("tpsr", "nawq_sr", [8] * 3, [False] * 3, {}, str(tmp_path))


def test_rand_dre_matches_the_exporter_variant():
    # the same seeded draw (a count in 1..n, then that many layers) as sr_models' rand_dre
    for model in ("tpsr", "rcan"):
        n = len(sr_models.scheduled_layers(model))
        for seed in range(5):
            _, _, dre, _, _ = sr_models.variant_schedule(model, "rand_dre", seed)
            assert A.dre_flags(n, A.random_dre(n, seed)) == dre


def test_imdn_lite_schedule_maps_onto_imdn_by_role():
    lite = ["fea_conv"] + ["B%d.%s" % (b, p) for b in (1, 2, 3)
                           for p in ("c1", "c2", "c3", "c4", "cca.du1", "cca.du2", "c5")] + [
        "c", "LR_conv", "upsampler.conv"]
    mapped = schedules.map_lite_to_imdn(lite, lite)
    full = [l["name"] for l in sr_models.scheduled_layers("imdn")]
    assert len(mapped) == len(full) == 46
    # B1, B2 <- lite B1; B3, B4 <- B2; B5, B6 <- B3 (ceil(i * 3 / 6)); the rest by name
    for f, m in zip(full, mapped):
        if f.startswith("B"):
            b, rest = f.split(".", 1)
            assert m == "B%d.%s" % ((int(b[1:]) + 1) // 2, rest)
        else:
            assert m == f


@pytest.mark.skipif(not os.path.exists(RESULTS), reason="no committed results")
def test_committed_report_and_schedules_regenerate_from_the_json(tmp_path):
    """docs/studies/nawqsr_quality.md and workloads/nawqsr/schedules/ are exactly what
    --render-only writes from the committed JSON (numbers in docs are generated)."""
    shutil.copy(RESULTS, tmp_path / "nawqsr_quality.json")  # --render-only reads the JSON in --out-dir
    subprocess.run([PYTHON, STUDY, "--render-only", "--out-dir", str(tmp_path), "--schedule-dir",
                    str(tmp_path / "sched")], check=True, capture_output=True)
    ours = os.path.join(REPO, "docs", "studies", "nawqsr_quality.md")
    assert filecmp.cmp(str(tmp_path / "nawqsr_quality.md"), ours, shallow=False)
    committed = sorted(os.listdir(schedules.SCHEDULE_DIR))
    assert committed == sorted(os.listdir(tmp_path / "sched"))
    for f in committed:
        assert filecmp.cmp(str(tmp_path / "sched" / f), os.path.join(schedules.SCHEDULE_DIR, f), shallow=False), f
    with open(RESULTS) as f:
        res = json.load(f)
    for name, r in res["models"].items():  # WLopt's answer within eps on D_cal, by construction
        assert r["wlopt"]["q_ref_cal"] - r["wlopt"]["q_cal"] <= r["eps"]

