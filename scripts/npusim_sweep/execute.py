"""The sweep driver: plan the points, run them on Dask, commit each result as it arrives.

Cluster choice:
  * default: a LocalCluster of worker *processes* (one thread each), one per CPU;
  * scheduler="tcp://host:port" or scheduler_file=...: an existing Dask cluster.
Tasks are submitted through a bounded window (a few per worker thread), so a large sweep holds
little memory and killing the driver wastes little work. A worker that dies is handled by Dask
(its tasks are rerun elsewhere; a task that kills `allowed-failures` workers is recorded as a
failed point). A result is committed once, by the driver, keyed by point id.
"""
import hashlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import simenv, worker
from .store import Store


@dataclass
class RunSummary:
    run_id: str
    planned: int
    skipped: int
    done: int
    failed: int
    state: str
    message: str = ""


class SweepAborted(RuntimeError):
    pass



def add_engine_args(ap, db_help="results file (default: npusim-out/sweeps/<name>.sqlite)"):
    """The engine options a script that runs sweeps offers: --workers, --scheduler, --db,
    --no-progress (scripts/studies, scripts/reproduce)."""
    ap.add_argument("--workers", type=int, help="worker processes of the local Dask cluster (default: one per CPU)")
    ap.add_argument("--scheduler", help="run on an existing Dask cluster, tcp://HOST:PORT")
    ap.add_argument("--db", help=db_help)
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")

def _file_ref(path):
    text = Path(path).read_text()
    return {"path": str(path), "text": text, "sha": hashlib.sha256(text.encode()).hexdigest()}


def plan(spec, store, retry_failed=False, rerun_version=None):
    """(points to run, number skipped) for this sweep against the results file. Done points are
    skipped, failed ones too unless retry_failed; with rerun_version, points recorded by another
    simulator version are run again."""
    have = store.statuses(with_version=True)
    points = spec.points()
    todo = []
    for p in points:
        st, ver = have.get(p.point_id, (None, None))
        stale = rerun_version is not None and st is not None and ver != rerun_version
        if not stale and (st == "done" or (st == "failed" and not retry_failed)):
            continue
        todo.append(p)
    return todo, len(points) - len(todo)


def _quiet_dask():
    for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny",
                 "distributed.core", "distributed.comm", "distributed.client"):
        logging.getLogger(name).setLevel(logging.ERROR)


def make_client(scheduler=None, scheduler_file=None, n_workers=None, npusim_dir=None, connect_timeout=30):
    """(client, cluster_or_None, description)."""
    import dask
    from dask.distributed import Client, LocalCluster
    # A task whose worker dies is retried on another worker; after this many deaths the point is
    # recorded as failed (applies to the local cluster; an external scheduler has its own config).
    dask.config.set({"distributed.scheduler.allowed-failures": 3})
    if scheduler or scheduler_file:
        client = Client(scheduler, scheduler_file=scheduler_file, timeout=connect_timeout,
                        set_as_default=False)
        return client, None, scheduler or f"scheduler file {scheduler_file}"
    if npusim_dir:  # LocalCluster workers are children: they inherit the environment
        os.environ[simenv.ENV_VAR] = os.pathsep.join(
            [npusim_dir] + [d for d in os.environ.get(simenv.ENV_VAR, "").split(os.pathsep) if d])
    n = n_workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()) or 1
    # Every listening socket on the loopback interface, on a free port: dashboard_address=None
    # would still serve the dashboard on 0.0.0.0:8787, open to the network.
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0",
                           silence_logs=logging.ERROR)
    client = Client(cluster, set_as_default=False)
    return client, cluster, f"local cluster, {n} worker processes"


def _failure_from_exception(fut, exc):
    from distributed import KilledWorker
    if isinstance(exc, KilledWorker):
        return {"status": "failed", "error": "the worker process died while running this point "
                "(repeatedly: simulator crash, abort or out of memory?): " + str(exc)}
    return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def run_sweep(spec, db_path, scheduler=None, scheduler_file=None, n_workers=None, retry_failed=False,
              progress=True, npusim_dir=None, delay=0.0, window=None, durable=False, log=None,
              client=None, rerun_other_versions=False, client_desc=None):
    """Run the missing points of `spec` into `db_path`; return a RunSummary. With `client`, the
    points run on that Dask client (several sweeps can share one cluster), `client_desc` naming
    it in the results file's runs table."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    _quiet_dask()
    sim = simenv.import_npusim(npusim_dir)
    npusim_dir = simenv.module_dir(sim)
    store = Store(db_path, durable=durable, writer=True)
    own_client = client is None
    cluster = None
    run_id = None
    try:
        store.register_sweep(spec)
        todo, skipped = plan(spec, store, retry_failed, sim.__version__ if rerun_other_versions else None)
        total = len(todo) + skipped
        log(f"sweep {spec.name}: {total} points, {skipped} already in {db_path}, {len(todo)} to run")
        if not todo:
            run_id = store.begin_run(spec, 0, skipped, scheduler or "")
            store.end_run(run_id, "finished", "nothing to do")
            return RunSummary(run_id, 0, skipped, 0, 0, "finished", "nothing to do")
        if own_client:
            try:
                client, cluster, where = make_client(scheduler, scheduler_file, n_workers, npusim_dir)
            except (OSError, TimeoutError, ValueError) as e:
                raise SweepAborted(f"cannot start or reach the Dask cluster "
                                   f"({scheduler or scheduler_file or 'local'}): {e}") from None
        else:
            where = client_desc or "given client"
        import cloudpickle
        cloudpickle.register_pickle_by_value(worker)
        run_id = store.begin_run(spec, len(todo), skipped, where)
        log(f"run {run_id} on {where}")
        summary = _drive(spec, store, client, todo, run_id, skipped, npusim_dir, delay, window, progress, log,
                         sim.__version__)
        store.end_run(run_id, summary.state, summary.message)
        return summary
    except KeyboardInterrupt:
        if run_id:
            store.end_run(run_id, "interrupted", "KeyboardInterrupt")
        raise
    except Exception as e:
        if run_id:
            store.end_run(run_id, "aborted", f"{type(e).__name__}: {e}")
        raise
    finally:
        if own_client and client is not None:
            try:
                client.close(timeout=10)
            except Exception:
                pass
        if cluster is not None:
            try:
                cluster.close(timeout=10)
            except Exception:
                pass
        store.close()


def _window(client, window):
    if window:
        return window
    try:
        threads = sum(client.nthreads().values())
    except Exception:
        threads = 0
    return max(8, 4 * threads)


def _drive(spec, store, client, todo, run_id, skipped, npusim_dir, delay, window, progress, log, version):
    from dask.distributed import as_completed
    from tqdm import tqdm
    refs = {}

    def ref(path):
        if path not in refs:
            refs[path] = _file_ref(path)
        return refs[path]

    def submit(p):
        task = {"point_id": p.point_id, "hw": ref(p.hw_path), "workload": ref(p.workload_path),
                "overrides": p.overrides, "npusim_dir": npusim_dir, "delay": delay}
        fut = client.submit(worker.run_point, task, key=f"npusim-point-{p.point_id}-{run_id}", pure=False)
        by_key[fut.key] = p
        return fut

    if not client.nthreads():
        log("waiting for Dask workers to connect ...")
    by_key = {}
    pending = iter(todo)
    ac = as_completed(loop=client.loop)
    started = 0
    for p in pending:
        ac.add(submit(p))
        started += 1
        if started >= _window(client, window):
            break
    done = failed = 0
    warned = set()
    bar = tqdm(total=len(todo), desc=spec.name, unit="pt", disable=not progress, file=sys.stderr,
               dynamic_ncols=True, smoothing=0.05)
    bar.set_postfix(done=0, failed=0, skipped=skipped)
    try:
        for fut in ac:
            p = by_key.pop(fut.key)
            if fut.status == "error":
                res = _failure_from_exception(fut, fut.exception())
            elif fut.status == "cancelled":
                raise SweepAborted(f"Dask cancelled point {p.point_id} (lost the scheduler?); "
                                   "committed points are kept, rerun to finish")
            else:
                res = fut.result()
            fut.release()
            if res.get("status") == "env_error":
                raise SweepAborted(res["error"])
            if res.get("sim_version") not in (None, version) and version not in warned:
                warned.add(version)
                (bar.write if progress else log)(
                    f"warning: worker {res.get('worker')} runs npusim {res.get('sim_version')}, the driver "
                    f"{version}; results record the worker's version")
            store.record(spec.name, p, res, run_id)
            if res["status"] == "done":
                done += 1
            else:
                failed += 1
                if failed <= 3:
                    msg = f"point {p.point_id} {p.overrides} failed: {res.get('error')}"
                    (bar.write if progress else log)(msg[:500])
                elif failed == 4:
                    (bar.write if progress else log)("more points failed; see `sweep.py status` / export")
            bar.update(1)
            bar.set_postfix(done=done, failed=failed, skipped=skipped, refresh=False)
            nxt = next(pending, None)
            if nxt is not None:
                ac.add(submit(nxt))
    finally:
        bar.close()
    state = "finished"
    msg = f"{done} done, {failed} failed, {skipped} skipped"
    log(f"sweep {spec.name}: {msg}")
    return RunSummary(run_id, len(todo), skipped, done, failed, state, msg)


def status(spec, db_path):
    """Counts of the sweep's points in the results file."""
    pts = spec.points()
    ids = {p.point_id for p in pts}
    counts = {"planned": len(pts), "done": 0, "failed": 0, "missing": 0, "other_rows": 0}
    if not os.path.exists(db_path):
        counts["missing"] = len(pts)
        return counts, []
    st = Store(db_path)
    try:
        have = st.statuses()
        for pid in ids:
            s = have.get(pid)
            counts[s if s else "missing"] += 1
        counts["other_rows"] = sum(1 for pid in have if pid not in ids)
        return counts, st.runs()
    finally:
        st.close()
