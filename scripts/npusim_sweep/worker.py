"""The function a Dask worker process runs for one point.

This module is shipped to the workers by value (cloudpickle), so workers need only npusim,
not this package: it imports nothing but the standard library at module level.

A task carries the config files' paths, their text and sha256. A worker uses the path when it
sees the same file there (shared file system, same checkout); otherwise it writes the shipped
text to a private temporary file (relative references inside a workload, such as dynamic
sparsity files, then need the shared file system).
"""
import hashlib
import importlib
import json
import os
import socket
import sys
import tempfile
import time

ENV_VAR = "NPUSIM_PYTHONPATH"
_file_sha_cache = {}


def import_npusim(hint=None):
    """npusim from $NPUSIM_PYTHONPATH, then the driver's module directory, then sys.path."""
    if "npusim" in sys.modules:
        return sys.modules["npusim"]
    dirs = [d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    if hint:
        dirs.append(hint)
    for d in dirs:
        if os.path.isdir(d) and d not in sys.path:
            sys.path.insert(0, d)
        try:
            return importlib.import_module("npusim")
        except ImportError:
            continue
    return importlib.import_module("npusim")  # raises ImportError with Python's message


def _sha_of_file(path):
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _file_sha_cache:
        with open(path, "rb") as f:
            _file_sha_cache[key] = hashlib.sha256(f.read()).hexdigest()
    return _file_sha_cache[key]


def materialise(ref):
    """A local path holding exactly the text the driver saw."""
    path, sha = ref["path"], ref["sha"]
    try:
        if os.path.isfile(path) and _sha_of_file(path) == sha:
            return path
    except OSError:
        pass
    local = os.path.join(tempfile.gettempdir(), f"npusim-sweep-{sha[:24]}-{os.path.basename(path)}")
    if not os.path.isfile(local):
        tmp = f"{local}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(ref["text"])
        os.replace(tmp, local)
    return local


def config_hash(sim, hw, wl_text, overrides):
    hw_ov = {k: v for k, v in overrides.items() if not k.startswith("workload.")}
    wl_ov = {k: v for k, v in overrides.items() if k.startswith("workload.")}
    h = hashlib.sha256(sim.resolve(hw, hw_ov).encode())
    h.update(b"\0workload\0" + wl_text.encode())
    h.update(b"\0" + json.dumps(wl_ov, sort_keys=True, separators=(",", ":")).encode())
    return h.hexdigest()


def run_point(task):
    """Run one point; never raises for a simulation problem (the result says `failed`)."""
    res = {"point_id": task["point_id"], "worker": f"{socket.gethostname()}:{os.getpid()}",
           "started_at": time.time()}
    try:
        sim = import_npusim(task.get("npusim_dir"))
    except ImportError as e:
        res.update(status="env_error", error=f"worker {res['worker']} cannot import npusim: {e} "
                   f"(set ${ENV_VAR} or PYTHONPATH on the workers to the directory of npusim*.so)")
        return res
    res["sim_version"] = getattr(sim, "__version__", "?")
    if task.get("delay"):
        time.sleep(task["delay"])  # test/demo throttle
    try:
        hw = materialise(task["hw"])
        wl = materialise(task["workload"])
        t0 = time.perf_counter()
        stats = sim.run(hw, wl, dict(task["overrides"]))
        res["wall_s"] = time.perf_counter() - t0
        res.update(status="done", stats=stats)
    except Exception as e:  # npusim.Error, InternalError, OSError, ...
        res.update(status="failed", error=f"{type(e).__name__}: {e}")
    try:
        res["config_hash"] = config_hash(sim, hw, task["workload"]["text"], task["overrides"])
    except Exception:
        res["config_hash"] = None
    return res
