"""scripts/scalesim_compare.py against SCALE-Sim v2's own report for ResNet-18, OS 128x128."""
import os
import subprocess

import pytest

from conftest import PYTHON, REPO

CLI = os.environ.get("NPUSIM_CLI", str(REPO / "build" / "npusim"))
SCRIPT = REPO / "scripts" / "scalesim_compare.py"

# Total Cycles of COMPUTE_REPORT.csv from SCALE-Sim v2 (commit 22f88b1, CALC mode, 0 stalls) on
# topologies/conv_nets/Resnet18.csv with a 128x128 output-stationary array.
OS_128 = [38094, 19089, 19089, 19089, 19089, 5809, 8435, 2225, 8435, 8435, 5623,
          10231, 1527, 10231, 10231, 10231, 19447, 2039, 19447, 19447, 6127]


def write_report(path, totals):
    lines = ["LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,"]
    lines += [f"{i}, {t}, 0, 1.0, 1.0, 1.0," for i, t in enumerate(totals)]
    path.write_text("\n".join(lines) + "\n")


def compare(*args):
    return subprocess.run([PYTHON, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def layers_csv(tmp_path_factory):
    if not os.path.exists(CLI):
        pytest.skip(f"no npusim CLI at {CLI}")
    out = tmp_path_factory.mktemp("os128")
    p = subprocess.run([CLI, "run", "--quiet", "--hw", str(REPO / "hw_configs/scalesim/os_128x128.yaml"),
                        "--workload", str(REPO / "workloads/scalesim/resnet18.yaml"), "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return out / "layers.csv"


def test_every_layer_is_scalesim_plus_one(tmp_path, layers_csv):
    report = tmp_path / "COMPUTE_REPORT.csv"
    write_report(report, OS_128)
    p = compare("--report", str(report), "--layers", str(layers_csv))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "21 of 21 layers at SCALE-Sim + 1" in p.stdout
    # Conv1: M = 110 x 110 = 12100 on 128 rows -> 95 row folds, N = 64 -> 1 column fold;
    # 95 x (128 + 128 + 147 - 2) = 38095 cycles, reported by SCALE-Sim as 38094.
    assert any(line.split()[:4] == ["Conv1", "38094", "38095", "1"] for line in p.stdout.splitlines())


def test_a_layer_off_by_more_fails(tmp_path, layers_csv):
    report = tmp_path / "COMPUTE_REPORT.csv"
    write_report(report, [OS_128[0] - 5] + OS_128[1:])
    p = compare("--report", str(report), "--layers", str(layers_csv))
    assert p.returncode == 1
    assert "20 of 21 layers" in p.stdout


def test_unreadable_inputs_are_user_errors(tmp_path, layers_csv):
    report = tmp_path / "COMPUTE_REPORT.csv"
    write_report(report, OS_128[:5])
    p = compare("--report", str(report), "--layers", str(layers_csv))
    assert p.returncode == 2 and "the report has 5 layers, layers.csv has 21" in p.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    p = compare("--report", str(bad), "--layers", str(layers_csv))
    assert p.returncode == 2 and "no `Total Cycles` column" in p.stderr
    p = compare("--report", str(tmp_path / "missing.csv"), "--layers", str(layers_csv))
    assert p.returncode == 2 and "Traceback" not in p.stderr
