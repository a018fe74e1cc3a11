"""The results store, metrics, export and plots (no Dask: points run in-process)."""
import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import DATA, PYTHON, SCRIPTS, spawn, wait_until
from npusim_sweep import metrics, plot
from npusim_sweep import spec as specmod
from npusim_sweep import worker
from npusim_sweep.store import Store, StoreLocked


def _task(p):
    ref = lambda path: {"path": path, "text": open(path).read(),  # noqa: E731
                        "sha": __import__("hashlib").sha256(open(path).read().encode()).hexdigest()}
    return {"point_id": p.point_id, "hw": ref(p.hw_path), "workload": ref(p.workload_path),
            "overrides": p.overrides, "npusim_dir": None}


@pytest.fixture
def results(tmp_path, npusim):
    """The tiny sweep's 12 points run in-process into a results file."""
    spec = specmod.load(DATA / "sweep_tiny.yaml", sim=npusim)
    db = tmp_path / "tiny.sqlite"
    with Store(db, writer=True) as st:
        st.register_sweep(spec)
        run = st.begin_run(spec, 12, 0, "in-process")
        for p in spec.points():
            st.record(spec.name, p, worker.run_point(_task(p)), run)
        st.end_run(run, "finished")
    return spec, db


def test_sweep_store_rows_and_lock(results):
    spec, db = results
    st = Store(db)
    rows = st.rows()
    assert len(rows) == 12 and all(r["status"] == "done" and r["writes"] == 1 for r in rows)
    r = rows[0]
    assert r["stats"]["simulator"].startswith("npusim") and r["sim_version"] and len(r["config_hash"]) == 64
    assert r["wall_s"] > 0 and r["axes"]["array.max_lanes"] == 2
    assert st.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # The config hash follows the resolved configuration: equal points hash alike, others not.
    assert len({x["config_hash"] for x in rows}) == 12
    with Store(db, writer=True):
        with pytest.raises(StoreLocked):
            Store(db, writer=True)
        assert st.writer_active()
    assert not st.writer_active()
    st.close()


def test_sweep_metrics_expressions(results):
    spec, db = results
    rows = Store(db).rows()
    ev = metrics.Evaluator(spec.derived)
    r = rows[0]
    assert ev.value("throughput.value", r["stats"], r["axes"]) == r["stats"]["throughput"]["value"]
    assert ev.number("dram.channel_bandwidth", r["stats"], r["axes"]) == 4.0
    assert ev.value("macs", r["stats"], r["axes"]) == 256
    assert ev.value("generic_npu.macs * 2 / total_seconds / 1e9", r["stats"], r["axes"]) == pytest.approx(
        r["stats"]["generic_npu"]["macs"] * 2 / r["stats"]["total_seconds"] / 1e9)
    assert ev.value("breakdown.layers.0.name", r["stats"], r["axes"]) == "fc1"
    assert ev.value('axis("workload.models.0.precision.weight") * 2', r["stats"], r["axes"]) == 8
    with pytest.raises(metrics.MetricError):
        ev.value("__import__('os').system('true')", r["stats"], r["axes"])
    with pytest.raises(metrics.MetricError):
        ev.value("no_such.metric + 1", r["stats"], r["axes"])
    assert plot.pareto_front([(1, 1), (2, 3), (3, 2), (4, 4), (None, 9)]) == [0, 1, 3]
    assert plot.pareto_front([(1, 1), (2, 3), (3, 2)], "max", "max") == [1, 2]


def test_sweep_export_and_plots(results, tmp_path, sim_env):
    spec, db = results

    def cli(*args):
        r = subprocess.run([PYTHON, SCRIPTS / "sweep.py", *map(str, args)], env=sim_env, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    cli("export", db, "-o", tmp_path / "a.csv")
    with open(tmp_path / "a.csv") as f:
        recs = list(csv.DictReader(f))
    assert len(recs) == 12
    for col in ("point_id", "status", "dram.channel_bandwidth", "array.rows", "throughput.value",
                "generic_npu.mac_utilisation", "wall_s", "sim_version", "config_hash"):
        assert col in recs[0], col
    cli("export", DATA / "sweep_tiny.yaml", "--db", db, "-o", tmp_path / "a.json", "--full",
        "--metrics", "throughput.value,macs")
    doc = json.loads((tmp_path / "a.json").read_text())
    assert len(doc["points"]) == 12 and doc["points"][0]["stats"]["total_cycles"] > 0
    assert {p["macs"] for p in doc["points"]} == {256, 1024}
    outs = {
        "line.png": ["line", "--x", "dram.channel_bandwidth", "--y", "throughput.value", "--series", "array.rows",
                     "--facet", "workload.models.0.precision.weight", "--logx"],
        "line_auto.pdf": ["line", "--x", "dram.channel_bandwidth", "--y", "total_seconds"],
        "heat.png": ["heatmap", "--x", "dram.channel_bandwidth", "--y", "array.rows", "--z", "throughput.value",
                     "--where", "workload.models.0.precision.weight=8"],
        "pareto.png": ["pareto", "--x", "macs", "--y", "throughput.value", "--color", "dram.channel_bandwidth",
                       "--annotate"],
    }
    for name, args in outs.items():
        cli("plot", DATA / "sweep_tiny.yaml", "--db", db, args[0], "-o", tmp_path / name, *args[1:])
        assert (tmp_path / name).stat().st_size > 5000, name
    r = subprocess.run([PYTHON, SCRIPTS / "sweep.py", "plot", db, "heatmap", "-o", tmp_path / "x.png", "--x",
                        "dram.channel_bandwidth", "--y", "array.rows", "--z", "throughput.value"],
                       env=sim_env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "axes workload.models.0.precision.weight also vary" in r.stderr, r.stderr


def test_sweep_store_survives_sigkill_mid_write(tmp_path, sim_env):
    """A writer killed at a random moment loses no committed point and leaves a sound file."""
    db = tmp_path / "k.sqlite"
    prog = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(SCRIPTS)!r})
        from npusim_sweep.store import Store
        from npusim_sweep.spec import Point
        class S: name = "k"; file = "k.yaml"; text = ""; metrics = []; derived = {{}}
        def axis_paths(): return []
        S.axis_paths = staticmethod(axis_paths)
        st = Store({str(db)!r}, writer=True)
        run = st.begin_run(S, 0, 0, "")
        i = 0
        while True:
            p = Point("p%06d" % i, "hw", "wl", {{"i": i}})
            st.record("k", p, {{"status": "done", "stats": {{"blob": "x" * 20000, "i": i}}}}, run)
            print(p.point_id, flush=True)
            i += 1
    """)
    log = tmp_path / "writer.log"
    proc = spawn([sys.executable, "-c", prog], log, env=sim_env)
    wait_until(lambda: len(log.read_text().split()) >= 200, 30, "200 commits")
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    acknowledged = log.read_text().split()
    st = Store(db)
    assert st.con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    have = set(st.statuses())
    assert set(acknowledged) <= have and len(have) <= len(acknowledged) + 1
    st.close()
    with Store(db, writer=True) as w:  # the next driver marks the dead run interrupted
        assert w.runs()[0]["state"] == "interrupted"


def test_sweep_plan_skips_done_and_reruns_on_request(results):
    from npusim_sweep import execute
    spec, db = results
    with Store(db, writer=True) as st:
        todo, skipped = execute.plan(spec, st)
        assert (len(todo), skipped) == (0, 12)
        ids = [p.point_id for p in spec.points()]
        st.con.execute("UPDATE points SET status = 'failed', stats = NULL, error = 'x' WHERE point_id = ?", (ids[0],))
        st.con.execute("UPDATE points SET sim_version = 'old' WHERE point_id IN (?, ?)", (ids[1], ids[2]))
        assert len(execute.plan(spec, st)[0]) == 0
        assert [p.point_id for p in execute.plan(spec, st, retry_failed=True)[0]] == ids[:1]
        version = st.rows(ids=ids[3:4])[0]["sim_version"]
        assert [p.point_id for p in execute.plan(spec, st, rerun_version=version)[0]] == ids[1:3]


def test_sweep_mapping_axis_store_export_plot(tmp_path, npusim):
    """A schedule (mapping) axis: stats come back from the store exactly as npusim.run gives them,
    the export writes the mapping as JSON, plots group, order and select by content."""
    from conftest import REPO
    hw = REPO / "hw_configs" / "llm_npu" / "pmpd_4k.yaml"
    wl = REPO / "workloads" / "llm" / "mobilellama-1.4b" / "iwslt.yaml"
    path = "workload.models.0.schedule"
    p = tmp_path / "m.yaml"
    p.write_text(f"name: m\nhw: {hw}\nworkload: {wl}\noverrides: {{dram.channels: 1}}\n" + textwrap.dedent("""
        axes:
          - grid: {dram.channel_bandwidth: [16GB/s, 64GB/s]}
          - zip: {workload.models.0.schedule: [{type: uniform, bits: 16}, {type: uniform, bits: 2},
                                               {type: uniform, bits: 3}]}
        metrics: [llm.decode_tokens_per_s]
        """))
    spec = specmod.load(p, sim=npusim)
    db = tmp_path / "m.sqlite"
    with Store(db, writer=True) as st:
        st.register_sweep(spec)
        run = st.begin_run(spec, 6, 0, "in-process")
        for pt in spec.points():
            st.record(spec.name, pt, worker.run_point(_task(pt)), run)
        st.end_run(run, "finished")
        rows = st.rows(ids=[pt.point_id for pt in spec.points()])
    assert [r["status"] for r in rows] == ["done"] * 6
    direct = npusim.run(str(hw), str(wl), {"dram.channels": 1, "dram.channel_bandwidth": "64GB/s",
                                           path: {"type": "uniform", "bits": 3}})
    stored = next(r for r in rows if r["axes"]["dram.channel_bandwidth"] == "64GB/s"
                  and r["axes"][path] == {"type": "uniform", "bits": 3})
    assert stored["stats"]["llm"] == direct["llm"]
    recs, cols = metrics.flatten_rows(rows, spec.metrics)
    assert path in cols and recs[0][path] == '{"bits": 16, "type": "uniform"}'
    assert all(r["llm.decode_tokens_per_s"] > 0 for r in recs)
    assert [v for _, v in plot._levels(rows, path)] == [{"bits": b, "type": "uniform"} for b in (2, 3, 16)]
    assert plot._show(rows[0]["axes"][path]) == "{bits: 16, type: uniform}"
    sel = plot.select(rows, {path: "{type: uniform, bits: 2}"})
    assert len(sel) == 2 and all(r["axes"][path]["bits"] == 2 for r in sel)
    plot.line(rows, tmp_path / "l.png", "dram.channel_bandwidth", "llm.decode_tokens_per_s", facet=path)
    plot.heatmap(rows, tmp_path / "h.png", "dram.channel_bandwidth", path, "llm.decode_tokens_per_s")
    assert (tmp_path / "l.png").stat().st_size > 5000 and (tmp_path / "h.png").stat().st_size > 5000
