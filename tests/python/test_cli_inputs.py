"""Inputs the CLI accepts that it used to refuse, and the paths it still follows (issue 8, items 4
and 8): a sparsity CSV with a UTF-8 byte order mark and quoted fields runs; an input named through
a symbolic link and an output directory that is a symbolic link to a directory work as before.

Uses $NPUSIM_CLI (default: <repo>/build/npusim); skipped when the CLI is not built."""
import json
import os
import subprocess

import pytest

from conftest import REPO

CLI = os.environ.get("NPUSIM_CLI", os.path.join(REPO, "build", "npusim"))
HW = REPO / "hw_configs" / "generic_npu" / "edge_32x32.yaml"
TRACE = """schema_version: 1
name: csv-check
models:
  - name: m
    dynamic_sparsity: {file: s.csv}
    layers:
      - {name: "g,1", op: gemm, m: 4, k: 64, n: 64}
      - {name: h, op: gemm, m: 4, k: 64, n: 64}
"""


@pytest.fixture(scope="module")
def cli():
    if not os.access(CLI, os.X_OK):
        pytest.skip(f"simulator CLI {CLI} not built (set NPUSIM_CLI to a built npusim)")
    return CLI


def _run(cli, *args):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_sparsity_csv_with_bom_and_quoted_fields_runs(cli, tmp_path):
    (tmp_path / "t.yaml").write_text(TRACE)
    # Spreadsheet export: BOM, CRLF line ends, every field quoted, a layer name with a comma.
    csv = '\ufeff"sample","layer","activation_density"\r\n"0","g,1","0.5"\r\n"0","h","0.25"\r\n'
    (tmp_path / "s.csv").write_bytes(csv.encode("utf-8"))
    r = _run(cli, "run", "--hw", HW, "--workload", tmp_path / "t.yaml", "--out", tmp_path / "out", "--quiet")
    assert r.returncode == 0, r.stderr
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["workload"] == "csv-check"
    # The same table unquoted and without the BOM gives the same result, byte for byte.
    (tmp_path / "s.csv").write_text("sample,layer,activation_density\n0,\"g,1\",0.5\n0,h,0.25\n")
    r = _run(cli, "run", "--hw", HW, "--workload", tmp_path / "t.yaml", "--out", tmp_path / "plain", "--quiet")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "plain" / "stats.json").read_text() == (tmp_path / "out" / "stats.json").read_text()


def test_symlinked_inputs_and_output_directory_still_work(cli, tmp_path):
    (tmp_path / "real_out").mkdir()
    os.symlink(tmp_path / "real_out", tmp_path / "out")
    os.symlink(HW, tmp_path / "hw.yaml")
    (tmp_path / "t.yaml").write_text(TRACE.replace("    dynamic_sparsity: {file: s.csv}\n", ""))
    r = _run(cli, "run", "--hw", tmp_path / "hw.yaml", "--workload", tmp_path / "t.yaml", "--out",
             tmp_path / "out", "--quiet")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "real_out" / "stats.json").is_file()
    # A rerun replaces the regular files it wrote.
    r = _run(cli, "run", "--hw", tmp_path / "hw.yaml", "--workload", tmp_path / "t.yaml", "--out",
             tmp_path / "out", "--quiet")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path / "real_out")) == ["layers.csv", "resolved_config.yaml", "stats.json"]


def test_python_refuses_fifo_device_and_oversized_inputs(npusim, tmp_path):
    """The same checks guard npusim.run: an error, never a blocked open or a bad_alloc."""
    fifo = tmp_path / "hw.fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(5 << 30)  # 5 GiB, sparse
    wl = tmp_path / "t.yaml"
    wl.write_text(TRACE.replace("    dynamic_sparsity: {file: s.csv}\n", ""))
    for hw, workload, message in [(str(fifo), str(wl), "is a FIFO (named pipe)"),
                                  (str(HW), "/dev/urandom", "is a device"),
                                  (str(HW), str(big), "is 5GiB, more than the 32MiB limit")]:
        with pytest.raises(npusim.Error, match=message.replace("(", r"\(").replace(")", r"\)")):
            npusim.run(hw, workload)
