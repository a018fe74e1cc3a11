"""scripts/reproduce/all.py: discovery, running with a timeout, the README index."""
import json
import subprocess
import textwrap

from conftest import PYTHON, SCRIPTS

ALL = SCRIPTS / "reproduce" / "all.py"

GOOD = '''
import argparse, json, pathlib
ap = argparse.ArgumentParser(); ap.add_argument("--quick", action="store_true"); ap.add_argument("--out-dir")
a = ap.parse_args()
out = pathlib.Path(a.out_dir)
rows = [
  {"quantity": "peak TOPS", "kind": "paper", "paper": 2.0, "simulated": 2.05, "ratio": 1.025, "tolerance": "10%", "within": True},
  {"quantity": "ResNet-50 latency (ms)", "kind": "paper", "paper": 10.0, "simulated": 16.0, "ratio": 1.6, "tolerance": "25%", "within": False},
  {"quantity": "energy/inference (mJ)", "kind": "paper", "paper": 4.0, "simulated": 3.8, "ratio": 0.95, "tolerance": "10%", "within": True},
  {"quantity": "fitted DRAM efficiency", "kind": "calibration", "paper": 1.0, "simulated": 9.0, "ratio": 9.0, "tolerance": "1%", "within": False},
  {"quantity": "spec formula knee", "kind": "spec", "paper": 64.0, "simulated": 64.0, "ratio": 1.0, "tolerance": "1%", "within": True},
]
(out / "fakepaper.json").write_text(json.dumps({"paper": "fakepaper", "title": "A Fake Accelerator (2024)",
                                                "rows": rows, "notes": "quick" if a.quick else "full"}))
(out / "fakepaper.md").write_text("# fake\\n")
'''
CRASH = "import sys; print('boom: cannot reproduce'); sys.exit(3)\n"
SLOW = "import time; time.sleep(30)\n"
BADJSON = '''
import argparse, pathlib
ap = argparse.ArgumentParser(); ap.add_argument("--quick", action="store_true"); ap.add_argument("--out-dir")
a = ap.parse_args()
(pathlib.Path(a.out_dir) / "badjson.json").write_text('{"paper": "badjson", "title": "x", "rows": [{"quantity": "q"}]}')
'''


def _run(tmp_path, scripts, *extra):
    sdir, odir = tmp_path / "repro", tmp_path / "out"
    sdir.mkdir()
    for name, body in scripts.items():
        (sdir / name).write_text(textwrap.dedent(body))
    r = subprocess.run([PYTHON, ALL, "--scripts-dir", sdir, "--out-dir", odir, *extra], capture_output=True,
                       text=True, timeout=60)
    return r, (odir / "README.md").read_text()


def test_sweep_reproduce_index(tmp_path):
    r, readme = _run(tmp_path, {"fakepaper.py": GOOD, "crashing.py": CRASH, "slowpaper.py": SLOW,
                                "badjson.py": BADJSON, "_helper.py": "raise SystemExit(9)\n",
                                "all.py": "raise SystemExit(9)\n"}, "--quick", "--timeout", "3")
    assert r.returncode == 1, r.stdout + r.stderr  # some reproductions failed to run
    # Only the paper rows make the headline; the calibration row's x9 miss is not the largest paper miss.
    assert "[fakepaper](fakepaper.md) | A Fake Accelerator (2024) | 2 / 3 |" in readme, readme
    assert "(x1.6, tolerance 25%, outside) | 0 / 1 | 1 / 1 |" in readme, readme
    assert "ResNet-50 latency (ms): paper 10, simulated 16 (x1.6, tolerance 25%, outside)" in readme
    assert "crashing | - | **no result**: the script failed (exit status 3)" in readme
    assert "boom: cannot reproduce" in readme  # the failing script's output is shown
    assert "slowpaper" in readme and "timed out after 3" in readme
    assert "badjson" in readme and "has no `paper`" in readme
    assert "_helper" not in readme and "| all |" not in readme
    assert ("4 reproduction(s), 1 with results; paper rows within tolerance: 2 of 3 (separately: calibration "
            "rows 0 of 1, spec checks 1 of 1).") in readme, readme
    assert json.loads((tmp_path / "out" / "fakepaper.json").read_text())["notes"] == "quick"


def test_sweep_reproduce_index_without_reproductions(tmp_path):
    r, readme = _run(tmp_path, {})
    assert r.returncode == 0, r.stderr
    assert readme.startswith("# Paper reproductions")
    assert "No reproductions exist yet" in readme and "PROTOCOL.md" in readme


def test_sweep_reproduce_no_run_rebuilds_from_json(tmp_path):
    r, _ = _run(tmp_path, {"fakepaper.py": GOOD})
    assert r.returncode == 0, r.stderr
    r2 = subprocess.run([PYTHON, ALL, "--scripts-dir", tmp_path / "repro", "--out-dir", tmp_path / "out",
                         "--no-run"], capture_output=True, text=True, timeout=60)
    readme = (tmp_path / "out" / "README.md").read_text()
    # The paper was not run this time: it keeps the Run cell of the index it replaces.
    assert r2.returncode == 0 and "| 2 / 3 |" in readme and "| ok, " in readme
    (tmp_path / "out" / "README.md").unlink()  # no earlier index: "not run"
    r3 = subprocess.run([PYTHON, ALL, "--scripts-dir", tmp_path / "repro", "--out-dir", tmp_path / "out",
                         "--no-run"], capture_output=True, text=True, timeout=60)
    readme = (tmp_path / "out" / "README.md").read_text()
    assert r3.returncode == 0 and "| 2 / 3 |" in readme and "not run" in readme


SIMULATE = """
import json, sys
sys.path.insert(0, {reproduce!r})
import _report as R
from npusim_sweep import execute


def no_cluster(*a, **k):
    raise AssertionError("a rerun with every point done must not start a cluster")


if __name__ == "__main__":  # the local cluster's worker processes import this module
    points = {{name: {{k: tuple(v) for k, v in pts.items()}} for name, pts in json.loads(sys.argv[1]).items()}}
    if sys.argv[3] == "no-cluster":
        execute.make_client = no_cluster
    args = type("Args", (), {{"db": sys.argv[2], "workers": 1, "scheduler": None}})
    json.dump(R.simulate(points, args, "test.py", "unused"), sys.stdout)
"""


def test_reproduce_simulate_through_the_sweep_engine(tmp_path, npusim, sim_env):
    """_report.simulate (pmpd.py's runner): points become zipped sweeps in one results file; the
    stats come back exactly as npusim.run gives them, a rerun reads them without a cluster, and
    a failed point stops the reproduction."""
    import sys

    import pytest
    import yaml
    from conftest import REPO
    sys.path.insert(0, str(SCRIPTS / "reproduce"))
    import _report as R
    S = "workload.models.0.schedule"
    hw4, hw16 = "hw_configs/llm_npu/pmpd_4k.yaml", "hw_configs/llm_npu/pmpd_16k.yaml"
    mob, vic = "workloads/llm/mobilellama-1.4b/iwslt.yaml", "workloads/llm/vicuna-7b/iwslt.yaml"
    pts = {"vicuna static": (hw16, vic, {S: {"type": "static", "prefill_bits": 3, "high_bits": 3, "low_bits": 2,
                                             "switch_step": 25}, "dram.efficiency": 0.66}),
           "mobile fp16": (hw4, mob, {S: {"type": "uniform", "bits": 16}, "dram.efficiency": 0.66}),
           "mobile w3": (hw4, mob, {"dram.efficiency": 0.66, S: {"type": "uniform", "bits": 3}})}
    doc = yaml.safe_load(R.sweep_text("t", pts))
    assert doc["overrides"] == {"dram.efficiency": 0.66}  # the same in every point: fixed
    assert doc["axes"] == [{"zip": {"hw": [hw16, hw4, hw4], "workload": [vic, mob, mob],
                                    S: [p[2][S] for p in pts.values()]}}]
    with pytest.raises(ValueError, match="same override paths"):
        R.sweep_text("x", {1: (hw4, mob, {S: {"type": "uniform", "bits": 3}}), 2: (hw4, mob, {})})

    script = tmp_path / "simulate.py"
    script.write_text(SIMULATE.format(reproduce=str(SCRIPTS / "reproduce")))
    db = tmp_path / "r.sqlite"

    def simulate(sweeps, mode):
        return subprocess.run([PYTHON, script, json.dumps(sweeps), db, mode], env=sim_env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    fails = {"ok": (hw4, mob, {"dram.capacity": "16GiB"}), "small": (hw4, mob, {"dram.capacity": "1GiB"})}
    r = simulate({"t": pts, "f": fails}, "cluster")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "sweep f in " in r.stderr and "1 failed of 2" in r.stderr and "1GiB" in r.stderr, r.stderr
    r = simulate({"t": pts}, "no-cluster")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 already in" in r.stderr and "0 to run" in r.stderr
    out = json.loads(r.stdout)["t"]
    for key, (hw, wl, ov) in pts.items():
        assert out[key] == npusim.run(str(REPO / hw), str(REPO / wl), ov), key


BADKIND = '''
import argparse, json, pathlib
ap = argparse.ArgumentParser(); ap.add_argument("--quick", action="store_true"); ap.add_argument("--out-dir")
a = ap.parse_args()
row = {"quantity": "q", "paper": 1.0, "simulated": 1.0, "ratio": 1.0, "tolerance": "1%", "within": True}
(pathlib.Path(a.out_dir) / "nokind.json").write_text(json.dumps({"paper": "nokind", "title": "x", "rows": [row]}))
'''


def test_sweep_reproduce_rows_need_a_valid_kind(tmp_path):
    r, readme = _run(tmp_path, {"nokind.py": BADKIND})
    assert "nokind | - | **no result**: nokind.json: rows[0] has no `kind`" in readme, readme
    bad = BADKIND.replace('"within": True}', '"within": True, "kind": "vibes"}')
    (tmp_path / "b").mkdir()
    r, readme = _run(tmp_path / "b", {"nokind.py": bad})
    assert "rows[0].kind is 'vibes', not one of paper, calibration, spec" in readme, readme


def test_committed_reproductions_have_row_kinds_and_paper_headlines():
    """Every committed reproduction JSON: each row has a valid kind, the notes' and the report's
    headline count only the paper rows, and the index shows paper rows separately."""
    import re
    import sys
    from conftest import REPO
    sys.path.insert(0, str(SCRIPTS / "reproduce"))
    import all as index
    out = REPO / "docs" / "reproductions"
    docs = sorted(out.glob("*.json"))
    assert docs, "no committed reproduction JSON"
    readme = (out / "README.md").read_text()
    assert "Paper rows within tolerance" in readme
    for path in docs:
        doc = json.loads(path.read_text())
        assert index.check_result(doc, path.stem) == [], path
        rows = doc["rows"]
        assert all(r["kind"] in index.KINDS for r in rows), path
        paper = [r for r in rows if r["kind"] == "paper"]
        assert paper, f"{path.name}: no paper rows"
        headline = f"paper rows within tolerance: {sum(r['within'] for r in paper)}/{len(paper)}"
        assert headline in doc["notes"], (path.name, doc["notes"])
        assert headline in (out / f"{path.stem}.md").read_text(), path.stem
        s = index.summarise(doc)
        assert (s["within"], s["total"]) == (sum(r["within"] for r in paper), len(paper))
        assert s["worst"]["kind"] == "paper"
        assert re.search(rf"\[{path.stem}\]\({path.stem}\.md\) \| [^|]+ \| {s['within']} / {s['total']}", readme), \
            f"README.md's row for {path.stem} does not show its paper rows ({s['within']} / {s['total']})"
