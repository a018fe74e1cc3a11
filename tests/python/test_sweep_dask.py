"""Fault tolerance of the sweep runner on a real Dask cluster (dask-scheduler + 2 dask-workers
on 127.0.0.1): a worker SIGKILLed mid-sweep, a driver SIGKILLed mid-sweep, failing points.

Each test is bounded (every wait has a deadline) and kills the processes it started. The
assertions read the results file (its points and runs tables), never the driver's log wording,
and compare times stamped by the processes themselves, with no wall-clock margin.
"""
import json
import signal
import subprocess
import time

import pytest

from conftest import DATA, PYTHON, SCRIPTS, db_rows, spawn, wait_until

DRIVER_TIMEOUT = 60


def _planned_ids(path):
    from npusim_sweep import spec as specmod
    return {p.point_id for p in specmod.load(path, check=False).points()}


def _driver(db, sim_env, tmp_path, *extra, log="driver.log"):
    cmd = [PYTHON, SCRIPTS / "sweep.py", "run", DATA / "sweep_dask.yaml", "--db", db, "--no-progress", *extra]
    return spawn(cmd, tmp_path / log, env=sim_env, cwd=tmp_path)


def _wait_exit(proc, tmp_path, log):
    try:
        rc = proc.wait(timeout=DRIVER_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"driver did not finish in {DRIVER_TIMEOUT}s:\n" + (tmp_path / log).read_text()[-3000:])
    assert rc == 0, (tmp_path / log).read_text()[-3000:]


def _check_exactly_once(db, planned):
    rows = db_rows(db, "SELECT point_id, status, writes FROM points")
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate point rows"
    assert set(ids) == planned, f"missing {len(planned - set(ids))}, extra {len(set(ids) - planned)}"
    assert all(r[1] == "done" for r in rows), [r for r in rows if r[1] != "done"][:3]
    assert all(r[2] == 1 for r in rows), "a point was written more than once"
    return rows


def test_sweep_survives_worker_kill(dask_cluster, sim_env, tmp_path):
    db = tmp_path / "kill_worker.sqlite"
    planned = _planned_ids(DATA / "sweep_dask.yaml")
    victim = dask_cluster.worker_pid(0)
    driver = _driver(db, sim_env, tmp_path, "--scheduler", dask_cluster.address, "--debug-point-delay", "0.08")
    # Kill worker 0 once both workers have committed points and the sweep is well under way.
    wait_until(lambda: (db_rows(db, f"SELECT count(*) FROM points WHERE worker LIKE '%:{victim}'") or [[0]])[0][0] >= 2
               and db_rows(db)[0][0] >= 8, 30, "points from the worker to kill")
    dask_cluster.kill_worker(0)  # SIGKILL, then waits until the process is gone
    killed_at = time.time()
    n_before = db_rows(db)[0][0]
    # Worker 1 runs one point at a time: besides one in flight and one finished but not yet
    # committed at the kill, every missing point must start on it after the kill.
    assert n_before <= len(planned) - 3, "the sweep was nearly finished before the worker was killed"
    _wait_exit(driver, tmp_path, "driver.log")
    rows = _check_exactly_once(db, planned)
    # started_at is stamped by the worker process itself as the point begins: the victim was dead
    # (reaped) before killed_at was read, so each of its points started strictly earlier.
    workers = db_rows(db, "SELECT worker, count(*), max(started_at) FROM points GROUP BY worker")
    by_pid = {w.rsplit(":", 1)[1]: (n, t) for w, n, t in workers}
    assert str(victim) in by_pid and str(dask_cluster.worker_pid(1)) in by_pid
    assert by_pid[str(victim)][1] < killed_at  # nothing ran on the dead worker afterwards
    assert by_pid[str(dask_cluster.worker_pid(1))][1] > killed_at  # the survivor took over
    run = db_rows(db, "SELECT state, planned, done, failed FROM runs")
    assert run == [("finished", len(planned), len(planned), 0)]
    assert len(rows) == len(planned) == 40


def test_rerun_after_driver_kill_runs_only_missing(dask_cluster, sim_env, tmp_path):
    db = tmp_path / "kill_driver.sqlite"
    planned = _planned_ids(DATA / "sweep_dask.yaml")
    driver = _driver(db, sim_env, tmp_path, "--scheduler", dask_cluster.address, "--debug-point-delay", "0.08",
                     log="driver1.log")
    wait_until(lambda: (db_rows(db) or [[0]])[0][0] >= 10, 30, "the first points to be committed")
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=10)
    first = {pid: (run, fin) for pid, run, fin in db_rows(db, "SELECT point_id, run_id, finished_at FROM points")}
    assert 10 <= len(first) < len(planned), len(first)
    (run1,) = {run for run, _ in first.values()}
    assert db_rows(db, "SELECT state FROM runs") == [("running",)]  # it died without closing

    driver2 = _driver(db, sim_env, tmp_path, "--scheduler", dask_cluster.address, log="driver2.log")
    _wait_exit(driver2, tmp_path, "driver2.log")
    _check_exactly_once(db, planned)
    rows = db_rows(db, "SELECT point_id, run_id, finished_at FROM points")
    runs = {r[0]: r[1:] for r in db_rows(db, "SELECT run_id, state, planned, skipped, done FROM runs")}
    assert runs[run1][0] == "interrupted"
    (run2,) = [r for r in runs if r != run1]
    assert runs[run2] == ("finished", len(planned) - len(first), len(first), len(planned) - len(first))
    for pid, run, fin in rows:
        if pid in first:  # committed by the killed driver: untouched
            assert (run, fin) == first[pid]
        else:
            assert run == run2

    # A third run has nothing to do: it plans 0 points and skips all of them.
    driver3 = _driver(db, sim_env, tmp_path, "--scheduler", dask_cluster.address, log="driver3.log")
    _wait_exit(driver3, tmp_path, "driver3.log")
    runs = db_rows(db, "SELECT run_id, state, planned, skipped, done FROM runs")
    (run3,) = [r[1:] for r in runs if r[0] not in (run1, run2)]
    assert run3 == ("finished", 0, len(planned), 0)
    assert len(db_rows(db, "SELECT * FROM points")) == len(planned)


def test_failed_points_recorded_and_retried_on_request(sim_env, tmp_path):
    """Local cluster (the default): failing points are recorded with their error and the sweep
    carries on; a rerun skips them unless --retry-failed."""
    db = tmp_path / "failing.sqlite"

    def run(*extra, log):
        p = spawn([PYTHON, SCRIPTS / "sweep.py", "run", DATA / "sweep_failing.yaml", "--db", db, "--workers", "1",
                   "--no-progress", *extra], tmp_path / log, env=sim_env, cwd=tmp_path)
        _wait_exit(p, tmp_path, log)

    run(log="run1.log")
    rows = db_rows(db, "SELECT overrides, status, error, stats IS NULL, writes FROM points")
    assert len(rows) == 4
    failed = [r for r in rows if r[1] == "failed"]
    done = [r for r in rows if r[1] == "done"]
    assert len(failed) == 2 and len(done) == 2
    for ov, _, err, no_stats, _ in failed:
        assert json.loads(ov)["weight_sram.capacity"] == "16B"
        assert "does not fit" in err and no_stats == 1
    assert all(r[2] is None for r in done)

    def last_run():
        return db_rows(db, "SELECT planned, skipped FROM runs ORDER BY started_at DESC LIMIT 1")[0]

    run(log="run2.log")  # failed points are not retried by default
    assert last_run() == (0, 4)
    run("--retry-failed", log="run3.log")
    assert last_run() == (2, 2)
    writes = dict(db_rows(db, "SELECT status, sum(writes) FROM points GROUP BY status"))
    assert writes == {"done": 2, "failed": 4}  # failed ones written twice, still one row each
    status = subprocess.run([PYTHON, SCRIPTS / "sweep.py", "status", DATA / "sweep_failing.yaml", "--db", db],
                            env=sim_env, capture_output=True, text=True, timeout=30)
    assert "2 done, 2 failed, 0 missing" in status.stdout, status.stdout + status.stderr
