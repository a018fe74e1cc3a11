#!/usr/bin/python3
"""Run every paper reproduction and write the index docs/reproductions/README.md.

    /usr/bin/python3 scripts/reproduce/all.py [--quick] [--only PAPER ...] [--timeout S]
                                              [--scripts-dir DIR] [--out-dir DIR] [--no-run]

A reproduction is scripts/reproduce/<paper>.py (any .py here but all.py and _*.py). The protocol
(docs/reproductions/PROTOCOL.md): run as `/usr/bin/python3 <paper>.py [--quick] [--out-dir DIR]`,
it writes DIR/<paper>.md (the report) and DIR/<paper>.json:
    {"paper": str, "title": str, "notes": str,
     "rows": [{"quantity": str, "kind": "paper" | "calibration" | "spec", "paper": float,
               "simulated": float, "ratio": float, "tolerance": str, "within": bool}, ...]}
This runner executes each script (with a timeout), reads its JSON and writes DIR/README.md with
each paper's verdict: paper rows (predictions) within tolerance / total and the largest paper
miss, with the calibration (in-sample) and spec rows counted separately. --no-run only
rebuilds the index from the JSON files already there (a paper not run keeps the Run cell the
index had). Exit status 1 if a reproduction failed to run.
"""
import argparse
import datetime
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
ROW_FIELDS = {"quantity": str, "kind": str, "paper": (int, float), "simulated": (int, float), "tolerance": str,
              "within": bool}
KINDS = ("paper", "calibration", "spec")  # PROTOCOL.md "Row kinds"; the headline counts only "paper"


def discover(scripts_dir):
    return sorted(p for p in Path(scripts_dir).glob("*.py") if p.name != "all.py" and not p.name.startswith("_"))


def check_result(doc, paper):
    """Validate a reproduction JSON; return a list of problems (empty if fine)."""
    if not isinstance(doc, dict):
        return ["not a JSON object"]
    problems = []
    for k in ("paper", "title", "rows"):
        if k not in doc:
            problems.append(f"missing `{k}`")
    rows = doc.get("rows", [])
    if not isinstance(rows, list):
        return problems + ["`rows` is not a list"]
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            problems.append(f"rows[{i}] is not an object")
            continue
        for k, t in ROW_FIELDS.items():
            if k not in r:
                problems.append(f"rows[{i}] has no `{k}`")
            elif not isinstance(r[k], t) or (t == (int, float) and isinstance(r[k], bool)):
                problems.append(f"rows[{i}].{k} has the wrong type")
        if isinstance(r.get("kind"), str) and r["kind"] not in KINDS:
            problems.append(f"rows[{i}].kind is {r['kind']!r}, not one of {', '.join(KINDS)}")
    if doc.get("paper") not in (None, paper):
        problems.append(f"`paper` is {doc.get('paper')!r}, expected {paper!r} (the script's name)")
    return problems


def _ratio(r):
    if isinstance(r.get("ratio"), (int, float)) and not isinstance(r.get("ratio"), bool):
        return float(r["ratio"])
    if r.get("paper"):
        return float(r["simulated"]) / float(r["paper"])
    return math.inf


def _miss(r):
    """How far a number is from the paper: |log(ratio)| (symmetric in over/under-estimation)."""
    q = _ratio(r)
    return math.inf if not q > 0 or math.isinf(q) else abs(math.log(q))


def summarise(doc):
    """Per kind: rows within tolerance and total; the largest miss among the paper rows only."""
    rows = doc.get("rows", [])
    out = {}
    for kind in KINDS:
        sel = [r for r in rows if r.get("kind") == kind]
        out[kind] = {"within": sum(1 for r in sel if r.get("within") is True), "total": len(sel)}
    paper = [r for r in rows if r.get("kind") == "paper"]
    return dict(out["paper"], worst=max(paper, key=_miss) if paper else None,
                calibration=out["calibration"], spec=out["spec"])


def run_one(script, out_dir, quick, timeout, env):
    cmd = [PYTHON, str(script), "--out-dir", str(out_dir)] + (["--quick"] if quick else [])
    t0 = time.time()
    try:
        r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
        status = "ok" if r.returncode == 0 else f"exit status {r.returncode}"
        tail = (r.stdout + r.stderr)[-2000:]
    except subprocess.TimeoutExpired as e:
        status = f"timed out after {timeout}s"
        tail = ((e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""))[-2000:]
    return {"status": status, "seconds": time.time() - t0, "log": tail}


def collect(paper, out_dir, run_info):
    entry = {"paper": paper, "title": "", "run": run_info, "summary": None, "problem": None}
    path = Path(out_dir) / f"{paper}.json"
    if run_info and run_info["status"] != "ok":
        entry["problem"] = f"the script failed ({run_info['status']})"
    if not path.exists():
        entry["problem"] = entry["problem"] or f"wrote no {path.name}"
        return entry
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        entry["problem"] = f"{path.name} is not valid JSON: {e}"
        return entry
    problems = check_result(doc, paper)
    if problems:
        entry["problem"] = f"{path.name}: " + "; ".join(problems[:5])
        return entry
    entry["title"] = doc.get("title", "")
    entry["summary"] = summarise(doc)
    entry["notes"] = doc.get("notes", "")
    return entry


def _fmt_num(x):
    return f"{x:.4g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def previous_runs(readme):
    """Each paper's Run cell in an existing index, kept for the papers not run this time."""
    runs = {}
    if readme.exists():
        for line in readme.read_text().splitlines():
            if line.startswith("| [") or (line.startswith("| ") and "**no result**" in line):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                name = cells[0].split("]")[0].lstrip("[")
                runs[name] = cells[-1]
    return runs


def render_index(entries, quick, version, previous=None):
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = ["# Paper reproductions", "",
             "Generated by `scripts/reproduce/all.py`" + (" (--quick)" if quick else "") + f" on {now}"
             + (f" with {version}" if version else "") + ". Do not edit by hand: rerun "
             "`/usr/bin/python3 scripts/reproduce/all.py`.",
             "", "Each reproduction compares numbers reported in a paper with npusim's; a number is "
             "*within tolerance* when the reproduction's stated tolerance holds. Rows have a kind "
             "([PROTOCOL.md](PROTOCOL.md#row-kinds)): *paper* rows are predictions compared with a published "
             "(or measured) number, and only they make the headline; *calibration* rows are numbers the model "
             "or its inputs were fitted to (in-sample) and *spec* rows check the reproduction spec's own "
             "derivations, both counted separately. The *largest paper miss* is the paper row furthest from "
             "the paper (largest |log(simulated / paper)|). The protocol for adding a reproduction is in "
             "[PROTOCOL.md](PROTOCOL.md).", ""]
    if not entries:
        lines += ["No reproductions exist yet: add `scripts/reproduce/<paper>.py` following "
                  "[PROTOCOL.md](PROTOCOL.md) and rerun `all.py`.", ""]
        return "\n".join(lines)
    lines += ["| Paper | Title | Paper rows within tolerance | Largest paper miss | Calibration rows (in-sample) "
              "| Spec checks | Run |", "|---|---|---|---|---|---|---|"]
    for e in entries:
        run = e["run"]
        run_txt = ((previous or {}).get(e["paper"], "not run") if run is None else
                   f"{run['status']}, {run['seconds']:.0f}s" if run["status"] != "ok" else f"ok, {run['seconds']:.0f}s")
        link = f"[{e['paper']}]({e['paper']}.md)" if e["summary"] else e["paper"]
        if e["problem"] or not e["summary"]:
            lines.append(f"| {link} | {e['title'] or '-'} | **no result**: {e['problem']} | - | - | - | {run_txt} |")
            continue
        s = e["summary"]
        w = s["worst"]
        worst = "-" if w is None else (f"{w['quantity']}: paper {_fmt_num(w['paper'])}, simulated "
                                       f"{_fmt_num(w['simulated'])} (x{_ratio(w):.3g}, tolerance {w['tolerance']}, "
                                       + ("within" if w["within"] else "outside") + ")")
        verdict = f"{s['within']} / {s['total']}" + (" (all)" if s["within"] == s["total"] and s["total"] else "")
        others = [f"{s[k]['within']} / {s[k]['total']}" if s[k]["total"] else "-" for k in ("calibration", "spec")]
        lines.append(f"| {link} | {e['title']} | {verdict} | {worst} | {others[0]} | {others[1]} | {run_txt} |")
    done = [e["summary"] for e in entries if e["summary"]]

    def total(kind, field):
        return sum((s if kind == "paper" else s[kind])[field] for s in done)
    lines += ["", f"{len(entries)} reproduction(s), {len(done)} with results; paper rows within tolerance: "
              f"{total('paper', 'within')} of {total('paper', 'total')} (separately: calibration rows "
              f"{total('calibration', 'within')} of {total('calibration', 'total')}, spec checks "
              f"{total('spec', 'within')} of {total('spec', 'total')}).", ""]
    failed = [e for e in entries if e["run"] and e["run"]["status"] != "ok"]
    for e in failed:
        lines += [f"### {e['paper']}: {e['run']['status']}", "", "```", e["run"]["log"].strip()[-1500:], "```", ""]
    return "\n".join(lines)


def sim_version():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from npusim_sweep import simenv
        return "npusim " + simenv.import_npusim().__version__
    except Exception:
        return ""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="pass --quick to every reproduction")
    ap.add_argument("--only", nargs="*", help="run only these papers (the index still lists all)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per reproduction")
    ap.add_argument("--scripts-dir", default=str(HERE))
    ap.add_argument("--out-dir", default=str(REPO / "docs" / "reproductions"))
    ap.add_argument("--no-run", action="store_true", help="only rebuild the index from existing JSON")
    args = ap.parse_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    scripts_path = str(REPO / "scripts")
    env["PYTHONPATH"] = os.pathsep.join([scripts_path] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    entries, failed = [], 0
    for script in discover(args.scripts_dir):
        paper = script.stem
        info = None
        if not args.no_run and (not args.only or paper in args.only):
            print(f"[{paper}] running {script.name}{' --quick' if args.quick else ''} ...", flush=True)
            info = run_one(script, out_dir, args.quick, args.timeout, env)
            print(f"[{paper}] {info['status']} in {info['seconds']:.1f}s", flush=True)
            failed += info["status"] != "ok"
        entries.append(collect(paper, out_dir, info))
    text = render_index(entries, args.quick, sim_version(), previous_runs(out_dir / "README.md"))
    (out_dir / "README.md").write_text(text + "\n")
    print(f"wrote {out_dir / 'README.md'} ({len(entries)} reproductions)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
