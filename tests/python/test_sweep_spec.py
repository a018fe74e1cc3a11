"""Sweep files: validation before anything runs, expansion into points, stable point ids."""
import os
import subprocess
import textwrap

import pytest

from conftest import DATA, PYTHON, REPO, SCRIPTS
from npusim_sweep import spec as specmod

HW = REPO / "hw_configs" / "generic_npu" / "edge_32x32.yaml"
WL = DATA / "tiny.yaml"


def write_spec(tmp_path, body, name="s.yaml"):
    p = tmp_path / name
    head = f"hw: {HW}\nworkload: {WL}\n"
    p.write_text(head + textwrap.dedent(body))
    return p


def load_err(tmp_path, body, npusim=None, check=True):
    p = write_spec(tmp_path, body)
    with pytest.raises(specmod.SweepSpecError) as ei:
        specmod.load(p, check=check, sim=npusim)
    msg = str(ei.value)
    assert str(p) in msg, msg  # every message names the file
    return msg


def test_sweep_spec_grid_zip_random_expand(tmp_path, npusim):
    p = write_spec(tmp_path, """
        overrides: {array.max_lanes: 2}
        axes:
          - grid: {dram.channel_bandwidth: [8GB/s, 16GB/s], workload.models.0.precision.weight: [4, 8]}
          - zip: {array.rows: [16, 32, 64], array.cols: [16, 32, 64]}
          - random:
              n: 3
              seed: 7
              params:
                dram.latency: {uniform: [50ns, 150ns], digits: 3}
                dma.max_outstanding: {int: [2, 16]}
                vector.lanes: [16, 32]
        """)
    s = specmod.load(p, sim=npusim)
    pts = s.points()
    assert len(pts) == 2 * 2 * 3 * 3
    assert all(pt.overrides["array.max_lanes"] == 2 for pt in pts)
    assert {(pt.overrides["array.rows"], pt.overrides["array.cols"]) for pt in pts} == {(16, 16), (32, 32), (64, 64)}
    lat = {pt.overrides["dram.latency"] for pt in pts}
    assert len(lat) == 3 and all(v.endswith("ns") and 50 <= float(v[:-2]) <= 150 for v in lat)
    assert all(2 <= pt.overrides["dma.max_outstanding"] <= 16 for pt in pts)
    # Same file -> same points and ids (seeded); ids are unique and independent of key order.
    assert [x.point_id for x in specmod.load(p, sim=npusim).points()] == [x.point_id for x in pts]
    assert len({x.point_id for x in pts}) == len(pts)
    a = specmod.point_id("hw.yaml", "wl.yaml", {"a.b": 1, "c": "2GB/s"})
    assert a == specmod.point_id("hw.yaml", "wl.yaml", {"c": "2GB/s", "a.b": 1})
    assert a != specmod.point_id("hw.yaml", "wl.yaml", {"a.b": 2, "c": "2GB/s"})
    assert pts[0].hw == "hw_configs/generic_npu/edge_32x32.yaml"


def test_sweep_spec_shorthand_and_loguniform(tmp_path, npusim):
    p = write_spec(tmp_path, """
        axes:
          random: {n: 20, seed: 1, params: {dram.channel_bandwidth: {loguniform: [4GB/s, 64GB/s]}}}
        """)
    pts = specmod.load(p, sim=npusim).points()
    vals = [float(pt.overrides["dram.channel_bandwidth"][:-4]) for pt in pts]
    assert len(pts) == 20 and all(4 <= v <= 64 for v in vals)
    p2 = write_spec(tmp_path, "axes: {array.rows: [16, 32], array.cols: [8, 16]}\n", "s2.yaml")
    assert len(specmod.load(p2, sim=npusim).points()) == 4


@pytest.mark.parametrize("body, expect", [
    ("axes: [{grid: {array.rows: [16]}}]\nsweeep: 1\n", "unknown key `sweeep`"),
    ("axes: [{gird: {array.rows: [16]}}]\n", "unknown key `gird` in axes[0] (did you mean `grid`?)"),
    ("axes: [{grid: {array.rows: []}}]\n", "axes[0] (grid) `array.rows`: empty axis"),
    ("axes: []\n", "`axes` must be a non-empty list"),
    ("axes: [{zip: {array.rows: [16, 32], array.cols: [16]}}]\n", "lists of unequal length"),
    ("axes: [{random: {n: 3, params: {array.rows: {int: [1, 8]}}}}]\n", "missing `seed`"),
    ("axes: [{random: {n: 0, seed: 1, params: {array.rows: {int: [1, 8]}}}}]\n", "`n` must be a positive integer"),
    ("axes: [{random: {n: 2, seed: 1, params: {dram.latency: {loguniform: [0ns, 9ns]}}}}]\n", "must be positive"),
    ("axes: [{random: {n: 2, seed: 1, params: {array.rows: {gauss: [1, 8]}}}}]\n", "unknown key `gauss`"),
    ("axes: [{random: {n: 2, seed: 1, params: {array.rows: {int: [8, 1]}}}}]\n", "low bound must be below"),
    ("axes: [{grid: {array.rows: [16]}}, {grid: {array.rows: [32]}}]\n", "already set by"),
    ("axes: [{grid: {array.rows: [[1, 2]]}}]\n", "is not a scalar"),
    ("axes: [{grid: {'dram channels': [1]}}]\n", "is not an override path"),
])
def test_sweep_spec_schema_errors(tmp_path, body, expect):
    msg = load_err(tmp_path, body, check=False)
    assert expect in msg, msg


@pytest.mark.parametrize("body, expect", [
    ("axes: [{grid: {dram.chanels: [1, 2]}}]\n",
     ["axes[0] (grid) `dram.chanels`", "unknown key `chanels` in hw.dram (did you mean `channels`?)"]),
    ("axes: [{grid: {array.rows: [16]}}, {zip: {workload.models.0.precision.wieght: [4]}}]\n",
     ["axes[1] (zip) `workload.models.0.precision.wieght`", "did you mean `weight`?"]),
    ("axes: [{grid: {workload.models.4.precision.weight: [4]}}]\n", ["has 1 elements, no index 4"]),
    ("axes: [{grid: {dram.channel_bandwidth: [8GB/s, 16GHz]}}]\n", ["= '16GHz'", "unknown unit `GHz`"]),
    ("axes: [{grid: {array.rows: [16, 0]}}]\n", ["below the minimum 1"]),
    ("axes: [{random: {n: 2, seed: 1, params: {array.rows: {int: [1, 9999]}}}}]\n", ["axes[0] (random) `array.rows`"]),
    ("overrides: {array.rowz: 4}\naxes: [{grid: {array.cols: [16]}}]\n", ["base configuration", "`rowz`"]),
])
def test_sweep_spec_bad_override_paths(tmp_path, npusim, body, expect):
    msg = load_err(tmp_path, body, npusim)
    for e in expect:
        assert e in msg, msg


def test_sweep_spec_fit_errors_are_left_to_points(tmp_path, npusim):
    # A buffer too small for one tile is a property of the whole point (other axes may fix it):
    # validation lets it through and the point records the failure.
    p = write_spec(tmp_path, "axes: {weight_sram.capacity: [256KiB, 16B]}\n")
    assert len(specmod.load(p, sim=npusim).points()) == 2


def test_sweep_cli_rejects_before_running(tmp_path, sim_env):
    p = write_spec(tmp_path, "axes: [{grid: {dram.channel_bandwidth: [8GB/s]}}, {zip: {dram.chanels: [1, 2]}}]\n")
    db = tmp_path / "never.sqlite"
    r = subprocess.run([PYTHON, SCRIPTS / "sweep.py", "run", p, "--db", db, "--no-progress"], env=sim_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "nothing was run" in r.stderr and "axes[1] (zip) `dram.chanels`" in r.stderr and str(p) in r.stderr
    assert "did you mean `channels`" in r.stderr
    assert not os.path.exists(db)
    r = subprocess.run([PYTHON, SCRIPTS / "sweep.py", "validate", DATA / "sweep_dask.yaml"], env=sim_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "40 points" in r.stdout, r.stdout + r.stderr


LLM_HW = REPO / "hw_configs" / "llm_npu" / "pmpd_4k.yaml"
LLM_WL = REPO / "workloads" / "llm" / "mobilellama-1.4b" / "iwslt.yaml"


def test_sweep_spec_mapping_values(tmp_path, npusim):
    # A mapping value replaces the whole key (a precision schedule), as npusim.run does; the
    # point id follows its content, not the key order it was written in.
    p = tmp_path / "m.yaml"
    p.write_text(f"hw: {LLM_HW}\nworkload: {LLM_WL}\n" + textwrap.dedent("""
        overrides: {dram.channels: 1}
        axes:
          - zip:
              workload.models.0.schedule:
                - {type: uniform, bits: 16}
                - {type: static, prefill_bits: 4, high_bits: 4, low_bits: 3, switch_step: 5}
                - {bits: 16, type: uniform}
          - grid: {dram.channel_bandwidth: [16GB/s, 32GB/s]}
        """))
    pts = specmod.load(p, sim=npusim).points()
    assert len(pts) == 2 * 2  # the third schedule is the first one
    scheds = [pt.overrides["workload.models.0.schedule"] for pt in pts]
    assert scheds[0] == {"type": "uniform", "bits": 16} and scheds[2]["type"] == "static"
    again = specmod.point_id(pts[0].hw, pts[0].workload,
                             {"dram.channels": 1, "dram.channel_bandwidth": "16GB/s",
                              "workload.models.0.schedule": {"bits": 16, "type": "uniform"}})
    assert pts[0].point_id == again
    # Keys inside the mapping are checked by npusim before anything runs.
    p.write_text(f"hw: {LLM_HW}\nworkload: {LLM_WL}\n"
                 "axes: {workload.models.0.schedule: [{type: uniform, bits: 3}, {type: uniform, bitz: 3}]}\n")
    with pytest.raises(specmod.SweepSpecError) as ei:
        specmod.load(p, sim=npusim)
    msg = str(ei.value)
    assert "axes[0] (grid) `workload.models.0.schedule`" in msg and "did you mean `bits`?" in msg, msg
    # A value that is neither a scalar nor a mapping of JSON-like values stays an error.
    p.write_text(f"hw: {LLM_HW}\nworkload: {LLM_WL}\n"
                 "axes: {workload.models.0.schedule: [{type: uniform, bits: {1.5, 2}}]}\n")
    with pytest.raises(specmod.SweepSpecError, match="is not a scalar"):
        specmod.load(p, check=False)


def test_sweep_spec_loads_generated_text(tmp_path, npusim):
    # A program (a reproduction script) builds its sweep in memory; file names it, paths are
    # relative to base_dir.
    text = (f"name: gen\nhw: {os.path.relpath(LLM_HW, REPO)}\nworkload: {os.path.relpath(LLM_WL, REPO)}\n"
            "overrides: {workload.models.0.schedule: {type: uniform, bits: 4}}\n"
            "axes: {hw: [hw_configs/llm_npu/pmpd_4k.yaml, hw_configs/llm_npu/pmpd_16k.yaml]}\n")
    s = specmod.loads(text, "scripts/reproduce/x.py", REPO, sim=npusim)
    assert s.name == "gen" and s.text == text and s.file == "scripts/reproduce/x.py"
    assert [pt.hw for pt in s.points()] == ["hw_configs/llm_npu/pmpd_4k.yaml", "hw_configs/llm_npu/pmpd_16k.yaml"]
    assert s.points()[1].overrides == {"workload.models.0.schedule": {"type": "uniform", "bits": 4}}
    with pytest.raises(specmod.SweepSpecError, match=r"^gen\.py: `hw`: no such file"):
        specmod.loads("hw: nothere.yaml\nworkload: x.yaml\naxes: {a.b: [1]}\n", "gen.py", tmp_path, check=False)


def test_sweep_spec_file_axes_are_relative_to_the_sweep_file(tmp_path, npusim, monkeypatch):
    # hw/workload axis values name files relative to the sweep file, wherever the sweep is run from.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "hw2.yaml").write_text(HW.read_text())
    p = tmp_path / "sub" / "s.yaml"
    p.write_text(f"hw: {HW}\nworkload: {WL}\naxes:\n  - zip: {{hw: [hw2.yaml], array.rows: [16]}}\n"
                 "  - random: {n: 2, seed: 3, params: {workload: {choice: [../wl.yaml]}}}\n")
    (tmp_path / "wl.yaml").write_text(WL.read_text())
    monkeypatch.chdir(tmp_path.parent)
    pts = specmod.load(p, sim=npusim).points()
    assert {pt.hw_path for pt in pts} == {str(tmp_path / "sub" / "hw2.yaml")}
    assert {pt.workload_path for pt in pts} == {str(tmp_path / "wl.yaml")}


def test_sweep_spec_zip_rows_validate_with_their_own_files(npusim):
    # Zipped with hw/workload, a value is checked with its own row's files. The base here is
    # Vicuna-7B (120 generated tokens) on the 16K preset: the 4K preset's DRAM is too small for
    # it and switch step 200 is past its generation, but row 0 pairs both with MobileLLaMA (256).
    text = ("hw: hw_configs/llm_npu/pmpd_16k.yaml\nworkload: workloads/llm/vicuna-7b/cnndm.yaml\n"
            "axes:\n  - zip:\n"
            "      hw: [hw_configs/llm_npu/pmpd_4k.yaml, hw_configs/llm_npu/pmpd_16k.yaml]\n"
            "      workload: [workloads/llm/mobilellama-1.4b/cnndm.yaml, workloads/llm/vicuna-7b/cnndm.yaml]\n"
            "      workload.models.0.schedule: [{type: static, prefill_bits: 4, high_bits: 4, low_bits: 3,\n"
            "                                    switch_step: 200}, {type: uniform, bits: 3}]\n")
    s = specmod.loads(text, "gen.py", REPO, sim=npusim)
    assert [pt.hw for pt in s.points()] == ["hw_configs/llm_npu/pmpd_4k.yaml", "hw_configs/llm_npu/pmpd_16k.yaml"]
    with pytest.raises(specmod.SweepSpecError) as ei:
        specmod.loads(text.replace("switch_step: 200", "switch_step: 300"), "gen.py", REPO, sim=npusim)
    msg = str(ei.value)
    assert ("axes[0] (zip) `workload.models.0.schedule`" in msg and "in its zip row with hw "
            "hw_configs/llm_npu/pmpd_4k.yaml, workload workloads/llm/mobilellama-1.4b/cnndm.yaml" in msg
            and "past the generation length" in msg), msg
