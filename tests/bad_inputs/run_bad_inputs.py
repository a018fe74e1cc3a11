#!/usr/bin/python3
"""Runs every case of cases.yaml against an npusim binary.

usage: run_bad_inputs.py NPUSIM_BINARY [REPO_ROOT]

Each case must exit with status 2 within the time limit, print its expected message, never
report an internal error, and leave no stats.json in its output directory.

A case's `setup` list prepares special paths before the run (DIR, OUT, HW, WL substituted):
{fifo: PATH}, {symlink: PATH, to: TARGET}, {mkdir: PATH}, {sparse: PATH, bytes: N} (a file of N
bytes that takes no disk space). Every FIFO and symbolic link set up must still be there, the
same, after the run, and the files `unchanged` names must keep their contents.
"""
import os
import stat
import subprocess
import sys
import tempfile

import yaml

TIMEOUT_S = 60


def main():
    binary = os.path.abspath(sys.argv[1])
    root = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(os.path.dirname(__file__), "cases.yaml")) as f:
        spec = yaml.safe_load(f)
    failures = []
    for case in spec["cases"]:
        with tempfile.TemporaryDirectory() as d:
            paths = {}
            for key in ("hw", "workload"):
                content = case.get(key, spec["defaults"][key])
                if content.startswith("@"):
                    paths[key] = os.path.join(root, content[1:])
                else:
                    paths[key] = os.path.join(d, key + ".yaml")
                    with open(paths[key], "w") as f:
                        f.write(content)
            for name, content in case.get("files", {}).items():
                with open(os.path.join(d, name), "w") as f:
                    f.write(content)
            out = os.path.join(d, "out")
            subst = {"HW": paths["hw"], "WL": paths["workload"], "OUT": out, "DIR": d}
            _setup(case.get("setup", []), subst)
            before = {_subst(f, subst): open(_subst(f, subst), "rb").read() for f in case.get("unchanged", [])}
            args = case.get("args", ["run", "--hw", "HW", "--workload", "WL", "--out", "OUT"])
            args = [_subst(a, subst) for a in args]
            message = _subst(case["message"], subst)
            try:
                p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                failures.append(f"{case['name']}: hung (> {TIMEOUT_S} s)")
                continue
            problems = []
            if p.returncode != 2:
                problems.append(f"exit status {p.returncode}, expected 2")
            if message not in p.stderr:
                problems.append(f"message {message!r} not in stderr {p.stderr.strip()!r}")
            if "npusim: internal error" in p.stderr or "AddressSanitizer" in p.stderr or "runtime error" in p.stderr:
                problems.append("crashed or reported an internal error: " + p.stderr.strip()[:500])
            stats = os.path.join(out, "stats.json")
            if os.path.isfile(stats) and not os.path.islink(stats):
                problems.append("left a stats.json behind")
            problems += _intact(case.get("setup", []), subst, before)
            if problems:
                failures.append(f"{case['name']}: " + "; ".join(problems))
            else:
                print(f"ok   {case['name']}")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(spec['cases']) - len(failures)} of {len(spec['cases'])} bad-input cases passed")
    return 1 if failures else 0


def _setup(actions, subst):
    for a in actions:
        path = _subst(a.get("fifo") or a.get("symlink") or a.get("mkdir") or a.get("sparse"), subst)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if "fifo" in a:
            os.mkfifo(path)
        elif "symlink" in a:
            os.symlink(_subst(a["to"], subst), path)
        elif "mkdir" in a:
            os.makedirs(path, exist_ok=True)
        else:
            with open(path, "wb") as f:
                f.truncate(int(a["bytes"]))


def _intact(actions, subst, before):
    problems = []
    for a in actions:
        if "fifo" in a and not stat.S_ISFIFO(os.lstat(_subst(a["fifo"], subst)).st_mode):
            problems.append(f"replaced the FIFO {a['fifo']}")
        if "symlink" in a:
            path = _subst(a["symlink"], subst)
            if not os.path.islink(path) or os.readlink(path) != _subst(a["to"], subst):
                problems.append(f"replaced the symbolic link {a['symlink']}")
    for path, content in before.items():
        if open(path, "rb").read() != content:
            problems.append(f"changed {path} through a link")
    return problems


def _subst(text, subst):
    for k in sorted(subst, key=len, reverse=True):
        text = text.replace(k, subst[k])
    return text


if __name__ == "__main__":
    sys.exit(main())
