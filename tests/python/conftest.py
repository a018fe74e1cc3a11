"""Shared fixtures for the Python tests: the npusim module, the sweep package, real Dask processes.

Run with Debian's interpreter and the module directory on PYTHONPATH:
    PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python -k sweep

Every process a test starts is registered here and killed at the end of the test (fixture
finalizer), at interpreter exit (atexit) and, should pytest itself be killed, by the kernel
(PR_SET_PDEATHSIG), so no dask-scheduler / dask-worker outlives the test run.
"""
import atexit
import ctypes
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
DATA = Path(__file__).resolve().parent / "data"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
DASK_SCHEDULER = "/usr/bin/dask-scheduler"
DASK_WORKER = "/usr/bin/dask-worker"

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

_started = []


def _kill(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def _kill_all():
    for p in list(_started):
        _kill(p)
    _started.clear()


atexit.register(_kill_all)


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def spawn(cmd, log_path, env=None, cwd=None):
    """Start a process in its own session (so its whole group can be killed); log to a file."""
    log = open(log_path, "ab")
    p = subprocess.Popen([str(c) for c in cmd], stdout=log, stderr=subprocess.STDOUT, env=env,
                         cwd=cwd, start_new_session=True, preexec_fn=_die_with_parent)
    log.close()
    _started.append(p)
    return p


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def db_rows(db, sql="SELECT count(*) FROM points"):
    """Query a results file that may not exist yet or may be mid-write (WAL: readers never block)."""
    if not os.path.exists(db):
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return None


def _find_npusim_dir():
    try:
        import npusim
        return os.path.dirname(os.path.abspath(npusim.__file__))
    except ImportError:
        pass
    from npusim_sweep import simenv
    try:
        return simenv.module_dir(simenv.import_npusim())
    except ImportError:
        return None


@pytest.fixture(scope="session")
def npusim_dir():
    d = _find_npusim_dir()
    if not d:
        pytest.skip("the npusim Python module is not built (build/python) and not on PYTHONPATH")
    return d


@pytest.fixture(scope="session")
def npusim(npusim_dir):
    import npusim as mod
    return mod


@pytest.fixture
def sim_env(npusim_dir):
    """Environment for child processes: npusim importable, Dask quiet."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([npusim_dir] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["NPUSIM_PYTHONPATH"] = npusim_dir
    env["DASK_DISTRIBUTED__WORKER__DAEMON"] = "False"
    return env


class DaskCluster:
    """A dask-scheduler and N dask-worker processes (--nthreads 1, no nanny) on 127.0.0.1."""

    def __init__(self, tmp, env, n_workers=2):
        if not (os.path.exists(DASK_SCHEDULER) and os.path.exists(DASK_WORKER)):
            pytest.skip("dask-scheduler / dask-worker not installed (apt install python3-distributed)")
        self.tmp, self.env = Path(tmp), env
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler = spawn([DASK_SCHEDULER, "--host", "127.0.0.1", "--port", self.port, "--no-dashboard",
                                "--idle-timeout", "300"], self.tmp / "scheduler.log", env=env)
        wait_until(self._port_open, 30, "dask-scheduler to listen")
        self.workers = [self._start_worker(i) for i in range(n_workers)]
        self.pids = self._wait_workers(n_workers)

    def _port_open(self):
        if self.scheduler.poll() is not None:
            raise RuntimeError("dask-scheduler exited:\n" + (self.tmp / "scheduler.log").read_text()[-3000:])
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _start_worker(self, i):
        return spawn([DASK_WORKER, self.address, "--nthreads", "1", "--nworkers", "1", "--no-nanny",
                      "--no-dashboard", "--host", "127.0.0.1", "--memory-limit", "0", "--death-timeout", "60",
                      "--name", f"w{i}", "--local-directory", self.tmp / f"w{i}"],
                     self.tmp / f"worker{i}.log", env=self.env)

    def _wait_workers(self, n, timeout=40):
        from distributed import Client
        c = Client(self.address, timeout=20, set_as_default=False)
        try:
            c.wait_for_workers(n, timeout=timeout)
            return c.run(os.getpid)  # {worker address: pid}
        finally:
            c.close()

    def kill_worker(self, i):
        self.workers[i].send_signal(signal.SIGKILL)
        self.workers[i].wait(timeout=10)

    def worker_pid(self, i):
        return self.workers[i].pid

    def stop(self):
        for p in self.workers + [self.scheduler]:
            _kill(p)
            if p in _started:
                _started.remove(p)


@pytest.fixture
def dask_cluster(tmp_path, sim_env):
    (tmp_path / "dask").mkdir()
    cluster = None
    try:
        cluster = DaskCluster(tmp_path / "dask", sim_env)
        yield cluster
    finally:
        if cluster is not None:
            cluster.stop()
        _kill_all()
