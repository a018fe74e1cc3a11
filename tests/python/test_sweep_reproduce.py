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
  {"quantity": "peak TOPS", "paper": 2.0, "simulated": 2.05, "ratio": 1.025, "tolerance": "10%", "within": True},
  {"quantity": "ResNet-50 latency (ms)", "paper": 10.0, "simulated": 16.0, "ratio": 1.6, "tolerance": "25%", "within": False},
  {"quantity": "energy/inference (mJ)", "paper": 4.0, "simulated": 3.8, "ratio": 0.95, "tolerance": "10%", "within": True},
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
    assert "[fakepaper](fakepaper.md) | A Fake Accelerator (2024) | 2 / 3 |" in readme, readme
    assert "ResNet-50 latency (ms): paper 10, simulated 16 (x1.6, tolerance 25%, outside)" in readme
    assert "crashing | - | **no result**: the script failed (exit status 3)" in readme
    assert "boom: cannot reproduce" in readme  # the failing script's output is shown
    assert "slowpaper" in readme and "timed out after 3" in readme
    assert "badjson" in readme and "has no `paper`" in readme
    assert "_helper" not in readme and "| all |" not in readme
    assert "4 reproduction(s), 1 with results; 2 of 3 numbers within tolerance." in readme
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
    assert r2.returncode == 0 and "| 2 / 3 |" in readme and "not run" in readme
