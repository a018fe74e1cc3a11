"""Finding the npusim Python module, in the driver and in the workers.

Order of precedence (first hit wins):
  1. an explicit directory (--npusim-path on the command line),
  2. the directories in $NPUSIM_PYTHONPATH (os.pathsep-separated),
  3. whatever `import npusim` finds on sys.path / $PYTHONPATH,
  4. <repo>/build/python, the CMake build output.
"""
import importlib
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT / "build" / "python"
ENV_VAR = "NPUSIM_PYTHONPATH"


class SimulatorNotFound(ImportError):
    pass


def _candidate_dirs(explicit=None):
    dirs = []
    if explicit:
        dirs.append(str(explicit))
    dirs += [d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    return dirs


def _has_module(d):
    try:
        return any(n.startswith("npusim") and (n.endswith(".so") or n.endswith(".pyd") or n == "npusim.py")
                   for n in os.listdir(d))
    except OSError:
        return False


def import_npusim(explicit=None):
    """Import npusim following the precedence above; raise SimulatorNotFound with advice."""
    if "npusim" in sys.modules:
        return sys.modules["npusim"]
    tried = []
    for d in _candidate_dirs(explicit):
        tried.append(d)
        if _has_module(d):
            if d not in sys.path:
                sys.path.insert(0, d)
            return importlib.import_module("npusim")
    try:
        return importlib.import_module("npusim")
    except ImportError:
        tried.append("sys.path")
    d = str(DEFAULT_DIR)
    tried.append(d)
    if _has_module(d):
        sys.path.insert(0, d)
        return importlib.import_module("npusim")
    raise SimulatorNotFound(
        "cannot import the npusim Python module (looked in: " + ", ".join(tried) + "); build it "
        "(cmake --build build) or point --npusim-path / $" + ENV_VAR + " at the directory holding "
        "npusim*.so")


def module_dir(mod):
    return os.path.dirname(os.path.abspath(mod.__file__))
