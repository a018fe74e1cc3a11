"""The results file: one SQLite database per sweep or study.

Durability rules:
  * WAL journal; the driver is the only writer and holds an exclusive lock file (<db>.lock,
    flock: released by the kernel even when the driver is SIGKILLed);
  * every finished point is committed in its own transaction (an upsert on the primary key
    point_id, so a point is one row however often it is written; `writes` counts the writes);
  * synchronous=NORMAL by default: a committed point survives the death of any process; only a
    power failure can drop the last commits (never corrupts). `durable=True` selects FULL.
Readers (status, export, plot) may run while a sweep writes.

The lock file sits next to the file the path resolves to (symbolic links followed), and is never
itself a symbolic link: two paths to one results file cannot give two drivers two locks. A file
that is not a readable results file (damaged, truncated, not SQLite) raises StoreDamaged, a
ValueError whose message says so, on opening or on reading.
"""
import errno
import fcntl
import json
import os
import socket
import sqlite3
import time
import uuid

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (
  name TEXT PRIMARY KEY, spec_file TEXT, spec_text TEXT, metrics TEXT, derived TEXT,
  axes TEXT, updated_at REAL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, sweep TEXT, spec_file TEXT, started_at REAL, ended_at REAL,
  state TEXT NOT NULL,            -- running | finished | interrupted | aborted
  host TEXT, pid INTEGER, scheduler TEXT, planned INTEGER, skipped INTEGER,
  done INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, message TEXT);
CREATE TABLE IF NOT EXISTS points (
  point_id TEXT PRIMARY KEY,      -- hash of (hw, workload, canonical overrides)
  sweep TEXT NOT NULL,            -- the sweep that last wrote it
  hw TEXT NOT NULL, workload TEXT NOT NULL,
  overrides TEXT NOT NULL,        -- canonical JSON {path: value}
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  stats TEXT,                     -- the full stats.json content (NULL when failed)
  error TEXT,                     -- the failure message (NULL when done)
  wall_s REAL,                    -- seconds the simulation took in the worker
  sim_version TEXT,               -- npusim.__version__ in the worker
  config_hash TEXT,               -- sha256 of resolved hw YAML + workload text + workload overrides
  run_id TEXT, worker TEXT, started_at REAL, finished_at REAL,
  writes INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS points_by_status ON points (status);
"""


class StoreLocked(RuntimeError):
    pass


class StoreDamaged(ValueError):
    def __init__(self, path, err):
        super().__init__(f"{path} is not a readable sweep results file ({err}): it is damaged, truncated or "
                         "not an npusim results file; move it aside (a rerun recomputes its points) or "
                         "restore it from a copy")


def _guarded(method):
    """Turn SQLite's damage errors in a reading method into StoreDamaged."""
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as e:
            raise StoreDamaged(self.path, e) from None
    wrapper.__doc__ = method.__doc__
    return wrapper


def connect(path, durable=False):
    con = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
    con.execute("PRAGMA busy_timeout = 30000")
    mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise RuntimeError(f"{path}: cannot switch SQLite to WAL mode (got {mode})")
    con.execute("PRAGMA synchronous = " + ("FULL" if durable else "NORMAL"))
    return con


class Store:
    def __init__(self, path, durable=False, writer=False):
        self.path = str(path)
        d = os.path.dirname(os.path.abspath(self.path))
        if writer:
            os.makedirs(d, exist_ok=True)
        elif not os.path.exists(self.path):
            raise FileNotFoundError(f"no results file {self.path}")
        self._lock_fd = None
        self.con = None
        if writer:
            self._lock()
        try:
            self._open(durable, writer)
        except sqlite3.DatabaseError as e:
            self.close()
            raise StoreDamaged(self.path, e) from None
        except BaseException:
            self.close()
            raise

    def _open(self, durable, writer):
        self.con = connect(self.path, durable)
        # Reads every page's structure (not the rows' contents): a truncated or overwritten file
        # fails here rather than halfway through a sweep or an export.
        check = self.con.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(check)
        if writer:
            with self.transaction():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.con.execute(stmt)
                self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                                 (str(SCHEMA_VERSION),))
                self.con.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (str(time.time()),))
                # Runs left 'running' belong to drivers that died: we hold the lock now.
                self.con.execute("UPDATE runs SET state = 'interrupted' WHERE state = 'running'")
        elif self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() is None:
            raise sqlite3.DatabaseError("no schema_version in its meta table")

    def lock_path(self):
        """<resolved results file>.lock: the same file whichever symbolic link named the results."""
        return os.path.realpath(self.path) + ".lock"

    # --- locking and transactions ---------------------------------------------------------
    def _lock(self):
        try:
            fd = os.open(self.lock_path(), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            if e.errno != errno.ELOOP:
                raise
            raise StoreLocked(f"the lock file {self.lock_path()} is a symbolic link; a sweep driver locks only a "
                              "regular file (remove the link if no driver is running)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            os.close(fd)
            raise StoreLocked(f"{self.path} is being written by another sweep driver ({holder}); "
                              "wait for it or stop it first") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        self._lock_fd = fd

    def writer_active(self):
        """True if some driver holds the lock (only meaningful from a reader)."""
        try:
            fd = os.open(self.lock_path(), os.O_RDWR | os.O_NOFOLLOW)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def transaction(self):
        store = self

        class _Tx:
            def __enter__(self):
                store.con.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type, exc, tb):
                store.con.execute("COMMIT" if exc_type is None else "ROLLBACK")
                return False
        return _Tx()

    def close(self):
        try:
            if self.con is not None:
                self.con.close()
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- writing --------------------------------------------------------------------------
    def register_sweep(self, spec):
        with self.transaction():
            self.con.execute(
                "INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "spec_file = excluded.spec_file, spec_text = excluded.spec_text, metrics = excluded.metrics, "
                "derived = excluded.derived, axes = excluded.axes, updated_at = excluded.updated_at",
                (spec.name, os.path.abspath(spec.file), spec.text, json.dumps(spec.metrics),
                 json.dumps(spec.derived), json.dumps(spec.axis_paths()), time.time()))

    def begin_run(self, spec, planned, skipped, scheduler):
        run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        with self.transaction():
            self.con.execute(
                "INSERT INTO runs (run_id, sweep, spec_file, started_at, state, host, pid, scheduler, "
                "planned, skipped) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                (run_id, spec.name, os.path.abspath(spec.file), time.time(), socket.gethostname(),
                 os.getpid(), scheduler, planned, skipped))
        return run_id

    def end_run(self, run_id, state, message=""):
        with self.transaction():
            self.con.execute("UPDATE runs SET state = ?, ended_at = ?, message = ? WHERE run_id = ?",
                             (state, time.time(), message, run_id))

    def record(self, sweep, point, result, run_id):
        """Commit one finished point (done or failed) in its own transaction."""
        ok = result["status"] == "done"
        row = (point.point_id, sweep, point.hw, point.workload, _canon(point.overrides),
               "done" if ok else "failed", json.dumps(result.get("stats")) if ok else None,
               None if ok else (result.get("error") or "unknown error"), result.get("wall_s"),
               result.get("sim_version"), result.get("config_hash"), run_id, result.get("worker"),
               result.get("started_at"), time.time())
        with self.transaction():
            self.con.execute(
                "INSERT INTO points (point_id, sweep, hw, workload, overrides, status, stats, error, wall_s, "
                "sim_version, config_hash, run_id, worker, started_at, finished_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(point_id) DO UPDATE SET "
                "sweep = excluded.sweep, status = excluded.status, stats = excluded.stats, "
                "error = excluded.error, wall_s = excluded.wall_s, sim_version = excluded.sim_version, "
                "config_hash = excluded.config_hash, run_id = excluded.run_id, worker = excluded.worker, "
                "started_at = excluded.started_at, finished_at = excluded.finished_at, "
                "writes = points.writes + 1", row)
            self.con.execute(f"UPDATE runs SET {'done' if ok else 'failed'} = "
                             f"{'done' if ok else 'failed'} + 1 WHERE run_id = ?", (run_id,))

    # --- reading --------------------------------------------------------------------------
    @_guarded
    def statuses(self, with_version=False):
        """{point_id: status} (or {point_id: (status, sim_version)})."""
        if with_version:
            return {r[0]: (r[1], r[2]) for r in self.con.execute("SELECT point_id, status, sim_version FROM points")}
        return dict(self.con.execute("SELECT point_id, status FROM points"))

    @_guarded
    def sweep_info(self, name=None):
        q = "SELECT name, spec_file, metrics, derived, axes FROM sweeps"
        rows = self.con.execute(q + (" WHERE name = ?" if name else "") + " ORDER BY updated_at",
                                (name,) if name else ()).fetchall()
        return [{"name": r[0], "spec_file": r[1], "metrics": json.loads(r[2] or "[]"),
                 "derived": json.loads(r[3] or "{}"), "axes": json.loads(r[4] or "[]")} for r in rows]

    @_guarded
    def runs(self):
        cols = ["run_id", "sweep", "started_at", "ended_at", "state", "host", "pid", "scheduler",
                "planned", "skipped", "done", "failed", "message"]
        rows = self.con.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY started_at").fetchall()
        return [dict(zip(cols, r)) for r in rows]

    @_guarded
    def rows(self, ids=None, status=None, with_stats=True):
        cols = ["point_id", "sweep", "hw", "workload", "overrides", "status", "stats", "error", "wall_s",
                "sim_version", "config_hash", "run_id", "worker", "started_at", "finished_at", "writes"]
        sel = cols if with_stats else [c for c in cols if c != "stats"]
        q, args = f"SELECT {', '.join(sel)} FROM points", []
        if status:
            q += " WHERE status = ?"
            args.append(status)
        q += " ORDER BY rowid"
        out = []
        wanted = set(ids) if ids is not None else None
        for r in self.con.execute(q, args):
            d = dict(zip(sel, r))
            if wanted is not None and d["point_id"] not in wanted:
                continue
            d["overrides"] = json.loads(d["overrides"])
            d["stats"] = json.loads(d["stats"]) if d.get("stats") else None
            d["axes"] = {"hw": d["hw"], "workload": d["workload"], **d["overrides"]}
            out.append(d)
        if ids is not None:  # keep the sweep's order
            order = {pid: i for i, pid in enumerate(ids)}
            out.sort(key=lambda d: order[d["point_id"]])
        return out


def _canon(d):
    return json.dumps(d, sort_keys=True, separators=(",", ":"))
