"""Sweeps cannot be hurt by their inputs (issue 8, item 7): a damaged or truncated results file
gives a clear message, the single-writer lock holds through symbolic links, the local cluster
listens only on localhost, and `validate` sizes a huge sweep without expanding it."""
import os
import shutil
import sqlite3
import subprocess

import pytest

from conftest import DATA, PYTHON, SCRIPTS
from npusim_sweep import spec as specmod
from npusim_sweep.store import Store, StoreDamaged, StoreLocked
from test_sweep_results import results  # noqa: F401  (the tiny sweep run in-process)

SWEEP = SCRIPTS / "sweep.py"


def _cli(*args, env=None):
    return subprocess.run([PYTHON, SWEEP, *map(str, args)], env=env, capture_output=True, text=True, timeout=60)


def _damaged_copies(db, tmp_path):
    """A file that is not SQLite, one cut in half, and one whose pages were overwritten."""
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"these are not the results you are looking for\n" * 200)
    size = os.path.getsize(db)
    assert not os.path.exists(str(db) + "-wal") or os.path.getsize(str(db) + "-wal") == 0  # all in the main file
    half = tmp_path / "half.sqlite"
    with open(db, "rb") as f:
        half.write_bytes(f.read(size // 2))
    smashed = tmp_path / "smashed.sqlite"
    shutil.copy(db, smashed)
    with open(smashed, "r+b") as f:  # keep the 100-byte header, overwrite the rest of page 1 on
        f.seek(100)
        f.write(b"\xff" * (size - 100))
    return [garbage, half, smashed]


def test_sweep_damaged_results_file_gives_a_message(results, tmp_path, sim_env):  # noqa: F811
    _, db = results
    for bad in _damaged_copies(db, tmp_path):
        with pytest.raises(StoreDamaged, match="is not a readable sweep results file"):
            Store(bad)
        with pytest.raises(StoreDamaged):
            Store(bad, writer=True)
        for args in (["status", bad], ["export", bad, "-o", tmp_path / "out.csv"],
                     ["status", DATA / "sweep_tiny.yaml", "--db", bad]):
            r = _cli(*args, env=sim_env)
            assert r.returncode == 1, (bad.name, args, r.stdout, r.stderr)
            assert "Traceback" not in r.stderr, r.stderr
            assert f"error: {bad} is not a readable sweep results file" in r.stderr, r.stderr
            assert "move it aside" in r.stderr
        # The writer refused before touching it: its lock is released, the file unchanged.
        fd = os.open(str(bad) + ".lock", os.O_RDWR)
        os.close(fd)


def test_sweep_lock_cannot_be_bypassed_through_a_symlink(results, tmp_path):  # noqa: F811
    _, db = results
    alias_dir = tmp_path / "elsewhere"
    alias_dir.mkdir()
    alias = alias_dir / "alias.sqlite"
    os.symlink(db, alias)
    with Store(db, writer=True) as first:
        assert Store(alias).lock_path() == first.lock_path() == str(os.path.realpath(db)) + ".lock"
        with pytest.raises(StoreLocked, match="being written by another sweep driver"):
            Store(alias, writer=True)
        assert Store(alias).writer_active()
    with Store(alias, writer=True) as through_link:  # the lock is free again, whichever name
        with pytest.raises(StoreLocked):
            Store(db, writer=True)
        assert through_link.rows()  # and it is the same results file
    # A lock file replaced by a link (to a file another driver might lock, or /dev/null) is refused.
    lock = str(db) + ".lock"
    os.remove(lock)
    os.symlink(tmp_path / "other.lock", lock)
    with pytest.raises(StoreLocked, match="is a symbolic link"):
        Store(db, writer=True)
    assert not os.path.exists(tmp_path / "other.lock")


def _listening(pid):
    import psutil
    return [c.laddr for c in psutil.Process(pid).connections(kind="inet") if c.status == psutil.CONN_LISTEN]


def test_sweep_local_cluster_listens_only_on_localhost(npusim_dir):
    from npusim_sweep import execute
    pytest.importorskip("psutil")
    client, cluster, _ = execute.make_client(None, None, 1, npusim_dir)
    try:
        import psutil
        workers = set(client.run(os.getpid).values())
        pids = [os.getpid()] + [c.pid for c in psutil.Process().children(recursive=True)]
        assert workers <= set(pids)
        addrs = [a for pid in pids for a in _listening(pid)]
        assert len(addrs) >= 4, addrs  # the scheduler, its HTTP (dashboard) server, the nanny, the worker
        assert all(a.ip in ("127.0.0.1", "::1") for a in addrs), addrs
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert 8787 not in [a.port for a in addrs]  # a free port: two sweeps never clash
    finally:
        client.close()
        cluster.close()


HUGE = """name: huge
hw: {hw}
workload: {wl}
axes:
  - grid:
      dram.channel_bandwidth: [4GB/s, 8GB/s, 16GB/s, 32GB/s]
      workload.models.0.precision.weight: [4, 8]
  - random: {{n: {n}, seed: 7, params: {{array.rows: {{int: [8, 64]}}}}}}
"""


@pytest.mark.parametrize("n, refused", [(50_000, False), (4_000_000, True)])
def test_sweep_validate_sizes_a_huge_sweep_without_expanding_it(tmp_path, npusim, monkeypatch, capsys, n, refused):
    import sweep as sweep_cli
    p = tmp_path / "huge.yaml"
    p.write_text(HUGE.format(hw=(SCRIPTS.parent / "hw_configs" / "generic_npu" / "edge_32x32.yaml"),
                             wl=DATA / "tiny.yaml", n=n))
    assert specmod.load(p, check=False).size_bound() == 4 * 2 * n

    def boom(spec):
        raise AssertionError("validate expanded the sweep")
    monkeypatch.setattr(specmod, "expand", boom)
    rc = sweep_cli.main(["validate", str(p)])
    out = capsys.readouterr().out
    assert f"{4 * 2 * n:,} points" in out, out
    if refused:
        assert rc == 1 and "more than the 1,000,000 one sweep may plan" in out
    else:
        assert rc == 0 and "OK" in out and "not expanded" in out
    monkeypatch.undo()
    if refused:  # run, status and friends refuse it with the same message instead of planning it
        with pytest.raises(specmod.SweepSpecError, match="more than the 1,000,000 one sweep may plan"):
            specmod.load(p, check=False).points()
